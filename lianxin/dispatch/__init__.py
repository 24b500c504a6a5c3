"""The dispatch catalogue (派单目录: category × area → lead, co and informed units) and repeat detection."""

from lianxin.modules import Job, Module, Nav

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
    hooks={"after_demo": "lianxin.dispatch.repeats:index_after_demo"},
    # the keywords of the appeals taken since the last run, for the repeat lookup (before the jobs that read them)
    jobs=(Job("index_terms", "lianxin.dispatch.repeats:index_pending", order=5),),
)
