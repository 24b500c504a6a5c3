"""A commitment list's lifecycle (draft → approved → published → archived) and its published versions: each
publish stores the snapshot, its sha256 digest and the diff from the previous version. The verbs never commit."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput
from lianxin.orgs.models import User
from lianxin.pledges.models import (
    PledgeItem,
    PledgeList,
    PledgeListVersion,
)
from lianxin.pledges.service import (
    _event,
    _optional_text,
    _require,
    _target_snapshot,
    _text,
    _unit,
    can_decide,
    can_manage,
)
from lianxin.pledges.status import (
    ItemStatus,
    ListAction,
    ListStatus,
    diff_versions,
    is_empty_diff,
    next_list_status,
)


def create_list(
    session: Session,
    *,
    actor: User,
    title: str,
    year: int,
    campaign: str = "我为群众办实事",
    owner_unit_id: int | None = None,
    party_org_id: int | None = None,
    description: str = "",
    rating_weights: dict | None = None,
) -> PledgeList:
    jid = actor.jurisdiction_id
    _unit(session, jid, owner_unit_id, "owner_unit")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("年度应为 2000–2100 之间的年份", "the year must be between 2000 and 2100", field="year")
    if owner_unit_id is None and party_org_id is None:
        raise InvalidInput("请选择责任单位或党组织", "choose an owner unit or a party organisation", field="owner_unit")
    weights = _weights(rating_weights) if rating_weights is not None else None
    plist = PledgeList(
        jurisdiction_id=jid,
        title=_text(title, "title", "清单名称", "Title"),
        year=year,
        campaign=_text(campaign, "campaign", "活动名称", "Campaign", longest=100),
        owner_unit_id=owner_unit_id,
        party_org_id=party_org_id,
        description=_optional_text(description, "description", "说明", "Description", 2000),
        status=ListStatus.DRAFT,
        version=0,
        pending_changes=False,
        created_by_id=actor.id,
    )
    if weights:
        plist.rating_weights = weights
    _require(can_manage(session, actor, plist))
    session.add(plist)
    session.flush()
    _event(session, plist, "created", actor=actor, to_status=ListStatus.DRAFT)
    session.flush()
    return plist


def _weights(weights: dict) -> dict:
    try:
        cleaned = {k: float(weights.get(k, 0)) for k in ("self", "public", "review")}
    except (TypeError, ValueError):
        raise InvalidInput("三评权重应为数字", "the 三评 weights are numbers", field="rating_weights") from None
    if any(v < 0 for v in cleaned.values()) or sum(cleaned.values()) <= 0:
        raise InvalidInput(
            "三评权重不能为负，且合计须大于 0", "weights are non-negative and sum above 0", field="rating_weights"
        )
    return cleaned


def _list_action(
    session: Session, plist: PledgeList, action: ListAction, *, actor: User, payload: dict | None = None
) -> ListStatus:
    _require(can_decide(session, actor, plist))
    before = plist.status
    plist.status = next_list_status(before, action)
    _event(session, plist, action.value, actor=actor, from_status=before, to_status=plist.status, payload=payload)
    return before


def approve_list(session: Session, plist: PledgeList, *, actor: User, note: str = "") -> PledgeList:
    if not any(i.status != ItemStatus.CANCELLED for i in plist.items):
        raise Conflict("清单还没有事项，不能审定", "the list has no items yet", field="items")
    _list_action(session, plist, ListAction.APPROVE, actor=actor, payload={"note": note.strip()[:500]})
    session.flush()
    return plist


def revise_list(session: Session, plist: PledgeList, *, actor: User, note: str = "") -> PledgeList:
    _list_action(session, plist, ListAction.REVISE, actor=actor, payload={"note": note.strip()[:500]})
    session.flush()
    return plist


def archive_list(session: Session, plist: PledgeList, *, actor: User) -> PledgeList:
    _list_action(session, plist, ListAction.ARCHIVE, actor=actor)
    session.flush()
    return plist


def item_snapshot(item: PledgeItem) -> dict:
    return {
        "title": item.title,
        "parent_id": item.parent_id,
        "owner_unit": item.owner_unit.name if item.owner_unit else "",
        "lead_official": item.lead_official,
        "category": item.category,
        "area": item.area,
        "start_on": item.start_on.isoformat() if item.start_on else None,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "budget_planned": str(item.budget_planned) if item.budget_planned is not None else None,
        "fund_source": item.fund_source,
        "weight": item.weight,
        "cancelled": item.status == ItemStatus.CANCELLED,
        "targets": [_target_snapshot(t) for t in item.targets],
        "position": item.position,
        "external_id": item.external_id,
    }


def list_snapshot(session: Session, plist: PledgeList) -> dict:
    items = session.scalars(
        select(PledgeItem)
        .where(PledgeItem.list_id == plist.id)
        .order_by(PledgeItem.position, PledgeItem.id)
        .options(selectinload(PledgeItem.targets))
    ).all()
    return {
        "list": {
            "title": plist.title,
            "year": plist.year,
            "campaign": plist.campaign,
            "owner_unit": plist.owner_unit.name if plist.owner_unit else "",
            "description": plist.description,
        },
        "items": {str(i.id): item_snapshot(i) for i in items},
    }


def snapshot_digest(snapshot: dict) -> str:
    text = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def publish_list(session: Session, plist: PledgeList, *, actor: User, note: str = "") -> PledgeListVersion:
    """公示: the first time from an approved list; again (a new version) only when something changed, with a note."""
    session.expire(plist, ["items"])
    snapshot = list_snapshot(session, plist)
    previous = plist.versions[0] if plist.versions else None
    if previous is None:
        changes = diff_versions({}, snapshot["items"])
    else:
        changes = diff_versions(previous.snapshot["items"], snapshot["items"])
        list_changes = {
            k: [previous.snapshot["list"].get(k), v]
            for k, v in snapshot["list"].items()
            if previous.snapshot["list"].get(k) != v
        }
        if list_changes:
            changes["list"] = list_changes
        if plist.status == ListStatus.PUBLISHED and is_empty_diff(changes):
            raise Conflict("自上次公示以来没有变更", "nothing changed since the last published version", field="status")
        if plist.status == ListStatus.PUBLISHED and len(note.strip()) < 2:
            raise InvalidInput(
                "再次公示请填写变更说明", "say why the list changed when publishing it again", field="note"
            )
    before = _list_action(
        session,
        plist,
        ListAction.PUBLISH,
        actor=actor,
        payload={"version": plist.version + 1, "note": note.strip()[:500]},
    )
    del before
    plist.version += 1
    plist.pending_changes = False
    plist.published_at = utcnow()
    version = PledgeListVersion(
        jurisdiction_id=plist.jurisdiction_id,
        list_id=plist.id,
        number=plist.version,
        snapshot=snapshot,
        digest=snapshot_digest(snapshot),
        changes=changes,
        note=note.strip()[:500],
        published_by_id=actor.id,
        published_at=plist.published_at,
    )
    session.add(version)
    session.flush()
    session.expire(plist, ["versions"])
    return version
