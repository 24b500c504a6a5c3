"""Read side of 办实事: the public ledger of a published list (the published version's commitments with
the live progress), the change history, the leader's completion figures per unit, and chart options."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from lianxin.orgs.models import Unit
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


def list_figures(session: Session, list_ids: list[int]) -> dict[int, dict]:
    """Items, completed and completion rate per list (cancelled items do not count), in one query."""
    figures = {i: {"total": 0, "done": 0, "rate": 0} for i in list_ids}
    if not list_ids:
        return figures
    rows = session.execute(
        select(PledgeItem.list_id, PledgeItem.status, func.count())
        .where(PledgeItem.list_id.in_(list_ids), PledgeItem.status != ItemStatus.CANCELLED)
        .group_by(PledgeItem.list_id, PledgeItem.status)
    ).all()
    for list_id, status, count in rows:
        figures[list_id]["total"] += count
        if status == ItemStatus.COMPLETED:
            figures[list_id]["done"] += count
    for entry in figures.values():
        entry["rate"] = round(100 * entry["done"] / entry["total"]) if entry["total"] else 0
    return figures


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


# Published snapshots never change once written: parsed ones are kept by their content digest, so a
# public page of a list with 10,000 items does not read and parse its whole snapshot on every request.
_SNAPSHOTS: OrderedDict[str, dict] = OrderedDict()
_SNAPSHOT_CACHE_SIZE = 16


def version_snapshot(session: Session, version_id: int, digest: str | None = None) -> dict:
    cached = _SNAPSHOTS.get(digest) if digest else None
    if cached is None:
        cached = session.scalar(select(PledgeListVersion.snapshot).where(PledgeListVersion.id == version_id)) or {}
        if digest:
            _SNAPSHOTS[digest] = cached
            while len(_SNAPSHOTS) > _SNAPSHOT_CACHE_SIZE:
                _SNAPSHOTS.popitem(last=False)
    else:
        _SNAPSHOTS.move_to_end(digest)
    return cached


def promised_items(session: Session, plist: PledgeList) -> dict[str, dict]:
    """The latest published version's items (``{item id: commitment}``); empty if never published."""
    latest = session.execute(
        select(PledgeListVersion.id, PledgeListVersion.digest)
        .where(PledgeListVersion.list_id == plist.id)
        .order_by(PledgeListVersion.number.desc())
        .limit(1)
    ).first()
    return version_snapshot(session, latest.id, latest.digest).get("items", {}) if latest else {}


PAGE_SIZE = 50


def list_units(session: Session, plist: PledgeList) -> list[tuple[int, str]]:
    """The owner units of a list's items, by name (the ledger's unit filter)."""
    return [
        (uid, name)
        for uid, name in session.execute(
            select(Unit.id, Unit.name)
            .where(Unit.id.in_(select(PledgeItem.owner_unit_id).where(PledgeItem.list_id == plist.id).distinct()))
            .order_by(Unit.name)
        )
    ]


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    matched: int  # rows after the filters
    page: int
    pages: int
    summary: dict  # over the whole published list: total, done, rate, overdue, budget planned/spent


# A ledger page's whole-list pass has two parts. The structure (tree order, depth, owner unit, which
# items are promised and which of them are past their promised due date) is kept per list structure:
# the published version's digest, the number of items, the latest event that can move the tree (an
# item added or edited) and the day. The live part (statuses: completed, open, overdue; money) is a
# few aggregate queries on every request, so a progress report or a completion costs no recomputation.
_TREES: OrderedDict[tuple, dict] = OrderedDict()
_TREE_CACHE_SIZE = 8
STRUCTURAL_EVENTS = ("item_added", "item_updated")


def _structure_key(session: Session, plist: PledgeList, digest: str | None, today: date, public: bool) -> tuple:
    from lianxin.pledges.models import PledgeEvent

    last = session.scalar(
        select(func.max(PledgeEvent.id)).where(PledgeEvent.list_id == plist.id, PledgeEvent.kind.in_(STRUCTURAL_EVENTS))
    )
    count = session.scalar(select(func.count()).select_from(PledgeItem).where(PledgeItem.list_id == plist.id))
    return (plist.id, public, digest, last, count, today)


def _structure(session: Session, plist: PledgeList, promised: dict | None, today: date) -> dict:
    """Every row of the list as ``(id, parent, owner unit, depth)`` in tree order, the unpublished item
    ids (left out of a public page) and the ids past their (promised) due date."""
    # plain columns: no per-row type processing over thousands of rows
    light = session.execute(
        text("SELECT id, parent_id, position, owner_unit_id, due_on FROM pledge_items WHERE list_id = :list_id"),
        {"list_id": plist.id},
    ).all()
    unpublished: list[int] = []
    iso_today = today.isoformat()
    minus: set[int] = set()
    plus: set[int] = set()
    if promised is not None:
        unpublished = [r[0] for r in light if str(r[0]) not in promised]
        if unpublished:
            light = [r for r in light if str(r[0]) in promised]
        live_late = {r[0] for r in light if r[4] is not None and str(r[4])[:10] < iso_today}
        late = {r[0] for r in light if "" < (promised[str(r[0])].get("due_on") or "") < iso_today}
        minus, plus = live_late - late, late - live_late  # due dates changed since publishing
    ids = {r[0] for r in light}
    kids: dict[int | None, list] = defaultdict(list)
    for r in light:
        kids[r[1] if r[1] in ids else None].append(r)
    ordered: list[tuple] = []
    stack = [(r, 0) for r in sorted(kids.get(None, ()), key=lambda r: (r[2], r[0]), reverse=True)]
    while stack:
        r, depth = stack.pop()
        ordered.append((r[0], r[1], r[3], depth))
        children = kids.get(r[0])
        if children:
            stack.extend((c, depth + 1) for c in sorted(children, key=lambda c: (c[2], c[0]), reverse=True))
    in_list = PledgeItem.list_id == plist.id
    parents = select(PledgeItem.parent_id).where(in_list, PledgeItem.parent_id.is_not(None))
    planned, spent = session.execute(
        select(func.sum(PledgeItem.budget_planned), func.sum(PledgeItem.budget_spent)).where(
            in_list, PledgeItem.id.not_in(parents), *([PledgeItem.id.not_in(unpublished)] if unpublished else [])
        )
    ).one()  # money changes only through item edits, which change the structure key
    return {
        "ordered": ordered,
        "unpublished": unpublished,
        "minus": minus,
        "plus": plus,
        "budget_planned": round(float(planned or 0), 2),  # leaves carry the money; parents would count it twice
        "budget_spent": round(float(spent or 0), 2),
    }


def _live_figures(session: Session, plist: PledgeList, structure: dict, today: date) -> dict:
    """Completed, counted and overdue items and the money, from aggregate queries (cheap on every request)."""
    in_list = PledgeItem.list_id == plist.id
    unpublished = structure["unpublished"]
    published = [PledgeItem.id.not_in(unpublished)] if unpublished else []
    by_status = dict(
        session.execute(
            text("SELECT status, count(*) FROM pledge_items WHERE list_id = :list_id GROUP BY status"),
            {"list_id": plist.id},
        ).all()
    )
    if unpublished:
        for status, n in session.execute(
            select(PledgeItem.status, func.count()).where(PledgeItem.id.in_(unpublished)).group_by(PledgeItem.status)
        ):
            by_status[status.value] = by_status.get(status.value, 0) - n
    counted = sum(n for st, n in by_status.items() if st != ItemStatus.CANCELLED.value)
    done = by_status.get(ItemStatus.COMPLETED.value, 0)
    open_now = [in_list, PledgeItem.status.in_(ITEM_OPEN)]
    overdue = session.scalar(
        select(func.count()).select_from(PledgeItem).where(*open_now, PledgeItem.due_on < today, *published)
    )
    for ids, sign in ((structure["minus"], -1), (structure["plus"], 1)):
        if ids:
            overdue += sign * session.scalar(
                select(func.count()).select_from(PledgeItem).where(*open_now, PledgeItem.id.in_(ids))
            )
    return {
        "total": counted,
        "done": done,
        "rate": round(100 * done / counted) if counted else 0,
        "overdue": overdue,
        "budget_planned": structure["budget_planned"],
        "budget_spent": structure["budget_spent"],
        "by_status": {k: v for k, v in by_status.items() if v > 0},
    }


def ledger_page(
    session: Session,
    plist: PledgeList,
    *,
    public: bool = True,
    page: int = 1,
    status: str = "",
    q: str = "",
    unit_id: int | None = None,
    page_size: int = PAGE_SIZE,
    today: date | None = None,
) -> LedgerPage:
    """One page of a list's ledger in tree order, filtered by status, words in the title and owner unit.
    The figures cover the whole list; only the page's items are loaded in full (a list may hold
    thousands of items: Chifeng published 7,209)."""
    today = today or local_today()
    status = status if status in {s.value for s in ItemStatus} else ""
    digest = None
    promised = None
    if public:
        latest = session.execute(
            select(PledgeListVersion.id, PledgeListVersion.digest)
            .where(PledgeListVersion.list_id == plist.id)
            .order_by(PledgeListVersion.number.desc())
            .limit(1)
        ).first()
        promised = version_snapshot(session, latest.id, latest.digest).get("items", {}) if latest else {}
        digest = latest.digest if latest else None
    key = _structure_key(session, plist, digest, today, public) if (digest or not public) else None
    structure = _TREES.get(key) if key else None
    if structure is None:
        structure = _structure(session, plist, promised, today)
        if key:
            _TREES[key] = structure
            while len(_TREES) > _TREE_CACHE_SIZE:
                _TREES.popitem(last=False)
    else:
        _TREES.move_to_end(key)
    summary = _live_figures(session, plist, structure, today)
    ordered = structure["ordered"]
    words = q.strip()
    if status or words or unit_id:
        titles: dict = {}
        if words and promised is None:
            titles = dict(
                session.execute(select(PledgeItem.id, PledgeItem.title).where(PledgeItem.list_id == plist.id)).all()
            )
        with_status = (
            set(
                session.scalars(
                    select(PledgeItem.id).where(PledgeItem.list_id == plist.id, PledgeItem.status == status)
                )
            )
            if status
            else None
        )
        ordered = [
            r
            for r in ordered
            if (with_status is None or r[0] in with_status)
            and (not unit_id or r[2] == unit_id)
            and (
                not words
                or words in (promised[str(r[0])].get("title", "") if promised is not None else titles.get(r[0], ""))
            )
        ]
    pages = max(1, -(-len(ordered) // page_size))
    page = min(max(1, page), pages)
    chunk = ordered[(page - 1) * page_size : page * page_size]
    rows = ledger(
        session,
        plist,
        public=public,
        today=today,
        only=[r[0] for r in chunk],
        promised=promised,
        depths={r[0]: r[3] for r in chunk},
    )
    return LedgerPage(rows=rows, matched=len(ordered), page=page, pages=pages, summary=summary)


def ledger(
    session: Session,
    plist: PledgeList,
    *,
    public: bool = True,
    today: date | None = None,
    only: list[int] | None = None,
    promised: dict | None = None,
    depths: dict[int, int] | None = None,
) -> list[LedgerRow]:
    """The rows of a list (or of the items ``only``, in that order). Public: only what the latest
    published version promised, as it promised it, with today's progress, milestones and ratings.
    Staff: every item as it stands."""
    from lianxin.pledges.status import target_progress

    today = today or local_today()
    if public and promised is None:
        promised = promised_items(session, plist)
    if not public:
        promised = None
    stmt = select(PledgeItem).options(selectinload(PledgeItem.targets), selectinload(PledgeItem.milestones))
    stmt = stmt.where(PledgeItem.id.in_(only)) if only is not None else stmt.where(PledgeItem.list_id == plist.id)
    items = list(session.scalars(stmt)) if only is None or only else []
    if promised is not None:
        items = [i for i in items if str(i.id) in promised]
    by_id = {i.id: i for i in items}
    if depths is None:
        depths = _depths(by_id)
    ratings = ratings_by_item(session, list(by_id))
    rows = []
    for item in [by_id[i] for i in only if i in by_id] if only is not None else _tree_order(items):
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
            direction = shown.get("direction", t.direction if not snap else "up")
            targets.append(
                (
                    shown["name"],
                    shown["unit"],
                    shown["baseline"],
                    shown["baseline_period"],
                    shown["target"],
                    t.actual,
                    target_progress(shown["baseline"], shown["target"], t.actual, direction),
                    direction,
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
    versions = session.execute(
        select(
            PledgeListVersion.id,
            PledgeListVersion.number,
            PledgeListVersion.published_at,
            PledgeListVersion.note,
            PledgeListVersion.changes,
            PledgeListVersion.digest,
        )
        .where(PledgeListVersion.list_id == plist.id)
        .order_by(PledgeListVersion.number.desc())
    ).all()
    out = []
    for version in versions:
        items = version_snapshot(session, version.id, version.digest).get("items", {})
        previous = next((v for v in versions if v.number == version.number - 1), None)
        old_items = version_snapshot(session, previous.id, previous.digest).get("items", {}) if previous else {}
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


def meetings_for(session: Session, plist: PledgeList) -> list[PledgeMeeting]:
    return list(
        session.scalars(
            select(PledgeMeeting)
            .where(PledgeMeeting.list_id == plist.id)
            .options(selectinload(PledgeMeeting.decisions))
            .order_by(PledgeMeeting.held_on.desc(), PledgeMeeting.id.desc())
        )
    )


def item_links(session: Session, item: PledgeItem, *, public: bool) -> list[dict]:
    """Where an item came from and what it answers. Public pages name the kind and, for topics, wishes
    and hotspots, the label (already free of personal data); appeals show only their count."""
    from lianxin.pledges.models import PledgeLink

    links = list(session.scalars(select(PledgeLink).where(PledgeLink.item_id == item.id).order_by(PledgeLink.id)))
    out = []
    for link in links:
        entry = {"id": link.id, "kind": link.kind, "target_id": link.target_id, "origin": link.origin}
        entry["label"] = "" if (public and link.kind == "appeal") else link.label
        out.append(entry)
    return out


def links_by_item(session: Session, item_ids: list[int]) -> dict[int, list]:
    from lianxin.pledges.models import PledgeLink

    out: dict[int, list] = defaultdict(list)
    if item_ids:
        for link in session.scalars(select(PledgeLink).where(PledgeLink.item_id.in_(item_ids)).order_by(PledgeLink.id)):
            out[link.item_id].append(link)
    return out


AGENDA_DAYS = 14


def agenda(rows: list[LedgerRow], today: date | None = None) -> list[tuple[LedgerRow, str]]:
    """A joint meeting's agenda from the list: open leaf items that are overdue, delayed or suspended
    (stuck), or due within two weeks, most urgent first, each with its reason (zh)."""
    today = today or local_today()
    parents = {r.item.parent_id for r in rows if r.item.parent_id}
    out = []
    for row in rows:
        item = row.item
        if item.status not in ITEM_OPEN or item.id in parents:
            continue
        if row.overdue:
            reason, rank = "逾期", 0
        elif item.status == ItemStatus.DELAYED:
            reason, rank = "滞后", 1
        elif item.status == ItemStatus.SUSPENDED:
            reason, rank = "暂缓", 2
        elif item.due_on and (item.due_on - today).days <= AGENDA_DAYS:
            reason, rank = "即将到期", 3
        else:
            continue
        out.append((rank, item.due_on or date.max, item.id, row, reason))
    out.sort(key=lambda t: t[:3])
    return [(row, reason) for *_, row, reason in out]
