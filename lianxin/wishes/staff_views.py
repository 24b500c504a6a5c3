"""微心愿 community staff pages: the workbench (triage, publish, reject, file, close), a wish's page, a wish
recorded on a household visit (入户走访), a wish made from an appeal (the link kept both ways), 双报到 decisions, the proxy confirmation by a grid worker with the
resident's signature photo, registering members and 先锋岗."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import user_unit_ids
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.intake import community_choices
from lianxin.web.templating import render
from lianxin.web.uploads import stored_path
from lianxin.wishes import claims, people, queries
from lianxin.wishes import service as svc
from lianxin.wishes.models import (
    DualReport,
    PartyOrg,
    ReportStatus,
    TriageClass,
    Wish,
    WishCategory,
    WishSource,
)
from lianxin.wishes.views import FORM_KEY_RE, S, _ctx, _date, _get, _int, _message, _store_photos

router = APIRouter()


def _staff_communities(session: Session, user: User) -> list[int] | None:
    """The communities the user's staff grants cover; None for admins (everything)."""
    if any(g.role == Role.ADMIN for g in user.grants):
        return None
    return list(user_unit_ids(session, user, svc.STAFF_ROLES))


def _staff_page(
    request: Request,
    session: Session,
    user: User,
    error: str | None = None,
    status_code: int = 200,
    status: str | None = None,
) -> Response:
    scope = _staff_communities(session, user)
    show = [S(status)] if status in S.__members__.values() else [S.COLLECTED, S.REGISTERED]
    stmt = select(Wish).where(Wish.jurisdiction_id == user.jurisdiction_id, Wish.status.in_(show))
    reports = select(DualReport).where(
        DualReport.jurisdiction_id == user.jurisdiction_id, DualReport.status == ReportStatus.PENDING
    )
    if scope is not None:
        stmt, reports = stmt.where(Wish.community_id.in_(scope)), reports.where(DualReport.community_id.in_(scope))
    queue = session.scalars(stmt.order_by(Wish.id).limit(100)).all()
    confirmed = select(DualReport).where(
        DualReport.jurisdiction_id == user.jurisdiction_id,
        DualReport.status == ReportStatus.CONFIRMED,
        DualReport.member_id.is_not(None),
    )
    if scope is not None:
        confirmed = confirmed.where(DualReport.community_id.in_(scope))
    return render(
        request,
        "wishes/staff.html",
        _ctx(
            reported=session.scalars(confirmed.order_by(DualReport.community_id, DualReport.id).limit(500)).all(),
            orgs=session.scalars(
                select(PartyOrg)
                .where(PartyOrg.jurisdiction_id == user.jurisdiction_id, PartyOrg.active.is_(True))
                .order_by(PartyOrg.name)
            ).all(),
            queue=queue,
            reports=session.scalars(reports.order_by(DualReport.id).limit(100)).all(),
            error=error,
            triages=[t for t in TriageClass if t != TriageClass.INFEASIBLE],
            statuses=list(S),
            status=status or "",
            mask=queries.masked_resident,
            today=svc.today(),
        ),
        status_code=status_code,
    )


@router.get("/wishes/staff")
def staff_desk(
    request: Request,
    status: str | None = None,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    return _staff_page(request, session, user, status=status)


STAFF_ACTIONS = {
    "register": lambda s, w, u, f: svc.register_wish(
        s, w, actor=u, triage_class=_get(f, "triage_class"), public_text=_get(f, "public_text") or None
    ),
    "publish": lambda s, w, u, f: svc.publish_wish(s, w, actor=u, public_text=_get(f, "public_text") or None),
    "reject": lambda s, w, u, f: svc.reject_wish(s, w, actor=u, reason=_get(f, "reason")),
    "file": lambda s, w, u, f: svc.file_wish(
        s, w, actor=u, reason=_get(f, "reason"), review_on=_date(_get(f, "review_on"), "review_on")
    ),
    "reopen": lambda s, w, u, f: svc.reopen_wish(s, w, actor=u),
    "close": lambda s, w, u, f: claims.close_wish(s, w, actor=u),
}


@router.post("/wishes/staff/{wish_id}/{action}")
def staff_action(
    wish_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    verb = STAFF_ACTIONS.get(action)
    if verb is None:
        raise NotFound("操作不存在", "no such action")
    try:
        with session.begin_nested():
            wish = queries.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
            verb(session, wish, user, form)
    except LianxinError as exc:
        return _staff_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/wishes/staff/{wish_id}", status_code=303)


# --- a wish recorded on a household visit -----------------------------------------------------------------

VISIT_SOURCES = (WishSource.GRID_VISIT, WishSource.BOX, WishSource.RETURN_VISIT)
VISIT_FIELDS = (
    "community_id",
    "grid_id",
    "source",
    "category",
    "content",
    "resident_name",
    "resident_phone",
    "resident_address",
    "form_key",
)


def _visit_page(
    request: Request, session: Session, user: User, values: dict, errors: FormErrors, status_code: int = 200
) -> Response:
    communities = [
        (cid, name)
        for cid, name in community_choices(session, user.jurisdiction_id)
        if svc.is_staff(session, user, cid)
    ]
    ids = [cid for cid, _ in communities]
    grids = session.scalars(
        select(Unit).where(Unit.parent_id.in_(ids or [-1]), Unit.kind == UnitKind.GRID).order_by(Unit.name)
    ).all()
    return render(
        request,
        "wishes/visit.html",
        _ctx(
            values=values,
            errors=errors,
            communities=communities,
            grids=grids,
            sources=VISIT_SOURCES,
            categories=list(WishCategory),
        ),
        status_code=status_code,
    )


@router.get("/wishes/staff/visit")
def visit_form(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*svc.STAFF_ROLES))
) -> Response:
    """入户走访记心愿: a grid worker writes down a wish heard on a household visit (or from the 说事箱, a
    return visit), with the resident's details and photos; it enters the desk as collected."""
    own = next((g.unit for g in user.grants if g.role == Role.GRID_WORKER and g.unit.kind == UnitKind.GRID), None)
    values = {
        "form_key": secrets.token_urlsafe(18),
        "source": WishSource.GRID_VISIT.value,
        "community_id": str(own.parent_id) if own else "",
        "grid_id": str(own.id) if own else "",
    }
    return _visit_page(request, session, user, values, FormErrors(pick_lang(request)))


@router.post("/wishes/staff/visit")
def post_visit(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    values = {name: _get(form, name) for name in VISIT_FIELDS}
    key = f"visit:{values['form_key']}" if FORM_KEY_RE.match(values["form_key"]) else None
    values["form_key"] = values["form_key"] if key else secrets.token_urlsafe(18)
    errors = FormErrors(pick_lang(request))
    try:
        with session.begin_nested():
            source = WishSource(values["source"]) if values["source"] in {s.value for s in VISIT_SOURCES} else None
            if source is None:
                raise InvalidInput("请选择心愿来源", "choose where the wish came from", field="source")
            wish = svc.submit_wish(
                session,
                jurisdiction_id=user.jurisdiction_id,
                community_id=_int(values["community_id"], "community_id") if values["community_id"] else None,
                grid_id=_int(values["grid_id"], "grid_id") if values["grid_id"] else None,
                content=values["content"],
                category=values["category"],
                resident_phone=values["resident_phone"],
                resident_name=values["resident_name"],
                resident_address=values["resident_address"],
                source=source,
                actor=user,
                idempotency_key=key,
                photos=_store_photos(request, form),
            )
    except LianxinError as exc:
        errors.add_exception(exc)
        return _visit_page(request, session, user, values, errors, status_code=exc.http_status)
    return RedirectResponse(f"/wishes/staff/{wish.id}?recorded=1", status_code=303)


@router.get("/wishes/staff/{wish_id}/photos/{n}")
def intake_photo(
    wish_id: int,
    n: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    """A photo taken when the wish was recorded (private: the community's staff only)."""
    wish = queries.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
    svc.require_staff(session, user, wish.community_id)
    path = (
        stored_path(request.app.state.settings.upload_dir, (wish.photos or [])[n])
        if 0 <= n < len(wish.photos or [])
        else None
    )
    if path is None or not path.is_file():
        raise NotFound("照片不存在", "no such photo")
    return FileResponse(path, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=600"})


@router.get("/wishes/staff/{wish_id}")
def staff_wish(
    wish_id: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    """One wish for the community's staff: the resident's details (logged), the history and the actions."""
    wish = queries.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
    contact = claims.view_contact(session, wish, actor=user)
    return render(
        request,
        "wishes/staff_wish.html",
        _ctx(
            wish=wish,
            contact=contact,
            events=wish.events,
            triages=[t for t in TriageClass if t != TriageClass.INFEASIBLE],
            S=S,
            today=svc.today(),
        ),
    )


def _appeal_page(
    request: Request, session: Session, user: User, order_no: str, errors=None, values=None, status_code: int = 200
) -> Response:
    from lianxin.web.staff.detail import visible_appeal

    appeal = visible_appeal(session, user, order_no)
    return render(
        request,
        "wishes/from_appeal.html",
        _ctx(
            appeal=appeal,
            wishes=svc.wishes_of_appeal(session, appeal.id),
            categories=list(WishCategory),
            communities=community_choices(session, user.jurisdiction_id),
            values=values
            or {"community_id": str(appeal.community_id or ""), "content": appeal.content, "category": ""},
            errors=errors or FormErrors(pick_lang(request)),
        ),
        status_code=status_code,
    )


@router.get("/wishes/from-appeal/{order_no}")
def from_appeal(
    order_no: str,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    """诉求转心愿: the wishes made from an appeal (the link back), and the form to make one."""
    return _appeal_page(request, session, user, order_no)


@router.post("/wishes/from-appeal/{order_no}")
def post_from_appeal(
    order_no: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    from lianxin.web.staff.detail import visible_appeal

    values = {name: _get(form, name) for name in ("community_id", "content", "category")}
    try:
        with session.begin_nested():
            wish = svc.wish_from_appeal(
                session,
                visible_appeal(session, user, order_no),
                actor=user,
                content=values["content"],
                category=values["category"],
                community_id=_int(values["community_id"], "community_id") if values["community_id"] else None,
            )
    except LianxinError as exc:
        errors = FormErrors(pick_lang(request))
        errors.add_exception(exc)
        return _appeal_page(request, session, user, order_no, errors, values, status_code=exc.http_status)
    return RedirectResponse(f"/wishes/staff/{wish.id}", status_code=303)


@router.post("/wishes/reports/{report_id}/{decision}")
def decide(
    report_id: int,
    decision: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    try:
        with session.begin_nested():
            report = session.get(DualReport, report_id)
            if (
                report is None
                or report.jurisdiction_id != user.jurisdiction_id
                or decision not in ("confirm", "decline")
            ):
                raise NotFound("报到记录不存在", "no such report")
            people.decide_report(session, report, actor=user, confirm=decision == "confirm", note=_get(form, "note"))
    except LianxinError as exc:
        return _staff_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/staff", status_code=303)


@router.post("/wishes/proxy/{wish_id}/confirm")
def proxy_confirm(
    wish_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    """For a resident without a phone: the grid worker confirms with a photo of the resident's signature."""
    try:
        with session.begin_nested():
            wish = queries.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
            keys = _store_photos(request, form)
            claims.confirm_wish(
                session,
                wish,
                proxy=user,
                rating=_int(_get(form, "rating"), "rating"),
                comment=_get(form, "comment"),
                signature_photo=keys[0] if keys else None,
            )
    except LianxinError as exc:
        return _staff_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/wishes/staff/{wish_id}", status_code=303)


@router.post("/wishes/members")
def register_member(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    """登记党员或志愿者 (a party member names their party organisation)."""
    try:
        with session.begin_nested():
            org_id = _get(form, "org_id")
            org = session.get(PartyOrg, _int(org_id, "org_id")) if org_id else None
            if org is not None and org.jurisdiction_id != user.jurisdiction_id:
                raise InvalidInput("党组织不存在", "no such organisation", field="org_id")
            people.create_member(
                session,
                jurisdiction_id=user.jurisdiction_id,
                name=_get(form, "name"),
                phone=_get(form, "phone"),
                kind=_get(form, "kind"),
                org=org,
                skills=_get(form, "skills"),
                actor=user,
            )
    except LianxinError as exc:
        return _staff_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/staff", status_code=303)


@router.post("/wishes/posts")
def add_post(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    """设立先锋岗/责任区, held by a member whose 双报到 the community confirmed."""
    try:
        with session.begin_nested():
            report = session.get(DualReport, _int(_get(form, "report_id"), "report_id"))
            if (
                report is None
                or report.jurisdiction_id != user.jurisdiction_id
                or report.member is None
                or report.status != ReportStatus.CONFIRMED
            ):
                raise InvalidInput("请选择已报到的党员", "choose a member who has reported here", field="report_id")
            ends = _get(form, "ends_on")
            people.create_pioneer_post(
                session,
                community=report.community,
                holder=report.member,
                name=_get(form, "name"),
                service=_get(form, "service"),
                starts_on=_date(_get(form, "starts_on"), "starts_on"),
                ends_on=_date(ends, "ends_on") if ends else None,
                actor=user,
            )
    except LianxinError as exc:
        return _staff_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/staff", status_code=303)
