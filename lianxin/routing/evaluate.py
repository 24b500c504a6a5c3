"""``lianxin eval routing``: train on labelled CSVs and score a test CSV, or cross-validate.

Cross-validation is stratified 5-fold with near-duplicates kept in the same fold: the same appeal
often appears twice (once as raw text, once pre-tokenised, or re-posted), and letting one copy train
while the other is tested would overstate accuracy on appeals the model has never seen.
"""

from __future__ import annotations

import csv
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import StratifiedGroupKFold

from lianxin import progress
from lianxin.errors import InvalidInput
from lianxin.routing.classifier import TextClassifier
from lianxin.routing.text import split_tokens, tokenize

DUPLICATE_COSINE = 0.8
LATENCY_SAMPLE = 200


@dataclass
class Labelled:
    raw: list[tuple[str, str]]  # (kind, value): kind "text" or "tokens", as read, for end-to-end timing
    docs: list[list[str]]
    labels: list[str]


def _row_input(row: dict[str, str]) -> tuple[str, str] | None:
    if (row.get("tokens") or "").strip():
        return "tokens", row["tokens"]
    if (row.get("text") or "").strip():
        return "text", row["text"]
    joined = " ".join(part for part in (row.get("title"), row.get("body")) if part and part.strip())
    return ("text", joined) if joined else None


def canonical(kind: str, value: str) -> list[str]:
    return split_tokens(value) if kind == "tokens" else tokenize(value)


def read_labelled(paths: list[Path], label_column: str) -> Labelled:
    data = Labelled([], [], [])
    for path in paths:
        if not path.is_file():
            raise InvalidInput(f"文件不存在：{path}", f"no such file: {path}", field="file")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or ())
            if label_column not in columns or not columns & {"text", "title", "body", "tokens"}:
                raise InvalidInput(
                    f"{path} 需要 {label_column} 列以及 text、title+body 或 tokens 列",
                    f"{path} needs a {label_column} column and a text, title+body or tokens column",
                    field="file",
                )
            for row in reader:
                item, label = _row_input(row), (row.get(label_column) or "").strip()
                if item is None or not label:
                    continue
                data.raw.append(item)
                data.docs.append(canonical(*item))
                data.labels.append(label)
    if len(set(data.labels)) < 2:
        raise InvalidInput("训练数据至少需要两个类别", "training data needs at least two classes", field="file")
    return data


def duplicate_groups(docs: list[list[str]]) -> np.ndarray:
    """Group ids joining documents whose word tf-idf cosine similarity is ≥ DUPLICATE_COSINE."""
    vectors = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True).fit_transform(
        [" ".join(d) for d in docs]
    )
    similar = (vectors @ vectors.T).tocsr()
    similar.data[similar.data < DUPLICATE_COSINE] = 0
    similar.eliminate_zeros()
    return connected_components(similar, directed=False)[1]


def _latencies(
    model: TextClassifier, raw: list[tuple[str, str]], limit: int = LATENCY_SAMPLE
) -> list[tuple[float, float]]:
    """(wall, CPU) seconds per single appeal, end to end: tokenise, vectorise, score, explain (evenly spaced sample)."""
    model.top(canonical(*raw[0]))  # warm-up: jieba dictionary, feature names
    out = []
    for kind, value in raw[:: max(1, len(raw) // limit)][:limit]:
        started, cpu_started = time.perf_counter(), time.process_time()
        model.top(canonical(kind, value))
        out.append((time.perf_counter() - started, time.process_time() - cpu_started))
    return out


def _ms(values: list[float], q: float) -> str:
    return f"{float(np.percentile(values, q)) * 1000:.1f}"


def _timing_lines(fits: list[tuple[float, float]], latencies: list[tuple[float, float]]) -> list[str]:
    wall, cpu = [w for w, _ in fits], [c for _, c in fits]
    per_fold = " per fold" if len(fits) > 1 else ""
    lat_wall, lat_cpu = [w for w, _ in latencies], [c for _, c in latencies]
    return [
        f"训练时间 / training time{per_fold}: wall {statistics.mean(wall):.1f} s (max {max(wall):.1f}), "
        f"CPU {statistics.mean(cpu):.1f} s (max {max(cpu):.1f})",
        f"单条预测延迟 / prediction latency (one appeal, incl. tokenisation, n={len(latencies)}): "
        f"wall p50 {_ms(lat_wall, 50)} ms, p95 {_ms(lat_wall, 95)} ms; CPU p50 {_ms(lat_cpu, 50)} ms, p95 {_ms(lat_cpu, 95)} ms",
    ]


def class_report(true: list[str], predicted: list[str]) -> dict:
    """Per-class precision, recall, F1 and support, and the confusion matrix (rows true, columns predicted),
    as plain lists: stored with a model version's figures and drawn on the /routing page."""
    classes = sorted(set(true) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(true, predicted, labels=classes, zero_division=0)
    matrix = confusion_matrix(true, predicted, labels=classes)
    return {
        "classes": classes,
        "precision": [round(float(v), 4) for v in precision],
        "recall": [round(float(v), 4) for v in recall],
        "f1": [round(float(v), 4) for v in f1],
        "support": [int(v) for v in support],
        "confusion": matrix.astype(int).tolist(),
    }


def _columns(name: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in name)  # a CJK character takes two terminal columns


def _pad(name: str, width: int) -> str:
    return name + " " * max(0, width - _columns(name))


def report_lines(report: dict) -> list[str]:
    """The per-class table and the confusion matrix as text (``--report``)."""
    classes = report["classes"]
    width = max(8, *(_columns(c) for c in classes)) + 1
    lines = ["每类指标 / per-class figures:", f"{'class':<{width}} precision  recall      f1  support"]
    for name, p, r, f, n in zip(classes, report["precision"], report["recall"], report["f1"], report["support"]):
        lines.append(f"{_pad(name, width)}   {p:.4f}   {r:.4f}  {f:.4f}  {n:>7}")
    worst = min(range(len(classes)), key=lambda i: report["f1"][i])
    lines.append(f"最弱 / weakest class: {classes[worst]} (F1 {report['f1'][worst]:.4f})")
    lines.append("混淆矩阵 / confusion matrix (rows: true class, columns: predicted, in the order above):")
    lines.append(" " * (width + 3) + "".join(f"{n:>6}" for n in range(1, len(classes) + 1)))
    for index, (name, row) in enumerate(zip(classes, report["confusion"])):
        lines.append(f"{index + 1:>2} {_pad(name, width)}" + "".join(f"{v:>6}" for v in row))
    pairs = [
        (report["confusion"][i][j], classes[i], classes[j])
        for i in range(len(classes))
        for j in range(len(classes))
        if i != j and report["confusion"][i][j]
    ]
    for count, true, predicted in sorted(pairs, reverse=True)[:5]:
        lines.append(f"常见混淆 / most confused: {true} → {predicted}: {count}")
    return lines


def holdout(train: Labelled, test: Labelled, report: bool = False) -> list[str]:
    progress.update(description="训练 / fitting", total=2)
    model = TextClassifier().fit(train.docs, train.labels)
    progress.advance()
    predicted = model.predict(test.docs)
    progress.advance()
    lines = [
        f"训练 {len(train.docs)} 条，测试 {len(test.docs)} 条 / trained on {len(train.docs)}, tested on {len(test.docs)}",
        classification_report(test.labels, predicted, digits=4, zero_division=0),
    ]
    lines += _timing_lines([(model.fit_seconds, model.fit_cpu_seconds)], _latencies(model, test.raw))
    if report:
        lines += report_lines(class_report(test.labels, predicted))
    lines.append(
        f"macro_f1={f1_score(test.labels, predicted, average='macro'):.4f} "
        f"accuracy={accuracy_score(test.labels, predicted):.4f}"
    )
    return lines


@dataclass
class CVResult:
    n_groups: int
    f1s: list[float]
    accs: list[float]
    fits: list[tuple[float, float]]  # (wall, CPU) seconds per fold
    latencies: list[tuple[float, float]]
    predicted: list[str]
    fold_sizes: list[tuple[int, int]]

    def summary(self) -> dict:
        return {
            "folds": len(self.f1s),
            "macro_f1": round(float(np.mean(self.f1s)), 4),
            "macro_f1_std": round(float(np.std(self.f1s)), 4),
            "accuracy": round(float(np.mean(self.accs)), 4),
            "fit_seconds": round(float(np.mean([wall for wall, _ in self.fits])), 2),
        }


def run_cv(
    docs: list[list[str]],
    labels: list[str],
    raw: list[tuple[str, str]] | None = None,
    folds: int = 5,
    seed: int = 0,
    group_duplicates: bool = True,
) -> CVResult:
    """Stratified k-fold over near-duplicate groups (or single appeals, ``group_duplicates=False``);
    latencies are measured only when ``raw`` is given."""
    y = np.array(labels)
    groups = duplicate_groups(docs) if group_duplicates else np.arange(len(docs))
    predicted = np.empty(len(y), dtype=object)
    result = CVResult(int(groups.max()) + 1, [], [], [], [], [], [])
    progress.update(description=f"交叉验证 / cross-validation ({folds} folds)", total=folds + 1)
    for train_idx, test_idx in StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(
        y, y, groups
    ):
        model = TextClassifier().fit([docs[i] for i in train_idx], list(y[train_idx]))
        predicted[test_idx] = model.predict([docs[i] for i in test_idx])
        result.f1s.append(float(f1_score(y[test_idx], list(predicted[test_idx]), average="macro")))
        result.accs.append(float(accuracy_score(y[test_idx], list(predicted[test_idx]))))
        result.fits.append((model.fit_seconds, model.fit_cpu_seconds))
        result.fold_sizes.append((len(train_idx), len(test_idx)))
        if raw is not None:
            result.latencies += _latencies(model, [raw[i] for i in test_idx], LATENCY_SAMPLE // folds)
        progress.advance()
    result.predicted = list(predicted)
    return result


def cross_validate(
    data: Labelled, folds: int = 5, seed: int = 0, group_duplicates: bool = True, report: bool = False
) -> list[str]:
    cv = run_cv(data.docs, data.labels, data.raw, folds, seed, group_duplicates)
    grouping = (
        f"{cv.n_groups} groups after joining near-duplicates, cosine ≥ {DUPLICATE_COSINE}"
        if group_duplicates
        else "near-duplicates NOT grouped: copies may sit on both sides of a split"
    )
    lines = [f"{folds} 折分层交叉验证 / stratified {folds}-fold CV on {len(data.labels)} appeals ({grouping})"]
    for number, (f1, acc, (wall, cpu), (n_train, n_test)) in enumerate(zip(cv.f1s, cv.accs, cv.fits, cv.fold_sizes), 1):
        lines.append(
            f"fold {number}: macro_f1={f1:.4f} accuracy={acc:.4f} (train {n_train}, test {n_test}, "
            f"fit {wall:.1f} s wall, {cpu:.1f} s CPU)"
        )
    lines.append(classification_report(data.labels, cv.predicted, digits=4, zero_division=0))
    lines.append(
        f"macro-F1 mean ± std over folds: {np.mean(cv.f1s):.4f} ± {np.std(cv.f1s):.4f}; "
        f"accuracy {np.mean(cv.accs):.4f} ± {np.std(cv.accs):.4f}"
    )
    lines += _timing_lines(cv.fits, cv.latencies)
    if report:
        lines += report_lines(class_report(data.labels, cv.predicted))
    lines.append(f"macro_f1={np.mean(cv.f1s):.4f} accuracy={np.mean(cv.accs):.4f}")
    return lines
