"""``lianxin eval routing`` on small synthetic CSVs in every input format, and the text normalisation."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lianxin.cli import app
from lianxin.routing.text import MAX_TOKENS, split_tokens, tokenize
from tests.routing.synthetic import rows

runner = CliRunner()
LAST_LINE = re.compile(r"^macro_f1=(\d\.\d{4}) accuracy=(\d\.\d{4})$")


def write_csv(path: Path, header: list[str], records: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(records)
    return path


def as_text(tmp_path: Path, name: str, seed: int, per_topic: int = 12) -> Path:
    return write_csv(
        tmp_path / name, ["text", "label_l1"], [[t, label] for t, label in rows(random.Random(seed), per_topic)]
    )


def as_title_body(tmp_path: Path, name: str, seed: int, per_topic: int = 12) -> Path:
    records = [[t.split("。")[0], t.split("。", 1)[1], label] for t, label in rows(random.Random(seed), per_topic)]
    return write_csv(tmp_path / name, ["title", "body", "category"], records)


def as_tokens(tmp_path: Path, name: str, seed: int, per_topic: int = 12) -> Path:
    return write_csv(
        tmp_path / name,
        ["tokens", "label_l1"],
        [[" ".join(tokenize(t)), label] for t, label in rows(random.Random(seed), per_topic)],
    )


def scores(output: str) -> tuple[float, float]:
    match = LAST_LINE.match(output.strip().splitlines()[-1])
    assert match, output
    return float(match[1]), float(match[2])


def test_raw_text_and_pretokenised_rows_give_the_same_canonical_tokens():
    text = "小区的路灯坏了！晚上很黑，希望尽快修理。"
    tokens = tokenize(text)
    assert "的" not in tokens and "了" not in tokens and "！" not in tokens
    assert "路灯" in tokens and "小区" in tokens
    assert split_tokens(" ".join(["的", "，", "7", *tokens, "了"])) == tokens
    assert "12" in tokenize("１２号楼停水")  # full-width digits are normalised; single digits are dropped
    assert (
        len(tokenize("小区路灯，" * 2000)) == MAX_TOKENS == len(split_tokens("小区 路灯 " * 2000))
    )  # the leading part only


def test_holdout_on_text_trains_and_scores_with_timings(tmp_path):
    result = runner.invoke(
        app,
        [
            "eval",
            "routing",
            "--train",
            str(as_text(tmp_path, "train.csv", 1)),
            "--test",
            str(as_text(tmp_path, "test.csv", 2, per_topic=6)),
        ],
    )
    assert result.exit_code == 0, result.output
    f1, accuracy = scores(result.output)
    assert f1 >= 0.9 and accuracy >= 0.9
    for topic in ("路灯", "停水", "噪声"):
        assert re.search(rf"^\s*{topic}\s+\d\.\d{{4}}\s+\d\.\d{{4}}\s+\d\.\d{{4}}\s+6$", result.output, re.M), (
            result.output
        )
    assert re.search(r"training time: wall [\d.]+ s .*CPU [\d.]+ s", result.output), result.output
    assert re.search(r"wall p50 [\d.]+ ms, p95 [\d.]+ ms; CPU p50 [\d.]+ ms, p95 [\d.]+ ms", result.output)


def test_tokens_and_title_body_files_mix_with_a_custom_label_column(tmp_path):
    train_tokens = write_csv(
        tmp_path / "tok.csv",
        ["tokens", "category"],
        [[" ".join(tokenize(t)), label] for t, label in rows(random.Random(3), 10)],
    )
    test = as_title_body(tmp_path, "test.csv", 4, per_topic=5)
    result = runner.invoke(
        app,
        [
            "eval",
            "routing",
            "--train",
            str(train_tokens),
            "--train",
            str(as_title_body(tmp_path, "tb.csv", 5)),
            "--test",
            str(test),
            "--label-column",
            "category",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "trained on 66, tested on 15" in result.output
    assert scores(result.output)[0] >= 0.9


def test_cross_validation_reports_every_fold_and_the_mean(tmp_path):
    result = runner.invoke(
        app,
        [
            "eval",
            "routing",
            "--train",
            str(as_text(tmp_path, "a.csv", 6)),
            "--train",
            str(as_tokens(tmp_path, "b.csv", 7)),
        ],
    )
    assert result.exit_code == 0, result.output
    folds = re.findall(r"^fold (\d): macro_f1=(\d\.\d{4})", result.output, re.M)
    assert [n for n, _ in folds] == ["1", "2", "3", "4", "5"]
    f1, _ = scores(result.output)
    assert f1 == pytest.approx(sum(float(v) for _, v in folds) / 5, abs=1e-4)
    assert "stratified 5-fold CV on 72 appeals" in result.output


def test_cross_validation_keeps_a_raw_appeal_and_its_tokenised_copy_in_one_fold(tmp_path):
    from lianxin.routing.evaluate import duplicate_groups

    data = rows(random.Random(8), 4)
    docs = [tokenize(t) for t, _ in data] + [split_tokens(" ".join(tokenize(t))) for t, _ in data]
    groups = duplicate_groups(docs)
    assert list(groups[: len(data)]) == list(groups[len(data) :])
    assert len(set(groups)) == len(data)


def test_bad_files_are_refused_with_a_bilingual_message(tmp_path):
    no_label = write_csv(tmp_path / "x.csv", ["text"], [["路灯不亮"]])
    result = runner.invoke(app, ["eval", "routing", "--train", str(no_label)])
    assert result.exit_code == 2
    assert "需要 label_l1 列" in result.output and "needs a label_l1 column" in result.output
    one_class = write_csv(tmp_path / "y.csv", ["text", "label_l1"], [["路灯不亮", "a"], ["路灯坏了", "a"]])
    result = runner.invoke(app, ["eval", "routing", "--train", str(one_class)])
    assert result.exit_code == 2 and "至少需要两个类别" in result.output
    singleton = write_csv(
        tmp_path / "z.csv", ["text", "label_l1"], [["路灯不亮", "a"], ["路灯坏了", "a"], ["停水", "b"]]
    )
    result = runner.invoke(app, ["eval", "routing", "--train", str(singleton), "--test", str(singleton)])
    assert result.exit_code == 2 and "every class needs at least 2" in result.output
    missing = runner.invoke(app, ["eval", "routing", "--train", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_plain_stratified_cross_validation_is_the_default_and_says_duplicates_are_not_grouped(tmp_path):
    result = runner.invoke(
        app, ["eval", "routing", "--train", str(as_text(tmp_path, "a.csv", 9, per_topic=6)), "--folds", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "stratified 3-fold CV on 18 appeals (near-duplicates NOT grouped" in result.output
    assert len(re.findall(r"^fold \d: ", result.output, re.M)) == 3
    scores(result.output)


def test_group_duplicates_keeps_near_duplicates_in_one_fold_for_a_stricter_estimate(tmp_path):
    result = runner.invoke(
        app,
        [
            "eval",
            "routing",
            "--train",
            str(as_text(tmp_path, "a.csv", 9, per_topic=6)),
            "--folds",
            "3",
            "--group-duplicates",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "groups after joining near-duplicates" in result.output
    assert len(re.findall(r"^fold \d: ", result.output, re.M)) == 3
    scores(result.output)


def test_report_prints_per_class_figures_and_the_confusion_matrix_before_the_score_line(tmp_path):
    train = as_text(tmp_path, "a.csv", 9, per_topic=6)
    test = write_csv(
        tmp_path / "t.csv",
        ["text", "label_l1"],
        [
            ["路灯不亮，晚上漆黑", "路灯"],
            ["家里停水三天了", "停水"],
            ["楼下路灯坏了", "停水"],
            ["工地夜间噪声扰民", "噪声"],
        ],
    )
    result = runner.invoke(app, ["eval", "routing", "--train", str(train), "--test", str(test), "--report"])
    assert result.exit_code == 0, result.output
    assert "per-class figures" in result.output and "confusion matrix" in result.output
    matrix = re.findall(r"^ ?\d (\S+)\s+((?:\s+\d+){3})$", result.output, re.M)
    rows = {name: [int(v) for v in values.split()] for name, values in matrix}
    assert rows["停水"] == [1, 0, 1]  # 停水, 噪声, 路灯: the mislabelled 路灯 text is counted as 停水 → 路灯
    assert "most confused: 停水 → 路灯: 1" in result.output
    scores(result.output)  # the score line stays last
    cv = runner.invoke(app, ["eval", "routing", "--train", str(train), "--folds", "3", "--report"])
    assert cv.exit_code == 0 and "weakest class" in cv.output
    assert (
        "confusion matrix" not in runner.invoke(app, ["eval", "routing", "--train", str(train), "--folds", "3"]).output
    )
