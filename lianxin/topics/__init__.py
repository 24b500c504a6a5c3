"""每月一题 (topic of the month): a hotspot becomes a topic with tasks, policies and a measured effect."""

from lianxin.modules import Module, Nav

MODULE = Module(
    "topics",
    "每月一题",
    "Topic of the month",
    page_routers=("lianxin.topics.views:router",),
    api_routers=("lianxin.topics.api:router",),
    nav=(Nav("/topics", "每月一题", "Topic of the month", {"leader", "handler", "dispatcher"}),),
    hooks={"hotspot_topics": "lianxin.topics.service:topics_of_hotspot"},
    requires=("hotspots",),
)
