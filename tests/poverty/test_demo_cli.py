"""The demo (every step of the loop, on the care register, through the demo's own logins) and the
``lianxin poverty`` commands, on a database of their own."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.cli import app
from lianxin.config import get_settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.demo import build_demo
from lianxin.modules import declared
from lianxin.poverty.models import Declaration, MonitoringCase, Payment
from lianxin.poverty.status import CaseStatus, DeclarationStatus, PaymentStatus
from tests.helpers import migrated

runner = CliRunner()


@pytest.fixture
def demo_db(scratch_settings, monkeypatch):
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    get_settings.cache_clear()
    migrated(scratch_settings)
    factory = make_sessionmaker(make_engine(scratch_settings), scratch_settings)
    with session_scope(factory) as session:
        modules = [declared(f"lianxin.{name}") for name in ("care", "residents", "poverty")]
        report = build_demo(session, scratch_settings, appeals=0, modules=modules)
    yield factory, report
    get_settings.cache_clear()


def test_the_demo_and_the_commands(demo_db):
    factory, report = demo_db
    assert "防返贫监测" in report and "36 declarations" in report
    with factory() as session:
        statuses = set(session.scalars(select(Declaration.status)))
        assert statuses >= {s for s in DeclarationStatus if s != DeclarationStatus.WITHDRAWN}
        case_statuses = set(session.scalars(select(MonitoringCase.status)))
        assert {
            CaseStatus.IDENTIFIED,
            CaseStatus.ASSISTING,
            CaseStatus.MONITORING,
            CaseStatus.RISK_CLEARED,
        } <= case_statuses
        assert {PaymentStatus.APPROVED, PaymentStatus.PAID} <= set(session.scalars(select(Payment.status)))
        rejected = session.scalars(select(Declaration).where(Declaration.status == DeclarationStatus.REJECTED)).all()
        assert all(d.reject_reason and d.decided_by_id != d.checked_by_id for d in rejected)
        assert session.scalar(select(func.count(Declaration.id)).where(Declaration.declarant_account_id.is_not(None)))

    r = runner.invoke(app, ["poverty", "board", "--jurisdiction", "default"])
    assert r.exit_code == 0, r.output
    assert "合计 / total" in r.output and "云岭县" in r.output
    r = runner.invoke(app, ["poverty", "board", "--jurisdiction", "default", "--unit", "NOPE"])
    assert r.exit_code == 2 and "NOPE" in r.output
    r = runner.invoke(app, ["poverty", "list", "--jurisdiction", "default"])
    assert r.exit_code == 0 and "超期" in r.output and "已申报" in r.output
    assert "*" in r.output.splitlines()[0]  # names masked
    r = runner.invoke(app, ["poverty", "list", "--jurisdiction", "default", "--status", "rejected"])
    assert r.exit_code == 0 and "未纳入" in r.output
    r = runner.invoke(app, ["poverty", "figures", "--jurisdiction", "default", "--set", '{"check_days": 3}'])
    assert r.exit_code == 0 and json.loads(r.output)["check_days"] == 3
    for bad in ('{"check_days": 0}', "[1]", "not json"):
        r = runner.invoke(app, ["poverty", "figures", "--jurisdiction", "default", "--set", bad])
        assert r.exit_code == 2, bad
    r = runner.invoke(app, ["poverty", "candidates"])
    assert r.exit_code == 0 and "新线索" in r.output
