"""防返贫动态监测: return-to-poverty monitoring on the proactive-care household register — declarations from
residents (one tap, or a relative on their behalf), grid workers, appeals, wishes, alarms and data-matched
candidates; the village check (2 working days) and the county decision (20) on the clock; monitoring cases with
a risk score, measures, visits and relief payments from a fund ledger; 风险消除 by criteria as data, reviewed by
the county; the 清零 board. Everything is masked unless the role needs it, and every clear view is logged.

Layout: ``status.py`` (pure: value lists, state machines, clock, risk, criteria), ``models.py``, ``service.py``
(declarations: find and verify), ``cases.py`` (assist and clear), ``funds.py`` (funds and payments),
``board.py`` (the 清零 board and lists), ``jobs.py``, ``views.py``, ``me.py`` (residents), ``api.py``, ``cli.py``,
``demo.py``.
"""

from lianxin.modules import Job, Module, Nav

STAFF = {"grid_worker", "handler", "leader"}

MODULE = Module(
    "poverty",
    "防返贫监测",
    "Return-to-poverty monitoring",
    page_routers=(
        "lianxin.poverty.views:router",
        "lianxin.poverty.case_views:router",
        "lianxin.poverty.me:router",
    ),
    api_routers=("lianxin.poverty.api:router",),
    cli=(("poverty", "lianxin.poverty.cli:poverty_app"),),
    jobs=(
        Job("poverty_clock", "lianxin.poverty.jobs:clock_warnings", order=87),
        Job("poverty_candidates", "lianxin.poverty.jobs:find_candidates", order=88),
        Job("poverty_reviews", "lianxin.poverty.jobs:review_reminders", order=89),
    ),
    nav=(
        Nav("/poverty", "防返贫", "Hardship help", None),
        Nav("/staff/poverty", "防返贫监测", "Poverty monitoring", STAFF),
        Nav("/staff/poverty/board", "清零看板", "清零 board", STAFF),
        Nav("/staff/poverty/funds", "救助基金", "Relief funds", {"leader"}),
        Nav("/staff/poverty/audit", "防返贫查看日志", "Poverty data views", {"auditor"}),
    ),
    demo="lianxin.poverty.demo:seed_demo",
    requires=("care", "residents"),
)
