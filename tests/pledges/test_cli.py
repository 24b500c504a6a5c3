"""``lianxin pledges demo|overdue|export`` on a database of its own, after the demo city."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.cli import app
from lianxin.config import get_settings
from lianxin.db import make_engine, make_sessionmaker
from lianxin.pledges.models import PledgeItem, PledgeList
from tests.helpers import scratch_database, small_demo

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(settings, tmp_path_factory):
    with scratch_database(settings, tmp_path_factory, "pledges_cli") as scratch:
        small_demo(scratch, ["pledges"], appeals=20, days=10)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LIANXIN_DATABASE_URL", scratch.database_url)
            get_settings.cache_clear()
            yield scratch
        get_settings.cache_clear()


def test_the_demo_lists_are_built_once(demo_db):
    again = runner.invoke(app, ["pledges", "demo"])
    assert again.exit_code == 0 and "已存在" in again.output  # the demo city built them; a second run changes nothing


def test_the_overdue_sweep_runs_for_one_jurisdiction_or_all(demo_db):
    everywhere = runner.invoke(app, ["pledges", "overdue"])
    assert everywhere.exit_code == 0 and "标记滞后 / marked delayed:" in everywhere.output
    one = runner.invoke(app, ["pledges", "overdue", "--jurisdiction", "default"])
    assert one.exit_code == 0 and one.output.strip().endswith(": 0")  # the first sweep marked them already
    unknown = runner.invoke(app, ["pledges", "overdue", "--jurisdiction", "nowhere"])
    assert unknown.exit_code == 2 and "nowhere" in unknown.output


def test_a_lists_ledger_is_exported_as_a_workbook(demo_db, tmp_path):
    with make_sessionmaker(make_engine(demo_db))() as session:
        list_id = session.scalar(select(PledgeList.id).order_by(PledgeList.id))
        items = session.scalar(select(func.count()).select_from(PledgeItem).where(PledgeItem.list_id == list_id))
    path = tmp_path / "ledger.xlsx"
    exported = runner.invoke(app, ["pledges", "export", str(list_id), str(path)])
    assert exported.exit_code == 0 and f"{items} 个事项" in exported.output
    sheet = load_workbook(path).active
    assert sheet.max_row >= items + 1  # a heading row, then every item
    missing = runner.invoke(app, ["pledges", "export", "999999", str(tmp_path / "none.xlsx")])
    assert missing.exit_code == 2 and not (tmp_path / "none.xlsx").exists()
