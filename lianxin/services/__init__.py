"""政务服务: the service catalogue (一次告知 guides, Chinese search), 一件事 bundles, applications online or at a
window (亲友代办 by an authorised relative), appointments on the working-day calendar, and 好差评 whose bad
ratings become rectification work orders in the appeal core."""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "services",
    "政务服务",
    "Government services",
    page_routers=("lianxin.services.views:router", "lianxin.services.hall:router"),
    api_routers=("lianxin.services.api:router", "lianxin.services.api_hall:router"),
    cli=(("services", "lianxin.services.cli:services_app"),),
    jobs=(
        Job("services_no_shows", "lianxin.services.appointments:mark_no_shows", order=83),
        Job("services_ratings", "lianxin.services.ratings:sync_ratings_job", order=84),
        Job("services_reminders", "lianxin.services.appointments:send_reminders", order=85),
    ),
    nav=(
        Nav("/services", "政务服务", "Services", None),
        Nav("/staff/services", "办件受理", "Service applications", {"handler", "operator"}),
        Nav("/leader/services", "好差评", "Service ratings", {"leader", "dispatcher"}),
        Nav("/staff/services/queue", "大厅叫号", "Hall queue", {"handler", "operator"}),
        Nav("/admin/services/windows", "大厅窗口", "Service windows", {"admin"}),
    ),
    demo="lianxin.services.demo:seed_demo",
    requires=("residents",),
)
