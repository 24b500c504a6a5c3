"""``lianxin care import`` and ``lianxin alerts simulate / evaluate`` on a scratch database and a private broker."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.care.excel import template_workbook
from lianxin.care.models import Alarm, Person, Reading
from lianxin.cli import build_cli
from lianxin.config import get_settings
from lianxin.db import session_scope
from tests.care.test_mqtt import broker, own, start_listener, wait_for  # noqa: F401  (fixtures)

runner = CliRunner()


@pytest.fixture
def cli(own, monkeypatch):  # noqa: F811
    own_settings, factory = own
    monkeypatch.setenv("LIANXIN_DATABASE_URL", own_settings.database_url)
    get_settings.cache_clear()
    yield build_cli(), factory
    get_settings.cache_clear()


def test_import_simulate_and_evaluate(cli, broker, tmp_path):  # noqa: F811
    app, factory = cli
    book = tmp_path / "台账.xlsx"
    book.write_bytes(
        template_workbook(
            [
                ["社区", "", "社区1号楼101", "钱秀兰", "", "13900007777", "户主", "独居老人", "", ""],
                ["无此社区", "", "某处某地", "某某", "", "", "", "", "", ""],
            ]
        )
    )
    r = runner.invoke(app, ["care", "import", str(book), "--jurisdiction", "mqtt"])
    assert r.exit_code == 0 and "导入 1 人" in r.output and "row 3" in r.output
    with session_scope(factory) as session:
        assert session.scalar(select(func.count(Person.id))) == 1
    listener, thread = start_listener(factory, broker.port, "cli-listener")
    r = runner.invoke(
        app,
        [
            "alerts",
            "simulate",
            "--meters",
            "3",
            "--hours",
            "26",
            "--low",
            "1",
            "--silent",
            "0",
            "--port",
            str(broker.port),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "published 81 readings" in r.output
    assert wait_for(lambda: listener.counters.stored == 81, 60)
    listener.stop()
    thread.join(10)
    r = runner.invoke(app, ["alerts", "evaluate"])
    assert r.exit_code == 0 and "alarms raised or cleared: 1" in r.output
    with session_scope(factory) as session:
        assert session.scalar(select(func.count(Reading.id))) == 81
        assert session.scalar(select(Alarm.kind)).value == "low_usage"
    r = runner.invoke(
        app, ["alerts", "simulate", "--jurisdiction", "mqtt", "--meters", "0", "--port", str(broker.port)]
    )
    assert r.exit_code == 2
