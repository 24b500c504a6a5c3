"""``lianxin eval repeats``: the labelled pairs, the replay through the real lookup, and the figures it prints;
and the rescoring that ranks the same caller's near copy above the same caller's other cases."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from lianxin.cli import app
from lianxin.dispatch.evaluate import Message, _trigrams, evaluate, label, read_messages
from lianxin.dispatch.repeats import SUGGEST_SCORE, find_repeats
from tests.factories import new_appeal

runner = CliRunner()
LAMP = "和平里小区3号楼门口的路灯已经坏了一周，晚上很黑，老人出行不便，希望尽快修理。"
LAMP_AGAIN = "和平里小区3号楼门口的路灯已经坏了一周了，晚上很黑，老人出行不便，希望尽快维修。"
NOISE = "楼下商户每天深夜播放音乐，噪音很大，影响休息，希望有关部门管一管。"
FEE = "物业公司今年突然上调停车费，没有经过业主大会表决，请相关部门核查收费是否合法。"
TREE = "公园里的大树被人砍伐了好几棵，绿化遭到破坏，请园林部门调查处理。"


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["message_id", "user_id", "created_at", "title", "body"])
        writer.writerows(rows)
    return path


def message(author: str, day: int, title: str, body: str) -> Message:
    return Message(
        author, datetime(2019, 5, day, 9, tzinfo=UTC), title, body, _trigrams(f"{title}{body}"), _trigrams(title)
    )


def test_labels_near_copies_as_repeats_and_unrelated_texts_as_different():
    first = message("u1", 1, "路灯坏了", LAMP)
    assert label(message("u2", 3, "路灯坏了", LAMP_AGAIN), first) == "repeat"  # a near copy, whoever sends it
    assert label(message("u1", 3, "路灯坏了", NOISE), first) == "repeat"  # the same author, the same title
    assert label(message("u2", 3, "路灯坏了", NOISE), first) == "unsure"  # another author: a shared title only
    assert label(message("u1", 3, "停车费", FEE), first) == "different"


def test_replay_counts_suggestions_recall_and_the_rank_of_the_true_repeat(tmp_path):
    rows = [
        ["1", "u1", "2019-05-01 09:00:00", "路灯坏了", LAMP],
        ["2", "u1", "2019-05-02 09:00:00", "噪音扰民", NOISE],
        ["3", "u1", "2019-05-03 09:00:00", "停车费上调", FEE],
        ["4", "u1", "2019-05-04 09:00:00", "路灯还是坏的", LAMP_AGAIN],  # a repeat of 1, same caller
        ["5", "u2", "2019-05-05 09:00:00", "树木被砍", TREE],
        ["6", "u2", "2019-05-05 09:00:00", "树木被砍", TREE],  # the same message twice in two files: read once
        ["7", "u3", "2019-07-30 09:00:00", "路灯坏了", LAMP],  # outside the 30-day window of 1 and 4
        ["8", "", "2019-05-06 09:00:00", "无作者", NOISE],  # no author: skipped
    ]
    messages = read_messages([write(tmp_path / "a.csv", rows), write(tmp_path / "b.csv", rows[4:6])])
    assert [m.title for m in messages][:2] == ["路灯坏了", "噪音扰民"] and len(messages) == 6
    figures = evaluate(messages)
    assert figures.positives == 1 and figures.queries_with_repeat == 1
    assert figures.ranks == [1] and figures.recall == 1.0
    assert (
        figures.suggested["repeat"] == 1 and figures.suggested["different"] == 0
    )  # the caller's other cases are not offered
    assert figures.precision == 1.0 and len(figures.latencies) == 6

    result = runner.invoke(app, ["eval", "repeats", "--messages", str(tmp_path / "a.csv")])
    assert result.exit_code == 0, result.output
    assert "6 messages replayed in time order" in result.output
    assert f"suggestion threshold {SUGGEST_SCORE:.2f}: 1 suggested = 1 repeat + 0 different + 0 unsure" in result.output
    assert re.search(r"^precision=1\.0000 recall=1\.0000 first=1\.0000$", result.output.strip().splitlines()[-1])


def test_bad_message_files_are_refused(tmp_path):
    missing = runner.invoke(app, ["eval", "repeats", "--messages", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    (tmp_path / "x.csv").write_text("title,body\n路灯,坏了\n", encoding="utf-8")
    columns = runner.invoke(app, ["eval", "repeats", "--messages", str(tmp_path / "x.csv")])
    assert columns.exit_code == 2 and "lacks columns: user_id, created_at" in columns.output


def test_eval_holds_the_commands_of_every_enabled_module():
    from lianxin.cli import build_cli

    listing = runner.invoke(app, ["eval", "--help"]).output
    assert "routing" in listing and "repeats" in listing
    alone = runner.invoke(build_cli(["geo", "dispatch"]), ["eval", "--help"]).output
    assert "repeats" in alone and "routing" not in alone


def test_the_same_callers_near_copy_ranks_first_and_their_other_cases_are_context_only(db, city, clock):
    community = city.units["community"].id
    noise = new_appeal(db, city, content=NOISE, appellant_phone="13811112222", community_id=community)
    lamp = new_appeal(db, city, content=LAMP, appellant_phone="13811112222", community_id=community)
    fee = new_appeal(db, city, content=FEE, appellant_phone="13811112222", community_id=community)
    db.flush()
    found = find_repeats(db, city.jid, phone="13811112222", text=LAMP_AGAIN, community_id=community)
    assert found[0].appeal.id == lamp.id and found[0].likely
    assert {c.appeal.id for c in found[1:]} == {noise.id, fee.id}
    assert not any(c.likely for c in found[1:])  # the same phone alone stays under the threshold
