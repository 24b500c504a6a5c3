"""Trained routing models (versioned per jurisdiction) and the training labels dispatchers give.

The serialized model lives in the database (``model_bytes``, joblib + zlib, a few MB): it is then
versioned, backed up and rolled back with the data it was trained on, every web worker and job sees
the same active version without a shared file system, and a new version commits atomically.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime


class RoutingModel(Base):
    """One trained version; the highest version of a jurisdiction is the active one."""

    __tablename__ = "routing_models"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    n_samples: Mapped[int] = mapped_column(Integer)
    classes: Mapped[list] = mapped_column(JSON)  # category ids the model predicts
    metrics: Mapped[dict] = mapped_column(JSON)  # cross-validation figures and fit time
    model_bytes: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class RoutingLabel(Base):
    """A category a person confirmed or chose for an appeal: training data for the next model."""

    __tablename__ = "routing_labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    predicted_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    source: Mapped[str] = mapped_column(String(16))  # intake | confirmation | correction
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
