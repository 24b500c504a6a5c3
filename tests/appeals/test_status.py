"""The appeal state machine: every (status, action) pair, checked against a table written out here
by hand from the lifecycle rules in DESIGN.md (not read back from ``TRANSITIONS``)."""

from __future__ import annotations

import re

import pytest

from lianxin.appeals.status import (
    ACTION_LABELS_ZH,
    EVENT_KINDS,
    EVENT_LABELS_ZH,
    OPEN,
    PUBLIC_EVENT_KINDS,
    STATUS_LABELS,
    TERMINAL,
    TRANSITIONS,
    Action,
    AppealStatus,
    IllegalTransition,
    allowed_actions,
    next_status,
)
from lianxin.errors import Conflict

# Statuses spelled out as strings so the expected table does not reuse the module's own sets.
RECEIVED, DISPATCHED, IN_PROGRESS, REPLIED, CLOSED = "received", "dispatched", "in_progress", "replied", "closed"
DEFERRED, NOT_ACCEPTED, MERGED, TERMINATED = "deferred", "not_accepted", "merged", "terminated"
ALL = {RECEIVED, DISPATCHED, IN_PROGRESS, REPLIED, CLOSED, DEFERRED, NOT_ACCEPTED, MERGED, TERMINATED}
SAME = "same"  # the action keeps the status

# action -> (statuses it may start from, resulting status)
LIFECYCLE: dict[str, tuple[set[str], str]] = {
    # the operator answers at once, or refuses with a reason code, or the dispatcher sends it out
    "direct_answer": ({RECEIVED}, REPLIED),
    "not_accept": ({RECEIVED}, NOT_ACCEPTED),
    "dispatch": ({RECEIVED}, DISPATCHED),
    # a unit holds it (before or after signing): it can be sent elsewhere and the clock restarts
    "redispatch": ({DISPATCHED, IN_PROGRESS}, DISPATCHED),
    "sign": ({DISPATCHED}, IN_PROGRESS),
    "contact": ({IN_PROGRESS}, SAME),
    # 退单 / 派单异议 go back to the dispatcher; approval returns it to the dispatch queue
    "request_return": ({DISPATCHED, IN_PROGRESS}, SAME),
    "approve_return": ({DISPATCHED, IN_PROGRESS}, RECEIVED),
    "reject_return": ({DISPATCHED, IN_PROGRESS}, SAME),
    # 延期 only while being handled
    "request_extension": ({IN_PROGRESS}, SAME),
    "approve_extension": ({IN_PROGRESS}, SAME),
    "reject_extension": ({IN_PROGRESS}, SAME),
    # 挂账 → 复核 → 销账 (which is a reply)
    "defer": ({IN_PROGRESS}, DEFERRED),
    "review_deferral": ({DEFERRED}, SAME),
    "clear_deferral": ({DEFERRED}, REPLIED),
    # pressure while a unit holds the appeal (dispatched, in progress or deferred)
    "supervise": ({DISPATCHED, IN_PROGRESS, DEFERRED}, SAME),
    "urge": ({DISPATCHED, IN_PROGRESS, DEFERRED}, SAME),
    "whistle": ({IN_PROGRESS}, SAME),
    "report": ({DISPATCHED, IN_PROGRESS, DEFERRED}, SAME),
    "reply": ({IN_PROGRESS}, REPLIED),
    # after the reply: return visit, reopen on dissatisfaction, close
    "record_visit": ({REPLIED}, SAME),
    "reopen": ({REPLIED}, IN_PROGRESS),
    # a reopened appeal that no unit ever held (answered directly) goes back to the dispatch queue
    "requeue": ({REPLIED}, RECEIVED),
    "close": ({REPLIED}, CLOSED),
    # merging only before a reply; termination of anything still open except a reply awaiting its visit
    "merge": ({RECEIVED, DISPATCHED, IN_PROGRESS}, MERGED),
    "terminate": ({RECEIVED, DISPATCHED, IN_PROGRESS, DEFERRED}, TERMINATED),
    # the overdue sweep only while the handling clock runs
    "mark_overdue": ({DISPATCHED, IN_PROGRESS}, SAME),
    # internal notes at any time, even on closed appeals
    "note": (ALL, SAME),
    # the centre corrects the problem category until the end, even after closing (statistics, routing labels)
    "recategorize": ({RECEIVED, DISPATCHED, IN_PROGRESS, REPLIED, DEFERRED, CLOSED}, SAME),
}


def expected(status: str, action: str) -> str | None:
    sources, target = LIFECYCLE[action]
    if status not in sources:
        return None
    return status if target == SAME else target


GRID = [(s, a) for s in AppealStatus for a in Action]


@pytest.mark.parametrize(("status", "action"), GRID, ids=[f"{s.value}-{a.value}" for s, a in GRID])
def test_every_status_and_action_pair_is_either_a_listed_transition_or_an_illegal_one(status, action):
    want = expected(status.value, action.value)
    if want is not None:
        assert TRANSITIONS[(status, action)] == AppealStatus(want)
        assert next_status(status.value, action.value) == AppealStatus(want)
    else:
        assert (status, action) not in TRANSITIONS
        with pytest.raises(IllegalTransition) as caught:
            next_status(status, action)
        error = caught.value
        assert isinstance(error, Conflict)
        assert error.http_status == 409
        assert error.status is status and error.action is action
        assert f"「{status.label_zh}」" in error.message_zh
        assert f"「{ACTION_LABELS_ZH[action]}」" in error.message_zh
        assert re.search(r"[\u4e00-\u9fff]", error.message_zh)
        assert status.value in error.message_en and action.value in error.message_en


def test_the_hand_written_table_covers_every_action_and_every_status():
    assert set(LIFECYCLE) == {a.value for a in Action}
    assert ALL == {s.value for s in AppealStatus}
    assert len(GRID) == len(Action) * len(AppealStatus)
    # and the module's table has no pair beyond the ones the lifecycle allows
    assert {(s.value, a.value) for s, a in TRANSITIONS} == {
        (s, a) for a, (sources, _) in LIFECYCLE.items() for s in sources
    }


def test_terminal_statuses_allow_only_an_internal_note_and_a_closed_one_a_category_correction():
    assert TERMINAL == {AppealStatus(s) for s in (CLOSED, NOT_ACCEPTED, MERGED, TERMINATED)}
    for status in TERMINAL:
        assert allowed_actions(status) == [Action.NOTE] + ([Action.RECATEGORIZE] if status.value == CLOSED else [])
        assert next_status(status, Action.NOTE) is status
    assert OPEN == set(AppealStatus) - TERMINAL


def test_allowed_actions_lists_exactly_the_legal_actions_in_declaration_order():
    for status in AppealStatus:
        want = [a for a in Action if expected(status.value, a.value) is not None]
        assert allowed_actions(status) == want
        assert allowed_actions(status.value) == want
    assert allowed_actions("received") == [
        Action.DIRECT_ANSWER,
        Action.NOT_ACCEPT,
        Action.DISPATCH,
        Action.MERGE,
        Action.TERMINATE,
        Action.NOTE,
        Action.RECATEGORIZE,
    ]


def test_next_status_rejects_unknown_statuses_and_actions():
    with pytest.raises(ValueError):
        next_status("lost", Action.NOTE)
    with pytest.raises(ValueError):
        next_status(AppealStatus.RECEIVED, "teleport")


def test_every_action_has_an_event_kind_and_a_chinese_label():
    cjk = re.compile(r"^[\u4e00-\u9fff]+$")
    assert set(EVENT_KINDS) == set(Action)
    assert set(ACTION_LABELS_ZH) == set(Action)
    assert len(set(EVENT_KINDS.values())) == len(Action), "two actions share an event kind"
    for action in Action:
        assert cjk.match(ACTION_LABELS_ZH[action]), action
        assert EVENT_KINDS[action] in EVENT_LABELS_ZH
        assert cjk.match(EVENT_LABELS_ZH[EVENT_KINDS[action]]), action


def test_every_status_has_a_chinese_and_an_english_label_and_a_colour():
    assert set(STATUS_LABELS) == set(AppealStatus)
    assert [s.label_zh for s in AppealStatus] == [
        "已受理",
        "已派单",
        "办理中",
        "已答复",
        "已办结",
        "挂账",
        "不予受理",
        "并单",
        "终止",
    ]
    for status in AppealStatus:
        assert status.label_en and status.colour


def test_internal_events_are_not_public_and_resident_facing_ones_are():
    for kind in (
        "noted",
        "urged",
        "supervised",
        "whistled",
        "reported",
        "return_requested",
        "return_rejected",
        "extension_requested",
        "extension_rejected",
        "overdue",
        "deferral_reviewed",
    ):
        assert kind not in PUBLIC_EVENT_KINDS, kind
    for kind in (
        "submitted",
        "dispatched",
        "signed",
        "contacted",
        "replied",
        "answered",
        "not_accepted",
        "closed",
        "reopened",
        "merged",
        "terminated",
        "main_replied",
    ):
        assert kind in PUBLIC_EVENT_KINDS, kind
    assert PUBLIC_EVENT_KINDS <= set(EVENT_LABELS_ZH)
