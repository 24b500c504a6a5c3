"""政务服务 state machines and rules (pure Python, no framework or database): an application's lifecycle,
a bundle's status from its parts, the working-day clock colour, a booking's lifecycle, opening hours into
slots, and 好差评 (five levels, the bad-rating loop)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from lianxin.errors import Conflict


class ItemStatus(StrEnum):  # HSDS service.status
    ACTIVE = "active"  # 正常办理
    TEMPORARILY_CLOSED = "temporarily_closed"  # 暂停办理
    INACTIVE = "inactive"  # 未开通
    DEFUNCT = "defunct"  # 已取消


ITEM_STATUS_LABELS = {
    ItemStatus.ACTIVE: ("正常办理", "Active"),
    ItemStatus.TEMPORARILY_CLOSED: ("暂停办理", "Temporarily closed"),
    ItemStatus.INACTIVE: ("未开通", "Inactive"),
    ItemStatus.DEFUNCT: ("已取消", "Defunct"),
}


class ItemKind(StrEnum):
    LICENCE = "licence"  # 行政许可
    CONFIRMATION = "confirmation"  # 行政确认
    BENEFIT = "benefit"  # 行政给付
    PUBLIC_SERVICE = "public_service"  # 公共服务
    OTHER = "other"  # 其他行政权力


KIND_LABELS = {
    ItemKind.LICENCE: ("行政许可", "Administrative licence"),
    ItemKind.CONFIRMATION: ("行政确认", "Administrative confirmation"),
    ItemKind.BENEFIT: ("行政给付", "Benefit"),
    ItemKind.PUBLIC_SERVICE: ("公共服务", "Public service"),
    ItemKind.OTHER: ("其他", "Other"),
}


class ServiceChannel(StrEnum):
    WINDOW = "window"  # 窗口
    ONLINE = "online"  # 网上
    MOBILE = "mobile"  # 掌上
    SELF_SERVICE = "self_service"  # 自助终端
    HOME_VISIT = "home_visit"  # 上门服务


CHANNEL_LABELS = {
    ServiceChannel.WINDOW: ("窗口办理", "At a window"),
    ServiceChannel.ONLINE: ("网上办理", "Online"),
    ServiceChannel.MOBILE: ("掌上办理", "Mobile"),
    ServiceChannel.SELF_SERVICE: ("自助终端", "Self-service"),
    ServiceChannel.HOME_VISIT: ("上门服务", "Home visit"),
}
ONLINE_CHANNELS = frozenset({ServiceChannel.ONLINE, ServiceChannel.MOBILE})


# --- applications -----------------------------------------------------------------------------------


class AppStatus(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交
    ACCEPTED = "accepted"  # 已受理
    NEED_MORE = "need_more"  # 待补正
    APPROVED = "approved"  # 已办结（准予）
    REJECTED = "rejected"  # 不予办理
    DELIVERED = "delivered"  # 已送达


class AppAction(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    ASK_MORE = "ask_more"
    RESUBMIT = "resubmit"
    APPROVE = "approve"
    REJECT = "reject"
    DELIVER = "deliver"


APP_LABELS = {
    AppStatus.DRAFT: ("草稿", "Draft"),
    AppStatus.SUBMITTED: ("已提交", "Submitted"),
    AppStatus.ACCEPTED: ("已受理", "Accepted"),
    AppStatus.NEED_MORE: ("待补正材料", "More documents needed"),
    AppStatus.APPROVED: ("已办结（准予）", "Approved"),
    AppStatus.REJECTED: ("不予办理", "Rejected"),
    AppStatus.DELIVERED: ("已送达", "Delivered"),
}
ACTION_LABELS = {
    AppAction.SUBMIT: ("提交申请", "Submit"),
    AppAction.ACCEPT: ("受理", "Accept"),
    AppAction.ASK_MORE: ("一次性告知补正", "Ask for more documents"),
    AppAction.RESUBMIT: ("补正后提交", "Resubmit"),
    AppAction.APPROVE: ("准予办理", "Approve"),
    AppAction.REJECT: ("不予办理", "Reject"),
    AppAction.DELIVER: ("送达", "Deliver"),
}

A, AA = AppStatus, AppAction
APP_TRANSITIONS: dict[tuple[AppStatus, AppAction], AppStatus] = {
    (A.DRAFT, AA.SUBMIT): A.SUBMITTED,
    (A.SUBMITTED, AA.ACCEPT): A.ACCEPTED,
    (A.SUBMITTED, AA.ASK_MORE): A.NEED_MORE,
    (A.SUBMITTED, AA.REJECT): A.REJECTED,
    (A.ACCEPTED, AA.ASK_MORE): A.NEED_MORE,
    (A.NEED_MORE, AA.RESUBMIT): A.SUBMITTED,
    (A.ACCEPTED, AA.APPROVE): A.APPROVED,
    (A.ACCEPTED, AA.REJECT): A.REJECTED,
    (A.APPROVED, AA.DELIVER): A.DELIVERED,
}
APP_OPEN = frozenset({A.SUBMITTED, A.ACCEPTED, A.NEED_MORE})  # on the department's clock
APP_DONE = frozenset({A.APPROVED, A.REJECTED, A.DELIVERED})  # decided
APP_FINAL = frozenset({A.REJECTED, A.DELIVERED})  # nothing more happens
STAFF_ACTIONS = frozenset({AA.ACCEPT, AA.ASK_MORE, AA.APPROVE, AA.REJECT, AA.DELIVER})
APPLICANT_ACTIONS = frozenset({AA.SUBMIT, AA.RESUBMIT})


class IllegalTransition(Conflict):
    def __init__(self, kind: str, status: str, action: str, labels: Mapping, actions: Mapping):
        zh_status = labels.get(status, (status,))[0]
        zh_action = actions.get(action, (action, action))
        super().__init__(
            f"当前状态（{zh_status}）不能{zh_action[0]}",
            f"cannot {zh_action[1].lower()} a {kind} that is {status}",
            field="status",
        )
        self.status, self.action = status, action


def next_app_status(current: AppStatus | str, action: AppAction | str) -> AppStatus:
    try:
        return APP_TRANSITIONS[(AppStatus(current), AppAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition("application", str(current), str(action), APP_LABELS, ACTION_LABELS) from None


def allowed_app_actions(current: AppStatus | str) -> list[AppAction]:
    return [a for (s, a) in APP_TRANSITIONS if s == AppStatus(current)]


def bundle_status(parts: Iterable[AppStatus | str]) -> AppStatus:
    """A 一件事 application's status from its parts: delivered when every part is delivered or rejected (with
    at least one delivered), rejected when all are rejected, otherwise the least advanced open state."""
    statuses = [AppStatus(p) for p in parts]
    if not statuses:
        return A.DRAFT
    if all(s == A.REJECTED for s in statuses):
        return A.REJECTED
    if all(s in APP_FINAL for s in statuses):
        return A.DELIVERED
    for s in (A.DRAFT, A.NEED_MORE, A.SUBMITTED, A.ACCEPTED, A.APPROVED):
        if s in statuses:
            return s
    return A.ACCEPTED  # pragma: no cover - every status is listed above


def clock_colour(remaining_days: int | None, limit_days: int) -> str:
    """The working-day clock: red once the deadline has passed, amber on the last working day or the last
    fifth of the limit, green otherwise; grey when there is no clock (``remaining_days`` None)."""
    if remaining_days is None:
        return "grey"
    if remaining_days < 0:
        return "red"
    if remaining_days <= max(1, limit_days // 5):
        return "amber"
    return "green"


CLOCK_LABELS = {
    "green": ("正常", "On time"),
    "amber": ("临期", "Due soon"),
    "red": ("超期", "Overdue"),
    "grey": ("未计时", "No clock"),
}


# --- proxy (亲友代办) ------------------------------------------------------------------------------


class Relationship(StrEnum):
    SPOUSE = "spouse"
    CHILD = "child"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    PARENT = "parent"
    OTHER_RELATIVE = "other_relative"


RELATIONSHIP_LABELS = {
    Relationship.SPOUSE: ("配偶", "Spouse"),
    Relationship.CHILD: ("子女", "Child"),
    Relationship.GRANDCHILD: ("孙子女/外孙子女", "Grandchild"),
    Relationship.SIBLING: ("兄弟姐妹", "Sibling"),
    Relationship.PARENT: ("父母", "Parent"),
    Relationship.OTHER_RELATIVE: ("其他亲属", "Other relative"),
}


def authorization_covers(
    scope_item_ids: Iterable[int], valid_from: date, valid_to: date, revoked: bool, item_id: int, on: date
) -> bool:
    """Whether an authorisation lets the agent act for ``item_id`` on ``on``."""
    return not revoked and valid_from <= on <= valid_to and item_id in set(scope_item_ids)


# --- appointments ------------------------------------------------------------------------------------


class BookingStatus(StrEnum):
    BOOKED = "booked"  # 已预约
    CHECKED_IN = "checked_in"  # 已取号
    SERVED = "served"  # 已办理
    NO_SHOW = "no_show"  # 爽约
    CANCELLED = "cancelled"  # 已取消


class BookingAction(StrEnum):
    CHECK_IN = "check_in"
    SERVE = "serve"
    NO_SHOW = "no_show"
    CANCEL = "cancel"


BOOKING_LABELS = {
    BookingStatus.BOOKED: ("已预约", "Booked"),
    BookingStatus.CHECKED_IN: ("已取号", "Checked in"),
    BookingStatus.SERVED: ("已办理", "Served"),
    BookingStatus.NO_SHOW: ("爽约", "No-show"),
    BookingStatus.CANCELLED: ("已取消", "Cancelled"),
}
BOOKING_ACTION_LABELS = {
    BookingAction.CHECK_IN: ("取号", "Check in"),
    BookingAction.SERVE: ("办理完成", "Served"),
    BookingAction.NO_SHOW: ("标记爽约", "Mark no-show"),
    BookingAction.CANCEL: ("取消预约", "Cancel"),
}
B, BA = BookingStatus, BookingAction
BOOKING_TRANSITIONS: dict[tuple[BookingStatus, BookingAction], BookingStatus] = {
    (B.BOOKED, BA.CHECK_IN): B.CHECKED_IN,
    (B.BOOKED, BA.CANCEL): B.CANCELLED,
    (B.BOOKED, BA.NO_SHOW): B.NO_SHOW,
    (B.CHECKED_IN, BA.SERVE): B.SERVED,
}
BOOKING_HOLDS = frozenset({B.BOOKED, B.CHECKED_IN, B.SERVED})  # count against the slot's capacity


def next_booking_status(current: BookingStatus | str, action: BookingAction | str) -> BookingStatus:
    try:
        return BOOKING_TRANSITIONS[(BookingStatus(current), BookingAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition("booking", str(current), str(action), BOOKING_LABELS, BOOKING_ACTION_LABELS) from None


class TicketStatus(StrEnum):
    WAITING = "waiting"  # 等候中
    CALLED = "called"  # 已叫号
    SERVED = "served"  # 已办理
    LEFT = "left"  # 过号离开


class TicketAction(StrEnum):
    CALL = "call"  # 叫号 (to a window)
    RECALL = "recall"  # 重呼 / back to the queue after a skip
    SERVE = "serve"
    SKIP = "skip"  # 过号: called and did not come
    EXPIRE = "expire"  # the day ended before the number was served (the job)


TICKET_LABELS = {
    TicketStatus.WAITING: ("等候中", "Waiting"),
    TicketStatus.CALLED: ("已叫号", "Called"),
    TicketStatus.SERVED: ("已办理", "Served"),
    TicketStatus.LEFT: ("过号", "Missed"),
}
TICKET_ACTION_LABELS = {
    TicketAction.CALL: ("叫号", "Call"),
    TicketAction.RECALL: ("重新排队", "Back to the queue"),
    TicketAction.SERVE: ("办理完成", "Served"),
    TicketAction.SKIP: ("过号", "Missed"),
    TicketAction.EXPIRE: ("当日未办", "Expired at the day's end"),
}
T, TA = TicketStatus, TicketAction
TICKET_TRANSITIONS: dict[tuple[TicketStatus, TicketAction], TicketStatus] = {
    (T.WAITING, TA.CALL): T.CALLED,
    (T.CALLED, TA.CALL): T.CALLED,  # called again (to the same or another window)
    (T.CALLED, TA.SERVE): T.SERVED,
    (T.CALLED, TA.SKIP): T.LEFT,
    (T.LEFT, TA.RECALL): T.WAITING,
    (T.WAITING, TA.EXPIRE): T.LEFT,
    (T.CALLED, TA.EXPIRE): T.LEFT,
}


def next_ticket_status(current: TicketStatus | str, action: TicketAction | str) -> TicketStatus:
    try:
        return TICKET_TRANSITIONS[(TicketStatus(current), TicketAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition("ticket", str(current), str(action), TICKET_LABELS, TICKET_ACTION_LABELS) from None


def ticket_number(prefix: str, issued_today: int) -> str:
    """The next queue number of the day: ``A001`` for walk-ins, ``Y001`` for bookings checked in."""
    return f"{prefix}{issued_today + 1:03d}"


def wait_ahead(queue: Iterable[tuple[int, str]], ticket_id: int) -> int:
    """How many waiting tickets are ahead of ``ticket_id`` in a queue of (id, status) in issue order."""
    ahead = 0
    for tid, status in queue:
        if tid == ticket_id:
            return ahead
        if status == TicketStatus.WAITING:
            ahead += 1
    return ahead


@dataclass(frozen=True)
class SlotSpec:
    starts: time
    ends: time


def day_slots(periods: Iterable[tuple[str, str]], minutes: int) -> list[SlotSpec]:
    """Cut opening periods (``[("09:00", "12:00"), ("13:30", "17:00")]``) into slots of ``minutes``; a
    remainder shorter than a slot is dropped."""
    if minutes <= 0:
        raise ValueError("slot length must be positive")
    out = []
    for opens, closes in periods:
        start, end = time.fromisoformat(opens), time.fromisoformat(closes)
        cursor = datetime.combine(date.min, start)
        stop = datetime.combine(date.min, end)
        while cursor + timedelta(minutes=minutes) <= stop:
            nxt = cursor + timedelta(minutes=minutes)
            out.append(SlotSpec(cursor.time(), nxt.time()))
            cursor = nxt
    return out


def opening_periods(
    day: date, is_workday: bool, hours: Mapping[str, list], special_days: Mapping[str, list]
) -> list[tuple[str, str]]:
    """The opening periods of a centre on ``day``: a special day (holiday opening, or a closure: ``[]``) wins;
    otherwise working days (including 调休 make-up days) use the usual hours and other days are closed."""
    key = day.isoformat()
    if key in special_days:
        return [tuple(p) for p in special_days[key]]  # type: ignore[misc]
    if not is_workday:
        return []
    return [tuple(p) for p in hours.get("workday", [])]  # type: ignore[misc]


# --- 好差评 ----------------------------------------------------------------------------------------------

LEVEL_LABELS = {
    5: ("非常满意", "Very satisfied"),
    4: ("满意", "Satisfied"),
    3: ("基本满意", "Fairly satisfied"),
    2: ("不满意", "Dissatisfied"),
    1: ("非常不满意", "Very dissatisfied"),
}
BAD_LEVELS = frozenset({1, 2})  # 差评
ONLINE_INDICATORS = {
    "overall": ("整体满意度", "Overall satisfaction"),
    "efficiency": ("办事效率", "Efficiency"),
    "guide": ("办事指南精确度", "Accuracy of the guide"),
    "convenience": ("办事便捷度", "Convenience"),
    "usability": ("平台操作性", "Usability"),
}
OFFLINE_INDICATORS = {
    "overall": ("整体满意度", "Overall satisfaction"),
    "efficiency": ("服务效率", "Service efficiency"),
    "quality": ("服务水平", "Service quality"),
    "attitude": ("服务态度", "Attitude"),
}


class EvalStatus(StrEnum):
    RECEIVED = "received"  # 已收到（好评、中评）
    VERIFYING = "verifying"  # 差评核实中（工单已生成，待派单）
    RECTIFYING = "rectifying"  # 整改中
    REVISITED = "revisited"  # 已整改回访（工单已办结）
    APPEAL_REVIEW = "appeal_review"  # 申诉复核中
    VOIDED = "voided"  # 复核作废（误评、恶意差评）


class EvalAction(StrEnum):
    DISPATCH = "dispatch"  # 核实派单整改
    REVISIT = "revisit"  # 回访办结（随工单）
    APPEAL = "appeal"  # 部门申诉
    UPHOLD = "uphold"  # 复核：差评成立，继续整改
    VOID = "void"  # 复核：作废


EVAL_LABELS = {
    EvalStatus.RECEIVED: ("已评价", "Received"),
    EvalStatus.VERIFYING: ("差评核实中", "Being verified"),
    EvalStatus.RECTIFYING: ("整改中", "Being rectified"),
    EvalStatus.REVISITED: ("已整改回访", "Rectified and revisited"),
    EvalStatus.APPEAL_REVIEW: ("申诉复核中", "Under review"),
    EvalStatus.VOIDED: ("复核作废", "Voided"),
}
EVAL_ACTION_LABELS = {
    EvalAction.DISPATCH: ("派单整改", "Send for rectification"),
    EvalAction.REVISIT: ("回访办结", "Close after the return visit"),
    EvalAction.APPEAL: ("申诉复核", "Ask for a review"),
    EvalAction.UPHOLD: ("差评成立", "Uphold"),
    EvalAction.VOID: ("作废差评", "Void"),
}
E, EA = EvalStatus, EvalAction
EVAL_TRANSITIONS: dict[tuple[EvalStatus, EvalAction], EvalStatus] = {
    (E.VERIFYING, EA.DISPATCH): E.RECTIFYING,
    (E.VERIFYING, EA.APPEAL): E.APPEAL_REVIEW,
    (E.RECTIFYING, EA.APPEAL): E.APPEAL_REVIEW,
    (E.RECTIFYING, EA.REVISIT): E.REVISITED,
    (E.APPEAL_REVIEW, EA.UPHOLD): E.RECTIFYING,
    (E.APPEAL_REVIEW, EA.VOID): E.VOIDED,
}


def next_eval_status(current: EvalStatus | str, action: EvalAction | str) -> EvalStatus:
    try:
        return EVAL_TRANSITIONS[(EvalStatus(current), EvalAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition("rating", str(current), str(action), EVAL_LABELS, EVAL_ACTION_LABELS) from None


def satisfaction(levels: Iterable[int]) -> float | None:
    """满意率: the share of ratings at 基本满意 or better, in percent (None without ratings)."""
    values = list(levels)
    if not values:
        return None
    return round(100 * sum(1 for v in values if v >= 3) / len(values), 1)
