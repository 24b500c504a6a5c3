"""Every (status, action) pair of the sign-up state machine, without a database."""

from __future__ import annotations

import pytest

from lianxin.volunteers.status import (
    TRANSITIONS,
    EnrollmentAction,
    EnrollmentStatus,
    IllegalTransition,
    allowed_actions,
    next_status,
)

PAIRS = [(s, a) for s in EnrollmentStatus for a in EnrollmentAction]


@pytest.mark.parametrize(("status", "action"), PAIRS)
def test_every_pair(status, action):
    if (status, action) in TRANSITIONS:
        assert next_status(status, action) == TRANSITIONS[(status, action)]
        assert action in allowed_actions(status)
    else:
        with pytest.raises(IllegalTransition):
            next_status(status, action)


def test_only_a_checked_out_sign_up_can_be_confirmed_and_final_states_are_final():
    assert [s for (s, a) in TRANSITIONS if a == EnrollmentAction.CONFIRM] == [EnrollmentStatus.CHECKED_OUT]
    for final in (EnrollmentStatus.CONFIRMED, EnrollmentStatus.CANCELLED, EnrollmentStatus.ABSENT):
        assert allowed_actions(final) == []
