"""The appeal state machine: statuses, actions and the whole transition table (pure Python)."""

from __future__ import annotations

from enum import StrEnum

from lianxin.choices import Choice
from lianxin.errors import Conflict


class AppealStatus(Choice):
    RECEIVED = "received", "已受理", "Received", "blue"
    DISPATCHED = "dispatched", "已派单", "Dispatched", "cyan"
    IN_PROGRESS = "in_progress", "办理中", "In progress", "orange"
    REPLIED = "replied", "已答复", "Replied", "purple"
    CLOSED = "closed", "已办结", "Closed", "green"
    DEFERRED = "deferred", "挂账", "Deferred", "brown"
    NOT_ACCEPTED = "not_accepted", "不予受理", "Not accepted", "grey"
    MERGED = "merged", "并单", "Merged", "grey"
    TERMINATED = "terminated", "终止", "Terminated", "grey"


STATUS_LABELS: dict[AppealStatus, tuple[str, str, str]] = {s: (s.zh, s.en, s.colour) for s in AppealStatus}

S = AppealStatus
TERMINAL: frozenset[AppealStatus] = frozenset({S.CLOSED, S.NOT_ACCEPTED, S.MERGED, S.TERMINATED})
OPEN: frozenset[AppealStatus] = frozenset(set(S) - TERMINAL)
# Statuses in which the handling clock runs and an appeal can be overdue.
HANDLING: frozenset[AppealStatus] = frozenset({S.DISPATCHED, S.IN_PROGRESS})
# Statuses in which a unit holds the appeal (it sees it in its queue, can be urged or supervised).
WITH_UNIT: frozenset[AppealStatus] = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.DEFERRED})


class Action(StrEnum):
    DIRECT_ANSWER = "direct_answer"  # 直接答复 (operator)
    NOT_ACCEPT = "not_accept"  # 不予受理
    DISPATCH = "dispatch"  # 派单
    REDISPATCH = "redispatch"  # 改派
    SIGN = "sign"  # 签收
    CONTACT = "contact"  # 首次联系
    REQUEST_RETURN = "request_return"  # 退单 / 派单异议 申请
    APPROVE_RETURN = "approve_return"  # 同意退单 (back to the dispatch queue)
    REJECT_RETURN = "reject_return"  # 驳回退单 (unit becomes designated)
    REQUEST_EXTENSION = "request_extension"  # 延期申请
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    DEFER = "defer"  # 挂账
    REVIEW_DEFERRAL = "review_deferral"  # 挂账复核
    CLEAR_DEFERRAL = "clear_deferral"  # 销账
    SUPERVISE = "supervise"  # 督办
    URGE = "urge"  # 催办
    WHISTLE = "whistle"  # 吹哨
    REPORT = "report"  # 协办 / 报到 单位反馈
    REPLY = "reply"  # 答复
    RECORD_VISIT = "record_visit"  # 回访 (no outcome yet: not reached)
    REOPEN = "reopen"  # 重办
    REQUEUE = "requeue"  # 重办 of an appeal no unit handled (直接答复): back to the dispatch queue
    CLOSE = "close"  # 办结
    MERGE = "merge"  # 并单
    TERMINATE = "terminate"  # 终止
    MARK_OVERDUE = "mark_overdue"  # 超期 (job)
    NOTE = "note"  # 内部备注
    RECATEGORIZE = "recategorize"  # 改分类 (dispatcher corrects the problem category)


A = Action
_SELF = None  # marker: the action keeps the status


def _rows() -> dict[tuple[AppealStatus, Action], AppealStatus]:
    spec: list[tuple[Action, set[AppealStatus], AppealStatus | None]] = [
        (A.DIRECT_ANSWER, {S.RECEIVED}, S.REPLIED),
        (A.NOT_ACCEPT, {S.RECEIVED}, S.NOT_ACCEPTED),
        (A.DISPATCH, {S.RECEIVED}, S.DISPATCHED),
        (A.REDISPATCH, {S.DISPATCHED, S.IN_PROGRESS}, S.DISPATCHED),
        (A.SIGN, {S.DISPATCHED}, S.IN_PROGRESS),
        (A.CONTACT, {S.IN_PROGRESS}, _SELF),
        (A.REQUEST_RETURN, {S.DISPATCHED, S.IN_PROGRESS}, _SELF),
        (A.APPROVE_RETURN, {S.DISPATCHED, S.IN_PROGRESS}, S.RECEIVED),
        (A.REJECT_RETURN, {S.DISPATCHED, S.IN_PROGRESS}, _SELF),
        (A.REQUEST_EXTENSION, {S.IN_PROGRESS}, _SELF),
        (A.APPROVE_EXTENSION, {S.IN_PROGRESS}, _SELF),
        (A.REJECT_EXTENSION, {S.IN_PROGRESS}, _SELF),
        (A.DEFER, {S.IN_PROGRESS}, S.DEFERRED),
        (A.REVIEW_DEFERRAL, {S.DEFERRED}, _SELF),
        (A.CLEAR_DEFERRAL, {S.DEFERRED}, S.REPLIED),
        (A.SUPERVISE, set(WITH_UNIT), _SELF),
        (A.URGE, set(WITH_UNIT), _SELF),
        (A.WHISTLE, {S.IN_PROGRESS}, _SELF),
        (A.REPORT, set(WITH_UNIT), _SELF),
        (A.REPLY, {S.IN_PROGRESS}, S.REPLIED),
        (A.RECORD_VISIT, {S.REPLIED}, _SELF),
        (A.REOPEN, {S.REPLIED}, S.IN_PROGRESS),
        (A.REQUEUE, {S.REPLIED}, S.RECEIVED),
        (A.CLOSE, {S.REPLIED}, S.CLOSED),
        (A.MERGE, {S.RECEIVED, S.DISPATCHED, S.IN_PROGRESS}, S.MERGED),
        (A.TERMINATE, {S.RECEIVED, S.DISPATCHED, S.IN_PROGRESS, S.DEFERRED}, S.TERMINATED),
        (A.MARK_OVERDUE, set(HANDLING), _SELF),
        (A.NOTE, set(S), _SELF),
        (A.RECATEGORIZE, set(OPEN) | {S.CLOSED}, _SELF),
    ]
    table: dict[tuple[AppealStatus, Action], AppealStatus] = {}
    for action, sources, target in spec:
        for source in sources:
            table[(source, action)] = source if target is _SELF else target
    return table


TRANSITIONS: dict[tuple[AppealStatus, Action], AppealStatus] = _rows()

ACTION_LABELS_ZH: dict[Action, str] = {
    A.DIRECT_ANSWER: "直接答复",
    A.NOT_ACCEPT: "不予受理",
    A.DISPATCH: "派单",
    A.REDISPATCH: "改派",
    A.SIGN: "签收",
    A.CONTACT: "联系诉求人",
    A.REQUEST_RETURN: "申请退单",
    A.APPROVE_RETURN: "同意退单",
    A.REJECT_RETURN: "驳回退单",
    A.REQUEST_EXTENSION: "申请延期",
    A.APPROVE_EXTENSION: "批准延期",
    A.REJECT_EXTENSION: "驳回延期",
    A.DEFER: "挂账",
    A.REVIEW_DEFERRAL: "挂账复核",
    A.CLEAR_DEFERRAL: "销账",
    A.SUPERVISE: "督办",
    A.URGE: "催办",
    A.WHISTLE: "吹哨",
    A.REPORT: "报到反馈",
    A.REPLY: "答复",
    A.RECORD_VISIT: "回访",
    A.REOPEN: "重办",
    A.REQUEUE: "退回派单重办",
    A.CLOSE: "办结",
    A.MERGE: "并单",
    A.TERMINATE: "终止",
    A.MARK_OVERDUE: "超期",
    A.NOTE: "备注",
    A.RECATEGORIZE: "改分类",
}


class IllegalTransition(Conflict):
    """An action that the appeal's current status does not allow."""

    code = "illegal_transition"

    def __init__(self, status: AppealStatus, action: Action):
        self.status, self.action = status, action
        super().__init__(
            f"工单当前状态为「{status.label_zh}」，不能执行「{ACTION_LABELS_ZH[action]}」",
            f"cannot {action.value} an appeal that is {status.value}",
        )


def next_status(current: AppealStatus | str, action: Action | str) -> AppealStatus:
    """The status after ``action``; raises IllegalTransition when the table has no such pair."""
    current, action = AppealStatus(current), Action(action)
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition(current, action) from None


def allowed_actions(current: AppealStatus | str) -> list[Action]:
    current = AppealStatus(current)
    return [a for a in Action if (current, a) in TRANSITIONS]


class EventKind(StrEnum):
    """Every kind of ``appeal_events`` row: the past tense of each action, plus the events no action of the
    state machine appends (intake, a main appeal's reply reaching its followers, assessment exclusions).
    ``record_event`` refuses any other kind; the statistics fold and the timelines read these members."""

    SUBMITTED = "submitted"
    ANSWERED = "answered"
    NOT_ACCEPTED = "not_accepted"
    DISPATCHED = "dispatched"
    REDISPATCHED = "redispatched"
    SIGNED = "signed"
    CONTACTED = "contacted"
    RETURN_REQUESTED = "return_requested"
    RETURN_APPROVED = "return_approved"
    RETURN_REJECTED = "return_rejected"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REJECTED = "extension_rejected"
    DEFERRED = "deferred"
    DEFERRAL_REVIEWED = "deferral_reviewed"
    DEFERRAL_CLEARED = "deferral_cleared"
    SUPERVISED = "supervised"
    URGED = "urged"
    WHISTLED = "whistled"
    REPORTED = "reported"
    REPLIED = "replied"
    VISITED = "visited"
    REOPENED = "reopened"
    REQUEUED = "requeued"
    CLOSED = "closed"
    MERGED = "merged"
    TERMINATED = "terminated"
    OVERDUE = "overdue"
    NOTED = "noted"
    RECATEGORIZED = "recategorized"
    MAIN_REPLIED = "main_replied"  # appended to appeals merged into one that was just replied
    # Exclusion from assessment (考评剔除): events without a status change, internal (lianxin/assessment).
    EXCLUSION_REQUESTED = "exclusion_requested"
    EXCLUSION_APPROVED = "exclusion_approved"
    EXCLUSION_REJECTED = "exclusion_rejected"


E = EventKind
# The event each action appends, and which of them the resident sees on the timeline.
EVENT_KINDS: dict[Action, EventKind] = {
    A.DIRECT_ANSWER: E.ANSWERED,
    A.NOT_ACCEPT: E.NOT_ACCEPTED,
    A.DISPATCH: E.DISPATCHED,
    A.REDISPATCH: E.REDISPATCHED,
    A.SIGN: E.SIGNED,
    A.CONTACT: E.CONTACTED,
    A.REQUEST_RETURN: E.RETURN_REQUESTED,
    A.APPROVE_RETURN: E.RETURN_APPROVED,
    A.REJECT_RETURN: E.RETURN_REJECTED,
    A.REQUEST_EXTENSION: E.EXTENSION_REQUESTED,
    A.APPROVE_EXTENSION: E.EXTENSION_APPROVED,
    A.REJECT_EXTENSION: E.EXTENSION_REJECTED,
    A.DEFER: E.DEFERRED,
    A.REVIEW_DEFERRAL: E.DEFERRAL_REVIEWED,
    A.CLEAR_DEFERRAL: E.DEFERRAL_CLEARED,
    A.SUPERVISE: E.SUPERVISED,
    A.URGE: E.URGED,
    A.WHISTLE: E.WHISTLED,
    A.REPORT: E.REPORTED,
    A.REPLY: E.REPLIED,
    A.RECORD_VISIT: E.VISITED,
    A.REOPEN: E.REOPENED,
    A.REQUEUE: E.REQUEUED,
    A.CLOSE: E.CLOSED,
    A.MERGE: E.MERGED,
    A.TERMINATE: E.TERMINATED,
    A.MARK_OVERDUE: E.OVERDUE,
    A.NOTE: E.NOTED,
    A.RECATEGORIZE: E.RECATEGORIZED,
}
SUBMITTED = E.SUBMITTED
MAIN_REPLIED = E.MAIN_REPLIED
EXCLUSION_REQUESTED, EXCLUSION_APPROVED, EXCLUSION_REJECTED = (
    E.EXCLUSION_REQUESTED,
    E.EXCLUSION_APPROVED,
    E.EXCLUSION_REJECTED,
)
PUBLIC_EVENT_KINDS: frozenset[str] = frozenset(
    {
        SUBMITTED,
        MAIN_REPLIED,
        E.ANSWERED,
        E.NOT_ACCEPTED,
        E.DISPATCHED,
        E.REDISPATCHED,
        E.SIGNED,
        E.CONTACTED,
        E.RETURN_APPROVED,
        E.EXTENSION_APPROVED,
        E.DEFERRED,
        E.DEFERRAL_CLEARED,
        E.REPLIED,
        E.VISITED,
        E.REOPENED,
        E.REQUEUED,
        E.CLOSED,
        E.MERGED,
        E.TERMINATED,
    }
)
EVENT_LABELS_ZH: dict[str, str] = {EVENT_KINDS[a]: label for a, label in ACTION_LABELS_ZH.items()} | {
    SUBMITTED: "受理",
    MAIN_REPLIED: "主工单已答复",
    E.RETURN_APPROVED: "退回重新派单",
    EXCLUSION_REQUESTED: "申请考评剔除",
    EXCLUSION_APPROVED: "同意考评剔除",
    EXCLUSION_REJECTED: "驳回考评剔除",
}
