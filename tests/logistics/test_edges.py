"""The CLI, the daily job and the demo builder."""

import random
from datetime import datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.logistics import plans
from lianxin.logistics.demo import build_demo, demo_feed
from lianxin.logistics.jobs import daily_plan
from lianxin.logistics.models import Parcel, PlanRun, ServicePoint
from tests.logistics.conftest import DAY, FEED, receive


def test_the_daily_job_plans_once_a_day_after_five(db, settings, county):
    receive(db, county)
    early = datetime.fromisoformat(f"{DAY.isoformat()}T04:30:00+08:00")
    assert daily_plan(db, settings, early) == 0
    at_six = datetime.fromisoformat(f"{DAY.isoformat()}T06:00:00+08:00")
    assert daily_plan(db, settings, at_six) >= 1
    assert plans.adopted_plan(db, county.jid, DAY).kind == "daily"
    before = db.scalar(select(func.count()).select_from(PlanRun))
    daily_plan(db, settings, at_six)
    assert db.scalar(select(func.count()).select_from(PlanRun)) == before


def test_the_demo_county(db, city):
    report = build_demo(db, city.jid, random.Random(1), per_day=20, days=3)
    assert "8 条公交邮路" in report and "30 个村" in report
    points = db.scalars(select(ServicePoint).where(ServicePoint.jurisdiction_id == city.jid)).all()
    assert len(points) == 30 and sum(p.kind == "jishi" for p in points) == 10
    assert db.scalar(select(func.count()).select_from(Parcel).where(Parcel.jurisdiction_id == city.jid)) == 70
    feed = demo_feed(random.Random(1))
    assert feed["routes.txt"].count("\n") == 9 and feed["stops.txt"].count("\n") == 32


@pytest.fixture
def cli_env(scratch_settings, monkeypatch):
    """A migrated scratch database with a jurisdiction; the CLI reads it from the environment."""
    from lianxin.config import get_settings
    from lianxin.db import make_engine, make_sessionmaker, session_scope
    from lianxin.defaults import ensure_defaults
    from tests.helpers import migrated

    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    get_settings.cache_clear()
    migrated(scratch_settings)
    with session_scope(make_sessionmaker(make_engine(scratch_settings), scratch_settings)) as session:
        ensure_defaults(session, code="lgcli")
    yield "lgcli"
    get_settings.cache_clear()


def test_the_cli_imports_and_plans(tmp_path, cli_env):
    from lianxin.cli import build_cli

    for name, text in FEED.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    runner = CliRunner()
    app = build_cli()
    done = runner.invoke(app, ["logistics", "import-gtfs", str(tmp_path), "--jurisdiction", cli_env])
    assert done.exit_code == 0, done.output
    assert "trips=2" in done.output
    missing = runner.invoke(app, ["logistics", "import-gtfs", str(tmp_path / "none"), "--jurisdiction", cli_env])
    assert missing.exit_code == 2 and "no GTFS feed" in missing.output
    csv = tmp_path / "m.csv"
    csv.write_text(
        "tracking_no,point,recipient_phone,ready_at,due_by\nZT10000001,P1,13700000001,2026-03-02 06:00,2026-03-03 18:00\n"
    )
    refused = runner.invoke(app, ["logistics", "import-parcels", str(csv), "--jurisdiction", cli_env])
    assert refused.exit_code == 2 and "no service point P1" in refused.output
    planned = runner.invoke(
        app,
        [
            "logistics",
            "plan",
            "--date",
            DAY.isoformat(),
            "--jurisdiction",
            cli_env,
            "--what-if",
            "--capacity-factor",
            "2",
        ],
    )
    assert planned.exit_code == 0, planned.output
    assert "parcels=0" in planned.output
