"""Recording training labels (light: no machine-learning imports, so the appeal verbs can call it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, Category
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput
from lianxin.orgs.models import User
from lianxin.routing.models import RoutingLabel

SOURCES = ("intake", "confirmation", "correction")


def record_label(
    session: Session,
    appeal: Appeal,
    category_id: int,
    *,
    actor: User | None,
    predicted_category_id: int | None = None,
    source: str = "correction",
) -> RoutingLabel:
    """Store that ``actor`` chose ``category_id`` for ``appeal`` (the model had said ``predicted_category_id``)."""
    if source not in SOURCES:
        raise InvalidInput(f"未知的标注来源：{source}", f"unknown label source {source!r}", field="source")
    for field, cid in (("category_id", category_id), ("predicted_category_id", predicted_category_id)):
        category = session.get(Category, cid) if cid is not None else None
        if cid is not None and (category is None or category.jurisdiction_id != appeal.jurisdiction_id):
            raise InvalidInput("问题分类不存在", "unknown category", field=field)
    label = RoutingLabel(
        jurisdiction_id=appeal.jurisdiction_id,
        appeal_id=appeal.id,
        category_id=category_id,
        predicted_category_id=predicted_category_id,
        source=source,
        actor_id=actor.id if actor else None,
        created_at=utcnow(),
    )
    session.add(label)
    session.flush()
    return label


def label_recategorized(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    previous_category_id: int | None,
    predicted_category_id: int | None = None,
) -> RoutingLabel:
    """The ``after_recategorize`` hook: the centre's choice is a confirmation (same category) or a correction."""
    changed = previous_category_id is None or previous_category_id != appeal.category_id
    return record_label(
        session,
        appeal,
        appeal.category_id,
        actor=actor,
        predicted_category_id=predicted_category_id,
        source="correction" if changed else "confirmation",
    )
