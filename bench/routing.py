"""Routing model figures on the Teddy Cup 2020 data (read from ../shared/data/teddy2020 at run time).

    python bench/routing.py [--data DIR] [--folds 5] [--plain]
    python bench/routing.py --variants all | NAME[,NAME…]

Prints what ``lianxin eval routing --train appeals_train.csv --train appeals_tokens.csv`` prints:
stratified 5-fold CV with near-duplicate appeals kept in one fold (the honest figure for appeals the
model has never seen), per-class precision/recall/F1, training time and single-appeal latency (wall
and CPU). ``--plain`` adds the same CV without grouping duplicates (copies of one appeal may then
sit on both sides of a split, as in published random splits), for comparison only. It then reports
the size and load time of the serialized model trained on everything. Skips with a message when the
data is absent.

``--variants`` instead re-measures the alternatives to the served model that docs/evaluation.md lists
(per-class decision offsets, other calibrations, a second model averaged in, feature and weighting
variants), each on the same grouped 5-fold split as ``lianxin eval routing --group-duplicates``; every
choice a variant tunes is tuned on inner folds of the training part.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from lianxin.config import get_settings
from lianxin.routing import classifier
from lianxin.routing.classifier import TextClassifier
from lianxin.routing.evaluate import cross_validate, duplicate_groups, read_labelled

# --- variants (``--variants``): alternatives measured against the served model, kept or not -------------
# Every variant is scored on the outer grouped folds of ``run_cv``; whatever it tunes (offsets, a blend
# weight, a calibration) it tunes on out-of-fold scores of the training part alone.

GREETINGS = frozenset("尊敬 领导 您好 你好 市长 书记 县长 区长 厅长 局长 谢谢 感谢 请问 恳请 希望 麻烦".split())
PLACE_CODE = re.compile(r"^[A-Z]\d{0,2}$")  # the anonymised place names: A市, A3区, L6县 → "A", "A3", "L6"
NUMBER = re.compile(r"^\d+(\.\d+)?$")


class Fold:
    """One outer fold: its texts, labels and duplicate groups, and a memo of what several variants share."""

    def __init__(self, texts: np.ndarray, y: np.ndarray, groups: np.ndarray, train, test) -> None:
        self.train_texts, self.test_texts = list(texts[train]), list(texts[test])
        self.y, self.groups, self.y_test = y[train], groups[train], y[test]
        self.classes = np.unique(self.y)
        self.memo: dict = {}

    def matrices(self, features=None):
        """Train and test matrices of the served features (memoised), or of ``features(n_docs)``."""
        if features is None and "X" in self.memo:
            return self.memo["X"]
        union = (features or classifier._features)(len(self.train_texts))
        pair = union.fit_transform(self.train_texts), union.transform(self.test_texts)
        if features is None:
            self.memo["X"] = pair
        return pair

    def oof(self, key: str, scores, grouped: bool, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """(out-of-fold scores on the training part over k inner folds, test scores of a fit on all of it)."""
        if key not in self.memo:
            X, X_test = self.matrices()
            inner = (
                StratifiedGroupKFold(k, shuffle=True, random_state=0).split(self.y, self.y, self.groups)
                if grouped
                else StratifiedKFold(k).split(self.y, self.y)  # what CalibratedClassifierCV(cv=k) uses
            )
            S = np.zeros((len(self.y), len(self.classes)))
            for a, b in inner:
                S[b] = scores(X[a], self.y[a], X[b])
            self.memo[key] = S, scores(X, self.y, X_test)
        return self.memo[key]


def _nbsvm(X, y, X_test, weights=None, loss="squared_hinge", tfidf_ratio=False, clip=None):
    """NBLinearSVC's decision scores, with the knobs some variants turn (sample weights, loss, ratio)."""
    X = sparse.csr_matrix(X)
    weights = np.ones(len(y)) if weights is None else weights
    present = X.copy()
    if not tfidf_ratio:
        present.data[:] = 1.0
    coefs, intercepts = [], []
    for label in np.unique(y):
        mine = y == label
        p = classifier.NB_ALPHA + np.asarray(present[mine].T @ weights[mine]).ravel()
        q = classifier.NB_ALPHA + np.asarray(present[~mine].T @ weights[~mine]).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        if clip:
            ratio = np.clip(ratio, -clip, clip)
        svm = LinearSVC(C=classifier.SVM_C, loss=loss, max_iter=3000)
        svm.fit(X @ sparse.diags(ratio), mine.astype(int), sample_weight=weights)
        coefs.append(svm.coef_.ravel() * ratio)
        intercepts.append(svm.intercept_[0])
    return np.asarray(X_test @ np.vstack(coefs).T) + np.asarray(intercepts)


def _sigmoid(S: np.ndarray, y: np.ndarray, classes: np.ndarray):
    """Per-class sigmoid calibration fitted on scores S, normalised to sum to one (as CalibratedClassifierCV)."""
    maps = [_SigmoidCalibration().fit(S[:, c], (y == label).astype(int)) for c, label in enumerate(classes)]

    def calibrated(T: np.ndarray) -> np.ndarray:
        P = np.column_stack([m.predict(T[:, c]) for c, m in enumerate(maps)])
        return P / P.sum(axis=1, keepdims=True)

    return calibrated


def _isotonic(S: np.ndarray, y: np.ndarray, classes: np.ndarray):
    maps = [
        IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(S[:, c], (y == label).astype(float))
        for c, label in enumerate(classes)
    ]
    return lambda T: np.column_stack([m.predict(T[:, c]) for c, m in enumerate(maps)]) + 1e-9


def _offsets(S: np.ndarray, y: np.ndarray, classes: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Per-class additive offsets maximising macro-F1 of argmax(S + b): coordinate ascent, ≤ 3 passes."""
    truth = np.searchsorted(classes, y)
    best_b = np.zeros(S.shape[1])
    best = f1_score(truth, S.argmax(axis=1), average="macro")
    for _ in range(3):
        improved = False
        for c in range(S.shape[1]):
            for value in grid:
                b = best_b.copy()
                b[c] = value
                score = f1_score(truth, (S + b).argmax(axis=1), average="macro")
                if score > best + 1e-9:
                    best, best_b, improved = score, b, True
        if not improved:
            break
    return best_b


def _served(fold: Fold) -> np.ndarray:
    X, X_test = fold.matrices()
    model = CalibratedClassifierCV(classifier.NBLinearSVC(), cv=3, method="sigmoid", ensemble=False)
    return model.fit(X, fold.y).predict(X_test)


def _plain_oof(fold: Fold, k: int = 3):
    return fold.oof(f"plain{k}", _nbsvm, grouped=False, k=k)


def _grouped_oof(fold: Fold):
    return fold.oof("grouped", _nbsvm, grouped=True)


def _uncalibrated(fold: Fold, **knobs) -> np.ndarray:
    X, X_test = fold.matrices()
    return fold.classes[_nbsvm(X, fold.y, X_test, **knobs).argmax(axis=1)]


def _offsets_variant(space: str):
    def variant(fold: Fold) -> np.ndarray:
        S, T = _grouped_oof(fold)
        if space == "raw":
            b = _offsets(S, fold.y, fold.classes, np.linspace(-0.5, 0.5, 41))
            return fold.classes[(T + b).argmax(axis=1)]
        calibrated = _sigmoid(S, fold.y, fold.classes)
        PS, PT = calibrated(S), calibrated(T)
        if space == "log":
            PS, PT = np.log(PS), np.log(PT)
        grid = np.linspace(-1, 1, 41) if space == "log" else np.linspace(-0.3, 0.3, 25)
        b = _offsets(PS, fold.y, fold.classes, grid) if space != "none" else 0.0
        return fold.classes[(PT + b).argmax(axis=1)]

    return variant


def _calibration_variant(method: str, k: int = 3, C: float = 1.0):
    def variant(fold: Fold) -> np.ndarray:
        S, T = _plain_oof(fold, k)
        if method == "stacker":
            return LogisticRegression(C=C, max_iter=1000).fit(S, fold.y).predict(T)
        calibrate = _isotonic if method == "isotonic" else _sigmoid
        return fold.classes[calibrate(S, fold.y, fold.classes)(T).argmax(axis=1)]

    return variant


def _second_model(name: str):
    if name == "cnb":
        return lambda X, y, X_test: ComplementNB(alpha=0.3).fit(X, y).predict_log_proba(X_test)
    sgd = dict(loss="modified_huber", alpha=2e-5, max_iter=30, tol=1e-4, random_state=0)
    return lambda X, y, X_test: SGDClassifier(**sgd).fit(X, y).decision_function(X_test)


def _blend_variant(name: str, fixed: float | None = None):
    """Calibrated NBSVM averaged with a calibrated second model over the same features, (1-w)·P1 + w·P2,
    w tuned (0, 0.1, …, 1) for macro-F1 on grouped inner folds (or ``fixed``)."""

    def variant(fold: Fold) -> np.ndarray:
        S1, T1 = _grouped_oof(fold)
        S2, T2 = fold.oof(name, _second_model(name), grouped=True)
        c1, c2 = _sigmoid(S1, fold.y, fold.classes), _sigmoid(S2, fold.y, fold.classes)
        if fixed is None:
            truth = np.searchsorted(fold.classes, fold.y)
            tried = [
                (f1_score(truth, ((1 - w) * c1(S1) + w * c2(S2)).argmax(axis=1), average="macro"), -w)
                for w in np.linspace(0, 1, 11)
            ]
            w = -max(tried)[1]  # ties go to the smaller weight
        else:
            w = fixed
        return fold.classes[((1 - w) * c1(T1) + w * c2(T2)).argmax(axis=1)]

    return variant


def _alone_variant(name: str):
    """The second model alone (its raw scores over the served features)."""

    def variant(fold: Fold) -> np.ndarray:
        _, T = fold.oof(name, _second_model(name), grouped=True)
        return fold.classes[T.argmax(axis=1)]

    return variant


def _features_variant(preprocess=None, weights=None, **params):
    """Uncalibrated NBSVM over the served features with one change: a token filter before every view,
    other block weights, or vectoriser parameters (``block__param``, block ``all`` for every block)."""

    def features(n_docs: int):
        union = classifier._features(n_docs)
        for name, vectoriser in union.transformer_list:
            for key, value in params.items():
                block, _, param = key.partition("__")
                if block in ("all", name):
                    vectoriser.set_params(**{param: value})
            if preprocess is not None:
                inner = vectoriser.preprocessor
                vectoriser.set_params(preprocessor=(lambda d, f=inner: f(preprocess(d))) if inner else preprocess)
        if weights:
            union.set_params(transformer_weights=weights)
        return union

    def variant(fold: Fold) -> np.ndarray:
        X, X_test = fold.matrices(features)
        return fold.classes[_nbsvm(X, fold.y, X_test).argmax(axis=1)]

    return variant


def _dedup_variant(power: float):
    """Uncalibrated NBSVM with each appeal weighted (1 / its near-duplicate group's size in training)^power."""

    def variant(fold: Fold) -> np.ndarray:
        _, index, counts = np.unique(fold.groups, return_inverse=True, return_counts=True)
        weights = (1.0 / counts[index]) ** power
        return _uncalibrated(fold, weights=weights * len(weights) / weights.sum())

    return variant


def _head(n: int):
    return lambda doc: " ".join(doc.split(" ", n)[:n])


def _tokens_map(f):
    return lambda doc: " ".join(t for t in (f(t) for t in doc.split(" ")) if t)


VARIANTS = {
    "served": _served,
    "uncalibrated": _uncalibrated,
    "offsets-raw": _offsets_variant("raw"),
    "grouped-calibration": _offsets_variant("none"),
    "offsets-prob": _offsets_variant("prob"),
    "offsets-logprob": _offsets_variant("log"),
    "isotonic": _calibration_variant("isotonic"),
    "sigmoid-cv5": _calibration_variant("sigmoid", k=5),
    **{f"stacker-cv{k}-C{C:g}": _calibration_variant("stacker", k, C) for k in (3, 5) for C in (0.1, 1.0, 10.0)},
    "cnb-alone": _alone_variant("cnb"),
    "sgd-alone": _alone_variant("sgd"),
    "cnb-blend": _blend_variant("cnb"),
    "cnb-blend-0.3": _blend_variant("cnb", 0.3),
    "sgd-blend": _blend_variant("sgd"),
    "sgd-blend-0.3": _blend_variant("sgd", 0.3),
    "word-bigrams": _features_variant(words__ngram_range=(1, 2), head_words__ngram_range=(1, 2)),
    "place-number-tokens": _features_variant(
        _tokens_map(lambda t: "地名" if PLACE_CODE.match(t) else "数字" if NUMBER.match(t) else t)
    ),
    "strip-greetings": _features_variant(_tokens_map(lambda t: "" if t in GREETINGS else t)),
    "char-wb": _features_variant(
        chars__analyzer="char_wb",
        chars__preprocessor=None,
        head_chars__analyzer="char_wb",
        head_chars__preprocessor=classifier._head,
    ),
    "min-df-3": _features_variant(all__min_df=3),
    "max-df-0.3": _features_variant(all__max_df=0.3),
    "words-0.7": _features_variant(weights={"words": 0.7, "chars": 1.0, "head_words": 0.35, "head_chars": 0.5}),
    "head-25": _features_variant(
        head_words__preprocessor=_head(25), head_chars__preprocessor=lambda d: _head(25)(d).replace(" ", "")
    ),
    "head-8": _features_variant(
        head_words__preprocessor=_head(8), head_chars__preprocessor=lambda d: _head(8)(d).replace(" ", "")
    ),
    "dedup-weights-1": _dedup_variant(1.0),
    "dedup-weights-0.5": _dedup_variant(0.5),
    "hinge": lambda fold: _uncalibrated(fold, loss="hinge"),
    "tfidf-ratio": lambda fold: _uncalibrated(fold, tfidf_ratio=True),
    "ratio-clip-2": lambda fold: _uncalibrated(fold, clip=2.0),
}


def measure(data, names: str, folds: int = 5) -> int:
    """Grouped k-fold macro-F1 (mean over folds, as ``lianxin eval routing``) of each named variant."""
    chosen = list(VARIANTS) if names == "all" else [n.strip() for n in names.split(",")]
    unknown = [n for n in chosen if n not in VARIANTS]
    if unknown:
        print(f"unknown variants: {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
        return 2
    y = np.array(data.labels)
    texts = np.array([" ".join(d) for d in data.docs], dtype=object)
    groups = duplicate_groups(data.docs)
    splits = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0).split(y, y, groups)
    outer = [Fold(texts, y, groups, train, test) for train, test in splits]
    for name in chosen:
        started = time.process_time()
        f1s = [f1_score(fold.y_test, VARIANTS[name](fold), average="macro") for fold in outer]
        print(
            f"{name}: grouped {folds}-fold macro-F1 {np.mean(f1s):.4f} ± {np.std(f1s):.4f} "
            f"(folds {' '.join(f'{v:.4f}' for v in f1s)}; {time.process_time() - started:.0f} s CPU)",
            flush=True,
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=get_settings().demo_data_dir)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--plain", action="store_true", help="also cross-validate without grouping duplicates")
    parser.add_argument("--variants", help="measure these variants (comma-separated, or all) instead")
    args = parser.parse_args()
    files = [args.data / "appeals_train.csv", args.data / "appeals_tokens.csv"]
    if not all(f.is_file() for f in files):
        print(f"skipped: Teddy 2020 data not found in {args.data}")
        return 0
    data = read_labelled(files, "label_l1")
    if args.variants:
        return measure(data, args.variants, args.folds)
    print("\n".join(cross_validate(data, args.folds)))
    if args.plain:
        print("\n--- without grouping near-duplicates (comparison with random splits) ---")
        print("\n".join(cross_validate(data, args.folds, group_duplicates=False)))
    model = TextClassifier().fit(data.docs, data.labels)
    blob = model.to_bytes()
    started = time.perf_counter()
    TextClassifier.from_bytes(blob)
    print(
        f"\nfull model: {len(data.docs)} appeals, fit {model.fit_seconds:.1f} s wall / {model.fit_cpu_seconds:.1f} s CPU, "
        f"{len(blob) / 1e6:.1f} MB serialized, loads in {time.perf_counter() - started:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
