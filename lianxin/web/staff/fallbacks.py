"""Simple, correct stand-ins for functions colleagues are building in other packages, one function
each, so the coordinator can swap in ``lianxin.knowledge.search_entries``, ``lianxin.dispatch``'s
``find_repeats`` / ``suggest_units`` and ``lianxin.assessment``'s rates by unit without touching a page.

- ``knowledge_answers``: earlier direct answers (直接答复) whose appeal shares words with the text.
- ``possible_repeats``: open appeals from the same phone, or at the same address, in the last 30 days.
- ``suggest_units``: the lead units most often given appeals of the same category (else the street of the community).
- ``rates_by_unit``: 响应率 / 解决率 / 满意率 of each lead unit over a period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import jieba
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.status import OPEN
from lianxin.clock import utcnow
from lianxin.orgs.models import Unit, UnitKind

REPEAT_WINDOW = timedelta(days=30)
_WORD = re.compile(r"\w{2,}")


@dataclass(frozen=True)
class KnowledgeHit:
    title: str
    answer: str
    order_no: str


def keywords(text: str, limit: int = 6) -> list[str]:
    """The longest distinct words of ``text`` (jieba), longest first."""
    words = {w for w in jieba.cut_for_search(text or "") if _WORD.fullmatch(w)}
    return sorted(words, key=lambda w: (-len(w), w))[:limit]


def knowledge_answers(session: Session, jurisdiction_id: int, text: str, limit: int = 5) -> list[KnowledgeHit]:
    words = keywords(text)
    if not words:
        return []
    match = or_(*[Appeal.title.contains(w, autoescape=True) for w in words],
                *[Appeal.content.contains(w, autoescape=True) for w in words])
    stmt = (select(Appeal.title, AppealEvent.note, Appeal.order_no).join(AppealEvent, AppealEvent.appeal_id == Appeal.id)
            .where(Appeal.jurisdiction_id == jurisdiction_id, AppealEvent.kind == "answered", match)
            .order_by(AppealEvent.at.desc()).limit(limit * 4))
    hits, seen = [], set()
    for title, answer, order_no in session.execute(stmt):
        if answer and answer not in seen:
            seen.add(answer)
            hits.append(KnowledgeHit(title, answer, order_no))
    return hits[:limit]


def possible_repeats(session: Session, jurisdiction_id: int, *, phone: str | None, address: str | None,
                     exclude_id: int | None = None, limit: int = 5) -> list[Appeal]:
    clauses = []
    if phone and len(phone) >= 7:
        clauses.append(Appeal.appellant_phone == phone)
    if address and len(address.strip()) >= 4:
        clauses.append(Appeal.address == address.strip())
    if not clauses:
        return []
    stmt = select(Appeal).where(Appeal.jurisdiction_id == jurisdiction_id, Appeal.status.in_(OPEN),
                                Appeal.received_at >= utcnow() - REPEAT_WINDOW, or_(*clauses))
    if exclude_id is not None:
        stmt = stmt.where(Appeal.id != exclude_id)
    return list(session.scalars(stmt.order_by(Appeal.received_at.desc()).limit(limit)))


def suggest_units(session: Session, appeal: Appeal, limit: int = 3) -> list[Unit]:
    units: list[Unit] = []
    if appeal.category_id is not None:
        stmt = (select(Unit).join(Appeal, Appeal.lead_unit_id == Unit.id)
                .where(Appeal.category_id == appeal.category_id, Appeal.id != appeal.id, Unit.active.is_(True))
                .group_by(Unit.id).order_by(func.count().desc(), Unit.id).limit(limit))
        units = list(session.scalars(stmt))
    if appeal.community is not None and appeal.community.parent is not None:
        street = appeal.community.parent
        if street.kind == UnitKind.STREET and street.active and street not in units:
            units.append(street)
    return units[:limit]


@dataclass(frozen=True)
class UnitRates:
    unit_id: int
    unit: str
    received: int
    replied: int
    overdue: int
    response_rate: float | None
    solve_rate: float | None
    satisfaction_rate: float | None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rates_by_unit(session: Session, jurisdiction_id: int, start: datetime, end: datetime) -> list[UnitRates]:
    """响应率 = contacted on time / contacted; 解决率 = solved / visited; 满意率 = (satisfied + basically) / visited,
    over appeals led by each unit and received in [start, end)."""
    on_time = and_(Appeal.first_contact_at.is_not(None),
                   or_(Appeal.contact_due_at.is_(None), Appeal.first_contact_at <= Appeal.contact_due_at))
    happy = Appeal.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASICALLY])
    count_if = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
    stmt = (select(Unit.id, Unit.name, func.count(Appeal.id), count_if(Appeal.replied_at.is_not(None)),
                   count_if(Appeal.overdue_at.is_not(None)), count_if(Appeal.first_contact_at.is_not(None)),
                   count_if(on_time), count_if(Appeal.contacted.is_(True)), count_if(Appeal.solved.is_(True)),
                   count_if(happy))
            .join(Appeal, Appeal.lead_unit_id == Unit.id)
            .where(Appeal.jurisdiction_id == jurisdiction_id, Appeal.received_at >= start, Appeal.received_at < end)
            .group_by(Unit.id, Unit.name).order_by(Unit.name))
    out = []
    for uid, name, received, replied, overdue, contacted, timely, visited, solved, satisfied in session.execute(stmt):
        out.append(UnitRates(uid, name, received, int(replied or 0), int(overdue or 0), _ratio(int(timely or 0), int(contacted or 0)),
                             _ratio(int(solved or 0), int(visited or 0)), _ratio(int(satisfied or 0), int(visited or 0))))
    return out
