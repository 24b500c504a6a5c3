"""The dispatch catalogue (派单目录: category × area → lead, co and informed units) and repeat detection."""

from lianxin.modules import Module, Nav

MODULE = Module(
    "dispatch",
    "派单目录",
    "Dispatch catalogue",
    page_routers=("lianxin.dispatch.views:router",),
    api_routers=("lianxin.dispatch.api:router",),
    cli=(("dispatch", "lianxin.dispatch.cli:dispatch_app"), ("eval", "lianxin.dispatch.cli:eval_app")),
    nav=(Nav("/admin/catalogue", "派单目录", "Dispatch catalogue", {"admin", "dispatcher"}),),
    demo="lianxin.dispatch.demo:seed_demo",
    requires=("geo",),
    hooks={"after_intake": "lianxin.dispatch.repeats:index_appeal"},
)
