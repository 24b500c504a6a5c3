"""客货邮 rural logistics: parcels from the county hub ride the village buses' cargo compartments, chosen by an
optimiser (OR-Tools min-cost flow over the day's trips, capacitated vehicle routing for the van legs).

Layout: ``status.py`` the pure parcel lifecycle, ``models.py``, ``gtfs.py`` (feed import, service days with
Chinese holidays), ``optimiser.py`` (pure solver and the greedy baseline), ``service.py`` (the verbs, the only
door), ``views.py`` (desk, loading lists, service points, public tracking), ``api.py``, ``cli.py``, ``demo.py``.
"""

from lianxin.modules import Job, Module, Nav

MODULE = Module(
    "logistics",
    "客货邮",
    "Rural logistics",
    page_routers=("lianxin.logistics.views:router",),
    api_routers=("lianxin.logistics.api:router",),
    cli=(("logistics", "lianxin.logistics.cli:logistics_app"),),
    jobs=(Job("logistics_daily_plan", "lianxin.logistics.jobs:daily_plan", order=85),),
    nav=(
        Nav("/logistics", "客货邮调度", "Logistics desk", {"dispatcher"}),
        Nav("/logistics/points", "村级服务点", "Service points", {"grid_worker", "handler"}),
        Nav("/logistics/track", "包裹查询", "Track a parcel", None),
    ),
    demo="lianxin.logistics.demo:demo_hook",
    requires=("geo",),
)
