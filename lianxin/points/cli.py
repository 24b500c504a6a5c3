"""``lianxin points …``: check the ledger (sum zero, cached balances, limits), list the rules, set a rule, and
households' accounts (爱心存折: list, open, credit)."""

from __future__ import annotations

from typing import Annotated

import typer

from lianxin.cli_common import fail, fails_cleanly, jurisdiction_by_code, open_session

points_app = typer.Typer(help="积分台账 / the points ledger", no_args_is_help=True)
JUR = Annotated[str, typer.Option(help="辖区代码 / jurisdiction code")]


@points_app.command("check")
@fails_cleanly
def check(jurisdiction: JUR = "default") -> None:
    """核对积分台账：总和为零、余额与流水一致、超限账户 / check the ledger (exit 1 when unbalanced)."""
    from lianxin.points.service import check_ledger

    with open_session() as session:
        result = check_ledger(session, jurisdiction_by_code(session, jurisdiction).id)
        typer.echo(f"账户 accounts {result.accounts} · 流水 entries {result.entries} · 合计 sum {result.total}")
        for a in result.anomalies:
            typer.echo(
                f"  {a.account.name} ({a.account.key}): {a.label[0]} / {a.label[1]} — {a.account.balance} vs {a.derived}"
            )
        if not result.balanced:
            fail("积分台账不平 / the ledger is not balanced")
        typer.echo("平衡 / balanced")


@points_app.command("rules")
@fails_cleanly
def rules(jurisdiction: JUR = "default") -> None:
    """列出积分规则（含历史版本）/ list the rules with every version."""
    from sqlalchemy import select

    from lianxin.points.models import PointsRule

    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id
        for rule in session.scalars(
            select(PointsRule).where(PointsRule.jurisdiction_id == jid).order_by(PointsRule.code, PointsRule.version)
        ):
            typer.echo(f"{rule.code.value} v{rule.version}: {rule.points} {rule.multipliers} {rule.note}")


@points_app.command("set-rule")
@fails_cleanly
def set_rule(
    code: str,
    points: int,
    multiplier: Annotated[list[str], typer.Option(help="角色=系数 / role=factor, e.g. team_leader=1.4")] = [],  # noqa: B006
    jurisdiction: JUR = "default",
) -> None:
    """新增一条规则版本 / add a new version of a rule."""
    from lianxin.points.service import set_rule as set_

    factors = {}
    for item in multiplier:
        role, _, factor = item.partition("=")
        try:
            factors[role] = float(factor)
        except ValueError:
            fail(f"系数格式应为 角色=数字 / multipliers look like role=1.2: {item}")
    with open_session() as session:
        rule = set_(
            session,
            jurisdiction_id=jurisdiction_by_code(session, jurisdiction).id,
            code=code,
            points=points,
            multipliers=factors,
        )
        typer.echo(f"{rule.code.value} v{rule.version}: {rule.points}")


def _community(session, jurisdiction: str, code: str):
    from sqlalchemy import select

    from lianxin.orgs.models import Unit, UnitKind

    jid = jurisdiction_by_code(session, jurisdiction).id
    unit = session.scalar(select(Unit).where(Unit.jurisdiction_id == jid, Unit.code == code))
    if unit is None or unit.kind != UnitKind.COMMUNITY:
        fail(f"没有这个社区 / no community {code}")
    return unit


@points_app.command("households")
@fails_cleanly
def households(community: str, jurisdiction: JUR = "default") -> None:
    """列出社区的家庭积分账户（爱心存折）/ a community's household accounts and balances."""
    from lianxin.appeals.privacy import mask_phone
    from lianxin.points.service import households as of

    with open_session() as session:
        for a in of(session, _community(session, jurisdiction, community).id):
            typer.echo(f"{a.id}\t{a.key}\t{a.name}\t{mask_phone(a.holder_phone)}\t{a.balance}")


@points_app.command("open-household")
@fails_cleanly
def open_household(community: str, code: str, name: str, phone: str, jurisdiction: JUR = "default") -> None:
    """开户：社区、户号、户名、户主手机号 / open a household's account (community, number, name, head's phone)."""
    from lianxin.points.service import open_household as open_

    with open_session() as session:
        account = open_(
            session,
            community=_community(session, jurisdiction, community),
            code=code,
            name=name,
            holder_phone=phone,
            actor=None,
        )
        typer.echo(f"{account.id}\t{account.name}\t{account.balance}")


@points_app.command("grant-household")
@fails_cleanly
def grant_household(account_id: int, amount: int, memo: str, jurisdiction: JUR = "default") -> None:
    """给家庭加分（从社区积分池）/ credit a household from its community's pool, with the reason."""
    from lianxin.points.models import AccountKind
    from lianxin.points.service import get_account, grant

    with open_session() as session:
        account = get_account(session, account_id, jurisdiction_id=jurisdiction_by_code(session, jurisdiction).id)
        if account.kind != AccountKind.HOUSEHOLD:
            fail(f"不是家庭账户 / not a household account: {account_id}")
        grant(session, account=account, amount=amount, memo=memo, actor=None)
        typer.echo(f"{account.name}: {account.balance}")
