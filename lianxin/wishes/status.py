"""The 微心愿 lifecycle as one pure table (no framework or database imports).

收集 collected → 登记 registered → 发布 published → 认领 claimed → 落实 in_progress → 已反馈 delivered →
确认 confirmed → 销号 closed, plus 不予采纳 rejected (a reason, the resident is told), 待办档案 on_file
(an explanation and a review date; the job or staff bring it back to registered), 撤回 cancelled (the
resident withdraws before anyone claims it). Releasing a claim returns the wish to published; a resident
who says "not done yet" sends a delivered wish back to in_progress.
"""

from __future__ import annotations

from lianxin.choices import Choice


class WishStatus(Choice):
    COLLECTED = "collected", "已收集", "Collected", "blue"
    REGISTERED = "registered", "已登记", "Registered", "cyan"
    PUBLISHED = "published", "待认领", "Published", "purple"
    CLAIMED = "claimed", "已认领", "Claimed", "orange"
    IN_PROGRESS = "in_progress", "落实中", "In progress", "orange"
    DELIVERED = "delivered", "已反馈", "Delivered", "blue"
    CONFIRMED = "confirmed", "已确认", "Confirmed", "green"
    CLOSED = "closed", "已销号", "Closed", "green"
    REJECTED = "rejected", "不予采纳", "Rejected", "grey"
    ON_FILE = "on_file", "待办档案", "On file", "brown"
    CANCELLED = "cancelled", "已撤回", "Withdrawn", "grey"


STATUS_LABELS = WishStatus.labels()  # {value: (zh, en)}, the older spelling of WishStatus.X.zh / .en


class WishAction(Choice):
    REGISTER = "register", "登记", "register"  # 登记: the community triages a collected wish
    PUBLISH = "publish", "发布", "publish"  # 发布 with a public text
    REJECT = "reject", "不予采纳", "reject"  # 不予采纳, reason required
    FILE = "file", "转入待办档案", "put on file"  # 待办档案, explanation + review date
    REOPEN = "reopen", "重新审核", "reopen"  # back from the file for review
    CLAIM = "claim", "认领", "claim"  # 认领 with a promised date
    RELEASE = "release", "取消认领", "release the claim"  # the claim is cancelled: back to published
    START = "start", "开始落实", "start"  # 落实
    DELIVER = "deliver", "反馈完成", "deliver"  # 反馈: the claimant reports it done (photos)
    REDO = "redo", "尚未完成", "not done yet"  # the resident says it is not done yet
    CONFIRM = "confirm", "确认", "confirm"  # the resident (or the grid worker with a signature) confirms and rates
    CLOSE = "close", "销号", "close"  # 销号
    CANCEL = "cancel", "撤回", "withdraw"  # the resident withdraws it


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

ACTION_LABELS = WishAction.labels()  # {value: (zh, en)}, the older spelling of WishAction.X.zh / .en

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
