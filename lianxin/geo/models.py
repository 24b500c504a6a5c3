"""Unit boundaries (GeoJSON polygons with bounding boxes) and the gazetteer of place names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.choices import Choice
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type
from lianxin.orgs.models import Unit


class PlaceKind(Choice):
    STREET = "street", "街道", "Street"  # 街道/乡镇
    COMMUNITY = "community", "社区", "Community"
    ROAD = "road", "路", "Road"  # 路/街/巷
    COMPOUND = "compound", "小区", "Residential compound"
    VILLAGE = "village", "村", "Village"  # 村/组
    LANDMARK = "landmark", "地标", "Landmark"


PLACE_KIND_LABELS = {k: k.zh for k in PlaceKind}  # older spelling of PlaceKind.X.zh


class UnitArea(Base):
    """The boundary of a district, street, community or grid; the bbox columns are an indexed pre-filter."""

    __tablename__ = "unit_areas"
    __table_args__ = (Index("ix_unit_areas_bbox", "jurisdiction_id", "min_lat", "max_lat"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    geometry: Mapped[dict] = mapped_column(JSON)  # a GeoJSON Polygon or MultiPolygon, [lng, lat] order
    min_lat: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    min_lng: Mapped[float] = mapped_column(Float)
    max_lng: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class Place(Base):
    """A place name of the deployment (road, 小区, village, landmark …) and the unit it lies in."""

    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "name", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[PlaceKind] = mapped_column(enum_column_type(PlaceKind, "place_kind"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")
