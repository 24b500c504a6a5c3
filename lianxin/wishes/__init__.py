"""微心愿 micro-wish board with party organisations and members (双报到, 先锋岗) and yearly quotas.

Layout (the same as every domain): ``status.py`` the pure state machine, ``models.py``, ``service.py`` (one verb
per action, the only door), ``views.py`` (pages, ``router``), ``api.py`` (``router`` under ``/wishes``, mounted
at ``/api/v1``), ``jobs.py`` (``JOBS``: ``(name, fn(session, settings, now))``), ``demo.py``
(``build_demo(session, settings, rng, password=...)``), ``export.py`` (the leaders' workbook).
"""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "wishes",
    "微心愿",
    "Micro-wishes",
    page_routers=("lianxin.wishes.views:router", "lianxin.wishes.me:router"),
    api_routers=("lianxin.wishes.api:router",),
    cli=(("wishes", "lianxin.wishes.cli:wishes_app"),),
    jobs=(
        Job("wishes_review_filed", "lianxin.wishes.jobs:review_filed", order=80),
        Job("wishes_claim_reminders", "lianxin.wishes.jobs:claim_reminders", order=81),
    ),
    nav=(
        Nav("/wishes", "微心愿", "Micro-wishes", None),
        Nav("/wishes/staff", "心愿工作台", "Wish desk", {"grid_worker", "handler", "leader"}),
        Nav("/wishes/mine", "我的认领", "My wishes", set()),
        Nav("/wishes/stats", "心愿统计", "Wish statistics", {"leader"}),
    ),
    demo="lianxin.wishes.demo:demo_hook",
)
