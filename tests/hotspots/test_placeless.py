"""The place-less path: a city-wide issue whose messages name no place becomes a hotspot, ranked on the
same heat as place-bound ones; and ``lianxin eval hotspots`` on a labelled topic file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from lianxin.cli import app
from lianxin.hotspots.engine import CITY_WIDE, Params, detect_hotspots
from lianxin.hotspots.placeless import combine
from tests.hotspots.test_engine import NOISE_XFL, OTHERS, corpus, messages

runner = CliRunner()
SUBSIDY = [  # one subsidy scheme, six residents, no place named
    "人才购房补贴申请一直不通过",
    "人才购房补贴什么时候发放",
    "人才购房补贴申请被退回",
    "人才购房补贴迟迟不发放",
    "人才购房补贴申请审核太慢",
    "咨询人才购房补贴发放进度",
]


def test_a_city_wide_issue_naming_no_place_becomes_a_hotspot_beside_the_place_ones():
    found = detect_hotspots(corpus() + messages(SUBSIDY, prefix="s", step_days=3), top=10)
    subsidy = [h for h in found if any(str(i).startswith("s") for i in h.message_ids)]
    biggest = max(subsidy, key=lambda h: len(h.message_ids))
    assert len(biggest.message_ids) >= 4 and all(str(i).startswith("s") for h in subsidy for i in h.message_ids)
    assert biggest.place == CITY_WIDE
    assert all(h.heat == round(h.heat, 2) > 0 for h in found) and [h.rank for h in found] == list(
        range(1, len(found) + 1)
    )
    assert frozenset(f"x{i}" for i in range(5)) in {frozenset(h.message_ids) for h in found}
    assert all(not any(str(i).startswith("o") for i in h.message_ids) for h in found)


def test_without_its_own_path_the_same_issue_is_missed():
    off = Params(placeless_link=1.01, placeless=1.01)  # both place-less thresholds out of reach
    found = detect_hotspots(
        messages(SUBSIDY, prefix="s", step_days=3) + messages(OTHERS, prefix="o"), top=10, params=off
    )
    assert not any(len(h.message_ids) >= 4 for h in found)


def test_residents_of_different_communities_raise_one_city_wide_issue():
    # the known place (an appeal's community) does not make a title name a place
    found = detect_hotspots(
        [
            m.__class__(**{**m.__dict__, "place": f"第{i}社区"})
            for i, m in enumerate(messages(SUBSIDY, prefix="s", step_days=3) + messages(OTHERS, prefix="o"))
        ],
        top=5,
    )
    assert found and len(found[0].message_ids) >= 4 and found[0].place == CITY_WIDE


def test_combine_joins_a_place_cluster_that_is_mostly_the_same_issue_and_keeps_the_others():
    place_clusters = [[0, 1, 2], [3, 4, 5, 6], [7], [8]]
    # topic 1 covers 2 of cluster 0 (joins it whole) and 1 of cluster 1 (stays there), plus 7 and 8
    assert combine(place_clusters, [[1, 2, 3, 7, 8]], 2) == [[0, 1, 2, 7, 8], [3, 4, 5, 6]]
    # a topic left with too few messages after its place clusters keep theirs is dropped
    assert combine(place_clusters, [[3, 7]], 3) == [[0, 1, 2], [3, 4, 5, 6], [7], [8]]


def write_messages(path: Path, titles: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["message_id", "created_at", "title", "body", "user_id"])
        for i, (title, user) in enumerate(titles):
            writer.writerow([i, f"2026-03-{1 + i % 20:02d} 09:00:00", title, f"{title}，请尽快处理。", user])
    return path


def test_eval_hotspots_reports_recovered_topics_by_kind(tmp_path):
    file = write_messages(
        tmp_path / "m.csv",
        [(t, f"u{i}") for i, t in enumerate(NOISE_XFL + SUBSIDY + OTHERS)],
    )
    topics = tmp_path / "topics.csv"
    topics.write_text(
        "topic,kind,title_pattern,note\n"
        "幸福里工地噪音,place,幸福里,\n"
        '人才购房补贴,placeless,"人才.{0,4}(购房|新政)",\n'
        '出租车拒载,placeless,"出租车|拒载",one message: never a hotspot\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", "hotspots", str(file), "--topics", str(topics), "--top", "5"])
    assert result.exit_code == 0, result.output
    assert re.search(r"人才购房补贴（6 条 / messages）: rank \d, share (67|83|100)%, purity 100%", result.output)
    assert re.search(r"幸福里工地噪音（5 条 / messages）: rank \d, share 100%, purity 100%", result.output)
    assert "出租车拒载（1 条 / messages）: not recovered" in result.output
    assert result.output.strip().splitlines()[-1] == "recovered=2/3 place=1/1 placeless=1/2"


def test_eval_hotspots_refuses_bad_topic_files(tmp_path):
    file = write_messages(tmp_path / "m.csv", [("路灯坏了", "u1")])
    bad = tmp_path / "bad.csv"
    bad.write_text("topic,kind,title_pattern\n路灯,street,路灯\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "hotspots", str(file), "--topics", str(bad)])
    assert result.exit_code == 2 and "kind (place or placeless)" in result.output
    bad.write_text("topic,kind,title_pattern\n路灯,place,路灯(\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "hotspots", str(file), "--topics", str(bad)])
    assert result.exit_code == 2 and "bad pattern" in result.output
    missing = runner.invoke(app, ["eval", "hotspots", str(file), "--topics", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    nofile = runner.invoke(app, ["eval", "hotspots", str(tmp_path / "none.csv"), "--topics", str(bad)])
    assert nofile.exit_code == 2 and "no such file" in nofile.output
