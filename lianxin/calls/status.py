"""The call's pure state machine: ringing → answered → ended, ringing → missed (no framework or DB imports).

``next_status(current, event)`` is the status after the switch reports ``event`` for a call now in
``current`` (``None``: the call is new), or ``None`` when the switch may not report that event then."""

from __future__ import annotations

from lianxin.calls.choices import CallStatus, SwitchEvent

TRANSITIONS: dict[tuple[CallStatus | None, SwitchEvent], CallStatus] = {
    (None, SwitchEvent.RINGING): CallStatus.RINGING,
    (CallStatus.RINGING, SwitchEvent.ANSWERED): CallStatus.ANSWERED,
    (CallStatus.RINGING, SwitchEvent.ENDED): CallStatus.MISSED,
    (CallStatus.ANSWERED, SwitchEvent.ENDED): CallStatus.ENDED,
}
LIVE = (CallStatus.RINGING, CallStatus.ANSWERED)
FINISHED = (CallStatus.ENDED, CallStatus.MISSED)


def next_status(current: CallStatus | None, event: SwitchEvent) -> CallStatus | None:
    return TRANSITIONS.get((current, event))
