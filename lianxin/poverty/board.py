"""The 清零 board and the finding rules: counts per village rolled up to streets and counties (found, checking,
overdue, identified, assisting, cleared), whether appeals and alarms from monitored households stop after
assistance, and the candidates the data flags (appeals, alarms, recorded income) for a grid worker's check."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, Appellant
from lianxin.care.models import Alarm, Household, Person
from lianxin.orgs.models import Unit, UnitKind
from lianxin.poverty.models import Declaration, Measure, MonitoringCase
from lianxin.poverty.status import (
    CASE_OPEN,
    DECLARATION_OPEN,
    CaseStatus,
    DeclarationStatus,
    candidate_reasons,
)

COLUMNS = ("found", "checking", "overdue", "identified", "assisting", "cleared")
WINDOW = timedelta(days=90)
REAL_OUTCOMES = ("needed_help", "emergency")


def _units(session: Session, jurisdiction_id: int) -> dict[int, Unit]:
    return {u.id: u for u in session.scalars(select(Unit).where(Unit.jurisdiction_id == jurisdiction_id))}


def _chain(units: dict[int, Unit], unit_id: int) -> list[int]:
    out, seen = [], set()
    while unit_id is not None and unit_id in units and unit_id not in seen:
        seen.add(unit_id)
        out.append(unit_id)
        unit_id = units[unit_id].parent_id
    return out


def village_counts(session: Session, jurisdiction_id: int, now: datetime) -> dict[int, dict[str, int]]:
    """Per village (community id): the board's columns."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    rows = session.execute(
        select(Declaration.community_id, Declaration.status, Declaration.check_due_at, Declaration.decide_due_at).where(
            Declaration.jurisdiction_id == jurisdiction_id, Declaration.status != DeclarationStatus.WITHDRAWN
        )
    ).all()
    for community_id, status, check_due, decide_due in rows:
        c = counts[community_id]
        c["found"] += 1
        if status in DECLARATION_OPEN:
            c["checking"] += 1
            due = check_due if status != DeclarationStatus.REVIEWING else decide_due
            c["overdue"] += due < now
    rows = session.execute(
        select(MonitoringCase.community_id, MonitoringCase.status, func.count())
        .where(MonitoringCase.jurisdiction_id == jurisdiction_id)
        .group_by(MonitoringCase.community_id, MonitoringCase.status)
    ).all()
    for community_id, status, n in rows:
        c = counts[community_id]
        c["identified"] += n
        if status in (CaseStatus.IDENTIFIED, CaseStatus.ASSISTING):
            c["assisting"] += n
        if status == CaseStatus.RISK_CLEARED:
            c["cleared"] += n
    return counts


def board(session: Session, jurisdiction_id: int, unit_id: int | None, now: datetime) -> dict:
    """The board at ``unit_id`` (None: the jurisdiction): one row per child unit down to the villages, and the
    total. Rows are units, never households, so the same figures can be public."""
    units = _units(session, jurisdiction_id)
    per_village = village_counts(session, jurisdiction_id, now)
    if unit_id is not None and unit_id not in units:
        unit_id = None
    rows: dict[int, dict[str, int]] = {}
    total = dict.fromkeys(COLUMNS, 0)
    for village_id, c in per_village.items():
        chain = _chain(units, village_id)
        if unit_id is not None and unit_id not in chain:
            continue
        if unit_id is None:
            top = next((u for u in reversed(chain) if units[u].kind in (UnitKind.DISTRICT, UnitKind.STREET)), chain[0])
        else:
            index = chain.index(unit_id)
            top = chain[index - 1] if index > 0 else unit_id
        row = rows.setdefault(top, dict.fromkeys(COLUMNS, 0))
        for key in COLUMNS:
            row[key] += c[key]
            total[key] += c[key]
    listed = sorted(rows.items(), key=lambda kv: (units[kv[0]].kind.value, units[kv[0]].name))
    return {
        "unit": units.get(unit_id) if unit_id else None,
        "rows": [{"unit": units[uid], **row} for uid, row in listed],
        "total": total,
        "clear_rate": round(100 * total["cleared"] / total["identified"], 1) if total["identified"] else None,
    }


def _phones(session: Session, household_ids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    if household_ids:
        for hid, phone in session.execute(
            select(Person.household_id, Person.phone).where(
                Person.household_id.in_(household_ids), Person.phone.is_not(None)
            )
        ):
            out[hid].add(phone)
    return out


def before_after(session: Session, case_rows: list[MonitoringCase], now: datetime) -> dict:
    """Appeals (by the household's phones) and real care alarms of the monitored households in the 90 days
    before identification and in the 90 days after assistance began (those with 90 days behind them)."""
    phones = _phones(session, [c.household_id for c in case_rows])
    result = {"cases": 0, "appeals_before": 0, "appeals_after": 0, "alarms_before": 0, "alarms_after": 0}
    for case in case_rows:
        start = case.assisting_since
        if start is None or start + WINDOW > now:
            continue
        result["cases"] += 1
        windows = {"before": (case.identified_at - WINDOW, case.identified_at), "after": (start, start + WINDOW)}
        for name, (a, b) in windows.items():
            if phones[case.household_id]:
                result[f"appeals_{name}"] += session.scalar(
                    select(func.count(Appeal.id))
                    .join(Appellant, Appeal.appellant_id == Appellant.id)
                    .where(
                        Appeal.jurisdiction_id == case.jurisdiction_id,
                        Appellant.phone.in_(phones[case.household_id]),
                        Appeal.received_at >= a,
                        Appeal.received_at < b,
                    )
                )
            result[f"alarms_{name}"] += session.scalar(
                select(func.count(Alarm.id)).where(
                    Alarm.household_id == case.household_id,
                    Alarm.raised_at >= a,
                    Alarm.raised_at < b,
                    or_(Alarm.outcome.is_(None), Alarm.outcome.in_(REAL_OUTCOMES)),
                )
            )
    return result


def assisted_household_ids(session: Session, jurisdiction_id: int) -> set[int]:
    return set(
        session.scalars(
            select(MonitoringCase.household_id)
            .join(Measure, Measure.case_id == MonitoringCase.id)
            .where(MonitoringCase.jurisdiction_id == jurisdiction_id)
        )
    )


# --- candidates --------------------------------------------------------------------------------------------


def household_facts(session: Session, household: Household, rules: dict, now: datetime) -> dict:
    since = now - timedelta(days=int(rules.get("window_days", 90)))
    phones = [p.phone for p in household.people if p.phone]
    appeals = 0
    words = [w for w in rules.get("keywords", []) if w]
    if phones and words:
        appeals = session.scalar(
            select(func.count(Appeal.id))
            .join(Appellant, Appeal.appellant_id == Appellant.id)
            .where(
                Appeal.jurisdiction_id == household.jurisdiction_id,
                Appellant.phone.in_(phones),
                Appeal.received_at >= since,
                or_(*[Appeal.title.contains(w) for w in words], *[Appeal.content.contains(w) for w in words]),
            )
        )
    alarms = session.scalar(
        select(func.count(Alarm.id)).where(
            Alarm.household_id == household.id, Alarm.raised_at >= since, Alarm.outcome.in_(REAL_OUTCOMES)
        )
    )
    income = session.scalar(
        select(Declaration.income_per_capita)
        .where(Declaration.household_id == household.id, Declaration.income_per_capita.is_not(None))
        .order_by(Declaration.checked_at.desc())
        .limit(1)
    )
    return {
        "hardship_appeals": appeals,
        "real_alarms": alarms,
        "income_per_capita": income,
        "flagged": household.flagged,
    }


def candidate_households(session: Session, jurisdiction_id: int, rules: dict, now: datetime) -> list[tuple]:
    """(household, reasons) for households with no open declaration, no open case and no declaration made
    within the window (one already checked recently is not flagged again), whose facts cross a rule."""
    since = now - timedelta(days=int(rules.get("window_days", 90)))
    busy = select(Declaration.household_id).where(
        Declaration.household_id.is_not(None),
        or_(Declaration.status.in_(DECLARATION_OPEN), Declaration.submitted_at >= since),
    )
    monitored = select(MonitoringCase.household_id).where(MonitoringCase.status.in_(CASE_OPEN))
    out = []
    for household in session.scalars(
        select(Household)
        .where(Household.jurisdiction_id == jurisdiction_id, Household.id.not_in(busy), Household.id.not_in(monitored))
        .order_by(Household.id)
    ):
        reasons = candidate_reasons(household_facts(session, household, rules, now), rules)
        if reasons:
            out.append((household, reasons))
    return out
