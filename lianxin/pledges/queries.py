"""Read side of 办实事: the public ledger of a published list (the published version's commitments with
the live progress), the change history, the leader's completion figures per unit, and chart options."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lianxin.pledges.models import PledgeItem, PledgeList, PledgeListVersion, PledgeMeeting, PledgeRating
from lianxin.pledges.service import local_today
from lianxin.pledges.status import (
    ITEM_LABELS,
    ITEM_OPEN,
    VERSIONED_FIELDS,
    ItemStatus,
    ListStatus,
    RatingKind,
    composite_score,
)

PUBLIC_STATUSES = (ListStatus.PUBLISHED, ListStatus.ARCHIVED)


def published_lists(
    session: Session, jurisdiction_id: int, *, year: int | None = None, unit_id: int | None = None
) -> list[PledgeList]:
    stmt = select(PledgeList).where(
        PledgeList.jurisdiction_id == jurisdiction_id, PledgeList.status.in_(PUBLIC_STATUSES), PledgeList.version > 0
    )
    if year:
        stmt = stmt.where(PledgeList.year == year)
    if unit_id:
        stmt = stmt.where(PledgeList.owner_unit_id == unit_id)
    return list(session.scalars(stmt.order_by(PledgeList.year.desc(), PledgeList.id)))


def list_years(session: Session, jurisdiction_id: int) -> list[int]:
    return sorted(
        set(session.scalars(select(PledgeList.year).where(PledgeList.jurisdiction_id == jurisdiction_id))), reverse=True
    )


def staff_lists(session: Session, jurisdiction_id: int) -> list[PledgeList]:
    return list(
        session.scalars(
            select(PledgeList)
            .where(PledgeList.jurisdiction_id == jurisdiction_id)
            .order_by(PledgeList.year.desc(), PledgeList.id.desc())
        )
    )


def latest_version(session: Session, plist: PledgeList) -> PledgeListVersion | None:
    return session.scalars(
        select(PledgeListVersion)
        .where(PledgeListVersion.list_id == plist.id)
        .order_by(PledgeListVersion.number.desc())
        .limit(1)
    ).first()


@dataclass
class LedgerRow:
    item: PledgeItem
    promised: dict  # the published version's commitment
    depth: int
    overdue: bool
    label: tuple
    targets: list = field(default_factory=list)  # (name, unit, baseline, period, target, actual, pct)
    ratings: dict = field(default_factory=dict)


def _depths(items: dict[int, PledgeItem]) -> dict[int, int]:
    depth: dict[int, int] = {}

    def walk(item_id: int, guard: int = 0) -> int:
        if item_id in depth:
            return depth[item_id]
        parent = items[item_id].parent_id
        depth[item_id] = 0 if parent is None or parent not in items or guard > 20 else walk(parent, guard + 1) + 1
        return depth[item_id]

    for item_id in items:
        walk(item_id)
    return depth


def _tree_order(items: list[PledgeItem]) -> list[PledgeItem]:
    kids: dict[int | None, list[PledgeItem]] = defaultdict(list)
    ids = {i.id for i in items}
    for item in items:
        kids[item.parent_id if item.parent_id in ids else None].append(item)
    ordered: list[PledgeItem] = []

    def add(parent: int | None) -> None:
        for child in sorted(kids.get(parent, ()), key=lambda i: (i.position, i.id)):
            ordered.append(child)
            add(child.id)

    add(None)
    return ordered


def ratings_by_item(session: Session, item_ids: list[int]) -> dict[int, dict]:
    if not item_ids:
        return {}
    scores: dict[int, dict] = defaultdict(lambda: {"self": None, "public": [], "review": None})
    for rating in session.scalars(select(PledgeRating).where(PledgeRating.item_id.in_(item_ids))):
        entry = scores[rating.item_id]
        if rating.kind == RatingKind.PUBLIC:
            entry["public"].append(rating.score)
        else:
            entry[rating.kind.value] = rating.score
    out = {}
    for item_id, entry in scores.items():
        public = entry["public"]
        out[item_id] = {
            "self": entry["self"],
            "review": entry["review"],
            "public_count": len(public),
            "public": round(sum(public) / len(public), 1) if public else None,
        }
    return out


def ledger(session: Session, plist: PledgeList, *, public: bool = True, today: date | None = None) -> list[LedgerRow]:
    """The rows of a list. Public: only what the latest published version promised, as it promised it,
    with today's progress, milestones and ratings. Staff: every item as it stands."""
    from lianxin.pledges.status import target_progress

    today = today or local_today()
    version = latest_version(session, plist)
    promised = (version.snapshot["items"] if version else {}) if public else None
    stmt = (
        select(PledgeItem)
        .where(PledgeItem.list_id == plist.id)
        .options(selectinload(PledgeItem.targets), selectinload(PledgeItem.milestones))
    )
    items = list(session.scalars(stmt))
    if promised is not None:
        items = [i for i in items if str(i.id) in promised]
    by_id = {i.id: i for i in items}
    depths = _depths(by_id)
    ratings = ratings_by_item(session, list(by_id))
    rows = []
    for item in _tree_order(items):
        snap = promised[str(item.id)] if promised is not None else None
        targets = []
        for n, t in enumerate(item.targets):
            shown = (
                snap["targets"][n]
                if snap and n < len(snap["targets"])
                else {
                    "name": t.name,
                    "unit": t.unit,
                    "baseline": t.baseline,
                    "baseline_period": t.baseline_period,
                    "target": t.target,
                }
            )
            targets.append(
                (
                    shown["name"],
                    shown["unit"],
                    shown["baseline"],
                    shown["baseline_period"],
                    shown["target"],
                    t.actual,
                    target_progress(shown["baseline"], shown["target"], t.actual),
                )
            )
        summary = ratings.get(item.id, {"self": None, "public": None, "review": None, "public_count": 0})
        summary = {
            **summary,
            "composite": composite_score({k: summary[k] for k in ("self", "public", "review")}, plist.rating_weights),
        }
        due = date.fromisoformat(snap["due_on"]) if snap and snap.get("due_on") else item.due_on
        rows.append(
            LedgerRow(
                item=item,
                promised=snap or {},
                depth=depths.get(item.id, 0),
                overdue=bool(due and due < today and item.status in ITEM_OPEN),
                label=ITEM_LABELS[item.status],
                targets=targets,
                ratings=summary,
            )
        )
    return rows


def history(session: Session, plist: PledgeList) -> list[dict]:
    """The published versions, newest first, each with readable changes (item titles instead of ids)."""
    versions = list(
        session.scalars(
            select(PledgeListVersion)
            .where(PledgeListVersion.list_id == plist.id)
            .order_by(PledgeListVersion.number.desc())
        )
    )
    out = []
    for version in versions:
        items = version.snapshot.get("items", {})
        previous = next((v for v in versions if v.number == version.number - 1), None)
        old_items = previous.snapshot.get("items", {}) if previous else {}
        title = lambda key, items=items, old_items=old_items: (items.get(key) or old_items.get(key) or {}).get(
            "title", f"#{key}"
        )
        changes = version.changes or {}
        out.append(
            {
                "number": version.number,
                "published_at": version.published_at,
                "note": version.note,
                "added": [title(k) for k in changes.get("added", [])] if version.number > 1 else [],
                "initial_count": len(items) if version.number == 1 else None,
                "removed": [title(k) for k in changes.get("removed", [])],
                "changed": [
                    (title(k), [(f, v[0], v[1]) for f, v in fields.items() if f in VERSIONED_FIELDS])
                    for k, fields in changes.get("changed", {}).items()
                ],
                "list": [(f, v[0], v[1]) for f, v in changes.get("list", {}).items()],
            }
        )
    return out


FIELD_LABELS = {
    "title": ("名称", "title"),
    "parent_id": ("上级事项", "parent"),
    "owner_unit": ("责任单位", "owner unit"),
    "lead_official": ("领办领导", "lead official"),
    "category": ("类别", "category"),
    "area": ("地点", "area"),
    "start_on": ("开始日期", "start"),
    "due_on": ("完成时限", "due date"),
    "budget_planned": ("计划投资", "budget"),
    "fund_source": ("资金来源", "fund source"),
    "weight": ("权重", "weight"),
    "cancelled": ("撤销", "cancelled"),
    "targets": ("目标指标", "targets"),
    "description": ("说明", "description"),
    "campaign": ("活动", "campaign"),
}


@dataclass
class UnitFigures:
    unit: str
    total: int = 0
    completed: int = 0
    overdue: int = 0
    on_time: int = 0
    delayed: int = 0

    @property
    def completion_rate(self) -> float | None:
        return round(100 * self.completed / self.total, 1) if self.total else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.completed, 1) if self.completed else None


def unit_overview(
    session: Session, jurisdiction_id: int, *, year: int | None = None, today: date | None = None
) -> tuple[list[UnitFigures], list[PledgeItem]]:
    """Completion and on-time rates per owner unit over the leaf items of published lists, ranked by
    completion rate; and the overdue items (oldest due first)."""
    today = today or local_today()
    stmt = (
        select(PledgeItem)
        .join(PledgeList, PledgeList.id == PledgeItem.list_id)
        .where(
            PledgeItem.jurisdiction_id == jurisdiction_id,
            PledgeList.status.in_(PUBLIC_STATUSES),
            PledgeItem.status != ItemStatus.CANCELLED,
        )
    )
    if year:
        stmt = stmt.where(PledgeList.year == year)
    items = list(session.scalars(stmt))
    parents = {i.parent_id for i in items if i.parent_id}
    figures: dict[str, UnitFigures] = {}
    overdue = []
    for item in items:
        if item.id in parents:
            continue
        name = item.owner_unit.name if item.owner_unit else "—"
        row = figures.setdefault(name, UnitFigures(name))
        row.total += 1
        if item.status == ItemStatus.COMPLETED:
            row.completed += 1
            if item.due_on is None or (item.completed_on and item.completed_on <= item.due_on):
                row.on_time += 1
        elif item.due_on and item.due_on < today and item.status in ITEM_OPEN:
            row.overdue += 1
            overdue.append(item)
        if item.status == ItemStatus.DELAYED:
            row.delayed += 1
    ranked = sorted(figures.values(), key=lambda f: (-(f.completion_rate or 0), f.overdue, f.unit))
    overdue.sort(key=lambda i: (i.due_on, i.id))
    return ranked, overdue


def completion_chart(rows: list[UnitFigures], lang: str = "zh") -> dict:
    """ECharts option: completed / open / overdue items per unit (horizontal stacked bars)."""
    names = [r.unit for r in rows][::-1]
    zh = lang != "en"
    series = [
        ("已完成" if zh else "Completed", [r.completed for r in rows][::-1], "#2e7d32"),
        ("推进中" if zh else "Open", [r.total - r.completed - r.overdue for r in rows][::-1], "#90a4ae"),
        ("逾期" if zh else "Overdue", [r.overdue for r in rows][::-1], "#c62828"),
    ]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names},
        "series": [
            {"name": n, "type": "bar", "stack": "all", "data": d, "itemStyle": {"color": c}} for n, d, c in series
        ],
    }


def meetings_for(session: Session, plist: PledgeList) -> list[PledgeMeeting]:
    return list(
        session.scalars(
            select(PledgeMeeting)
            .where(PledgeMeeting.list_id == plist.id)
            .options(selectinload(PledgeMeeting.decisions))
            .order_by(PledgeMeeting.held_on.desc(), PledgeMeeting.id.desc())
        )
    )
