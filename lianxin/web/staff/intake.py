"""The operator's keyboard-first phone form: the knowledge box for 咨询 (``knowledge.search_entries``)
and possible repeats (``dispatch.repeats.find_repeats``) as you type; then answer at once (from a
knowledge entry or free text), send to dispatch, or transfer to 110/119/120/122 with the reason.
Grid workers report patrol findings through the resident form (``/appeal``), which sets the channel.

The routing box (``/routing/suggest``) suggests categories as the operator types; picking one sets
the category, and the model's top suggestion rides in a hidden field so the choice is stored as a
training label. A hidden one-time key rides with each form, so a double submission returns the first appeal."""

from __future__ import annotations

import re
import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.access import can_see
from lianxin.appeals.choices import AppealType, Channel, NotAcceptedReason, Urgency
from lianxin.appeals.models import Appeal
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import add_note, answer_directly, merge_appeal, not_accept, submit_appeal
from lianxin.dispatch.repeats import find_repeats
from lianxin.errors import InvalidInput, LianxinError
from lianxin.knowledge.service import answer_from_entry, get_entry, search_entries
from lianxin.modules import run_hooks
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role
from lianxin.routing.labels import record_label
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.htmx import render_partial
from lianxin.web.i18n import pick_lang
from lianxin.web.staff.common import categories
from lianxin.web.staff.detail import read_form
from lianxin.web.templating import render

router = APIRouter(prefix="/staff")
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
EMERGENCY_LINES = ("110", "119", "120", "122")
DISPOSITIONS = ("dispatch", "answer", "transfer")


def communities(session: Session, jurisdiction_id: int) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.jurisdiction_id == jurisdiction_id, Unit.kind == UnitKind.COMMUNITY, Unit.active.is_(True))
            .order_by(Unit.code)
        )
    )


def _optional_int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def intake_context(session: Session, user: User, values: dict, errors: FormErrors) -> dict:
    return {
        "values": values,
        "errors": errors,
        "key": values.get("intake_key") or uuid.uuid4().hex,
        "channels": list(Channel),
        "types": list(AppealType),
        "urgencies": list(Urgency),
        "categories": categories(session, user.jurisdiction_id),
        "communities": [(u.id, u.name) for u in communities(session, user.jurisdiction_id)],
        "lines": EMERGENCY_LINES,
    }


def _fresh_form(request: Request, session: Session, user: User, saved: Appeal | None = None) -> Response:
    values = {"channel": Channel.HOTLINE.value, "appeal_type": AppealType.HELP.value, "disposition": "dispatch"}
    context = intake_context(session, user, values, FormErrors(pick_lang(request)))
    return render(request, "staff/intake.html", context | {"saved": saved})


@router.get("/intake")
def intake_form(
    request: Request,
    user: User = Depends(require_roles(Role.OPERATOR, Role.DISPATCHER)),
    session: Session = Depends(get_session),
) -> Response:
    return _fresh_form(request, session, user)


@router.get("/intake/saved/{order_no}")
def intake_saved(
    request: Request,
    order_no: str,
    user: User = Depends(require_roles(Role.OPERATOR, Role.DISPATCHER)),
    session: Session = Depends(get_session),
) -> Response:
    """Where a saved intake lands: a fresh form for the next call, with a link to what was saved."""
    saved = session.scalar(select(Appeal).where(Appeal.order_no == order_no))
    if saved is not None and not can_see(session, user, saved):
        saved = None
    return _fresh_form(request, session, user, saved)


def _existing(session: Session, key: str) -> Appeal | None:
    return session.scalar(select(Appeal).where(Appeal.idempotency_key == key))


def _record_choice(session: Session, appeal: Appeal, user: User, values: dict) -> None:
    """The category the operator chose, against the model's top suggestion, becomes a routing training label."""
    predicted = _optional_int(values.get("predicted_category_id", ""))
    if predicted is not None and appeal.category_id is not None:
        record_label(session, appeal, appeal.category_id, actor=user, predicted_category_id=predicted, source="intake")


def _merge(session: Session, appeal: Appeal, user: User, values: dict) -> bool:
    """The operator picked an earlier appeal in the repeats box: a dispatcher merges the new one into it (并单) at
    once; an operator (who may not merge) marks it as a repeat of it, an internal note the dispatcher acts on."""
    order_no = values.get("merge_into", "").strip()
    if not order_no:
        return False
    if values.get("disposition", "dispatch") != "dispatch":
        raise InvalidInput(
            "并单时处理方式请选择“转派单”",
            "to merge, leave “Send to dispatch” as what happens next",
            field="disposition",
        )
    into = session.scalar(
        select(Appeal).where(Appeal.order_no == order_no, Appeal.jurisdiction_id == appeal.jurisdiction_id)
    )
    if into is None or not can_see(session, user, into):
        raise InvalidInput("要并入的工单不存在", "the appeal to merge into does not exist", field="merge_into")
    if may_merge(session, user):
        merge_appeal(session, appeal, into, actor=user, note="来电登记时并单 / merged at intake")
    else:
        add_note(
            session,
            appeal,
            actor=user,
            note=f"来电登记时标记为 {into.order_no} 的重复件，请派单员并单 / marked at intake as a repeat of {into.order_no}",
        )
    return True


def may_merge(session: Session, user: User) -> bool:
    return has_role(session, user, (Role.DISPATCHER,))


def _disposition(session: Session, appeal: Appeal, user: User, values: dict) -> None:
    choice = values.get("disposition", "dispatch")
    if choice == "answer":
        entry_id = _optional_int(values.get("kb_entry_id", ""))
        if entry_id is None:
            answer_directly(session, appeal, actor=user, answer=values.get("answer", ""))
        else:
            entry = get_entry(session, entry_id, appeal.jurisdiction_id)
            answer_from_entry(session, appeal, entry, actor=user, answer=values.get("answer") or None)
    elif choice == "transfer":
        line = values.get("transfer_line", "")
        if line not in EMERGENCY_LINES:
            raise InvalidInput("请选择转接的紧急号码", "choose the emergency line", field="transfer_line")
        reason = values.get("transfer_reason", "").strip()
        if len(reason) < 2:
            raise InvalidInput("请填写转接原因", "give the reason for the transfer", field="transfer_reason")
        not_accept(session, appeal, actor=user, reason=NotAcceptedReason.EMERGENCY_TRANSFER, note=f"转{line}：{reason}")
    elif choice != "dispatch":
        raise InvalidInput("请选择处理方式", "choose what happens next", field="disposition")


@router.post("/intake")
def intake(
    request: Request,
    posted: FormData = Depends(posted_form()),
    user: User = Depends(require_roles(Role.OPERATOR, Role.DISPATCHER)),
    session: Session = Depends(get_session),
) -> Response:
    form, _files = read_form(posted)
    values = {k: form.text(k) for k in form.values}
    errors = FormErrors(pick_lang(request))
    key = values.get("intake_key", "")
    idempotency_key = f"web-intake:{key}" if KEY_RE.match(key) else None
    if idempotency_key and (found := _existing(session, idempotency_key)) is not None:
        return RedirectResponse(f"/staff/intake/saved/{found.order_no}", status_code=303)
    savepoint = session.begin_nested()
    try:
        data = AppealCreate(
            jurisdiction_id=user.jurisdiction_id,
            channel=values.get("channel") or Channel.HOTLINE,
            appeal_type=values.get("appeal_type", ""),
            urgency=values.get("urgency") or Urgency.NORMAL,
            title=values.get("title") or None,
            content=values.get("content", ""),
            address=values.get("address") or None,
            category_id=_optional_int(values.get("category_id", "")),
            community_id=_optional_int(values.get("community_id", "")),
            appellant_name=values.get("appellant_name") or None,
            appellant_phone=values.get("appellant_phone") or None,
            anonymous=form.flag("anonymous"),
            confidential=form.flag("confidential"),
        )
        appeal = submit_appeal(session, data, actor=user, idempotency_key=idempotency_key)
        _record_choice(session, appeal, user, values)
        if not _merge(session, appeal, user, values):
            _disposition(session, appeal, user, values)
        run_hooks("after_desk_intake", session, appeal, actor=user, values=values)  # e.g. calls: link the call
        savepoint.commit()
    except ValidationError as exc:
        savepoint.rollback()
        errors.add_validation(exc)
    except LianxinError as exc:
        savepoint.rollback()
        errors.add_exception(_rename(exc))
    if errors:
        return render(request, "staff/intake.html", intake_context(session, user, values, errors), status_code=422)
    return RedirectResponse(f"/staff/intake/saved/{appeal.order_no}", status_code=303)


def _rename(exc: LianxinError) -> LianxinError:
    """The verbs name their own fields; on this form the transfer note is ``transfer_reason``."""
    if exc.field == "note":
        exc.field = "transfer_reason"
    return exc


@router.get("/intake/kb")
def knowledge_box(
    request: Request,
    content: str = "",
    title: str = "",
    appeal_type: str = "",
    user: User = Depends(require_roles(Role.OPERATOR, Role.DISPATCHER)),
    session: Session = Depends(get_session),
) -> Response:
    consult = appeal_type == AppealType.CONSULT.value
    hits = search_entries(session, user.jurisdiction_id, f"{title} {content}"[:2000]) if consult else []
    return render_partial(request, "staff/_kb.html", {"hits": hits, "consult": consult})


@router.get("/intake/repeats")
def repeats_box(
    request: Request,
    appellant_phone: str = "",
    content: str = "",
    address: str = "",
    community_id: str = "",
    user: User = Depends(require_roles(Role.OPERATOR, Role.DISPATCHER)),
    session: Session = Depends(get_session),
) -> Response:
    found = find_repeats(
        session,
        user.jurisdiction_id,
        phone=appellant_phone.strip().replace(" ", "") or None,
        text=content[:2000] or None,
        address=address.strip() or None,
        community_id=_optional_int(community_id),
    )
    return render_partial(request, "staff/_repeats.html", {"repeats": found, "may_merge": may_merge(session, user)})
