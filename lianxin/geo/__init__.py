"""Places: unit boundaries (GeoJSON), the gazetteer, locating an appeal. ``lianxin geo import|export``."""

from lianxin.modules import Module

MODULE = Module(
    "geo",
    "地理位置",
    "Geography",
    cli=(("geo", "lianxin.geo.cli:geo_app"),),
    demo="lianxin.geo.demo:seed_demo",
    hooks={
        "before_intake": "lianxin.geo.service:fill_location",
        "map_boundaries": "lianxin.geo.maps:map_boundaries",
        "locate_point": "lianxin.geo.maps:locate_point",
    },
)
