"""Assessment pages: the monthly ranking and its printable report, the leader's supervision list, and
the exclusion request/decision partial (htmx) that the appeal page includes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lianxin.appeals.access import require_can_see
from lianxin.appeals.service import get_appeal
from lianxin.appeals.supervision import LEVEL_LABELS
from lianxin.assessment import exclusions, supervision
from lianxin.assessment.choices import ExclusionReason, ExclusionState
from lianxin.assessment.report import LIST_LABELS, RATE_COLUMNS, monthly_report, render_html, write_excel
from lianxin.assessment.service import (
    EDITABLE,
    FLOAT_SETTINGS,
    RANKED_KINDS,
    SETTING_LABELS,
    get_settings_row,
    monthly_ranking,
    parse_month,
    previous_month,
    settings_changes,
    update_settings,
)
from lianxin.clock import utcnow
from lianxin.errors import LianxinError, NotFound
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role
from lianxin.stats.fold import local_day
from lianxin.stats.rates import RATE_LABELS
from lianxin.web.deps import get_session, require_roles, require_user
from lianxin.web.forms import FormErrors
from lianxin.web.htmx import is_htmx, render_partial
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()
SUPERVISION_PAGE = 50
READERS = (Role.LEADER, Role.DISPATCHER, Role.ADMIN)


def _month(text: str | None):
    return parse_month(text) if text else previous_month(local_day(utcnow()))


@router.get("/assessment/monthly")
def monthly_page(
    request: Request,
    month: str | None = None,
    kind: str = "street",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*READERS)),
) -> Response:
    first = _month(month)
    ranking = monthly_ranking(session, user.jurisdiction_id, first, kind)
    return render(
        request,
        "assessment/monthly.html",
        {
            "ranking": ranking,
            "month": ranking["month"],
            "kinds": RANKED_KINDS,
            "columns": RATE_COLUMNS,
            "labels": RATE_LABELS,
            "lists": LIST_LABELS,
        },
    )


@router.get("/assessment/monthly/report.{fmt}")
def monthly_report_file(
    fmt: str,
    month: str | None = None,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*READERS)),
) -> Response:
    report = monthly_report(session, user.jurisdiction_id, _month(month))
    if fmt == "xlsx":
        return Response(
            write_excel(report),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="assessment-{report["month"]}.xlsx"'},
        )
    if fmt == "html":
        return Response(render_html(report), media_type="text/html; charset=utf-8")
    raise NotFound("报表格式只有 html 和 xlsx", "the report comes as html or xlsx")


@router.get("/leader/supervision")
def supervision_page(
    request: Request,
    level: int = 1,
    after: str | None = None,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*READERS)),
) -> Response:
    page = supervision.supervision_page(
        session, user, min_level=level, size=SUPERVISION_PAGE, after=(after or "")[:500] or None
    )
    context = {"appeals": page.rows, "next_after": page.next_cursor, "after": after, "level": level}
    return render(request, "assessment/supervision.html", context | {"levels": LEVEL_LABELS})


# --- exclusion partial (htmx) ---------------------------------------------------------------------


def _partial(
    request: Request, session: Session, appeal, user: User, errors: FormErrors | None = None, status_code: int = 200
) -> Response:
    history = exclusions.exclusions_of(session, appeal)
    pending = next((e for e in history if e.state == ExclusionState.PENDING), None)
    approved = any(e.state == ExclusionState.APPROVED for e in history)
    lead = appeal.lead_unit_id is not None and has_role(session, user, (Role.HANDLER,), unit_id=appeal.lead_unit_id)
    return render_partial(
        request,
        "assessment/_exclusion.html",
        {
            "appeal": appeal,
            "history": history,
            "pending": pending,
            "approved": approved,
            "can_request": lead and not pending and not approved and appeal.status not in exclusions.NOT_ASSESSED,
            "can_decide": pending is not None and has_role(session, user, (Role.DISPATCHER,)),
            "reasons": list(ExclusionReason),
            "errors": errors or FormErrors(pick_lang(request)),
        },
        status_code=status_code,
    )


def _errors(request: Request, exc: LianxinError) -> FormErrors:
    errors = FormErrors(pick_lang(request))
    errors.add_exception(exc)
    return errors


def _error_status(request: Request, exc: LianxinError) -> int:
    """htmx swaps only 2xx responses: the partial with its messages comes back as 200 to htmx."""
    return 200 if is_htmx(request) else exc.http_status


@router.get("/appeals/{order_no}/exclusion")
def exclusion_partial(
    request: Request, order_no: str, session: Session = Depends(get_session), user: User = Depends(require_user)
) -> Response:
    appeal = get_appeal(session, order_no)
    require_can_see(session, appeal, user)
    return _partial(request, session, appeal, user)


@router.post("/appeals/{order_no}/exclusion")
def exclusion_request(
    request: Request,
    order_no: str,
    reason: str = Form(""),
    explanation: str = Form(""),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),
) -> Response:
    appeal = get_appeal(session, order_no)
    require_can_see(session, appeal, user)
    try:
        exclusions.request_exclusion(session, appeal, actor=user, reason=reason, explanation=explanation)
    except LianxinError as exc:  # the verbs check everything before changing anything
        return _partial(request, session, appeal, user, _errors(request, exc), status_code=_error_status(request, exc))
    return _partial(request, session, appeal, user)


@router.post("/appeals/{order_no}/exclusion/{exclusion_id}/decision")
def exclusion_decision(
    request: Request,
    order_no: str,
    exclusion_id: int,
    approve: str = Form(""),
    note: str = Form(""),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),
) -> Response:
    appeal = get_appeal(session, order_no)
    exclusion = exclusions.get_exclusion(session, exclusion_id)
    if exclusion.appeal_id != appeal.id:
        raise NotFound("该申请不属于此工单", "the request belongs to another appeal")
    try:
        exclusions.decide_exclusion(session, exclusion, actor=user, approve=approve == "yes", note=note or None)
    except LianxinError as exc:  # the verbs check everything before changing anything
        return _partial(request, session, appeal, user, _errors(request, exc), status_code=_error_status(request, exc))
    return _partial(request, session, appeal, user)


# --- assessment settings (admins): weights, lists and supervision thresholds, with their change log ---------


class SettingsForm(BaseModel):
    weight_response: str = ""
    weight_resolution: str = ""
    weight_satisfaction: str = ""
    basic_satisfied_weight: str = ""
    red_list_size: str = ""
    black_list_size: str = ""
    black_list_below: str = ""
    min_valid_visits: str = ""
    supervise_overdue_working_days: str = ""
    supervise_reopen_count: str = ""
    list_repeat_count: str = ""
    note: str = ""


def _settings_page(
    request: Request,
    session: Session,
    user: User,
    values: dict,
    errors: FormErrors | None = None,
    *,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    changes = settings_changes(session, user.jurisdiction_id)
    names = {c.changed_by_id: session.get(User, c.changed_by_id).display_name for c in changes if c.changed_by_id}
    return render(
        request,
        "assessment/settings.html",
        {
            "fields": [(name, *SETTING_LABELS[name], name in FLOAT_SETTINGS) for name in EDITABLE],
            "values": values,
            "errors": errors or {},
            "saved": saved,
            "changes": changes,
            "names": names,
            "labels": SETTING_LABELS,
        },
        status_code=status_code,
    )


@router.get("/assessment/settings")
def settings_page(
    request: Request,
    saved: int = 0,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    row = get_settings_row(session, user.jurisdiction_id)
    return _settings_page(request, session, user, {name: getattr(row, name) for name in EDITABLE}, saved=bool(saved))


@router.post("/assessment/settings")
def settings_save(
    request: Request,
    form: Annotated[SettingsForm, Form()],
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    posted = form.model_dump()
    note = posted.pop("note")
    values = {name: value for name, value in posted.items() if value.strip() != ""}
    try:
        update_settings(session, user.jurisdiction_id, actor=user, note=note, **values)
    except LianxinError as exc:  # update_settings checks everything before it changes anything
        return _settings_page(request, session, user, posted, _errors(request, exc), status_code=422)
    return RedirectResponse("/assessment/settings?saved=1", status_code=303)
