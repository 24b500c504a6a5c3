"""微心愿 member pages (a staff login that is a member or the secretary of a party organisation): 我的认领,
我要认领 from the wall, start / deliver / release, the contact details (logged), 双报到."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Unit, User
from lianxin.web.deps import get_session, require_user
from lianxin.web.forms import posted_form
from lianxin.web.intake import community_choices
from lianxin.web.templating import render
from lianxin.wishes import claims, people, queries
from lianxin.wishes import service as svc
from lianxin.wishes.models import (
    DualReport,
    PartyOrg,
    QuotaScope,
    Wish,
)
from lianxin.wishes.views import S, _ctx, _date, _get, _int, _message, _store_photos

router = APIRouter()


def _mine_page(
    request: Request,
    session: Session,
    user: User,
    error: str | None = None,
    status_code: int = 200,
    contact=None,
    contact_wish: int | None = None,
) -> Response:
    member = people.member_for_user(session, user)
    orgs = session.scalars(select(PartyOrg).where(PartyOrg.secretary_user_id == user.id)).all()
    year = svc.today().year
    wishes, progress, org_progress, reports, rank = [], None, [], [], None
    if member is not None:
        wishes = session.scalars(
            select(Wish).where(Wish.claimed_member_id == member.id).order_by(Wish.id.desc()).limit(100)
        ).all()
        progress = queries.quota_progress(session, user.jurisdiction_id, QuotaScope.MEMBER, year, ids=[member.id])[0]
        rank = queries.member_rank(session, member, year)
        reports = session.scalars(select(DualReport).where(DualReport.member_id == member.id)).all()
    if orgs:
        org_progress = queries.quota_progress(
            session, user.jurisdiction_id, QuotaScope.ORG, year, ids=[o.id for o in orgs]
        )
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
            rank=rank,
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
            wish = queries.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
            promised_on = _date(_get(form, "promised_on"), "promised_on")
            if _get(form, "as_org"):
                org = session.get(PartyOrg, _int(_get(form, "as_org"), "as_org"))
                if org is None:
                    raise NotFound("党组织不存在", "no such organisation")
                claims.claim_wish(session, wish, org=org, promised_on=promised_on, actor=user)
            else:
                member = people.member_for_user(session, user)
                if member is None:
                    raise InvalidInput(
                        "您还不是登记的党员或志愿者，请联系社区登记", "you are not registered as a member or volunteer"
                    )
                claims.claim_wish(session, wish, member=member, promised_on=promised_on, actor=user)
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
            wish = queries.get_wish(session, wish_id, jurisdiction_id=user.jurisdiction_id)
            member = people.member_for_user(session, user)
            if member is not None and wish.claimed_member_id != member.id:
                member = None  # acting as an organisation's secretary
            if action == "start":
                claims.start_wish(session, wish, member=member, actor=user, note=_get(form, "note"))
            elif action == "deliver":
                claims.deliver_wish(
                    session,
                    wish,
                    member=member,
                    actor=user,
                    note=_get(form, "note"),
                    photos=_store_photos(request, form),
                )
            elif action == "release":
                claims.release_wish(session, wish, member=member, actor=user, reason=_get(form, "reason"))
            elif action == "contact":
                contact = claims.view_contact(session, wish, member=member, actor=user)
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
            member = people.member_for_user(session, user)
            if member is None:
                raise InvalidInput("您还不是登记的党员或志愿者", "you are not registered as a member or volunteer")
            community = session.get(Unit, _int(_get(form, "community_id"), "community_id"))
            if community is None:
                raise InvalidInput("请选择社区", "choose a community", field="community_id")
            people.report_to_community(session, community=community, member=member, note=_get(form, "note"))
    except LianxinError as exc:
        return _mine_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/mine", status_code=303)
