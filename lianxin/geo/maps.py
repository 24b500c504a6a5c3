"""What the core's maps ask of geo (hooks ``map_boundaries`` and ``locate_point``): the units' boundaries
with their names only, and the community a clicked point falls in."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianxin.geo.service import OUTSIDE_EN, OUTSIDE_ZH, boundaries_geojson, inside_jurisdiction, locate


def map_boundaries(session: Session, jurisdiction_id: int, kind: str) -> dict | None:
    """The boundaries of one unit kind as a FeatureCollection whose properties are the unit's id and
    name, nothing else; ``None`` when the jurisdiction has none of that kind."""
    collection = boundaries_geojson(session, jurisdiction_id, kind)
    if not collection["features"]:
        return None
    features = [
        {
            "type": "Feature",
            "id": f["id"],
            "geometry": f["geometry"],
            "properties": {"unit_id": f["properties"]["unit_id"], "name": f["properties"]["name"]},
        }
        for f in collection["features"]
    ]
    return {"type": "FeatureCollection", "features": features}


def locate_point(session: Session, jurisdiction_id: int, lat: float, lng: float) -> dict | None:
    """``{"inside", "community_id", "name", "message_zh", "message_en"}`` for a point; ``None`` when the
    jurisdiction has no boundaries (nothing can be said)."""
    where = locate(session, jurisdiction_id, lat, lng)
    if where.found:
        community = where.community
        return {
            "inside": True,
            "community_id": community.id if community else None,
            "name": community.name if community else None,
        }
    inside = inside_jurisdiction(session, jurisdiction_id, lat, lng)
    if inside is None:
        return None
    if inside:
        return {"inside": True, "community_id": None, "name": None}
    return {"inside": False, "community_id": None, "name": None, "message_zh": OUTSIDE_ZH, "message_en": OUTSIDE_EN}
