"""The return-visit desk: one row per replied appeal awaiting its visit, with the resident's phone as a ``tel:``
link (visitors are centre staff and need it; each unmasked row is a logged view), the reply and the unit, and
the visit recorded on the row (htmx: contacted? solved? 满意/基本满意/不满意, unreasonable) through the same
``visit`` verb as the appeal page — the row turns into what was recorded, without opening the appeal."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import exists, or_
from sqlalchemy.orm import Session

from lianxin.appeals.access import visible_appeals
from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal
from lianxin.appeals.service import check_version
from lianxin.appeals.status import AppealStatus
from lianxin.errors import LianxinError, StaleVersion
from lianxin.orgs.models import Role, User
from lianxin.visits.models import ReturnVisit, VisitState
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.htmx import is_htmx, render_partial
from lianxin.web.i18n import pick_lang
from lianxin.web.staff.actions import BY_NAME, forms_for
from lianxin.web.staff.common import FILTERS, appeal_spec
from lianxin.web.staff.detail import _refuse, _version, person, read_form, visible_appeal
from lianxin.web.staff.listing import ListPage, run_list
from lianxin.web.templating import render

router = APIRouter(prefix="/staff")
VISIT_ROLES = (Role.VISITOR, Role.DISPATCHER)


def _row(session: Session, user: User, appeal: Appeal, **extra) -> dict:
    return {"row": appeal, "view": person(session, user, appeal), **extra}


@router.get("/visits")
def visit_queue(
    request: Request, user: User = Depends(require_roles(*VISIT_ROLES)), session: Session = Depends(get_session)
) -> Response:
    waiting = exists().where(ReturnVisit.appeal_id == Appeal.id, ReturnVisit.state == VisitState.PENDING)
    no_task = ~exists().where(ReturnVisit.appeal_id == Appeal.id, ReturnVisit.round == Appeal.reopen_count)
    stmt = visible_appeals(session, user).where(Appeal.status == AppealStatus.REPLIED, or_(waiting, no_task))
    spec = appeal_spec("visits", "received_at", filters=FILTERS[1:3], centre=True)
    result = run_list(session, request, spec, stmt)
    if not isinstance(result, ListPage):
        return result
    en = pick_lang(request) == "en"
    rows = [_row(session, user, appeal) for appeal in result.rows]
    return render(
        request,
        "staff/visits.html",
        {
            "lp": result,
            "rows": rows,
            "heading": "Return visits" if en else "回访队列",
            "errors": FormErrors(pick_lang(request)),
        },
    )


@router.post("/visits/{order_no}")
def record_on_row(
    request: Request,
    order_no: str,
    posted=Depends(posted_form(max_files=0)),
    user: User = Depends(require_roles(*VISIT_ROLES)),
    session: Session = Depends(get_session),
) -> Response:
    """Record the visit from the queue's row; htmx gets the row back (what was recorded, or the form with the
    message), a plain form post goes back to the queue."""
    appeal = visible_appeal(session, user, order_no)
    spec = BY_NAME["visit"]
    form, _files = read_form(posted)
    form.photos = []
    errors = FormErrors(pick_lang(request))
    savepoint = session.begin_nested()
    try:
        check_version(appeal, _version(form))
        if spec not in forms_for(session, user, appeal):
            _refuse(session, user, appeal, spec)
        spec.run(session, appeal, user, form, _version(form))
        savepoint.commit()
    except LianxinError as exc:
        savepoint.rollback()
        if exc.http_status in (403, 404) and not isinstance(exc, StaleVersion):
            raise
        session.refresh(appeal)
        errors.add_exception(exc)
        status = 409 if isinstance(exc, StaleVersion) else exc.http_status
        if not is_htmx(request):
            return RedirectResponse("/staff/visits", status_code=303)
        return render_partial(
            request, "staff/_visit_row.html", _row(session, user, appeal, errors=errors), status_code=status
        )
    session.refresh(appeal)
    if not is_htmx(request):
        return RedirectResponse("/staff/visits", status_code=303)
    chosen = form.text("satisfaction")
    recorded = {
        "contacted": form.text("contacted") == "1",
        "solved": form.text("solved"),
        "satisfaction": Satisfaction(chosen) if chosen in {s.value for s in Satisfaction} else None,
        "unreasonable": form.flag("unreasonable"),
    }
    return render_partial(request, "staff/_visit_row.html", _row(session, user, appeal, recorded=recorded))
