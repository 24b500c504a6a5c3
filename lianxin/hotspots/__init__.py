"""Hotspots (热点): clusters of similar appeals in one place and time, refreshed by a job; ``lianxin hotspots``
runs the engine over a CSV."""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "hotspots",
    "热点",
    "Hotspots",
    page_routers=("lianxin.hotspots.views:router",),
    api_routers=("lianxin.hotspots.api:router",),
    cli=(("hotspots", "lianxin.hotspots.cli:hotspots"), ("eval", "lianxin.hotspots.cli:eval_app")),
    jobs=(Job("refresh_hotspots", "lianxin.hotspots.service:refresh_hotspots", order=90),),
    nav=(Nav("/hotspots", "热点", "Hotspots", {"leader", "dispatcher", "handler"}),),
)
