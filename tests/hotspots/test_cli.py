"""``lianxin hotspots FILE``: JSON shape, top N, bad input, and the known hot issues of the teddy data."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from lianxin.cli import app
from tests.hotspots.test_engine import LAMPS, NOISE_XFL, NOISE_YGHY, OTHERS

runner = CliRunner()


@pytest.fixture
def messages_csv(tmp_path):
    path = tmp_path / "messages.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["message_id", "user_id", "created_at", "title", "body", "likes", "dislikes"])
        rows = [(f"x{i}", t, 2) for i, t in enumerate(NOISE_XFL)] + [(f"y{i}", t, 0) for i, t in enumerate(NOISE_YGHY)]
        rows += [(f"l{i}", t, 0) for i, t in enumerate(LAMPS)] + [(f"o{i}", t, 0) for i, t in enumerate(OTHERS)]
        for n, (mid, title, likes) in enumerate(rows):
            writer.writerow(
                [mid, f"u{n}", f"2026-03-{1 + n % 5:02d} 10:{n:02d}:00", title, f"{title}，请尽快处理。", likes, 0]
            )
    return path


def test_json_lists_the_promised_fields_for_the_top_n(messages_csv):
    result = runner.invoke(app, ["hotspots", str(messages_csv), "--top", "2", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 2
    assert set(rows[0]) == {"rank", "heat", "time_range", "place", "description", "message_ids"}
    assert [r["rank"] for r in rows] == [1, 2] and rows[0]["heat"] >= rows[1]["heat"]
    assert rows[0]["message_ids"] == [f"x{i}" for i in range(5)] and "幸福里" in rows[0]["place"]
    assert rows[0]["time_range"][0].startswith("2026-03-01T10:00:00+08:00")  # local time, zone explicit
    everything = json.loads(runner.invoke(app, ["hotspots", str(messages_csv), "--top", "10", "--json"]).output)
    assert len(everything) == 3


def test_table_output_is_readable(messages_csv):
    result = runner.invoke(app, ["hotspots", str(messages_csv), "--top", "1"])
    assert result.exit_code == 0, result.output
    assert "排名" in result.output and "幸福里" in result.output and "x0, x1, x2, x3, x4" in result.output


def test_bad_files_are_refused_with_a_clear_message(tmp_path):
    missing = runner.invoke(app, ["hotspots", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "文件不存在" in missing.output
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title\n1,路灯不亮\n", encoding="utf-8")
    result = runner.invoke(app, ["hotspots", str(bad)])
    assert result.exit_code == 2 and "缺少列" in result.output and "created_at" in result.output
    bad.write_text("message_id,created_at,title,body\n1,昨天,路灯不亮,路灯不亮\n", encoding="utf-8")
    result = runner.invoke(app, ["hotspots", str(bad)])
    assert result.exit_code == 2 and "第 2 行" in result.output


def test_known_hot_issues_of_the_teddy_data_are_in_the_top_five(settings):
    path = settings.demo_data_dir / "hotspot_messages.csv"
    if not path.is_file():
        pytest.skip(f"teddy2020 data not found in {settings.demo_data_dir}")
    result = runner.invoke(app, ["hotspots", str(path), "--top", "5", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    with path.open(encoding="utf-8") as handle:
        titles = {r["message_id"]: r["title"] + r["body"] for r in csv.DictReader(handle)}

    def share(row: dict, word: str) -> float:
        return sum(word in titles[m] for m in row["message_ids"]) / len(row["message_ids"])

    # The 2020 challenge's hot issues: the mixing plant by 丽发新城 and the parking spaces sold
    # bundled with 伊景园滨河苑 flats; a useful cluster is (almost) only about its problem.
    plant = [r for r in rows if share(r, "搅拌") >= 0.9 and share(r, "丽发") >= 0.8]
    parking = [r for r in rows if share(r, "车位") >= 0.8]
    assert plant and len(plant[0]["message_ids"]) >= 30
    assert parking and len(parking[0]["message_ids"]) >= 30
