"""Open311 data: the extra questions a category asks (service definition attributes) and what an
Open311 client sent with each request that our appeal has no column for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.appeals.models import Appeal, Category
from lianxin.choices import Choice
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type


class Datatype(Choice):
    STRING = "string", "单行文本", "String"
    NUMBER = "number", "数字", "Number"
    DATETIME = "datetime", "日期时间", "Date and time"
    TEXT = "text", "多行文本", "Text"
    SINGLEVALUELIST = "singlevaluelist", "单选", "Single choice"
    MULTIVALUELIST = "multivaluelist", "多选", "Multiple choice"


class CategoryAttribute(Base):
    """An extra question of a category (问题分类附加字段), published as a GeoReport service attribute."""

    __tablename__ = "category_attributes"
    __table_args__ = (UniqueConstraint("category_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    datatype: Mapped[Datatype] = mapped_column(enum_column_type(Datatype, "attribute_datatype"))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    variable: Mapped[bool] = mapped_column(Boolean, default=True)  # False: information shown to the user only
    description: Mapped[str] = mapped_column(String(300))
    datatype_description: Mapped[str] = mapped_column(String(300), default="")
    order: Mapped[int] = mapped_column(Integer)
    values: Mapped[list] = mapped_column(JSON, default=list)  # [{"key": ..., "name": ...}] for the list types

    category: Mapped[Category] = relationship()


class Open311Request(Base):
    """The Open311 side of an appeal submitted through GeoReport: answers, media and client ids."""

    __tablename__ = "open311_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    media_url: Mapped[str | None] = mapped_column(String(500))
    address_id: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    appeal: Mapped[Appeal] = relationship()
