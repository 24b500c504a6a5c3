"""微心愿 public pages: the wall, the resident's form and private link (mobile first), delivery photos, and the
helpers the other page modules share (``staff_views``, ``member_views``, ``board_views``, ``me``). Each POST parses the form, runs one
service verb inside a savepoint and redirects; a LianxinError shows the page again with the message
(nothing changed)."""

from __future__ import annotations

import re
import secrets
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Unit, UnitKind, User
from lianxin.residents.models import ResidentAccount
from lianxin.residents.views import current_resident
from lianxin.web.deps import current_user, get_session, public_jurisdiction
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.intake import community_choices
from lianxin.web.templating import render
from lianxin.web.uploads import read_photos, stored_path
from lianxin.wishes import claims, people, queries
from lianxin.wishes import service as svc
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
    ReportStatus,
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
    return {"labels": LABELS, "public_name": queries.public_name, **extra}


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
    counts = queries.status_counts(session, jurisdiction.id, unit.id if unit else None)
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
            member=people.member_for_user(session, user),
            resident_member=people.member_for_resident(session, resident) if user is None else None,
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
    wish = queries.wish_by_token(session, token)
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
            wish = queries.wish_by_token(session, token)
            if action == "confirm":
                claims.confirm_wish(
                    session,
                    wish,
                    token=token,
                    rating=_int(_get(form, "rating"), "rating"),
                    comment=_get(form, "comment"),
                )
            elif action == "redo":
                claims.redo_wish(session, wish, token=token, note=_get(form, "note"))
            elif action == "cancel":
                claims.cancel_wish(session, wish, token=token, reason=_get(form, "reason"))
            else:
                raise NotFound("操作不存在", "no such action")
    except LianxinError as exc:
        return _resident_page(request, session, token, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/wishes/t/{token}", status_code=303)


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
