"""The parcel (consignment) lifecycle as one pure table (no framework or database imports).

收件 received (at the county hub) → 已排班 planned (a plan put it on a bus trip or a van) → 已装车 loaded →
运输中 in_transit → 已到站 at_point (the village service point) → 已取件 collected, or 退回 returned (refused,
not collected in time, or undeliverable). A plan that is re-run takes planned parcels back to received first.
"""

from __future__ import annotations

from enum import StrEnum


class ParcelStatus(StrEnum):
    RECEIVED = "received"
    PLANNED = "planned"
    LOADED = "loaded"
    IN_TRANSIT = "in_transit"
    AT_POINT = "at_point"
    COLLECTED = "collected"
    RETURNED = "returned"


STATUS_LABELS: dict[ParcelStatus, tuple[str, str]] = {
    ParcelStatus.RECEIVED: ("已收件", "Received at the hub"),
    ParcelStatus.PLANNED: ("已排班", "Planned"),
    ParcelStatus.LOADED: ("已装车", "Loaded"),
    ParcelStatus.IN_TRANSIT: ("运输中", "In transit"),
    ParcelStatus.AT_POINT: ("已到站", "At the service point"),
    ParcelStatus.COLLECTED: ("已取件", "Collected"),
    ParcelStatus.RETURNED: ("已退回", "Returned"),
}


class ParcelAction(StrEnum):
    PLAN = "plan"  # a plan assigns it to a trip or a van
    UNPLAN = "unplan"  # the plan is re-run or the trip is cancelled
    LOAD = "load"  # 装车: the driver (or hub staff) scans it onto the bus or van
    DEPART = "depart"  # 发车
    ARRIVE = "arrive"  # 到站: the point operator takes it off the bus
    COLLECT = "collect"  # 取件: handed to the recipient
    RETURN = "return"  # 退回


S, A = ParcelStatus, ParcelAction

TRANSITIONS: dict[tuple[ParcelStatus, ParcelAction], ParcelStatus] = {
    (S.RECEIVED, A.PLAN): S.PLANNED,
    (S.RECEIVED, A.RETURN): S.RETURNED,
    (S.PLANNED, A.PLAN): S.PLANNED,
    (S.PLANNED, A.UNPLAN): S.RECEIVED,
    (S.PLANNED, A.LOAD): S.LOADED,
    (S.LOADED, A.UNPLAN): S.RECEIVED,
    (S.LOADED, A.DEPART): S.IN_TRANSIT,
    (S.IN_TRANSIT, A.ARRIVE): S.AT_POINT,
    (S.AT_POINT, A.COLLECT): S.COLLECTED,
    (S.AT_POINT, A.RETURN): S.RETURNED,
}

ACTION_LABELS: dict[ParcelAction, tuple[str, str]] = {
    A.PLAN: ("排班", "plan"),
    A.UNPLAN: ("取消排班", "unplan"),
    A.LOAD: ("装车", "load"),
    A.DEPART: ("发车", "depart"),
    A.ARRIVE: ("到站签收", "take in at the point"),
    A.COLLECT: ("取件", "hand over"),
    A.RETURN: ("退回", "return"),
}

# Parcels a plan may (re)assign, and parcels still waiting at the hub or on the way.
PLANNABLE = frozenset({S.RECEIVED, S.PLANNED})
OPEN_STATUSES = frozenset({S.RECEIVED, S.PLANNED, S.LOADED, S.IN_TRANSIT, S.AT_POINT})
FINAL_STATUSES = frozenset({S.COLLECTED, S.RETURNED})


class IllegalTransition(ValueError):
    def __init__(self, status: ParcelStatus, action: ParcelAction):
        self.status, self.action = status, action
        zh_s, en_s = STATUS_LABELS[status]
        zh_a, en_a = ACTION_LABELS[action]
        self.message_zh = f"包裹当前状态为「{zh_s}」，不能{zh_a}"
        self.message_en = f"a parcel that is {en_s.lower()} cannot be given the action: {en_a}"
        super().__init__(self.message_en)


def next_status(status: ParcelStatus | str, action: ParcelAction | str) -> ParcelStatus:
    """The status after ``action``; raises IllegalTransition when the table has no such pair."""
    status, action = ParcelStatus(status), ParcelAction(action)
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(status, action) from None


def allowed_actions(status: ParcelStatus | str) -> list[ParcelAction]:
    status = ParcelStatus(status)
    return [action for (s, action) in TRANSITIONS if s == status]
