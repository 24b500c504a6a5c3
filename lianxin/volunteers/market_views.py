"""爱心超市 pages for community staff: ``/volunteer/market`` goods and stock, donations, a redemption (the
volunteer's phone or a household's account, quantities), households' accounts (爱心存折: open, credit), the
register; ``/volunteer/market/redemptions/{id}`` the receipt;
``/volunteer/market/stocktake`` the monthly stock-take; ``/volunteer/market/register.xlsx`` the 台账."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.privacy import mask_phone
from lianxin.errors import InvalidInput, LianxinError, NotFound, PermissionDenied
from lianxin.orgs.models import User
from lianxin.points import service as points
from lianxin.points.models import AccountKind
from lianxin.volunteers import market
from lianxin.volunteers.models import DONOR_LABELS, MOVE_LABELS, DonorKind
from lianxin.volunteers.views import STAFF, field, member_by_phone, message, number, staff_communities
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.templating import render

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _community(session: Session, user: User, community: str | int | None):
    communities = staff_communities(session, user)
    if not communities:
        raise PermissionDenied("您不负责任何社区的爱心超市", "you look after no community's shop")
    if community in (None, ""):
        return communities[0], communities
    wanted = str(community)
    chosen = next((c for c in communities if str(c.id) == wanted), None)
    if chosen is None:
        raise PermissionDenied("只能管理本社区的爱心超市", "only your own community's shop")
    return chosen, communities


def _page(
    request: Request,
    session: Session,
    user: User,
    community: str | int | None,
    error: str | None = None,
    status_code: int = 200,
    member=None,
) -> Response:
    unit, communities = _community(session, user, community)
    return render(
        request,
        "volunteers/market.html",
        {
            "unit": unit,
            "communities": communities,
            "goods": market.goods(session, unit.id),
            "moves": market.register(session, unit.id, limit=30),
            "donors": DONOR_LABELS,
            "move_labels": MOVE_LABELS,
            "mismatches": [
                g for g, _ in market.register_mismatches(session, user.jurisdiction_id) if g.community_id == unit.id
            ],
            "member": member,
            "balance": points.member_account(session, member).balance if member else None,
            "households": points.households(session, unit.id),
            "mask_phone": mask_phone,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/volunteer/market")
def market_page(
    request: Request,
    community: str = "",
    phone: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """The shop; ``?phone=`` looks up a volunteer's balance before an exchange."""
    member, error = None, None
    if phone:
        try:
            member = member_by_phone(session, user.jurisdiction_id, phone[:32])
        except LianxinError as exc:
            error = message(request, exc)
    return _page(request, session, user, community, error=error, member=member)


@router.post("/volunteer/market/goods")
def add_good(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    community = field(form, "community_id")
    try:
        with session.begin_nested():
            unit, _ = _community(session, user, community)
            market.add_good(
                session,
                jurisdiction_id=user.jurisdiction_id,
                community_id=unit.id,
                name=field(form, "name"),
                unit=field(form, "unit"),
                price_points=number(field(form, "price_points"), "price_points", low=1),
                actor=user,
            )
    except LianxinError as exc:
        return _page(request, session, user, community, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/volunteer/market?community={unit.id}", status_code=303)


@router.post("/volunteer/market/goods/{good_id}/donate")
def donate(
    good_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    good = market.get_good(session, good_id, jurisdiction_id=user.jurisdiction_id)
    try:
        with session.begin_nested():
            market.donate(
                session,
                good,
                quantity=number(field(form, "quantity"), "quantity", low=1, high=10000),
                donor_kind=field(form, "donor_kind") or DonorKind.PERSON,
                donor_name=field(form, "donor_name"),
                note=field(form, "note"),
                actor=user,
            )
    except LianxinError as exc:
        return _page(
            request, session, user, good.community_id, error=message(request, exc), status_code=exc.http_status
        )
    return RedirectResponse(f"/volunteer/market?community={good.community_id}", status_code=303)


@router.post("/volunteer/market/redeem")
def redeem(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """One exchange: every ``qty_{good id}`` > 0 of the shop, paid by the household account ``household`` (an
    id) when one is chosen, else by the volunteer with ``phone``."""
    community = field(form, "community_id")
    try:
        with session.begin_nested():
            unit, _ = _community(session, user, community)
            if field(form, "household"):
                payer = _household(session, unit, field(form, "household"))
            else:
                payer = member_by_phone(session, user.jurisdiction_id, field(form, "phone"))
            lines = []
            for good in market.goods(session, unit.id, active_only=True):
                quantity = number(field(form, f"qty_{good.id}") or "0", "quantity", high=10000)
                if quantity:
                    lines.append((good, quantity))
            if not lines:
                raise InvalidInput("请填写兑换数量", "enter how many of each item", field="quantity")
            redemption = market.redeem(session, payer, lines, actor=user)
    except LianxinError as exc:
        return _page(request, session, user, community, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/volunteer/market/redemptions/{redemption.id}", status_code=303)


def _household(session: Session, unit, value: str):
    try:
        account = points.get_account(session, int(value), jurisdiction_id=unit.jurisdiction_id)
    except (ValueError, NotFound):
        account = None
    if account is None or account.kind != AccountKind.HOUSEHOLD or account.community_id != unit.id:
        raise InvalidInput("请选择本社区的家庭账户", "choose a household of this community", field="household")
    return account


@router.post("/volunteer/market/households")
def open_household(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """开户: a household's 爱心存折 held by the 户主's phone."""
    community = field(form, "community_id")
    try:
        with session.begin_nested():
            unit, _ = _community(session, user, community)
            points.open_household(
                session,
                community=unit,
                code=field(form, "code"),
                name=field(form, "name"),
                holder_phone=field(form, "holder_phone"),
                actor=user,
            )
    except LianxinError as exc:
        return _page(request, session, user, community, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/volunteer/market?community={unit.id}#households", status_code=303)


@router.post("/volunteer/market/households/{account_id}/grant")
def grant_household(
    account_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """爱心积分 for a household (a clean yard, 孝老爱亲 …), from the community's pool, with the reason."""
    community = field(form, "community_id")
    try:
        with session.begin_nested():
            unit, _ = _community(session, user, community)
            account = _household(session, unit, str(account_id))
            points.grant(
                session,
                account=account,
                amount=number(field(form, "amount"), "amount", low=1, high=1000),
                memo=field(form, "memo"),
                actor=user,
                community=unit,
            )
    except LianxinError as exc:
        return _page(request, session, user, community, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/volunteer/market?community={unit.id}#households", status_code=303)


@router.get("/volunteer/market/redemptions/{redemption_id}")
def receipt(
    redemption_id: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """兑换小票: printable."""
    row = market.get_redemption(session, redemption_id, jurisdiction_id=user.jurisdiction_id)
    _community(session, user, row.community_id)
    account = row.account or points.member_account(session, row.member)
    return render(
        request,
        "volunteers/receipt.html",
        {"row": row, "balance": account.balance, "mask_phone": mask_phone},
    )


@router.get("/volunteer/market/stocktake")
def stocktake(
    request: Request,
    community: str = "",
    month: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    unit, communities = _community(session, user, community)
    month = month[:7] or market.now_month()
    rows = market.stocktake(session, unit.id, month)
    return render(
        request,
        "volunteers/stocktake.html",
        {
            "unit": unit,
            "communities": communities,
            "month": month,
            "rows": rows,
            "mismatches": [
                g for g, _ in market.register_mismatches(session, user.jurisdiction_id) if g.community_id == unit.id
            ],
        },
    )


@router.get("/volunteer/market/register.xlsx")
def register_export(
    request: Request,
    community: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    unit, _ = _community(session, user, community)
    return Response(
        market.register_workbook(session, unit.id),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename=market-{unit.id}.xlsx"},
    )
