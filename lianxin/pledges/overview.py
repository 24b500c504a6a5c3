"""Leaders' and villages' figures: completion, on-time rate, month-on-month change and 三评 score by unit (with
the chart), and a village's 台账 (its project library and its items across the year's lists)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.orgs.models import Unit
from lianxin.pledges.models import PledgeItem, PledgeList
from lianxin.pledges.queries import PUBLIC_STATUSES, ratings_by_item
from lianxin.pledges.service import local_today
from lianxin.pledges.status import (
    ITEM_OPEN,
    ItemStatus,
    composite_score,
)


@dataclass
class UnitFigures:
    unit: str
    total: int = 0
    completed: int = 0
    overdue: int = 0
    on_time: int = 0
    delayed: int = 0
    completed_before: int = 0  # completed by the end of last month
    ratings: list = field(default_factory=list)  # 三评 composite of each rated item

    @property
    def previous_rate(self) -> float | None:
        return round(100 * self.completed_before / self.total, 1) if self.total else None

    @property
    def change(self) -> float | None:
        """Completion rate now minus at the end of last month (环比, percentage points)."""
        if self.completion_rate is None or self.previous_rate is None:
            return None
        return round(self.completion_rate - self.previous_rate, 1)

    @property
    def rating(self) -> float | None:
        return round(sum(self.ratings) / len(self.ratings), 1) if self.ratings else None

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
    month_start = today.replace(day=1)
    weights = {
        pl_id: w
        for pl_id, w in session.execute(
            select(PledgeList.id, PledgeList.rating_weights).where(PledgeList.id.in_({i.list_id for i in items}))
        )
    }
    scores = ratings_by_item(session, [i.id for i in items if i.status == ItemStatus.COMPLETED])
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
            if item.completed_on and item.completed_on < month_start:
                row.completed_before += 1
            if item.id in scores:
                part = {k: scores[item.id][k] for k in ("self", "public", "review")}
                composite = composite_score(part, weights.get(item.list_id) or {})
                if composite is not None:
                    row.ratings.append(composite)
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


@dataclass
class VillageLedger:
    unit: Unit
    year: int
    items: list  # (item, list title)
    projects: list
    funds_by_source: dict
    figures: dict


def village_ledger(session: Session, unit: Unit, year: int, *, today: date | None = None) -> VillageLedger:
    """台账 per village: its items in every list of the year, its project library and funds by source."""
    from lianxin.pledges.models import PledgeProject

    today = today or local_today()
    items = session.execute(
        select(PledgeItem, PledgeList.title)
        .join(PledgeList, PledgeList.id == PledgeItem.list_id)
        .where(PledgeItem.owner_unit_id == unit.id, PledgeList.year == year)
        .order_by(PledgeItem.due_on, PledgeItem.id)
    ).all()
    projects = list(
        session.scalars(
            select(PledgeProject)
            .where(PledgeProject.unit_id == unit.id, PledgeProject.year == year)
            .order_by(PledgeProject.id)
        )
    )
    funds: dict[str, float] = defaultdict(float)
    for project in projects:
        if project.status in ("approved", "promoted"):
            for source, amount in project.funds.items():
                funds[source] += float(amount)
    counted = [i for i, _ in items if i.status != ItemStatus.CANCELLED]
    done = sum(1 for i in counted if i.status == ItemStatus.COMPLETED)
    figures = {
        "items": len(counted),
        "done": done,
        "rate": round(100 * done / len(counted)) if counted else 0,
        "overdue": sum(1 for i in counted if i.due_on and i.due_on < today and i.status in ITEM_OPEN),
        "projects": len(projects),
        "budget_planned": round(sum(float(i.budget_planned or 0) for i in counted), 2),
        "budget_spent": round(sum(float(i.budget_spent or 0) for i in counted), 2),
    }
    return VillageLedger(unit, year, list(items), projects, dict(funds), figures)
