"""志愿服务: service points, activities with slots and eligibility, sign-up (self, by an organiser, waiting
list), QR check-in/out, the organiser's confirmation, service records with a checkable PDF certificate
(志愿服务记录与证明出具办法), and the 爱心超市 (goods, donations, redemptions for points, stock-take).

Layout: ``status.py`` the sign-up state machine, ``models.py``, ``service.py`` (activities and attendance),
``market.py`` (the 爱心超市), ``qr.py`` (signed check-in codes), ``certificate.py`` (PDF), ``views.py`` (volunteers), ``organiser_views.py``,
``api.py``, ``resident_api.py`` (the volunteer's own, by the resident sign-in), ``cli.py``, ``jobs.py`` (reminders), ``demo.py``. Points go through ``lianxin.points``.
"""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "volunteers",
    "志愿服务",
    "Volunteering",
    page_routers=(
        "lianxin.volunteers.views:router",
        "lianxin.volunteers.organiser_views:router",
        "lianxin.volunteers.market_views:router",
    ),
    api_routers=("lianxin.volunteers.resident_api:router", "lianxin.volunteers.api:router"),
    cli=(("volunteers", "lianxin.volunteers.cli:volunteers_app"),),
    jobs=(Job("volunteer_reminders", "lianxin.volunteers.jobs:send_reminders", order=83),),
    nav=(
        Nav("/volunteer", "志愿服务", "Volunteering", None),
        Nav("/volunteer/staff", "志愿活动管理", "Volunteer desk", {"grid_worker", "handler", "leader"}),
        Nav("/volunteer/market", "爱心超市", "Charity shop", {"grid_worker", "handler", "leader"}),
        Nav("/volunteer/stats", "志愿服务统计", "Volunteering statistics", {"leader"}),
    ),
    demo="lianxin.volunteers.demo:demo_hook",
    requires=("wishes", "points"),
)
