"""The 微心愿 lifecycle as one pure table (no framework or database imports).

收集 collected → 登记 registered → 发布 published → 认领 claimed → 落实 in_progress → 已反馈 delivered →
确认 confirmed → 销号 closed, plus 不予采纳 rejected (a reason, the resident is told), 待办档案 on_file
(an explanation and a review date; the job or staff bring it back to registered), 撤回 cancelled (the
resident withdraws before anyone claims it). Releasing a claim returns the wish to published; a resident
who says "not done yet" sends a delivered wish back to in_progress.
"""

from __future__ import annotations

from enum import StrEnum


class WishStatus(StrEnum):
    COLLECTED = "collected"
    REGISTERED = "registered"
    PUBLISHED = "published"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    CONFIRMED = "confirmed"
    CLOSED = "closed"
    REJECTED = "rejected"
    ON_FILE = "on_file"
    CANCELLED = "cancelled"

    @property
    def label_zh(self) -> str:
        return STATUS_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return STATUS_LABELS[self][1]


STATUS_LABELS: dict[WishStatus, tuple[str, str]] = {
    WishStatus.COLLECTED: ("已收集", "Collected"),
    WishStatus.REGISTERED: ("已登记", "Registered"),
    WishStatus.PUBLISHED: ("待认领", "Published"),
    WishStatus.CLAIMED: ("已认领", "Claimed"),
    WishStatus.IN_PROGRESS: ("落实中", "In progress"),
    WishStatus.DELIVERED: ("已反馈", "Delivered"),
    WishStatus.CONFIRMED: ("已确认", "Confirmed"),
    WishStatus.CLOSED: ("已销号", "Closed"),
    WishStatus.REJECTED: ("不予采纳", "Rejected"),
    WishStatus.ON_FILE: ("待办档案", "On file"),
    WishStatus.CANCELLED: ("已撤回", "Withdrawn"),
}


class WishAction(StrEnum):
    REGISTER = "register"  # 登记: the community triages a collected wish
    PUBLISH = "publish"  # 发布 with a public text
    REJECT = "reject"  # 不予采纳, reason required
    FILE = "file"  # 待办档案, explanation + review date
    REOPEN = "reopen"  # back from the file for review
    CLAIM = "claim"  # 认领 with a promised date
    RELEASE = "release"  # the claim is cancelled: back to published
    START = "start"  # 落实
    DELIVER = "deliver"  # 反馈: the claimant reports it done (photos)
    REDO = "redo"  # the resident says it is not done yet
    CONFIRM = "confirm"  # the resident (or the grid worker with a signature) confirms and rates
    CLOSE = "close"  # 销号
    CANCEL = "cancel"  # the resident withdraws it


S, A = WishStatus, WishAction

TRANSITIONS: dict[tuple[WishStatus, WishAction], WishStatus] = {
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

ACTION_LABELS: dict[WishAction, tuple[str, str]] = {
    A.REGISTER: ("登记", "register"),
    A.PUBLISH: ("发布", "publish"),
    A.REJECT: ("不予采纳", "reject"),
    A.FILE: ("转入待办档案", "put on file"),
    A.REOPEN: ("重新审核", "reopen"),
    A.CLAIM: ("认领", "claim"),
    A.RELEASE: ("取消认领", "release the claim"),
    A.START: ("开始落实", "start"),
    A.DELIVER: ("反馈完成", "deliver"),
    A.REDO: ("尚未完成", "not done yet"),
    A.CONFIRM: ("确认", "confirm"),
    A.CLOSE: ("销号", "close"),
    A.CANCEL: ("撤回", "withdraw"),
}

# Statuses in which a claim is live (exactly one active WishClaim row).
CLAIMED_STATUSES = frozenset({S.CLAIMED, S.IN_PROGRESS, S.DELIVERED})
# Only these count as realised (quotas, rankings): never a claim alone.
REALISED_STATUSES = frozenset({S.CONFIRMED, S.CLOSED})
# What the public wall may show.
PUBLIC_STATUSES = frozenset({S.PUBLISHED, *CLAIMED_STATUSES, *REALISED_STATUSES})
FINAL_STATUSES = frozenset({S.CLOSED, S.REJECTED, S.CANCELLED})


class IllegalTransition(ValueError):
    def __init__(self, status: WishStatus, action: WishAction):
        self.status, self.action = status, action
        zh_s, en_s = STATUS_LABELS[status]
        zh_a, en_a = ACTION_LABELS[action]
        self.message_zh = f"心愿当前状态为「{zh_s}」，不能{zh_a}"
        self.message_en = f"a wish that is {en_s.lower()} cannot be given the action: {en_a}"
        super().__init__(self.message_en)


def next_status(status: WishStatus | str, action: WishAction | str) -> WishStatus:
    """The status after ``action``; raises IllegalTransition when the table has no such pair."""
    status, action = WishStatus(status), WishAction(action)
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(status, action) from None


def allowed_actions(status: WishStatus | str) -> list[WishAction]:
    status = WishStatus(status)
    return [action for (s, action) in TRANSITIONS if s == status]
