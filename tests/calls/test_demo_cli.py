"""The demo's calls and the ``lianxin calls`` commands (simulate, hotlines, seat, skills), on a database of their own."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.calls.choices import CallStatus
from lianxin.calls.models import Call, CallEvent, CallHotline, CallSeat
from lianxin.cli import app
from lianxin.config import get_settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.demo import build_demo
from lianxin.modules import declared
from tests.helpers import migrated

runner = CliRunner()


@pytest.fixture
def demo_db(scratch_settings, monkeypatch):
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    get_settings.cache_clear()
    migrated(scratch_settings)
    factory = make_sessionmaker(make_engine(scratch_settings), scratch_settings)
    with session_scope(factory) as session:
        build_demo(session, scratch_settings, appeals=0, modules=[declared("lianxin.calls")])
    yield factory
    get_settings.cache_clear()


def test_the_demo_and_the_commands(demo_db):
    with demo_db() as session:
        count = lambda model, *where: session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
        assert count(CallHotline) == 7 and count(CallSeat) >= 1
        assert (
            count(Call, Call.status == CallStatus.RINGING) == 1 and count(Call, Call.status == CallStatus.MISSED) == 1
        )
        assert count(Call, Call.hotline_number == "12333") == 1
        seat = session.scalar(select(CallSeat.seat).order_by(CallSeat.seat).limit(1))
    listed = runner.invoke(app, ["calls", "hotlines", "list"])
    assert listed.exit_code == 0 and "12333" in listed.stdout and "96116" in listed.stdout
    added = runner.invoke(app, ["calls", "hotlines", "add", "12358", "价格举报热线", "--name-en", "Price hotline"])
    assert added.exit_code == 0, added.stdout
    bad = runner.invoke(app, ["calls", "hotlines", "add", "12358", "x", "--kind", "nonsense"])
    assert bad.exit_code == 2
    simulated = runner.invoke(
        app, ["calls", "simulate", "--caller", "13800138000", "--seat", seat, "--dialled", "12358"]
    )
    assert simulated.exit_code == 0 and "ringing → answered → ended" in simulated.stdout, simulated.stdout
    call_id = simulated.stdout.split()[0]
    with demo_db() as session:
        call = session.scalar(select(Call).where(Call.call_id == call_id))
        assert call.status == CallStatus.ENDED and call.hotline_number == "12358" and call.recording_ref
        assert call.operator_id is not None
        assert count(CallEvent, CallEvent.call_id == call_id) == 3
    assert runner.invoke(app, ["calls", "simulate", "--until", "never"]).exit_code == 2
    assert runner.invoke(app, ["calls", "skills", "nobody", "tax"]).exit_code == 2
