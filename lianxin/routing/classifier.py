"""The appeal text classifier: TF-IDF word unigrams + character bigrams over the whole text, plus
the same two views of its first tokens (the title and opening sentence carry the subject), fed to a
linear SVM with naive-Bayes feature scaling (NBSVM, Wang & Manning 2012: each class's one-vs-rest SVM
sees the features scaled by their log-count ratio for that class) whose scores are calibrated into
probabilities (sigmoid, 3-fold), so a confidence threshold means something. CPU only; fits ~10k
appeals in well under a minute. docs/evaluation.md has the grouped-CV figure of each variant tried.

Input documents are canonical token lists (see ``lianxin.routing.text``), joined with spaces.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from lianxin.errors import InvalidInput

HEAD_TOKENS = 15
SVM_C = 0.5
NB_ALPHA = 1.0  # add-one smoothing of the per-class feature counts
CALIBRATION_FOLDS = 3


class NBLinearSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs over naive-Bayes-scaled features. For class c, r_c = log((p_c/|p_c|₁) /
    (q_c/|q_c|₁)) where p_c and q_c count (with ``alpha`` added) the documents of c and of the other classes
    that hold each feature; the SVM is fitted on X·diag(r_c). Since (X·diag(r_c))·w = X·(r_c∘w), the fitted
    model is a plain linear one: ``coef_[c] = r_c∘w_c``, so prediction costs one sparse product."""

    def __init__(self, C: float = SVM_C, alpha: float = NB_ALPHA) -> None:
        self.C = C
        self.alpha = alpha

    def fit(self, X, y):
        X = sparse.csr_matrix(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        present = X.copy()
        present.data[:] = 1.0
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        coefs, intercepts = [], []
        for label in targets:
            mine = y == label
            p = self.alpha + np.asarray(present[mine].sum(axis=0)).ravel()
            q = self.alpha + np.asarray(present[~mine].sum(axis=0)).ravel()
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            svm = LinearSVC(C=self.C).fit(X @ sparse.diags(ratio), mine.astype(int))
            coefs.append(svm.coef_.ravel() * ratio)
            intercepts.append(svm.intercept_[0])
        self.coef_ = np.vstack(coefs).astype(np.float32)
        self.intercept_ = np.asarray(intercepts, dtype=np.float32)
        self.columns_ = np.ascontiguousarray(self.coef_.T)  # features × classes, as the sparse product wants it
        return self

    def decision_function(self, X):
        scores = np.asarray(sparse.csr_matrix(X, dtype=np.float32) @ self.columns_) + self.intercept_
        return scores.ravel() if len(self.classes_) == 2 else scores

    def predict(self, X):
        scores = self.decision_function(X)
        if len(self.classes_) == 2:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]


def _head(doc: str) -> str:
    return " ".join(doc.split(" ", HEAD_TOKENS)[:HEAD_TOKENS])


def _chars(doc: str) -> str:
    return doc.replace(" ", "")


def _head_chars(doc: str) -> str:
    return _chars(_head(doc))


def _words(preprocessor=None, min_df: int = 1) -> TfidfVectorizer:
    return TfidfVectorizer(
        token_pattern=r"\S+",
        lowercase=False,
        sublinear_tf=True,
        min_df=min_df,
        preprocessor=preprocessor,
        dtype=np.float32,
    )


def _char_bigrams(preprocessor, min_df: int = 1) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(2, 2),
        sublinear_tf=True,
        min_df=min_df,
        preprocessor=preprocessor,
        dtype=np.float32,
    )


def _features(n_docs: int) -> FeatureUnion:
    min_df = 2 if n_docs >= 500 else 1  # rare terms only add noise once there is enough text
    return FeatureUnion(
        [
            ("words", _words(min_df=min_df)),
            ("chars", _char_bigrams(_chars, min_df)),
            ("head_words", _words(_head, min_df)),
            ("head_chars", _char_bigrams(_head_chars, min_df)),
        ],
        transformer_weights={"words": 1.0, "chars": 1.0, "head_words": 0.5, "head_chars": 0.5},
    )


@dataclass
class Prediction:
    label: str
    confidence: float
    words: list[str] = field(default_factory=list)


class TextClassifier:
    """Fit on token lists and labels; predict the top-k labels with confidence and driving words."""

    def __init__(self) -> None:
        self.features: FeatureUnion | None = None
        self.model: CalibratedClassifierCV | None = None
        self.classes: list[str] = []
        self.fit_seconds = 0.0  # wall clock
        self.fit_cpu_seconds = 0.0  # CPU time of this process (what a busy shared machine does not inflate)

    def fit(self, docs: list[list[str]], labels: list[str]) -> TextClassifier:
        started, cpu_started = time.perf_counter(), time.process_time()
        texts = [" ".join(d) for d in docs]
        self.features = _features(len(texts))
        matrix = self.features.fit_transform(texts)
        smallest = int(min(np.unique(labels, return_counts=True)[1]))
        if smallest < 2:
            raise InvalidInput(
                "每个类别至少需要 2 条训练样本", "every class needs at least 2 training examples", field="label"
            )
        folds = min(CALIBRATION_FOLDS, smallest)
        self.model = CalibratedClassifierCV(NBLinearSVC(), cv=folds, method="sigmoid", ensemble=False)
        self.model.fit(matrix, labels)
        self.classes = [str(c) for c in self.model.classes_]
        self.fit_seconds = time.perf_counter() - started
        self.fit_cpu_seconds = time.process_time() - cpu_started
        return self

    def predict(self, docs: list[list[str]]) -> list[str]:
        proba = self.predict_proba(docs)
        return [self.classes[i] for i in proba.argmax(axis=1)]

    def predict_proba(self, docs: list[list[str]]) -> np.ndarray:
        return self.model.predict_proba(self.features.transform([" ".join(d) for d in docs]))

    def top(self, doc: list[str], k: int = 3, n_words: int = 5) -> list[Prediction]:
        row = self.features.transform([" ".join(doc)])
        proba = self.model.predict_proba(row)[0]
        order = np.argsort(-proba)[:k]
        return [Prediction(self.classes[i], float(proba[i]), self._driving_words(row, i, n_words)) for i in order]

    def _driving_words(self, row, class_index: int, n_words: int) -> list[str]:
        """Words whose features push hardest towards the class (tf-idf value × SVM weight, summed per word)."""
        coef = self.model.calibrated_classifiers_[0].estimator.coef_
        coef = coef[0] * (1 if class_index == 1 else -1) if coef.shape[0] == 1 else coef[class_index]
        names = self._feature_names()
        row = row.tocsr()
        scores: dict[str, float] = {}
        for index, value in zip(row.indices, row.data):
            name = names[index]
            block, _, term = name.partition("__")
            if block in ("words", "head_words"):
                scores[term] = scores.get(term, 0.0) + float(value * coef[index])
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        return [term for term, score in ranked[:n_words] if score > 0]

    def _feature_names(self) -> np.ndarray:
        if not hasattr(self, "_names"):
            self._names = self.features.get_feature_names_out()
        return self._names

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        state = {
            "features": self.features,
            "model": self.model,
            "classes": self.classes,
            "fit_seconds": self.fit_seconds,
        }
        joblib.dump(state, buffer, compress=3)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TextClassifier:
        state = joblib.load(io.BytesIO(data))
        clf = cls()
        clf.features, clf.model, clf.classes, clf.fit_seconds = (
            state["features"],
            state["model"],
            state["classes"],
            state["fit_seconds"],
        )
        return clf
