"""``lianxin dispatch|geo|kb`` on a database of its own, after ``lianxin demo``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lianxin.appeals.models import Appeal
from lianxin.cli import app
from lianxin.config import get_settings
from lianxin.db import make_engine, make_sessionmaker
from tests.helpers import scratch_database, small_demo

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(settings, tmp_path_factory):
    """One demo city for the module, with the modules these commands belong to: the commands read it, and the
    boundary import writes back only what it exported."""
    with scratch_database(settings, tmp_path_factory, "cli_demo") as scratch:
        small_demo(scratch, ["geo", "knowledge", "dispatch"], appeals=40, days=10)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LIANXIN_DATABASE_URL", scratch.database_url)
            get_settings.cache_clear()
            yield scratch
        get_settings.cache_clear()


def test_suggest_repeats_and_rules(demo_db):
    with make_sessionmaker(make_engine(demo_db))() as session:
        order_no = session.scalar(select(Appeal.order_no).order_by(Appeal.id))
    suggested = runner.invoke(app, ["dispatch", "suggest", order_no])
    assert suggested.exit_code == 0 and "主办 / lead:" in suggested.output and "规则 #" in suggested.output
    assert runner.invoke(app, ["dispatch", "repeats", order_no]).exit_code == 0
    listed = runner.invoke(app, ["dispatch", "rules"])
    assert listed.exit_code == 0 and "属地" in listed.output
    missing = runner.invoke(app, ["dispatch", "suggest", "19990101000001"])
    assert missing.exit_code == 2 and "不存在" in missing.output


def test_boundaries_export_and_import_round_trip(demo_db, tmp_path):
    exported = runner.invoke(app, ["geo", "export", "--kind", "street"])
    assert exported.exit_code == 0
    collection = json.loads(exported.output)
    assert len(collection["features"]) == 6
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    imported = runner.invoke(app, ["geo", "import", str(path)])
    assert imported.exit_code == 0 and "6" in imported.output
    collection["features"][0]["properties"]["code"] = "NOPE"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    refused = runner.invoke(app, ["geo", "import", str(path)])
    assert refused.exit_code == 2 and "NOPE" in refused.output


def test_kb_search(demo_db):
    found = runner.invoke(app, ["kb", "search", "燃气泄漏怎么办"])
    assert found.exit_code == 0 and "燃气" in found.output.splitlines()[0]
