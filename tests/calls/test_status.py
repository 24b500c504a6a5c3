"""The call's state machine, every pair (no database)."""

from __future__ import annotations

import pytest

from lianxin.calls.choices import CallStatus, SwitchEvent
from lianxin.calls.status import next_status

LEGAL = {
    (None, SwitchEvent.RINGING): CallStatus.RINGING,
    (CallStatus.RINGING, SwitchEvent.ANSWERED): CallStatus.ANSWERED,
    (CallStatus.RINGING, SwitchEvent.ENDED): CallStatus.MISSED,
    (CallStatus.ANSWERED, SwitchEvent.ENDED): CallStatus.ENDED,
}


@pytest.mark.parametrize("current", [None, *CallStatus])
@pytest.mark.parametrize("event", list(SwitchEvent))
def test_every_pair(current, event):
    assert next_status(current, event) == LEGAL.get((current, event))
