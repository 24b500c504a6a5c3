"""The demo (a believable catalogue, both seed bundles, activity in every state, a 差评 already a work order)
and the ``lianxin services`` commands, on a database of their own."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.cli import app
from lianxin.config import get_settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.demo import build_demo
from lianxin.geo.models import Place
from lianxin.modules import declared
from lianxin.services.models import (
    Application,
    Booking,
    Evaluation,
    ServiceBundle,
    ServiceItem,
    ServiceLocation,
    ServiceWindow,
    Ticket,
)
from lianxin.services.status import AppStatus, EvalStatus, TicketStatus
from tests.helpers import migrated

runner = CliRunner()


@pytest.fixture
def demo_db(scratch_settings, monkeypatch):
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    get_settings.cache_clear()
    migrated(scratch_settings)
    factory = make_sessionmaker(make_engine(scratch_settings), scratch_settings)
    with session_scope(factory) as session:
        build_demo(
            session, scratch_settings, appeals=0, modules=[declared("lianxin.residents"), declared("lianxin.services")]
        )
    yield factory
    get_settings.cache_clear()


def test_the_demo_and_the_commands(demo_db):
    with demo_db() as session:
        count = lambda model, *where: session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
        assert count(ServiceItem) == 14 and count(ServiceBundle) == 2
        names = set(session.scalars(select(ServiceBundle.name)))
        assert names == {"出生一件事", "二手房过户+水电气联办"}
        statuses = set(session.scalars(select(Application.status)))
        assert {AppStatus.NEED_MORE, AppStatus.ACCEPTED, AppStatus.DELIVERED} <= statuses
        assert count(Application, Application.proxy_id.is_not(None)) == 2
        home = session.scalar(select(Application).where(Application.channel == "home_visit"))
        assert home.visit_address.startswith("东风村") and home.status == AppStatus.ACCEPTED
        # 15 online ratings, and 8 of 10 walk-ins rated by link on each of the last 5 working days
        assert count(Evaluation) == 55 and count(Evaluation, Evaluation.window_id.is_not(None)) == 40
        assert count(Evaluation, Evaluation.status != EvalStatus.RECEIVED) == 0  # the demo's appeals are the city's
        assert count(Booking) == 6 and count(ServiceWindow) == 5
        hall = session.scalar(select(ServiceLocation))
        assert session.get(Place, hall.place_id).name == "市民服务中心"  # the hall is in the gazetteer
        assert count(Ticket, Ticket.status == TicketStatus.SERVED) == 50
        assert session.scalar(select(ServiceItem.status).where(ServiceItem.code == "CG-0701")) == "temporarily_closed"
    found = runner.invoke(app, ["services", "search", "老人津贴"])
    assert found.exit_code == 0 and "MZ-0501\t高龄津贴申领" in found.output
    assert "没有找到" in runner.invoke(app, ["services", "search", "火星签证"]).output
    slots = runner.invoke(app, ["services", "slots", "ZX", "2027-01-04"])
    assert slots.exit_code == 0 and "09:00\t2/2\tA01" in slots.output and "09:00\t1/1\tD01" in slots.output
    assert "当天不开放" in runner.invoke(app, ["services", "slots", "ZX", "2027-01-03"]).output
    assert runner.invoke(app, ["services", "slots", "NOPE", "2027-01-04"]).exit_code == 2
    assert runner.invoke(app, ["services", "slots", "ZX", "tomorrow"]).exit_code == 2
    assert runner.invoke(app, ["services", "search", "x", "--jurisdiction", "nope"]).exit_code == 2


def test_the_commands_need_a_jurisdiction(scratch_settings, monkeypatch):
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    get_settings.cache_clear()
    migrated(scratch_settings)
    try:
        assert runner.invoke(app, ["services", "search", "x"]).exit_code == 2
    finally:
        get_settings.cache_clear()
