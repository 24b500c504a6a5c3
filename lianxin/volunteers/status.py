"""The sign-up (enrollment) state machine: pure, no framework or database imports.

waitlisted → enrolled → checked_in → checked_out → confirmed, or cancelled / absent. The organiser may
record attendance without the QR code (enrolled or checked_in → checked_out) and must confirm before
anything counts (hours, the service record, points)."""

from __future__ import annotations

from enum import StrEnum


class EnrollmentStatus(StrEnum):
    WAITLISTED = "waitlisted"
    ENROLLED = "enrolled"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    ABSENT = "absent"


class EnrollmentAction(StrEnum):
    PROMOTE = "promote"  # a place came free: waiting list → enrolled
    CANCEL = "cancel"
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    RECORD = "record"  # the organiser records both times
    CONFIRM = "confirm"
    MARK_ABSENT = "mark_absent"


E, X = EnrollmentStatus, EnrollmentAction

TRANSITIONS: dict[tuple[EnrollmentStatus, EnrollmentAction], EnrollmentStatus] = {
    (E.WAITLISTED, X.PROMOTE): E.ENROLLED,
    (E.WAITLISTED, X.CANCEL): E.CANCELLED,
    (E.ENROLLED, X.CANCEL): E.CANCELLED,
    (E.ENROLLED, X.CHECK_IN): E.CHECKED_IN,
    (E.CHECKED_IN, X.CHECK_OUT): E.CHECKED_OUT,
    (E.ENROLLED, X.RECORD): E.CHECKED_OUT,
    (E.CHECKED_IN, X.RECORD): E.CHECKED_OUT,
    (E.CHECKED_OUT, X.RECORD): E.CHECKED_OUT,
    (E.CHECKED_OUT, X.CONFIRM): E.CONFIRMED,
    (E.ENROLLED, X.MARK_ABSENT): E.ABSENT,
}

# Sign-ups that hold a place (count against the slots).
HOLDING = frozenset({E.ENROLLED, E.CHECKED_IN, E.CHECKED_OUT, E.CONFIRMED, E.ABSENT})
LIVE = HOLDING | {E.WAITLISTED}

STATUS_LABELS = {
    E.WAITLISTED: ("候补中", "Waiting list"),
    E.ENROLLED: ("已报名", "Signed up"),
    E.CHECKED_IN: ("已签到", "Checked in"),
    E.CHECKED_OUT: ("已签退待确认", "Checked out, awaiting confirmation"),
    E.CONFIRMED: ("已确认", "Confirmed"),
    E.CANCELLED: ("已取消", "Cancelled"),
    E.ABSENT: ("缺席", "Absent"),
}


class IllegalTransition(Exception):
    def __init__(self, status: EnrollmentStatus, action: EnrollmentAction):
        super().__init__(f"{action} is not allowed from {status}")
        self.status, self.action = status, action


def next_status(status: EnrollmentStatus, action: EnrollmentAction) -> EnrollmentStatus:
    try:
        return TRANSITIONS[(EnrollmentStatus(status), EnrollmentAction(action))]
    except KeyError:
        raise IllegalTransition(EnrollmentStatus(status), EnrollmentAction(action)) from None


def allowed_actions(status: EnrollmentStatus) -> list[EnrollmentAction]:
    return [action for (s, action) in TRANSITIONS if s == status]
