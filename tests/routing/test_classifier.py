"""The NBSVM estimator behind the category suggestion: naive-Bayes-scaled one-vs-rest SVMs folded into one
linear model, on two and on several classes."""

from __future__ import annotations

import random

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC

from lianxin.routing.classifier import NBLinearSVC, TextClassifier
from lianxin.routing.text import tokenize
from tests.routing.synthetic import rows


def counts():
    X = sparse.random(60, 40, density=0.2, random_state=4, format="lil", dtype=np.float32)
    y = np.array(["甲", "乙", "丙"] * 20)
    for column, label in enumerate(("甲", "乙", "丙")):  # feature 0 marks 甲, 1 marks 乙, 2 marks 丙
        for row in np.where(y == label)[0]:
            X[row, column] = 1.0
    return sparse.csr_matrix(X), y


def test_the_folded_model_equals_an_svm_on_features_scaled_by_the_log_count_ratio():
    X, y = counts()
    model = NBLinearSVC(C=0.5).fit(X, y)
    assert list(model.classes_) == ["丙", "乙", "甲"]
    present = X.copy()
    present.data[:] = 1.0
    mine = y == "甲"
    p = 1.0 + np.asarray(present[mine].sum(axis=0)).ravel()
    q = 1.0 + np.asarray(present[~mine].sum(axis=0)).ravel()
    ratio = np.log((p / p.sum()) / (q / q.sum()))
    scaled = X @ sparse.diags(ratio)
    svm = LinearSVC(C=0.5).fit(scaled, mine.astype(int))
    np.testing.assert_allclose(model.decision_function(X)[:, 2], svm.decision_function(scaled), rtol=1e-4, atol=1e-4)
    assert ratio[0] > 0 > ratio[1]  # feature 0 speaks for 甲, feature 1 against it
    assert (model.predict(X) == y).mean() > 0.95


def test_two_classes_give_one_row_of_weights_and_a_flat_decision():
    X, y = counts()
    keep = y != "丙"
    model = NBLinearSVC().fit(X[keep], y[keep])
    assert model.coef_.shape == (1, 40) and model.decision_function(X[keep]).shape == (int(keep.sum()),)
    assert (model.predict(X[keep]) == y[keep]).mean() > 0.95


def test_the_text_classifier_learns_topics_keeps_calibrated_probabilities_and_round_trips():
    data = rows(random.Random(7), 40)
    clf = TextClassifier().fit([tokenize(text) for text, _ in data], [topic for _, topic in data])
    test = rows(random.Random(8), 10)
    predicted = clf.predict([tokenize(text) for text, _ in test])
    assert sum(p == topic for p, (_, topic) in zip(predicted, test)) / len(test) > 0.9
    top = clf.top(tokenize("路口的路灯晚上不亮，一片漆黑"), k=3)
    assert top[0].label == "路灯" and top[0].confidence > top[1].confidence and "路灯" in top[0].words
    assert abs(sum(p.confidence for p in top) - 1.0) < 1e-6
    again = TextClassifier.from_bytes(clf.to_bytes())
    assert again.top(tokenize("楼下工地夜里打桩，噪声扰民"))[0].label == "噪声"
