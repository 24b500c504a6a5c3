"""The 办实事 state machines, table-tested without a database: every (status, action) pair."""

from __future__ import annotations

import itertools

import pytest

from lianxin.pledges.status import (
    ITEM_TRANSITIONS,
    LIST_TRANSITIONS,
    IllegalTransition,
    ItemAction,
    ItemStatus,
    ListAction,
    ListStatus,
    allowed_item_actions,
    composite_score,
    diff_versions,
    is_empty_diff,
    next_item_status,
    next_list_status,
    progress_after,
    rollup,
    target_progress,
)

L, LA, IS, IA = ListStatus, ListAction, ItemStatus, ItemAction

LIST_TABLE = {
    (L.DRAFT, LA.APPROVE): L.APPROVED,
    (L.APPROVED, LA.REVISE): L.DRAFT,
    (L.APPROVED, LA.PUBLISH): L.PUBLISHED,
    (L.PUBLISHED, LA.PUBLISH): L.PUBLISHED,
    (L.PUBLISHED, LA.ARCHIVE): L.ARCHIVED,
}

ITEM_TABLE = {
    (IS.PLANNED, IA.START): IS.IN_PROGRESS,
    (IS.PLANNED, IA.REPORT): IS.IN_PROGRESS,
    (IS.IN_PROGRESS, IA.REPORT): IS.IN_PROGRESS,
    (IS.DELAYED, IA.REPORT): IS.DELAYED,
    (IS.PLANNED, IA.MARK_DELAYED): IS.DELAYED,
    (IS.IN_PROGRESS, IA.MARK_DELAYED): IS.DELAYED,
    (IS.PLANNED, IA.SUSPEND): IS.SUSPENDED,
    (IS.IN_PROGRESS, IA.SUSPEND): IS.SUSPENDED,
    (IS.DELAYED, IA.SUSPEND): IS.SUSPENDED,
    (IS.SUSPENDED, IA.RESUME): IS.IN_PROGRESS,
    (IS.PLANNED, IA.COMPLETE): IS.COMPLETED,
    (IS.IN_PROGRESS, IA.COMPLETE): IS.COMPLETED,
    (IS.DELAYED, IA.COMPLETE): IS.COMPLETED,
    (IS.COMPLETED, IA.REOPEN): IS.IN_PROGRESS,
    (IS.PLANNED, IA.CANCEL): IS.CANCELLED,
    (IS.IN_PROGRESS, IA.CANCEL): IS.CANCELLED,
    (IS.DELAYED, IA.CANCEL): IS.CANCELLED,
    (IS.SUSPENDED, IA.CANCEL): IS.CANCELLED,
}


def test_the_tables_are_exactly_the_documented_ones():
    assert LIST_TRANSITIONS == LIST_TABLE
    assert ITEM_TRANSITIONS == ITEM_TABLE


@pytest.mark.parametrize(("status", "action"), list(itertools.product(L, LA)))
def test_every_list_pair(status, action):
    if (status, action) in LIST_TABLE:
        assert next_list_status(status, action) == LIST_TABLE[(status, action)]
    else:
        with pytest.raises(IllegalTransition) as err:
            next_list_status(status, action)
        assert err.value.http_status == 409 and err.value.message_zh and err.value.message_en


@pytest.mark.parametrize(("status", "action"), list(itertools.product(IS, IA)))
def test_every_item_pair(status, action):
    if (status, action) in ITEM_TABLE:
        assert next_item_status(status.value, action.value) == ITEM_TABLE[(status, action)]
        assert action in allowed_item_actions(status)
    else:
        with pytest.raises(IllegalTransition):
            next_item_status(status, action)
        assert action not in allowed_item_actions(status)


def test_unknown_names_are_illegal_not_crashes():
    with pytest.raises(IllegalTransition):
        next_list_status("draft", "explode")
    with pytest.raises(IllegalTransition):
        next_item_status("nonsense", "start")


def test_cancelled_and_archived_are_dead_ends():
    assert not allowed_item_actions(IS.CANCELLED)
    assert all(s != L.ARCHIVED for s, _ in LIST_TABLE)


@pytest.mark.parametrize(
    ("status", "current", "expected"),
    [
        (IS.PLANNED, 40, 0),
        (IS.COMPLETED, 40, 100),
        (IS.IN_PROGRESS, 40, 40),
        (IS.DELAYED, 55, 55),
        (IS.CANCELLED, 30, 30),
    ],
)
def test_default_progress_per_status(status, current, expected):
    assert progress_after(status, current) == expected


@pytest.mark.parametrize(
    ("children", "expected"),
    [
        ([], None),
        ([(1, 100, "completed"), (1, 0, "planned")], 50),
        ([(3, 100, "completed"), (1, 0, "planned")], 75),
        ([(1, 100, "completed"), (5, 0, "cancelled")], 100),  # a cancelled child drops out
        ([(0, 100, "completed"), (1, 20, "in_progress")], 20),  # weight 0 drops out
        ([(1, 0, "cancelled")], None),
    ],
)
def test_weighted_rollup(children, expected):
    assert rollup(children) == expected


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "expected"),
    [
        (100, 22, 100, 0),
        (100, 22, 61, 50),
        (100, 22, 22, 100),
        (100, 22, 10, 100),  # a fall (algae −78 %)
        (0, 40, 10, 25),
        (None, 40, 40, 100),
        (0, 40, None, None),
        (5, 5, 5, 100),
        (5, 5, 4, 0),
        (0, 10, -3, 0),
    ],
)
def test_target_progress_both_directions(baseline, target, actual, expected):
    assert target_progress(baseline, target, actual) == expected


def test_diff_versions_names_added_removed_and_changed_fields():
    before = {"1": {"title": "修路", "due_on": "2026-06-30"}, "2": {"title": "装灯"}}
    after = {"1": {"title": "修路", "due_on": "2026-09-30"}, "3": {"title": "建公厕"}}
    diff = diff_versions(before, after)
    assert diff == {"added": ["3"], "removed": ["2"], "changed": {"1": {"due_on": ["2026-06-30", "2026-09-30"]}}}
    assert not is_empty_diff(diff)
    assert is_empty_diff(diff_versions(after, after))


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"self": 90, "public": 80, "review": 70}, 78.0),
        ({"self": 90, "public": None, "review": None}, 90.0),
        ({"self": None, "public": None, "review": None}, None),
    ],
)
def test_composite_score_uses_weights_as_data(scores, expected):
    assert composite_score(scores, {"self": 20, "public": 40, "review": 40}) == expected
    assert composite_score({"self": 90, "public": 50}, {"self": 0, "public": 1}) == 50.0
