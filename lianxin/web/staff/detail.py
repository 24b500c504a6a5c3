"""The staff appeal page: fields (personal data masked unless the role needs it), deadlines, units,
pending requests, the whole timeline with internal notes, and the actions this user may take now.
Each action is an htmx form returning the refreshed panel; ``expected_version`` catches races.
The assessment exclusion partial (``/appeals/{no}/exclusion``) loads into the panel for the roles it concerns."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.appeals.access import Shown, require_can_see, shown_to
from lianxin.appeals.choices import RequestState
from lianxin.appeals.models import Appeal
from lianxin.appeals.service import check_version, get_appeal
from lianxin.appeals.status import AppealStatus, IllegalTransition, next_status
from lianxin.assessment.exclusions import NOT_ASSESSED
from lianxin.dispatch.catalogue import suggest_units
from lianxin.dispatch.repeats import repeats_of
from lianxin.errors import LianxinError, NotFound, PermissionDenied, StaleVersion
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role
from lianxin.web.deps import get_session, require_user
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.htmx import is_htmx, render_partial
from lianxin.web.i18n import EN, pick_lang
from lianxin.web.staff.actions import BY_NAME, ActionForm, Form, forms_for
from lianxin.web.staff.common import due_mark
from lianxin.web.templating import render
from lianxin.web.uploads import discard, read_photos, store_photos

router = APIRouter(prefix="/staff")
EXCLUSION_ROLES = (Role.HANDLER, Role.DISPATCHER, Role.LEADER)  # who asks, who decides, who reads the rates


def visible_appeal(session: Session, user: User, order_no: str) -> Appeal:
    appeal = get_appeal(session, order_no)
    if appeal.jurisdiction_id != user.jurisdiction_id:
        raise NotFound(f"工单 {order_no} 不存在", f"appeal {order_no} not found")
    require_can_see(session, appeal, user)
    return appeal


def person(session: Session, user: User, appeal: Appeal) -> Shown:
    """Name, phone and texts as this user may see them; a view of unmasked personal data is logged."""
    return shown_to(session, user, appeal, "web")


def panel_context(
    session: Session,
    user: User,
    appeal: Appeal,
    *,
    errors: FormErrors | None = None,
    open_form: str | None = None,
    values: dict | None = None,
    notice: str | None = None,
    stale: bool = False,
) -> dict:
    forms = forms_for(session, user, appeal)
    names = {f.name for f in forms}
    centre = has_role(session, user, (Role.OPERATOR, Role.DISPATCHER))
    suggestion = suggest_units(session, appeal) if names & {"dispatch", "redispatch"} else None
    return {
        "appeal": appeal,
        "status": AppealStatus(appeal.status),
        "person": person(session, user, appeal),
        "events": list(appeal.events),
        "due": due_mark(appeal),
        "units": [row for row in appeal.units if row.active],
        "attachments": list(appeal.attachments),
        "pending": [r for r in appeal.requests if r.state == RequestState.PENDING],
        "forms": forms,
        "options": {f.name: {fld.name: fld.options(session, appeal) for fld in f.fields if fld.options} for f in forms},
        "suggestion": suggestion,
        "defaults": suggested_values(suggestion) | current_values(appeal),
        "repeats": repeats_of(session, appeal) if centre and "merge" in names else [],
        "errors": errors or FormErrors("zh-CN"),
        "open_form": open_form,
        "values": values or {},
        "notice": notice,
        "exclusion": AppealStatus(appeal.status) not in NOT_ASSESSED and has_role(session, user, EXCLUSION_ROLES),
        "stale": stale,
        "loose_errors": list((errors or {}).values()) if open_form not in names else [],
    }


def suggested_values(suggestion) -> dict:
    """The catalogue's units, preselected in the dispatch forms."""
    if suggestion is None or suggestion.lead_unit is None:
        return {}
    units = {"lead_unit": [str(suggestion.lead_unit.id)], "co_units": [str(u.id) for u in suggestion.co_units]}
    return {"dispatch": units, "redispatch": units}


def current_values(appeal: Appeal) -> dict:
    """The appeal's category, preselected in the recategorize form."""
    return {"recategorize": {"category_id": [str(appeal.category_id)]}} if appeal.category_id else {}


@router.get("/appeals/{order_no}")
def appeal_page(
    request: Request, order_no: str, user: User = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    appeal = visible_appeal(session, user, order_no)
    ctx = panel_context(session, user, appeal, errors=FormErrors(pick_lang(request)))
    return render(request, "staff/appeal.html", ctx)


@router.get("/appeals/{order_no}/panel")
def appeal_panel(
    request: Request, order_no: str, user: User = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    appeal = visible_appeal(session, user, order_no)
    ctx = panel_context(session, user, appeal, errors=FormErrors(pick_lang(request)))
    return render_partial(request, "staff/_panel.html", ctx, page="staff/appeal.html")


def read_form(data: FormData) -> tuple[Form, list]:
    values: dict[str, list] = {}
    files = []
    for key, value in data.multi_items():
        if isinstance(value, UploadFile):
            files.append(value)
        else:
            values.setdefault(key, []).append(value)
    return Form(values), files


def _version(form: Form) -> int | None:
    value = form.text("expected_version")
    return int(value) if value.isdigit() else None


@router.post("/appeals/{order_no}/act/{name}")
def act(
    request: Request,
    order_no: str,
    name: str,
    posted: FormData = Depends(posted_form()),
    user: User = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    appeal = visible_appeal(session, user, order_no)
    spec: ActionForm | None = BY_NAME.get(name)
    form, files = read_form(posted)
    lang = pick_lang(request)
    errors = FormErrors(lang)
    upload_dir = request.app.state.settings.upload_dir
    savepoint = session.begin_nested()
    try:
        if spec is not None:  # the version first: after a lost race the action may no longer be offered (409, not 403)
            check_version(appeal, _version(form))
        if spec is None or spec not in forms_for(session, user, appeal):
            _refuse(session, user, appeal, spec)
        form.photos = store_photos(upload_dir, read_photos(files)) if files else []
        spec.run(session, appeal, user, form, _version(form))
        savepoint.commit()
    except LianxinError as exc:
        savepoint.rollback()
        discard(upload_dir, form.photos)
        if exc.http_status in (403, 404) and not isinstance(exc, StaleVersion):
            raise
        session.refresh(appeal)
        errors.add_exception(exc)
        return _answer(
            request,
            session,
            user,
            appeal,
            status=409 if isinstance(exc, StaleVersion) else exc.http_status,
            errors=errors,
            open_form=name,
            values=form.values,
            stale=isinstance(exc, StaleVersion),
        )
    session.refresh(appeal)
    done = f"Done: {spec.label(lang)}" if lang == EN else f"已完成：{spec.label(lang)}"
    if not is_htmx(request):
        back = form.text("next")
        target = back if back.startswith("/staff/") and "//" not in back else f"/staff/appeals/{appeal.order_no}"
        return RedirectResponse(target, status_code=303)
    return _answer(request, session, user, appeal, status=200, notice=done)


def _refuse(session: Session, user: User, appeal: Appeal, spec: ActionForm | None) -> None:
    """An action not offered to this user now: 409 when the status forbids it, 403 when the role does."""
    if spec is None:
        raise NotFound("没有这个操作", "no such action")
    next_status(appeal.status, spec.status_action)  # raises IllegalTransition for the status
    if spec.may(session, user, appeal):
        raise IllegalTransition(AppealStatus(appeal.status), spec.status_action)
    raise PermissionDenied("您无权对该工单执行此操作", "you may not take this action on this appeal")


def _answer(request: Request, session: Session, user: User, appeal: Appeal, *, status: int, **kw) -> Response:
    ctx = panel_context(session, user, appeal, **kw)
    return render_partial(request, "staff/_panel.html", ctx, page="staff/appeal.html", status_code=status)
