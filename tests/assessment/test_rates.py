"""Rates worked out by hand for a scenario built through the real verbs, before and after folding,
and after an approved exclusion."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.assessment.exclusions import decide_exclusion, request_exclusion
from lianxin.stats.fold import fold_now
from lianxin.stats.rates import Weights, compute_rates
from lianxin.stats.rollups import forget_live, rollup_sums, unit_tree
from tests.assessment.scenario import build

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def street_counts(db, city):
    forget_live(db)
    units = unit_tree(db, city.jid).subtree(city.units["street"].id)
    sums = rollup_sums(db, city.jid, *MARCH, unit_ids=units, assessed_only=True)
    return sums[(None, None)]


def test_compute_rates_by_hand_with_the_default_weights():
    counts = {
        "visits_valid": 4,
        "visits_responded": 3,
        "visits_solved": 2,
        "visits_satisfied": 1,
        "visits_basic": 2,
        "visits_unsatisfied": 1,
        "signed": 6,
        "signed_on_time": 5,
    }
    rates = compute_rates(counts)
    assert rates["response_rate"] == pytest.approx(0.75)
    assert rates["resolution_rate"] == pytest.approx(0.5)
    assert rates["satisfaction_rate"] == pytest.approx((1 + 0.9 * 2) / 4)
    assert rates["composite"] == pytest.approx(0.1 * 0.75 + 0.5 * 0.5 + 0.4 * 0.7)
    assert rates["sign_on_time_rate"] == pytest.approx(5 / 6)
    assert rates["close_on_time_rate"] is None and rates["return_rate"] is None


def test_custom_weights_change_the_composite_and_basic_satisfaction():
    counts = {"visits_valid": 2, "visits_responded": 2, "visits_solved": 1, "visits_basic": 2}
    rates = compute_rates(counts, Weights(response=0.3, resolution=0.35, satisfaction=0.35, basic=0.5))
    assert rates["satisfaction_rate"] == pytest.approx(0.5)
    assert rates["composite"] == pytest.approx(0.3 * 1 + 0.35 * 0.5 + 0.35 * 0.5)


@pytest.mark.parametrize("folded", [False, True], ids=["live-delta", "folded"])
def test_scenario_rates_for_the_street(db, city, clock, folded):
    build(db, city, clock)
    if folded:
        assert fold_now(db) > 0
    counts = street_counts(db, city)
    # valid visits: a1..a4 (a5 not reached, a6 judged unreasonable)
    assert counts["visits_valid"] == 4
    assert counts["visits_responded"] == 3  # a3's first contact was late
    assert counts["visits_solved"] == 2
    assert (counts["visits_satisfied"], counts["visits_basic"], counts["visits_unsatisfied"]) == (1, 2, 1)
    assert (counts["signed"], counts["signed_on_time"]) == (6, 5)
    assert (counts["replied"], counts["replied_on_time"]) == (6, 5)
    assert counts["dispatched"] == 7 and counts["returns"] == 1
    assert counts["reopens"] == 1  # a3
    assert counts["closed"] == 4  # a1, a2, a4, a6
    rates = compute_rates(counts)
    assert rates["composite"] == pytest.approx(0.605)
    assert rates["return_rate"] == pytest.approx(1 / 7)
    assert rates["reopen_rate"] == pytest.approx(1 / 6)


@pytest.mark.parametrize("fold_before", [False, True], ids=["excluded-before-fold", "excluded-after-fold"])
def test_an_approved_exclusion_leaves_every_rate(db, city, clock, fold_before):
    s = build(db, city, clock)
    if fold_before:
        fold_now(db)
    request = request_exclusion(
        db,
        s.appeals["a1"],
        actor=city.users["street_handler"],
        reason="objective_constraint",
        explanation="受施工条件限制，暂无法彻底解决",
    )
    assert street_counts(db, city)["visits_valid"] == 4  # a pending request changes nothing
    decide_exclusion(db, request, actor=city.users["dispatcher"], approve=True)
    fold_now(db)
    counts = street_counts(db, city)
    assert counts["visits_valid"] == 3 and counts["visits_responded"] == 2 and counts["visits_solved"] == 1
    assert counts["signed"] == 5 and counts["dispatched"] == 6
    rates = compute_rates(counts)
    assert rates["satisfaction_rate"] == pytest.approx(0.9 * 2 / 3)
    assert rates["composite"] == pytest.approx(0.1 * 2 / 3 + 0.5 * 1 / 3 + 0.4 * 0.6)
    # volumes still count the excluded appeal
    forget_live(db)
    units = unit_tree(db, city.jid).subtree(city.units["street"].id)
    assert rollup_sums(db, city.jid, *MARCH, unit_ids=units)[(None, None)]["dispatched"] == 7
