"""Statistics: the rollups folded from the event log (the ``fold_stats`` job), the leader's dashboard.
The public ``/stats`` page and the staff overview (the core) read the same rollups."""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "stats",
    "统计",
    "Statistics",
    page_routers=("lianxin.stats.views:router",),
    api_routers=("lianxin.stats.api:router",),
    cli=(("stats", "lianxin.stats.cli:stats_app"),),
    jobs=(Job("fold_stats", "lianxin.stats.fold:fold_stats", order=60),),
    nav=(Nav("/leader/dashboard", "领导驾驶舱", "Dashboard", {"leader", "dispatcher"}),),
)
