"""Assessment (考评): the three rates, monthly rankings and report, exclusions, supervision rules."""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "assessment",
    "考评",
    "Assessment",
    page_routers=("lianxin.assessment.views:router",),
    api_routers=("lianxin.assessment.api:router",),
    cli=(("assess", "lianxin.assessment.cli:assess_app"),),
    jobs=(Job("supervise_by_rules", "lianxin.assessment.supervision:supervise_by_rules", order=50),),
    nav=(
        Nav("/assessment/monthly", "考评排名", "Rankings", {"leader", "dispatcher"}),
        Nav("/leader/supervision", "督办清单", "Supervision", {"leader", "dispatcher"}),
        Nav("/assessment/settings", "考评设置", "Assessment settings", {"admin"}),
    ),
    hooks={"rate_weights": "lianxin.assessment.service:rate_weights"},
    requires=("stats",),
)
