"""积分: one double-entry points ledger for all of Lianxin (TimeOverflow's pattern).

Every entry moves a positive amount from one account to another, so the ledger sums to zero by
construction (CHECK constraints); balances are derived from the entries and a cached balance is checked
against them. Earning rules are data, versioned; an entry records the rule version that made it.
Corrections are reversal entries, never edits. Layout: ``models.py``, ``service.py`` (the only door),
``views.py`` (我的积分, the staff ledger), ``api.py``, ``cli.py``, ``jobs.py`` (points for realised wishes, completed
visits and appeals solved by 双报到 members).
"""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "points",
    "积分",
    "Points",
    page_routers=("lianxin.points.views:router",),
    api_routers=("lianxin.points.api:router",),
    cli=(("points", "lianxin.points.cli:points_app"),),
    jobs=(
        Job("points_for_wishes", "lianxin.points.jobs:credit_realised_wishes", order=85),
        Job("points_for_visits", "lianxin.points.jobs:credit_visits", order=87),
        Job("points_for_appeals", "lianxin.points.jobs:credit_solved_appeals", order=88),
    ),
    nav=(
        Nav("/points/me", "我的积分", "My points", set()),
        Nav("/points/staff", "积分台账", "Points ledger", {"leader", "handler", "grid_worker"}),
    ),
    init_defaults="lianxin.points.service:ensure_rules",
    requires=("wishes",),
)
