"""积分 pages: ``/points/me`` (我的积分: a member's or a resident's balances — their own and their household's —
and history, phone width) and ``/points/staff``
(accounts, recent entries, anomalies — balances that differ from the entries or pass their limits — the rules
with their versions; leaders add a rule version, staff reverse an entry)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Role, User
from lianxin.points import service
from lianxin.points.models import ACCOUNT_KIND_LABELS, REASON_LABELS, EntryReason, PointsEntry, PointsRule
from lianxin.residents.models import ResidentAccount
from lianxin.residents.views import current_resident
from lianxin.web.deps import current_user, get_session, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render
from lianxin.wishes.people import member_for_resident, member_for_user

router = APIRouter()
STAFF = (Role.LEADER, Role.HANDLER, Role.GRID_WORKER)
LABELS = {"reason": REASON_LABELS, "kind": ACCOUNT_KIND_LABELS}


@router.get("/points/me")
def mine(
    request: Request,
    session: Session = Depends(get_session),
    user: User | None = Depends(current_user),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    """我的积分 for a staff login that is a member, or a resident signed in with the phone: the member's own
    account and the households the phone holds (爱心存折), each with its history."""
    if user is None and resident is None:
        return RedirectResponse("/me/login", status_code=303)
    member = member_for_user(session, user) if user is not None else None
    if member is None and resident is not None:
        member = member_for_resident(session, resident)
    held = [service.member_account(session, member)] if member else []
    jid = user.jurisdiction_id if user is not None else resident.jurisdiction_id
    phone = resident.phone if resident is not None else (member.phone if member else user.phone)
    held += service.households_of_phone(session, jid, phone)
    return render(
        request,
        "points/me.html",
        {
            "member": member,
            "resident": resident,
            "accounts": [(a, service.entries_of(session, a, limit=100)) for a in held],
            "signed": service.signed,
            "labels": LABELS,
        },
    )


def _staff_page(request: Request, session: Session, user: User, error: str | None = None, status_code: int = 200):
    jid = user.jurisdiction_id
    rules = session.scalars(
        select(PointsRule).where(PointsRule.jurisdiction_id == jid).order_by(PointsRule.code, PointsRule.version.desc())
    ).all()
    return render(
        request,
        "points/staff.html",
        {
            "check": service.check_ledger(session, jid),
            "accounts": service.accounts(session, jid, limit=200),
            "entries": session.scalars(
                select(PointsEntry).where(PointsEntry.jurisdiction_id == jid).order_by(PointsEntry.id.desc()).limit(50)
            ).all(),
            "totals": service.totals_by_reason(session, jid),
            "rules": rules,
            "codes": [c for c in EntryReason if c not in (EntryReason.REDEMPTION, EntryReason.REVERSAL)],
            "labels": LABELS,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/points/staff")
def staff(request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*STAFF))):
    return _staff_page(request, session, user)


@router.post("/points/staff/rules")
def add_rule(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    try:
        with session.begin_nested():
            try:
                value = int(str(form.get("points") or "").strip())
                multipliers = json.loads(str(form.get("multipliers") or "{}").strip() or "{}")
                if not isinstance(multipliers, dict):
                    raise ValueError
            except ValueError:
                raise InvalidInput(
                    '分值应为整数，系数为 JSON（如 {"team_leader": 1.4}）',
                    'points is a whole number and multipliers JSON, e.g. {"team_leader": 1.4}',
                    field="points",
                ) from None
            service.set_rule(
                session,
                jurisdiction_id=user.jurisdiction_id,
                code=str(form.get("code") or ""),
                points=value,
                multipliers=multipliers,
                note=str(form.get("note") or ""),
                actor=user,
            )
    except LianxinError as exc:
        msg = exc.message_en if pick_lang(request) == "en" else exc.message_zh
        return _staff_page(request, session, user, error=msg, status_code=exc.http_status)
    return RedirectResponse("/points/staff", status_code=303)


@router.post("/points/staff/entries/{entry_id}/reverse")
def reverse(
    entry_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    try:
        with session.begin_nested():
            entry = session.get(PointsEntry, entry_id)
            if entry is None or entry.jurisdiction_id != user.jurisdiction_id:
                raise NotFound(f"流水 {entry_id} 不存在", f"no entry {entry_id}")
            service.reverse(session, entry, actor=user, memo=str(form.get("memo") or ""))
    except LianxinError as exc:
        msg = exc.message_en if pick_lang(request) == "en" else exc.message_zh
        return _staff_page(request, session, user, error=msg, status_code=exc.http_status)
    return RedirectResponse("/points/staff", status_code=303)
