"""办实事 commitment lists: public ledgers with measurable targets, versions after publishing, joint meetings
(联席会议) and 三评 ratings (self-assessment, public rating, comprehensive review)."""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "pledges",
    "办实事",
    "Commitments",
    page_routers=(
        "lianxin.pledges.admin_views:router",
        "lianxin.pledges.pages:router",
        "lianxin.pledges.public:router",
        "lianxin.pledges.public_views:router",
        "lianxin.pledges.views:router",
    ),
    api_routers=("lianxin.pledges.api:router", "lianxin.pledges.api:public_router"),
    cli=(("pledges", "lianxin.pledges.cli:pledges_app"),),
    jobs=(Job("pledges_overdue", "lianxin.pledges.cli:overdue_job", order=82),),
    nav=(
        Nav("/pledges", "办实事", "Commitments", None),
        Nav("/staff/pledges", "办实事台账", "Commitment ledgers", {"leader", "handler"}),
        Nav("/leader/pledges", "办实事总览", "Commitments overview", {"leader"}),
        Nav("/staff/pledges/meetings", "联席会议", "Joint meetings", {"leader", "handler", "operator", "dispatcher"}),
    ),
    demo="lianxin.pledges.demo:demo_hook",
)
