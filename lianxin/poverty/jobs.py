"""The monitoring jobs, run by ``lianxin jobs run`` each in its own transaction, idempotent:

- ``poverty_clock``: an open declaration whose clock turns amber reminds the checker (or the grid); one that
  turns red is escalated to the street (village check) or the county (decision) — each once per step, recorded
  in ``Declaration.warned`` and as an event.
- ``poverty_candidates``: households whose appeals, real alarms or recorded income cross the rules (data) become
  ``data`` declarations for a grid worker's check — never a case directly.
- ``poverty_reviews``: cleared households due for re-verification and measures past their target date are
  told to the cadre, the grid and the owner unit (deduplicated per date).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin import clock
from lianxin.clock import local_date
from lianxin.notify import queue_notification
from lianxin.orgs.models import Jurisdiction, Unit, UnitKind
from lianxin.poverty import board, service
from lianxin.poverty.models import Declaration, Measure, MonitoringCase
from lianxin.poverty.status import (
    DECLARATION_OPEN,
    CaseStatus,
    Clock,
    DeclarationAction,
    MeasureStatus,
)


def _above(session: Session, unit: Unit, kind: UnitKind) -> Unit | None:
    while unit is not None and unit.kind != kind:
        unit = session.get(Unit, unit.parent_id) if unit.parent_id else None
    return unit


def _warn(session: Session, decl: Declaration, step: str, colour: Clock) -> bool:
    key = f"{step}_{colour.value}"
    if key in (decl.warned or []):
        return False
    decl.warned = [*(decl.warned or []), key]
    what = "村级核实" if step == "check" else "评议公示和认定"
    due = decl.check_due_at if step == "check" else decl.decide_due_at
    if colour == Clock.AMBER:
        audience, recipient = (
            ("user", decl.assignee_id) if decl.assignee_id else ("unit", decl.grid_id or decl.community_id)
        )
        text = f"【防返贫】{service.number(decl)} 的{what}即将到期，请抓紧办理。"
        action = DeclarationAction.REMIND
    else:
        target = _above(session, decl.community, UnitKind.STREET if step == "check" else UnitKind.DISTRICT)
        audience, recipient = "unit", (target or decl.community).id
        text = f"【防返贫督办】{decl.community.name} {service.number(decl)} 的{what}已超期，请督促办理。"
        action = DeclarationAction.ESCALATE
    queue_notification(
        session,
        jurisdiction_id=decl.jurisdiction_id,
        kind=f"poverty_{action.value}",
        audience=audience,
        recipient=recipient,
        message=text,
        dedupe_key=f"poverty:{key}:{decl.id}",
    )
    service.event(
        session,
        "declaration",
        decl,
        action,
        from_status=decl.status,
        to_status=decl.status,
        step=step,
        due_at=due.isoformat(),
        recipient=f"{audience}:{recipient}",
    )
    return True


def clock_warnings(session: Session, settings, now: datetime) -> int:
    with clock.at(now):
        return _clock_warnings(session, now)


def _clock_warnings(session: Session, now: datetime) -> int:
    acted = 0
    rows = session.scalars(
        select(Declaration)
        .where(Declaration.status.in_(DECLARATION_OPEN))
        .order_by(Declaration.id)
        .with_for_update(skip_locked=True, of=Declaration)
    ).all()
    for decl in rows:
        state = service.clock(session, decl, now)
        if state["colour"] == Clock.RED:
            # a red clock that was never amber (a weekend or holiday in between) still reminds first
            acted += _warn(session, decl, state["step"], Clock.AMBER)
            acted += _warn(session, decl, state["step"], Clock.RED)
        elif state["colour"] == Clock.AMBER:
            acted += _warn(session, decl, state["step"], Clock.AMBER)
    session.flush()
    return acted


def find_candidates(session: Session, settings, now: datetime) -> int:
    with clock.at(now):
        return _find_candidates(session, now)


def _find_candidates(session: Session, now: datetime) -> int:
    made = 0
    for jurisdiction in session.scalars(select(Jurisdiction).order_by(Jurisdiction.id)):
        rules = service.figures(session, jurisdiction.id)["candidates"]
        for household, reasons in board.candidate_households(session, jurisdiction.id, rules, now):
            head = household.people[0] if household.people else None
            service.declare(
                session,
                jurisdiction_id=jurisdiction.id,
                channel="data",
                head_name=head.name if head else "（待核实）",
                household_id=household.id,
                risk_types=["income_drop"],
                description="；".join(zh for zh, _ in reasons),
                reasons=reasons,
            )
            made += 1
    return made


def review_reminders(session: Session, settings, now: datetime) -> int:
    today = local_date(now)
    told = 0
    for case in session.scalars(
        select(MonitoringCase)
        .where(MonitoringCase.status == CaseStatus.RISK_CLEARED, MonitoringCase.next_review_on <= today)
        .order_by(MonitoringCase.id)
    ):
        recipient = ("user", case.cadre_id) if case.cadre_id else ("unit", case.grid_id or case.community_id)
        told += (
            queue_notification(
                session,
                jurisdiction_id=case.jurisdiction_id,
                kind="poverty_reverify",
                audience=recipient[0],
                recipient=recipient[1],
                message=f"【防返贫】监测户 JC{case.id:06d} 已到定期复核时间（{case.next_review_on.isoformat()}），请入户复核。",
                dedupe_key=f"poverty:reverify:{case.id}:{case.next_review_on.isoformat()}",
            )
            is not None
        )
    for measure in session.scalars(
        select(Measure).where(Measure.status != MeasureStatus.DONE, Measure.target_on < today).order_by(Measure.id)
    ):
        told += (
            queue_notification(
                session,
                jurisdiction_id=measure.jurisdiction_id,
                kind="poverty_measure_late",
                audience="unit",
                recipient=measure.owner_unit_id,
                message=f"【防返贫督办】{measure.kind.zh}措施（监测户 JC{measure.case_id:06d}）已超过完成时限 "
                f"{measure.target_on.isoformat()}，请尽快落实。",
                dedupe_key=f"poverty:measure_late:{measure.id}",
            )
            is not None
        )
    return told
