"""爱心超市: goods priced in points, donations in (with the donor) and redemptions out, kept in the same
ledger style as the points, so stock always equals the register (账物相符).

A redemption is one transaction: the points entry (member or household → the shop's account) and one stock move per
line, each stock decrement a conditional UPDATE (``stock >= quantity``), so two people redeeming the
last item cannot both succeed and a failure leaves points and stock as they were."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound
from lianxin.orgs.models import User
from lianxin.points import service as points
from lianxin.points.models import AccountKind, EntryReason, PointsAccount
from lianxin.volunteers.models import DonorKind, Good, MoveKind, Redemption, StockMove
from lianxin.volunteers.service import require_organiser
from lianxin.wishes.models import Member
from lianxin.wishes.service import _community, _text


def add_good(
    session: Session,
    *,
    jurisdiction_id: int,
    community_id: int,
    name: str,
    price_points: int,
    unit: str = "件",
    actor: User | None = None,
) -> Good:
    community = _community(session, jurisdiction_id, community_id)
    require_organiser(session, actor, community.id)
    name = _text(name, "name", "物品名称", "the name", minimum=1, maximum=64)
    if not isinstance(price_points, int) or not 1 <= price_points <= 100000:
        raise InvalidInput("兑换积分应为 1–100000", "the price is 1–100000 points", field="price_points")
    if session.scalar(select(Good.id).where(Good.community_id == community.id, Good.name == name)):
        raise Conflict("已有同名物品", "an item with this name exists", field="name")
    good = Good(
        jurisdiction_id=jurisdiction_id,
        community_id=community.id,
        name=name,
        unit=(unit or "件").strip()[:8] or "件",
        price_points=price_points,
        stock=0,
    )
    session.add(good)
    session.flush()
    return good


def get_good(session: Session, good_id: int, *, jurisdiction_id: int) -> Good:
    good = session.get(Good, good_id)
    if good is None or good.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"物品 {good_id} 不存在", f"no item {good_id}")
    return good


def _stock(session: Session, good: Good, delta: int) -> None:
    stmt = update(Good).where(Good.id == good.id).values(stock=Good.stock + delta)
    if delta < 0:
        stmt = stmt.where(Good.stock + delta >= 0)
    if session.execute(stmt.execution_options(synchronize_session=False)).rowcount != 1:
        raise Conflict(f"“{good.name}”库存不足", f"not enough {good.name} in stock", field="quantity")
    session.expire(good, ["stock"])  # re-read when next used (a rolled-back savepoint leaves no stale value)


def _quantity(value) -> int:
    if not isinstance(value, int) or not 1 <= value <= 10000:
        raise InvalidInput("数量应为 1–10000", "the quantity is 1–10000", field="quantity")
    return value


def donate(
    session: Session,
    good: Good,
    *,
    quantity: int,
    donor_kind: DonorKind | str,
    donor_name: str,
    actor: User | None,
    note: str = "",
) -> StockMove:
    """捐赠入库: a pairing unit, an enterprise or a person gives goods."""
    require_organiser(session, actor, good.community_id)
    quantity = _quantity(quantity)
    try:
        donor_kind = DonorKind(donor_kind)
    except ValueError:
        raise InvalidInput("请选择捐赠方类型", "choose the donor's kind", field="donor_kind") from None
    donor_name = _text(donor_name, "donor_name", "捐赠方", "the donor", minimum=1, maximum=100)
    _stock(session, good, quantity)
    move = StockMove(
        jurisdiction_id=good.jurisdiction_id,
        good_id=good.id,
        kind=MoveKind.DONATION,
        quantity=quantity,
        donor_kind=donor_kind,
        donor_name=donor_name,
        note=(note or "")[:200],
        operator_id=actor.id if actor else None,
    )
    session.add(move)
    session.flush()
    return move


def write_off(session: Session, good: Good, *, quantity: int, actor: User | None, note: str) -> StockMove:
    """报损: found damaged or expired at a stock-take."""
    require_organiser(session, actor, good.community_id)
    quantity = _quantity(quantity)
    note = _text(note, "note", "报损原因", "the reason", maximum=200)
    _stock(session, good, -quantity)
    move = StockMove(
        jurisdiction_id=good.jurisdiction_id,
        good_id=good.id,
        kind=MoveKind.WRITE_OFF,
        quantity=quantity,
        note=note,
        operator_id=actor.id if actor else None,
    )
    session.add(move)
    session.flush()
    return move


def redeem(
    session: Session, payer: Member | PointsAccount, lines: list[tuple[Good, int]], *, actor: User | None
) -> Redemption:
    """兑换: the operator (community staff) hands over goods for the points of a member or of a household
    (爱心存折). All or nothing: run it inside a transaction or savepoint the caller rolls back on an error."""
    if not lines:
        raise InvalidInput("请选择要兑换的物品", "choose what to exchange", field="quantity")
    community_id = lines[0][0].community_id
    if any(good.community_id != community_id for good, _ in lines):
        raise InvalidInput("一次兑换只能在同一个爱心超市", "one exchange is at one shop", field="good")
    require_organiser(session, actor, community_id)
    if payer.jurisdiction_id != lines[0][0].jurisdiction_id:
        raise InvalidInput("该账户不在本辖区", "the account is in another jurisdiction", field="member")
    member = payer if isinstance(payer, Member) else None
    if member is None and payer.kind not in (AccountKind.PERSON, AccountKind.HOUSEHOLD):
        raise InvalidInput(
            "只能用个人或家庭积分兑换", "only a person's or a household's points buy goods", field="account"
        )
    if member is None and payer.kind == AccountKind.HOUSEHOLD and payer.community_id not in (None, community_id):
        raise InvalidInput(
            "家庭积分只能在本社区的爱心超市兑换", "a household redeems at its own community's shop", field="account"
        )
    account = points.member_account(session, member) if member is not None else payer
    merged: dict[int, list] = {}
    for good, quantity in lines:
        if not good.active:
            raise Conflict(f"“{good.name}”已下架", f"{good.name} is no longer offered", field="good")
        merged.setdefault(good.id, [good, 0])[1] += _quantity(quantity)
    total = sum(good.price_points * quantity for good, quantity in merged.values())
    community = lines[0][0].community
    receipt = f"DH{utcnow().astimezone(local_zone()):%Y%m%d}{secrets.token_hex(3).upper()}"
    for good, quantity in merged.values():
        _stock(session, good, -quantity)
    entry = points.transfer(
        session,
        from_account=account,
        to_account=points.market_account(session, payer.jurisdiction_id, community),
        amount=total,
        reason=EntryReason.REDEMPTION,
        memo=f"兑换 {receipt}",
        actor=actor,
    )
    redemption = Redemption(
        jurisdiction_id=payer.jurisdiction_id,
        community_id=community_id,
        member_id=member.id if member is not None else account.member_id,
        account_id=account.id,
        points=total,
        entry_id=entry.id,
        receipt_no=receipt,
        operator_id=actor.id if actor else None,
    )
    session.add(redemption)
    session.flush()
    entry.ref_type, entry.ref_id = "redemption", redemption.id
    for good, quantity in merged.values():
        session.add(
            StockMove(
                jurisdiction_id=good.jurisdiction_id,
                good_id=good.id,
                kind=MoveKind.REDEMPTION,
                quantity=quantity,
                redemption_id=redemption.id,
                operator_id=actor.id if actor else None,
            )
        )
    session.flush()
    return redemption


def get_redemption(session: Session, redemption_id: int, *, jurisdiction_id: int) -> Redemption:
    row = session.get(Redemption, redemption_id)
    if row is None or row.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"兑换单 {redemption_id} 不存在", f"no redemption {redemption_id}")
    return row


def goods(session: Session, community_id: int, *, active_only: bool = False) -> list[Good]:
    stmt = select(Good).where(Good.community_id == community_id)
    if active_only:
        stmt = stmt.where(Good.active.is_(True))
    return list(session.scalars(stmt.order_by(Good.price_points, Good.name)))


def register(session: Session, community_id: int, limit: int = 1000) -> list[StockMove]:
    return list(
        session.scalars(
            select(StockMove)
            .join(Good)
            .where(Good.community_id == community_id)
            .order_by(StockMove.created_at.desc(), StockMove.id.desc())
            .limit(limit)
        )
    )


def register_mismatches(session: Session, jid: int) -> list[tuple[Good, int]]:
    """账物相符: goods whose stock differs from the register's sum (always empty)."""
    signed = case((StockMove.kind == MoveKind.DONATION, StockMove.quantity), else_=-StockMove.quantity)
    sums = dict(
        session.execute(
            select(StockMove.good_id, func.sum(signed))
            .where(StockMove.jurisdiction_id == jid)
            .group_by(StockMove.good_id)
        ).all()
    )
    return [
        (good, int(sums.get(good.id) or 0))
        for good in session.scalars(select(Good).where(Good.jurisdiction_id == jid))
        if good.stock != int(sums.get(good.id) or 0)
    ]


@dataclass
class StocktakeRow:
    good: Good
    opening: int
    donated: int
    redeemed: int
    written_off: int
    closing: int


def month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput("月份格式应为 YYYY-MM", "months look like 2026-03", field="month") from None
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    as_utc = lambda d: datetime(d.year, d.month, d.day, tzinfo=local_zone())  # noqa: E731
    return as_utc(first), as_utc(nxt)


def stocktake(session: Session, community_id: int, month: str) -> list[StocktakeRow]:
    """月度盘点: per item, the opening stock, donations, redemptions, write-offs and the closing stock of the
    month, all from the register."""
    start, end = month_bounds(month)
    rows = []
    for good in goods(session, community_id):
        moves = session.execute(
            select(StockMove.kind, StockMove.quantity, StockMove.created_at).where(StockMove.good_id == good.id)
        ).all()
        opening = sum(q if k == MoveKind.DONATION else -q for k, q, at in moves if at < start)
        inside = [(k, q) for k, q, at in moves if start <= at < end]
        donated = sum(q for k, q in inside if k == MoveKind.DONATION)
        redeemed = sum(q for k, q in inside if k == MoveKind.REDEMPTION)
        written = sum(q for k, q in inside if k == MoveKind.WRITE_OFF)
        rows.append(StocktakeRow(good, opening, donated, redeemed, written, opening + donated - redeemed - written))
    return rows


def register_workbook(session: Session, community_id: int) -> bytes:
    """The 台账 as .xlsx: goods with stock, and every move (date, item, in/out, quantity, donor, receipt)."""
    from openpyxl import Workbook

    from lianxin.volunteers.models import DONOR_LABELS, MOVE_LABELS

    book = Workbook()
    sheet = book.active
    sheet.title = "库存 Stock"
    sheet.append(["物品 Item", "单位 Unit", "兑换积分 Points", "库存 Stock", "台账合计 Register"])
    signed = {}
    for move in register(session, community_id, limit=100000):
        signed[move.good_id] = signed.get(move.good_id, 0) + move.signed
    for good in goods(session, community_id):
        sheet.append([good.name, good.unit, good.price_points, good.stock, signed.get(good.id, 0)])
    moves = book.create_sheet("台账 Register")
    moves.append(
        [
            "时间 Time",
            "物品 Item",
            "类别 Kind",
            "数量 Qty",
            "捐赠方 Donor",
            "兑换单 Receipt",
            "兑换人 Paid by",
            "备注 Note",
        ]
    )
    for move in reversed(register(session, community_id, limit=100000)):
        moves.append(
            [
                move.created_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M"),
                move.good.name,
                MOVE_LABELS[move.kind][0],
                move.signed,
                f"{DONOR_LABELS[move.donor_kind][0]}：{move.donor_name}" if move.donor_kind else "",
                move.redemption.receipt_no if move.redemption else "",
                move.redemption.payer_name if move.redemption else "",
                move.note,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def now_month() -> str:
    return f"{utcnow().astimezone(local_zone()):%Y-%m}"
