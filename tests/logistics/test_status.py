"""The parcel lifecycle table, without a database: every legal pair and every illegal one."""

import pytest

from lianxin.logistics.status import (
    TRANSITIONS,
    IllegalTransition,
    ParcelAction,
    ParcelStatus,
    allowed_actions,
    next_status,
)


@pytest.mark.parametrize(("status", "action"), list(TRANSITIONS))
def test_every_legal_pair(status, action):
    assert next_status(status.value, action.value) == TRANSITIONS[(status, action)]
    assert action in allowed_actions(status)


def test_every_illegal_pair_is_refused_in_both_languages():
    illegal = [(s, a) for s in ParcelStatus for a in ParcelAction if (s, a) not in TRANSITIONS]
    assert illegal
    for status, action in illegal:
        with pytest.raises(IllegalTransition) as caught:
            next_status(status, action)
        assert caught.value.message_zh.startswith("包裹当前状态为")
        assert "cannot" in caught.value.message_en


def test_the_happy_path_and_the_final_states():
    s = ParcelStatus.RECEIVED
    for action in ("plan", "load", "depart", "arrive", "collect"):
        s = next_status(s, action)
    assert s == ParcelStatus.COLLECTED
    assert allowed_actions(ParcelStatus.COLLECTED) == [] == allowed_actions(ParcelStatus.RETURNED)
