"""我的心愿 (/me/wishes): the resident signed in with phone and code (``lianxin.residents``) sees every wish made
with the account or its phone and follows each on its private page; a resident who is also a registered
member or volunteer (by the account, or by the phone the code proved) claims wishes from the wall and
carries them out here — no staff login needed. Each POST runs one service verb and redirects."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Unit
from lianxin.residents.models import ResidentAccount
from lianxin.residents.views import current_resident
from lianxin.web.deps import get_session
from lianxin.web.forms import posted_form
from lianxin.web.intake import community_choices
from lianxin.web.templating import render
from lianxin.wishes import claims, people, queries
from lianxin.wishes import service as svc
from lianxin.wishes.models import DualReport, QuotaScope
from lianxin.wishes.status import WishStatus
from lianxin.wishes.views import _ctx, _date, _get, _int, _message, _store_photos

router = APIRouter()
LOGIN = "/me/login"


def _page(
    request: Request,
    session: Session,
    resident: ResidentAccount,
    *,
    error: str | None = None,
    status_code: int = 200,
    contact=None,
    contact_wish: int | None = None,
) -> Response:
    member = people.member_for_resident(session, resident)
    year = svc.today().year
    progress = (
        queries.quota_progress(session, resident.jurisdiction_id, QuotaScope.MEMBER, year, ids=[member.id])[0]
        if member
        else None
    )
    return render(
        request,
        "wishes/me.html",
        _ctx(
            resident=resident,
            wishes=queries.wishes_of_resident(session, resident),
            member=member,
            claimed=queries.claimed_by_member(session, member) if member else [],
            progress=progress,
            rank=queries.member_rank(session, member, year) if member else None,
            reports=session.scalars(select(DualReport).where(DualReport.member_id == member.id)).all()
            if member
            else [],
            communities=community_choices(session, resident.jurisdiction_id),
            year=year,
            error=error,
            contact=contact,
            contact_wish=contact_wish,
            S=WishStatus,
            today=svc.today(),
        ),
        status_code=status_code,
    )


@router.get("/me/wishes")
def my_wishes(
    request: Request,
    resident: ResidentAccount | None = Depends(current_resident),
    session: Session = Depends(get_session),
) -> Response:
    if resident is None:
        return RedirectResponse(LOGIN, status_code=303)
    return _page(request, session, resident)


def _member(session: Session, resident: ResidentAccount):
    member = people.member_for_resident(session, resident)
    if member is None:
        raise InvalidInput(
            "您还不是登记的党员或志愿者，请联系社区登记", "you are not registered as a member or volunteer"
        )
    return member


@router.post("/me/wishes/report")
def resident_dual_report(
    request: Request,
    form: FormData = Depends(posted_form()),
    resident: ResidentAccount | None = Depends(current_resident),
    session: Session = Depends(get_session),
) -> Response:
    """双报到 by a member who signed in as a resident: to the community where they live."""
    if resident is None:
        return RedirectResponse(LOGIN, status_code=303)
    try:
        with session.begin_nested():
            community = session.get(Unit, _int(_get(form, "community_id"), "community_id"))
            if community is None:
                raise InvalidInput("请选择社区", "choose a community", field="community_id")
            people.report_to_community(
                session, community=community, member=_member(session, resident), note=_get(form, "note")
            )
    except LianxinError as exc:
        return _page(request, session, resident, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/me/wishes#report", status_code=303)


@router.post("/me/wishes/{wish_id}/claim")
def resident_claim(
    wish_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    resident: ResidentAccount | None = Depends(current_resident),
    session: Session = Depends(get_session),
) -> Response:
    """我要认领 by a member who signed in as a resident."""
    if resident is None:
        return RedirectResponse(LOGIN, status_code=303)
    try:
        with session.begin_nested():
            wish = queries.get_wish(session, wish_id, jurisdiction_id=resident.jurisdiction_id)
            promised_on = _date(_get(form, "promised_on"), "promised_on")
            claims.claim_wish(session, wish, member=_member(session, resident), promised_on=promised_on)
    except LianxinError as exc:
        return _page(request, session, resident, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/me/wishes", status_code=303)


@router.post("/me/wishes/{wish_id}/{action}")
def resident_member_action(
    wish_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    resident: ResidentAccount | None = Depends(current_resident),
    session: Session = Depends(get_session),
) -> Response:
    """The resident-member's actions on a wish they claimed: start, deliver (photos), release, see the contact."""
    if resident is None:
        return RedirectResponse(LOGIN, status_code=303)
    contact = None
    try:
        with session.begin_nested():
            wish = queries.get_wish(session, wish_id, jurisdiction_id=resident.jurisdiction_id)
            member = _member(session, resident)
            if action == "start":
                claims.start_wish(session, wish, member=member, note=_get(form, "note"))
            elif action == "deliver":
                claims.deliver_wish(
                    session, wish, member=member, note=_get(form, "note"), photos=_store_photos(request, form)
                )
            elif action == "release":
                claims.release_wish(session, wish, member=member, reason=_get(form, "reason"))
            elif action == "contact":
                contact = claims.view_contact(session, wish, member=member)
            else:
                raise NotFound("操作不存在", "no such action")
    except LianxinError as exc:
        return _page(request, session, resident, error=_message(request, exc), status_code=exc.http_status)
    if contact is not None:
        return _page(request, session, resident, contact=contact, contact_wish=wish.id)
    return RedirectResponse("/me/wishes", status_code=303)
