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

from lianxin.modules import Job, Module

MODULE = Module(
    "poverty",
    "防返贫监测",
    "Return-to-poverty monitoring",
    cli=(("poverty", "lianxin.poverty.cli:poverty_app"),),
    jobs=(
        Job("poverty_clock", "lianxin.poverty.jobs:clock_warnings", order=87),
        Job("poverty_candidates", "lianxin.poverty.jobs:find_candidates", order=88),
        Job("poverty_reviews", "lianxin.poverty.jobs:review_reminders", order=89),
    ),
    demo="lianxin.poverty.demo:seed_demo",
    requires=("care", "residents"),
)
