"""来电 (the telephone side of the hotline): call events from the switch (CTI / PBX), the operator's desk pop,
intakes linked to their call with its recording, expert seats (专家座席) by domain, merged department hotlines
(一号通) that arrive pre-classified and transfers to the utilities' own hotlines."""

from lianxin.modules import Module, Nav

MODULE = Module(
    "calls",
    "来电",
    "Calls",
    page_routers=("lianxin.calls.views:router", "lianxin.calls.admin:router"),
    api_routers=("lianxin.calls.api:router",),
    cli=(("calls", "lianxin.calls.cli:calls_app"),),
    nav=(
        Nav("/staff/calls/expert", "专家座席", "Expert seats", {"operator", "dispatcher"}),
        Nav("/admin/calls", "热线与座席", "Hotlines and seats", {"admin"}),
    ),
    init_defaults="lianxin.calls.defaults:ensure_defaults",
    demo="lianxin.calls.demo:seed_demo",
    hooks={"after_desk_intake": "lianxin.calls.service:link_desk_intake"},
)
