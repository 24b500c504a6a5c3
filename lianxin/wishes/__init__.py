"""微心愿 micro-wish board with party organisations and members (双报到, 先锋岗) and yearly quotas.

Layout (the same as every domain): ``status.py`` the pure state machine, ``models.py``; the verbs (the only
door) in ``service.py`` (intake and triage), ``claims.py`` (claim to 销号) and ``people.py`` (organisations,
members, 双报到, 先锋岗); ``queries.py`` (reading, quotas, counts); pages in ``views.py`` (public),
``staff_views.py``, ``member_views.py``, ``board_views.py`` and ``me.py`` (我的心愿); ``api.py`` (``/api/v1/wishes``),
``cli.py``, ``jobs.py``, ``demo.py``, ``ledger.py`` / ``export.py`` (台账 and the leaders' workbook).
"""

from lianxin.modules import Job, Module, Nav, RoleDef

MODULE = Module(
    "wishes",
    "微心愿",
    "Micro-wishes",
    page_routers=(
        "lianxin.wishes.views:router",
        "lianxin.wishes.staff_views:router",
        "lianxin.wishes.member_views:router",
        "lianxin.wishes.board_views:router",
        "lianxin.wishes.org_views:router",
        "lianxin.wishes.me:router",
    ),
    api_routers=("lianxin.wishes.api:router",),
    cli=(("wishes", "lianxin.wishes.cli:wishes_app"),),
    jobs=(
        Job("wishes_review_filed", "lianxin.wishes.jobs:review_filed", order=80),
        Job("wishes_claim_reminders", "lianxin.wishes.jobs:claim_reminders", order=81),
        Job("wishes_quota_reminders", "lianxin.wishes.jobs:quota_reminders", order=81),
    ),
    nav=(
        Nav("/wishes", "微心愿", "Micro-wishes", None),
        Nav("/wishes/staff", "心愿工作台", "Wish desk", {"grid_worker", "handler", "leader"}),
        Nav("/wishes/mine", "我的认领", "My wishes", set()),
        Nav("/wishes/stats", "心愿统计", "Wish statistics", {"leader"}),
        Nav("/wishes/org", "党组织看板", "Organisation board", {"party_secretary", "leader"}),
        Nav("/wishes/orgs", "党组织", "Party organisations", {"leader"}),
    ),
    demo="lianxin.wishes.demo:demo_hook",
    roles=(RoleDef("party_secretary", "党组织书记", "Party secretary"),),
    hooks={
        "after_sign_in": "lianxin.wishes.people:link_user",
        "after_resident_sign_in": "lianxin.wishes.people:link_resident",
    },
)
