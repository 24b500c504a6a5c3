"""The wish state machine: every (status, action) pair is either in the table or refused."""

from __future__ import annotations

import itertools

import pytest

from lianxin.wishes.status import (
    FINAL_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    WishAction,
    WishStatus,
    allowed_actions,
    next_status,
)

S, A = WishStatus, WishAction
EXPECTED = {
    (S.COLLECTED, A.REGISTER): S.REGISTERED,
    (S.COLLECTED, A.REJECT): S.REJECTED,
    (S.COLLECTED, A.FILE): S.ON_FILE,
    (S.COLLECTED, A.CANCEL): S.CANCELLED,
    (S.REGISTERED, A.PUBLISH): S.PUBLISHED,
    (S.REGISTERED, A.REJECT): S.REJECTED,
    (S.REGISTERED, A.FILE): S.ON_FILE,
    (S.REGISTERED, A.CANCEL): S.CANCELLED,
    (S.ON_FILE, A.REOPEN): S.REGISTERED,
    (S.ON_FILE, A.CANCEL): S.CANCELLED,
    (S.PUBLISHED, A.CLAIM): S.CLAIMED,
    (S.PUBLISHED, A.CANCEL): S.CANCELLED,
    (S.CLAIMED, A.RELEASE): S.PUBLISHED,
    (S.CLAIMED, A.START): S.IN_PROGRESS,
    (S.CLAIMED, A.DELIVER): S.DELIVERED,
    (S.IN_PROGRESS, A.RELEASE): S.PUBLISHED,
    (S.IN_PROGRESS, A.DELIVER): S.DELIVERED,
    (S.DELIVERED, A.REDO): S.IN_PROGRESS,
    (S.DELIVERED, A.CONFIRM): S.CONFIRMED,
    (S.CONFIRMED, A.CLOSE): S.CLOSED,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(WishStatus, WishAction)))
def test_every_pair(status, action):
    if (status, action) in EXPECTED:
        assert next_status(status, action) == EXPECTED[(status, action)]
        assert action in allowed_actions(status)
    else:
        with pytest.raises(IllegalTransition) as info:
            next_status(status.value, action.value)
        assert info.value.message_zh and info.value.message_en
        assert action not in allowed_actions(status)


def test_the_table_is_exactly_the_expected_one():
    assert TRANSITIONS == EXPECTED


def test_final_statuses_have_no_way_out_and_every_other_status_is_reachable():
    for status in FINAL_STATUSES:
        assert allowed_actions(status) == []
    reachable = {S.COLLECTED} | set(TRANSITIONS.values())
    assert reachable == set(WishStatus)
