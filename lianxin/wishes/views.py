"""微心愿 pages: the public wall and the resident's form and private link (mobile first), the community
staff workbench, the member's page and the leaders' statistics. Each POST parses the form, runs one
service verb inside a savepoint and redirects; a LianxinError shows the page again with the message
(nothing changed)."""

from __future__ import annotations

import re
import secrets
from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import user_unit_ids
from lianxin.residents.models import ResidentAccount
from lianxin.residents.views import current_resident
from lianxin.web.deps import current_user, get_session, public_jurisdiction, require_roles, require_user
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.intake import community_choices
from lianxin.web.templating import render
from lianxin.web.uploads import read_photos, stored_path
from lianxin.wishes import service as svc
from lianxin.wishes.export import stats_workbook
from lianxin.wishes.models import (
    CATEGORY_LABELS,
    MEMBER_KIND_LABELS,
    ORG_KIND_LABELS,
    REPORT_STATUS_LABELS,
    SOURCE_LABELS,
    TRIAGE_LABELS,
    DualReport,
    PartyOrg,
    PioneerPost,
    QuotaScope,
    ReportStatus,
    TriageClass,
    Wish,
    WishCategory,
)
from lianxin.wishes.status import ACTION_LABELS, REALISED_STATUSES, STATUS_LABELS, WishStatus

router = APIRouter()
S = WishStatus
FORM_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PAGE = 30

LABELS = {
    "status": STATUS_LABELS,
    "category": CATEGORY_LABELS,
    "triage": TRIAGE_LABELS,
    "source": SOURCE_LABELS,
    "report": REPORT_STATUS_LABELS,
    "org_kind": ORG_KIND_LABELS,
    "member_kind": MEMBER_KIND_LABELS,
    "action": ACTION_LABELS,
    "event": {"submitted": ("已提交", "Submitted"), "contact_viewed": ("查看联系方式", "Contact details viewed")},
}


def _ctx(**extra) -> dict:
    return {"labels": LABELS, "public_name": svc.public_name, **extra}


def _message(request: Request, exc: LianxinError) -> str:
    return exc.message_en if pick_lang(request) == "en" else exc.message_zh


def _date(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates look like 2026-03-20", field=field) from None


def _int(value, field: str) -> int:
    try:
        return int(str(value or "").strip())
    except ValueError:
        raise InvalidInput("请选择一项", "choose one of the options", field=field) from None


def _get(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _store_photos(request: Request, form: FormData) -> list[str]:
    """Validate and re-encode the form's ``photos`` (no metadata) and write them under ``wishes/``; the storage keys."""
    photos = read_photos([f for f in form.getlist("photos") if isinstance(f, UploadFile)])
    upload_dir = request.app.state.settings.upload_dir
    keys = []
    for photo in photos:
        key = f"wishes/{svc.today():%Y/%m}/{secrets.token_urlsafe(18)}.{photo.extension}"
        path = upload_dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(photo.data)
        keys.append(key)
    return keys


# --- the public wall and the resident ------------------------------------------------------------


@router.get("/wishes")
def wall(
    request: Request,
    community: str = "",
    page: int = 1,
    session: Session = Depends(get_session),
    user: User | None = Depends(current_user),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    """心愿墙: published wishes of a community (or the city; ``community=`` empty), claimed and realised counts.
    No personal data."""
    jurisdiction = public_jurisdiction(request, session)
    community = community.strip()
    if community and (not community.isdigit() or len(community) > 9):
        raise NotFound("社区不存在", "no such community")
    unit = session.get(Unit, int(community)) if community else None
    if community and (unit is None or unit.jurisdiction_id != jurisdiction.id or unit.kind != UnitKind.COMMUNITY):
        raise NotFound("社区不存在", "no such community")
    page = max(1, min(page, 1000))
    stmt = select(Wish).where(Wish.jurisdiction_id == jurisdiction.id, Wish.status == S.PUBLISHED)
    realised_stmt = select(Wish).where(  # confirmed_at is set once, on confirmation: ix_wishes_confirmed
        Wish.jurisdiction_id == jurisdiction.id, Wish.confirmed_at.is_not(None), Wish.status.in_(REALISED_STATUSES)
    )
    if unit is not None:
        stmt, realised_stmt = (
            stmt.where(Wish.community_id == unit.id),
            realised_stmt.where(Wish.community_id == unit.id),
        )
    wishes = session.scalars(stmt.order_by(Wish.id.desc()).offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    realised = session.scalars(realised_stmt.order_by(Wish.confirmed_at.desc(), Wish.id.desc()).limit(6)).all()
    counts = svc.status_counts(session, jurisdiction.id, unit.id if unit else None)
    today = svc.today()
    posts = (  # the community's public page: the posts held now, and how many have reported here (双报到)
        session.scalars(
            select(PioneerPost)
            .where(
                PioneerPost.community_id == unit.id,
                PioneerPost.starts_on <= today,
                or_(PioneerPost.ends_on.is_(None), PioneerPost.ends_on >= today),
            )
            .order_by(PioneerPost.id)
        ).all()
        if unit
        else []
    )
    reported = (
        dict(
            session.execute(
                select(DualReport.member_id.is_(None), func.count())
                .where(DualReport.community_id == unit.id, DualReport.status == ReportStatus.CONFIRMED)
                .group_by(DualReport.member_id.is_(None))
            ).all()
        )
        if unit
        else {}
    )
    return render(
        request,
        "wishes/wall.html",
        _ctx(
            wishes=wishes[:PAGE],
            more=len(wishes) > PAGE,
            page=page,
            realised=realised,
            unit=unit,
            communities=community_choices(session, jurisdiction.id),
            posts=posts,
            reported={"members": reported.get(False, 0), "orgs": reported.get(True, 0)},
            counts={
                "published": counts[S.PUBLISHED],
                "claimed": counts[S.CLAIMED] + counts[S.IN_PROGRESS] + counts[S.DELIVERED],
                "realised": counts[S.CONFIRMED] + counts[S.CLOSED],
            },
            member=svc.member_for_user(session, user),
            resident_member=svc.member_for_resident(session, resident) if user is None else None,
            today=svc.today(),
            claim_orgs=session.scalars(select(PartyOrg).where(PartyOrg.secretary_user_id == user.id)).all()
            if user
            else [],
        ),
    )


def _form_page(
    request: Request, session: Session, values: dict, errors: FormErrors, status_code: int = 200
) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    return render(
        request,
        "wishes/new.html",
        _ctx(
            values=values,
            errors=errors,
            categories=list(WishCategory),
            communities=community_choices(session, jurisdiction.id),
        ),
        status_code=status_code,
    )


@router.get("/wishes/new")
def new_wish(
    request: Request,
    community: str = "",
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    values = {"form_key": secrets.token_urlsafe(18), "category": "", "community_id": community.strip()[:9]}
    if resident is not None:  # 我的心愿: the account's phone and name to start with
        values |= {"resident_phone": resident.phone, "resident_name": resident.real_name or ""}
    return _form_page(request, session, values, FormErrors(pick_lang(request)))


NEW_FIELDS = ("community_id", "category", "content", "resident_name", "resident_phone", "resident_address")


@router.post("/wishes/new")
def post_wish(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    """许个心愿: by phone number (+ optional name) like the appeal form; the link it leads to is private."""
    jurisdiction = public_jurisdiction(request, session)
    values = {name: _get(form, name) for name in NEW_FIELDS}
    form_key = _get(form, "form_key")
    key = f"web:{form_key}" if FORM_KEY_RE.match(form_key) else None
    values["form_key"] = form_key if key else secrets.token_urlsafe(18)
    errors = FormErrors(pick_lang(request))
    try:
        with session.begin_nested():
            wish = svc.submit_wish(
                session,
                jurisdiction_id=jurisdiction.id,
                community_id=_int(values["community_id"], "community_id") if values["community_id"] else None,
                content=values["content"],
                category=values["category"],
                resident_phone=values["resident_phone"],
                resident_name=values["resident_name"],
                resident_address=values["resident_address"],
                idempotency_key=key,
                # made with the signed-in account's own (proven) phone: it belongs to the account
                resident_account_id=resident.id
                if resident is not None and values["resident_phone"].replace(" ", "") == resident.phone
                else None,
            )
    except LianxinError as exc:
        errors.add_exception(exc)
        return _form_page(request, session, values, errors, status_code=exc.http_status)
    return RedirectResponse(f"/wishes/t/{wish.tracking_token}?new=1", status_code=303)


def _resident_page(
    request: Request, session: Session, token: str, error: str | None = None, status_code: int = 200
) -> Response:
    wish = svc.wish_by_token(session, token)
    events = [e for e in wish.events if e.kind != "contact_viewed"]
    return render(
        request,
        "wishes/track.html",
        _ctx(wish=wish, events=events, error=error, S=S, new=request.query_params.get("new") == "1"),
        status_code=status_code,
    )


@router.get("/wishes/t/{token}")
def track(token: str, request: Request, session: Session = Depends(get_session)) -> Response:
    return _resident_page(request, session, token)


@router.post("/wishes/t/{token}/{action}")
def resident_action(
    token: str,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
) -> Response:
    """The resident confirms and rates, says it is not done yet, or withdraws the wish."""
    try:
        with session.begin_nested():
            wish = svc.wish_by_token(session, token)
            if action == "confirm":
                svc.confirm_wish(
                    session,
                    wish,
                    token=token,
                    rating=_int(_get(form, "rating"), "rating"),
                    comment=_get(form, "comment"),
                )
            elif action == "redo":
                svc.redo_wish(session, wish, token=token, note=_get(form, "note"))
            elif action == "cancel":
                svc.cancel_wish(session, wish, token=token, reason=_get(form, "reason"))
            else:
                raise NotFound("操作不存在", "no such action")
    except LianxinError as exc:
        return _resident_page(request, session, token, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/wishes/t/{token}", status_code=303)


# --- the community staff workbench ----------------------------------------------------------------


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
            mask=svc.masked_resident,
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
    "close": lambda s, w, u, f: svc.close_wish(s, w, actor=u),
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
            wish = svc.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
            verb(session, wish, user, form)
    except LianxinError as exc:
        return _staff_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/wishes/staff/{wish_id}", status_code=303)


@router.get("/wishes/staff/{wish_id}")
def staff_wish(
    wish_id: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*svc.STAFF_ROLES)),
) -> Response:
    """One wish for the community's staff: the resident's details (logged), the history and the actions."""
    wish = svc.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
    contact = svc.view_contact(session, wish, actor=user)
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
            svc.decide_report(session, report, actor=user, confirm=decision == "confirm", note=_get(form, "note"))
    except LianxinError as exc:
        return _staff_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/staff", status_code=303)


# --- the member's page -------------------------------------------------------------------------------


def _mine_page(
    request: Request,
    session: Session,
    user: User,
    error: str | None = None,
    status_code: int = 200,
    contact=None,
    contact_wish: int | None = None,
) -> Response:
    member = svc.member_for_user(session, user)
    orgs = session.scalars(select(PartyOrg).where(PartyOrg.secretary_user_id == user.id)).all()
    year = svc.today().year
    wishes, progress, org_progress, reports = [], None, [], []
    if member is not None:
        wishes = session.scalars(
            select(Wish).where(Wish.claimed_member_id == member.id).order_by(Wish.id.desc()).limit(100)
        ).all()
        progress = svc.quota_progress(session, user.jurisdiction_id, QuotaScope.MEMBER, year, ids=[member.id])[0]
        reports = session.scalars(select(DualReport).where(DualReport.member_id == member.id)).all()
    if orgs:
        org_progress = svc.quota_progress(session, user.jurisdiction_id, QuotaScope.ORG, year, ids=[o.id for o in orgs])
        wishes = [
            *wishes,
            *session.scalars(
                select(Wish).where(Wish.claimed_org_id.in_([o.id for o in orgs])).order_by(Wish.id.desc()).limit(100)
            ).all(),
        ]
    return render(
        request,
        "wishes/mine.html",
        _ctx(
            member=member,
            orgs=orgs,
            wishes=wishes,
            progress=progress,
            org_progress=org_progress,
            reports=reports,
            year=year,
            error=error,
            contact=contact,
            contact_wish=contact_wish,
            S=S,
            communities=community_choices(session, user.jurisdiction_id),
            today=svc.today(),
        ),
        status_code=status_code,
    )


@router.get("/wishes/mine")
def mine(request: Request, session: Session = Depends(get_session), user: User = Depends(require_user)) -> Response:
    return _mine_page(request, session, user)


@router.post("/wishes/{wish_id}/claim")
def claim(
    wish_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),
) -> Response:
    """我要认领: as oneself (a member) or, with ``as_org``, for the organisation one is secretary of."""
    try:
        with session.begin_nested():
            wish = svc.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
            promised_on = _date(_get(form, "promised_on"), "promised_on")
            if _get(form, "as_org"):
                org = session.get(PartyOrg, _int(_get(form, "as_org"), "as_org"))
                if org is None:
                    raise NotFound("党组织不存在", "no such organisation")
                svc.claim_wish(session, wish, org=org, promised_on=promised_on, actor=user)
            else:
                member = svc.member_for_user(session, user)
                if member is None:
                    raise InvalidInput(
                        "您还不是登记的党员或志愿者，请联系社区登记", "you are not registered as a member or volunteer"
                    )
                svc.claim_wish(session, wish, member=member, promised_on=promised_on, actor=user)
    except LianxinError as exc:
        return _mine_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/mine", status_code=303)


@router.post("/wishes/{wish_id}/member/{action}")
def member_action(
    wish_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),
) -> Response:
    """The claimant's actions: start, deliver, release, and seeing the resident's contact (logged)."""
    try:
        with session.begin_nested():
            wish = svc.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
            member = svc.member_for_user(session, user)
            if member is not None and wish.claimed_member_id != member.id:
                member = None  # acting as an organisation's secretary
            if action == "start":
                svc.start_wish(session, wish, member=member, actor=user, note=_get(form, "note"))
            elif action == "deliver":
                svc.deliver_wish(
                    session,
                    wish,
                    member=member,
                    actor=user,
                    note=_get(form, "note"),
                    photos=_store_photos(request, form),
                )
            elif action == "release":
                svc.release_wish(session, wish, member=member, actor=user, reason=_get(form, "reason"))
            elif action == "contact":
                contact = svc.view_contact(session, wish, member=member, actor=user)
            else:
                raise NotFound("操作不存在", "no such action")
    except LianxinError as exc:
        return _mine_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    if action == "contact":
        return _mine_page(request, session, user, contact=contact, contact_wish=wish.id)
    return RedirectResponse("/wishes/mine", status_code=303)


@router.post("/wishes/mine/report")
def dual_report(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),
) -> Response:
    """双报到 to the residential community where the member lives."""
    try:
        with session.begin_nested():
            member = svc.member_for_user(session, user)
            if member is None:
                raise InvalidInput("您还不是登记的党员或志愿者", "you are not registered as a member or volunteer")
            community = session.get(Unit, _int(_get(form, "community_id"), "community_id"))
            if community is None:
                raise InvalidInput("请选择社区", "choose a community", field="community_id")
            svc.report_to_community(session, community=community, member=member, note=_get(form, "note"))
    except LianxinError as exc:
        return _mine_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/mine", status_code=303)


# --- leaders ------------------------------------------------------------------------------------------


@router.get("/wishes/stats")
def stats(
    request: Request,
    year: int | None = None,
    month: int | None = None,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    """Counts by status and community, quota completion of organisations and members, realised wishes by
    month (with a month's ranking when ``month`` is given), overdue claims."""
    year = year if year and 2000 <= year <= 2100 else svc.today().year
    month = month if month and 1 <= month <= 12 else None
    jid = user.jurisdiction_id
    orgs = svc.quota_progress(session, jid, QuotaScope.ORG, year)
    members = svc.quota_progress(session, jid, QuotaScope.MEMBER, year)
    ranked_orgs, ranked_members = orgs, members
    if month is not None:
        ranked_orgs = svc.quota_progress(session, jid, QuotaScope.ORG, year, month=month)
        ranked_members = svc.quota_progress(session, jid, QuotaScope.MEMBER, year, month=month)
    return render(
        request,
        "wishes/stats.html",
        _ctx(
            year=year,
            counts=svc.status_counts(session, jid),
            communities=svc.community_counts(session, jid),
            month=month,
            months=svc.realised_by_month(session, jid, year),
            targets={scope: svc.quota_target(session, jid, scope, year) for scope in QuotaScope},
            saved=request.query_params.get("saved") == "1",
            orgs=ranked_orgs[:50],
            members=ranked_members[:50],
            overdue=svc.overdue_claims(session, jid, limit=50),
            org_summary=(sum(p.met for p in orgs), len(orgs)),
            member_summary=(sum(p.met for p in members), len(members)),
        ),
    )


@router.post("/wishes/stats/quotas")
def save_quotas(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    """年度任务 as data: the year's target for each organisation and for each member (Loudi: 3 and 1)."""
    year = svc.today().year
    try:
        with session.begin_nested():
            year = _int(_get(form, "year"), "year")
            for scope in QuotaScope:
                target = _int(_get(form, f"target_{scope.value}"), f"target_{scope.value}")
                svc.set_quota(
                    session, jurisdiction_id=user.jurisdiction_id, scope=scope, year=year, target=target, actor=user
                )
    except LianxinError as exc:
        return Response(_message(request, exc), status_code=exc.http_status, media_type="text/plain; charset=utf-8")
    return RedirectResponse(f"/wishes/stats?year={year}&saved=1", status_code=303)


@router.get("/wishes/stats.xlsx")
def stats_export(
    year: int | None = None, session: Session = Depends(get_session), user: User = Depends(require_roles(Role.LEADER))
) -> Response:
    """The statistics and rankings as an Excel workbook."""
    year = year if year and 2000 <= year <= 2100 else svc.today().year
    body = stats_workbook(session, user.jurisdiction_id, year)
    name = f"wishes-{year}.xlsx"
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote('微心愿统计-' + name)}"
        },
    )


@router.get("/wishes/{wish_id}/photos/{n}")
def delivery_photo(wish_id: int, n: int, request: Request, session: Session = Depends(get_session)) -> Response:
    """A delivery photo of a realised wish (the public wall shows them; nothing else is served publicly)."""
    wish = session.get(Wish, wish_id)
    if wish is None or wish.status not in REALISED_STATUSES or not 0 <= n < len(wish.delivery_photos or []):
        raise NotFound("照片不存在", "no such photo")
    path = stored_path(request.app.state.settings.upload_dir, wish.delivery_photos[n])
    if not path.is_file():
        raise NotFound("照片不存在", "no such photo")
    return FileResponse(
        path,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=3600",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


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
            wish = svc.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
            keys = _store_photos(request, form)
            svc.confirm_wish(
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
            svc.create_member(
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
            svc.create_pioneer_post(
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
