"""The demo (believable, balanced, stock = register) and the commands on a database of their own."""

from __future__ import annotations

import random

from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.points.service import check_ledger, households_of_phone
from lianxin.volunteers import market
from lianxin.volunteers.demo import build_demo
from lianxin.volunteers.models import Activity, Redemption, ServiceRecord
from lianxin.wishes.demo import DEMO_RESIDENT
from lianxin.wishes.people import create_member


def members(db, jid, n=6):
    for i in range(n):
        create_member(db, jurisdiction_id=jid, name=f"志愿者{i}", phone=f"1390000{i:04d}", kind="volunteer")


def test_the_demo_needs_people(db, city):
    assert "跳过" in build_demo(db, city.jid, random.Random(1))


def test_the_demo_is_believable_and_balanced(db, city):
    members(db, city.jid)
    report = build_demo(db, city.jid, random.Random(3))
    assert "4 个活动" in report  # one community in the test city: 2 past and 2 upcoming
    assert "4 户爱心存折" in report
    (held,) = households_of_phone(db, city.jid, DEMO_RESIDENT)  # the demo resident sees it on 我的积分
    assert held.balance >= 0 and held.community_id == city.units["community"].id
    assert db.scalar(select(func.count(Redemption.id)).where(Redemption.member_id.is_(None))) == 1
    assert db.scalar(select(func.count(ServiceRecord.id))) >= 8
    assert db.scalar(select(func.count(Redemption.id))) >= 1
    assert len(db.scalars(select(Activity).where(Activity.status == "open")).all()) == 2
    assert check_ledger(db, city.jid).balanced and market.register_mismatches(db, city.jid) == []


def test_commands_on_their_own_database(scratch_settings, monkeypatch, tmp_path):
    from lianxin.config import get_settings
    from lianxin.db import make_engine, make_sessionmaker, session_scope
    from tests.factories import build_city
    from tests.helpers import migrated

    migrated(scratch_settings)
    factory = make_sessionmaker(make_engine(scratch_settings), scratch_settings)
    with session_scope(factory) as session:
        city = build_city(session, code="default")
        members(session, city.jid)
        build_demo(session, city.jid, random.Random(3))
        record = session.scalars(select(ServiceRecord)).first()
        number, community = record.certificate_no, city.units["community"].code
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    get_settings.cache_clear()
    try:
        commands(factory, number, community, tmp_path)
    finally:
        get_settings.cache_clear()


def commands(factory, number, community, tmp_path):
    from lianxin.cli import build_cli
    from lianxin.db import session_scope

    runner, cli = CliRunner(), build_cli()
    assert runner.invoke(cli, ["points", "check", "--jurisdiction", "nope"]).exit_code == 2
    assert "没有这个证明编号" in runner.invoke(cli, ["volunteers", "verify", "ZY-NONE"]).output
    out = runner.invoke(cli, ["points", "check"])
    assert out.exit_code == 0 and "平衡 / balanced" in out.output, out.output
    out = runner.invoke(cli, ["points", "rules"])
    assert "hours v1: 10" in out.output
    out = runner.invoke(cli, ["points", "set-rule", "hours", "12", "--multiplier", "team_leader=1.5"])
    assert out.exit_code == 0 and "hours v2: 12" in out.output
    assert runner.invoke(cli, ["points", "set-rule", "hours", "12", "--multiplier", "bad"]).exit_code != 0
    out = runner.invoke(cli, ["volunteers", "stocktake", community])
    assert out.exit_code == 0 and "账物相符" in out.output, out.output
    assert runner.invoke(cli, ["volunteers", "stocktake", "nowhere"]).exit_code != 0
    out = runner.invoke(cli, ["volunteers", "verify", number])
    assert out.exit_code == 0 and number in out.output
    out = runner.invoke(cli, ["volunteers", "export", community, str(tmp_path / "reg.xlsx")])
    assert out.exit_code == 0 and (tmp_path / "reg.xlsx").stat().st_size > 1000
    out = runner.invoke(cli, ["points", "open-household", community, "9-99", "测试户", "13700009999"])
    assert out.exit_code == 0 and "测试户" in out.output, out.output
    account_id = out.output.split()[0]
    assert runner.invoke(cli, ["points", "open-household", community, "9-99", "测试户", "13700009999"]).exit_code == 2
    assert runner.invoke(cli, ["points", "open-household", "nowhere", "1", "某户", "13700009999"]).exit_code != 0
    out = runner.invoke(cli, ["points", "grant-household", account_id, "15", "庭院整洁"])
    assert out.exit_code == 0 and "测试户: 15" in out.output, out.output
    out = runner.invoke(cli, ["points", "households", community])
    assert "测试户\t137****9999\t15" in out.output
    assert runner.invoke(cli, ["points", "grant-household", "1", "15", "不是家庭"]).exit_code != 0
    # a broken cache is found and reported
    with session_scope(factory) as session:
        from sqlalchemy import text

        session.execute(text("UPDATE points_accounts SET balance = balance + 1 WHERE kind = 'pool'"))
    out = runner.invoke(cli, ["points", "check"])
    assert out.exit_code != 0 and "余额与流水不符" in out.output
