"""The 办实事 state machines (pure Python): a commitment list's publishing lifecycle, an item's work
lifecycle with default progress per status, the weighted progress roll-up, the diff between two
published versions and the 三评 composite score."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from lianxin.errors import Conflict, InvalidInput


class ListStatus(StrEnum):
    DRAFT = "draft"  # 草稿
    APPROVED = "approved"  # 已审定
    PUBLISHED = "published"  # 已公示
    ARCHIVED = "archived"  # 已归档


class ListAction(StrEnum):
    APPROVE = "approve"  # 审定
    REVISE = "revise"  # 退回修改
    PUBLISH = "publish"  # 公示 (again after changes: a new version)
    ARCHIVE = "archive"  # 归档


LIST_LABELS: dict[ListStatus, tuple[str, str]] = {
    ListStatus.DRAFT: ("草稿", "Draft"),
    ListStatus.APPROVED: ("已审定", "Approved"),
    ListStatus.PUBLISHED: ("已公示", "Published"),
    ListStatus.ARCHIVED: ("已归档", "Archived"),
}

L, LA = ListStatus, ListAction
LIST_TRANSITIONS: dict[tuple[ListStatus, ListAction], ListStatus] = {
    (L.DRAFT, LA.APPROVE): L.APPROVED,
    (L.APPROVED, LA.REVISE): L.DRAFT,
    (L.APPROVED, LA.PUBLISH): L.PUBLISHED,
    (L.PUBLISHED, LA.PUBLISH): L.PUBLISHED,  # republish: only with changes since the last version
    (L.PUBLISHED, LA.ARCHIVE): L.ARCHIVED,
}
# Where the list and its items may be edited: a draft, or a published list (each change waits for the
# next published version). An approved list is frozen until it is published or sent back.
LIST_EDITABLE: frozenset[ListStatus] = frozenset({L.DRAFT, L.PUBLISHED})


class ItemStatus(StrEnum):
    PLANNED = "planned"  # 未开工
    IN_PROGRESS = "in_progress"  # 推进中
    DELAYED = "delayed"  # 滞后
    SUSPENDED = "suspended"  # 暂缓
    COMPLETED = "completed"  # 已完成
    CANCELLED = "cancelled"  # 已撤销


class ItemAction(StrEnum):
    START = "start"  # 开工
    REPORT = "report"  # 报送进度
    MARK_DELAYED = "mark_delayed"  # 标记滞后 (overdue sweep or by hand)
    SUSPEND = "suspend"  # 暂缓
    RESUME = "resume"  # 恢复推进
    COMPLETE = "complete"  # 办结
    REOPEN = "reopen"  # 重新推进 (the review found it not done)
    CANCEL = "cancel"  # 撤销


# label zh, label en, default progress (None: keep the item's own), colour
ITEM_LABELS: dict[ItemStatus, tuple[str, str, int | None, str]] = {
    ItemStatus.PLANNED: ("未开工", "Planned", 0, "grey"),
    ItemStatus.IN_PROGRESS: ("推进中", "In progress", None, "blue"),
    ItemStatus.DELAYED: ("滞后", "Delayed", None, "orange"),
    ItemStatus.SUSPENDED: ("暂缓", "Suspended", None, "brown"),
    ItemStatus.COMPLETED: ("已完成", "Completed", 100, "green"),
    ItemStatus.CANCELLED: ("已撤销", "Cancelled", None, "grey"),
}

IS, IA = ItemStatus, ItemAction
ITEM_TRANSITIONS: dict[tuple[ItemStatus, ItemAction], ItemStatus] = {
    (IS.PLANNED, IA.START): IS.IN_PROGRESS,
    (IS.PLANNED, IA.REPORT): IS.IN_PROGRESS,
    (IS.IN_PROGRESS, IA.REPORT): IS.IN_PROGRESS,
    (IS.DELAYED, IA.REPORT): IS.DELAYED,
    (IS.PLANNED, IA.MARK_DELAYED): IS.DELAYED,
    (IS.IN_PROGRESS, IA.MARK_DELAYED): IS.DELAYED,
    (IS.PLANNED, IA.SUSPEND): IS.SUSPENDED,
    (IS.IN_PROGRESS, IA.SUSPEND): IS.SUSPENDED,
    (IS.DELAYED, IA.SUSPEND): IS.SUSPENDED,
    (IS.SUSPENDED, IA.RESUME): IS.IN_PROGRESS,
    (IS.PLANNED, IA.COMPLETE): IS.COMPLETED,
    (IS.IN_PROGRESS, IA.COMPLETE): IS.COMPLETED,
    (IS.DELAYED, IA.COMPLETE): IS.COMPLETED,
    (IS.COMPLETED, IA.REOPEN): IS.IN_PROGRESS,
    (IS.PLANNED, IA.CANCEL): IS.CANCELLED,
    (IS.IN_PROGRESS, IA.CANCEL): IS.CANCELLED,
    (IS.DELAYED, IA.CANCEL): IS.CANCELLED,
    (IS.SUSPENDED, IA.CANCEL): IS.CANCELLED,
}
ITEM_OPEN: frozenset[ItemStatus] = frozenset({IS.PLANNED, IS.IN_PROGRESS, IS.DELAYED, IS.SUSPENDED})
ITEM_COUNTED: frozenset[ItemStatus] = frozenset(set(IS) - {IS.CANCELLED})  # the completion rate's denominator

ACTION_LABELS: dict[str, tuple[str, str]] = {
    LA.APPROVE: ("审定", "Approve"),
    LA.REVISE: ("退回修改", "Send back"),
    LA.PUBLISH: ("公示", "Publish"),
    LA.ARCHIVE: ("归档", "Archive"),
    IA.START: ("开工", "Start"),
    IA.REPORT: ("报送进度", "Report progress"),
    IA.MARK_DELAYED: ("标记滞后", "Mark delayed"),
    IA.SUSPEND: ("暂缓", "Suspend"),
    IA.RESUME: ("恢复推进", "Resume"),
    IA.COMPLETE: ("办结", "Complete"),
    IA.REOPEN: ("重新推进", "Reopen"),
    IA.CANCEL: ("撤销", "Cancel"),
}


class IllegalTransition(Conflict):
    def __init__(self, kind: str, status: str, action: str):
        zh_status = (LIST_LABELS.get(status) or ITEM_LABELS.get(status) or (status,))[0]  # type: ignore[call-overload]
        zh_action = ACTION_LABELS.get(action, (action, action))
        super().__init__(
            f"当前状态（{zh_status}）不能{zh_action[0]}",
            f"cannot {zh_action[1].lower()} a {kind} that is {status}",
            field="status",
        )
        self.status, self.action = status, action


def next_list_status(current: ListStatus | str, action: ListAction | str) -> ListStatus:
    try:
        return LIST_TRANSITIONS[(ListStatus(current), ListAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition("list", str(current), str(action)) from None


def next_item_status(current: ItemStatus | str, action: ItemAction | str) -> ItemStatus:
    try:
        return ITEM_TRANSITIONS[(ItemStatus(current), ItemAction(action))]
    except (KeyError, ValueError):
        raise IllegalTransition("item", str(current), str(action)) from None


def allowed_item_actions(current: ItemStatus | str) -> list[ItemAction]:
    return [a for (s, a) in ITEM_TRANSITIONS if s == ItemStatus(current)]


def allowed_list_actions(current: ListStatus | str) -> list[ListAction]:
    return [a for (s, a) in LIST_TRANSITIONS if s == ListStatus(current)]


def progress_after(status: ItemStatus, current: int) -> int:
    """The item's progress once it enters ``status``: the status's default, or what it had."""
    default = ITEM_LABELS[status][2]
    return current if default is None else default


def rollup(children: Iterable[tuple[float, int, ItemStatus | str]]) -> int | None:
    """A parent's progress: its children's progress weighted by their weight (cancelled children and
    zero weights drop out); None when nothing counts."""
    total = weighted = 0.0
    for weight, progress, status in children:
        if ItemStatus(status) == IS.CANCELLED or weight <= 0:
            continue
        total += weight
        weighted += weight * progress
    return None if total == 0 else round(weighted / total)


DIRECTIONS = {"up": ("越高越好", "higher is better", "↑"), "down": ("越低越好", "lower is better", "↓")}


def target_met(target: float, actual: float | None, direction: str = "up") -> bool:
    """The indicator reached its target (or went beyond it) in its direction."""
    if actual is None:
        return False
    return actual <= target if direction == "down" else actual >= target


def check_direction(baseline: float | None, target: float, direction: str) -> str:
    """``up`` or ``down``; a baseline on the wrong side of the target for the direction is refused."""
    if direction not in DIRECTIONS:
        raise InvalidInput("方向只能是越高越好或越低越好", "direction is up or down", field="direction")
    if baseline is not None and (target < baseline if direction == "up" else target > baseline):
        raise InvalidInput(
            "目标值与方向不符（越高越好时目标应不低于基期值，越低越好时不高于基期值）",
            "the target is on the wrong side of the baseline for the direction",
            field="target",
        )
    return direction


def target_progress(
    baseline: float | None, target: float, actual: float | None, direction: str | None = None
) -> int | None:
    """How far ``actual`` has moved from ``baseline`` towards ``target``, 0–100. With a ``direction`` (up:
    higher is better, down: lower is better) reaching or passing the target is 100 %, moving the wrong way 0 %,
    and without a baseline the indicator is either met (100) or not (0) for ``down``."""
    if actual is None:
        return None
    if direction is not None and target_met(target, actual, direction):
        return 100
    if direction == "down" and baseline is None:
        return 0
    start = 0.0 if baseline is None else baseline
    if target == start:
        return 100 if actual == target else 0
    share = (actual - start) / (target - start)
    return max(0, min(100, round(share * 100)))


# The fields of an item a published version carries; a change to one of them is a change of commitment.
VERSIONED_FIELDS = (
    "title",
    "parent_id",
    "owner_unit",
    "lead_official",
    "category",
    "area",
    "start_on",
    "due_on",
    "budget_planned",
    "fund_source",
    "weight",
    "cancelled",
    "targets",
)


def diff_versions(before: Mapping[str, Mapping], after: Mapping[str, Mapping]) -> dict:
    """What changed between two published snapshots (``{item_id: {field: value}}``): items added,
    removed and, per changed item, ``{field: [old, new]}``."""
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    changed = {}
    for key in after:
        if key in before:
            fields = {
                f: [before[key].get(f), after[key].get(f)]
                for f in VERSIONED_FIELDS
                if before[key].get(f) != after[key].get(f)
            }
            if fields:
                changed[key] = fields
    return {"added": added, "removed": removed, "changed": changed}


def is_empty_diff(diff: Mapping) -> bool:
    return not (diff.get("added") or diff.get("removed") or diff.get("changed") or diff.get("list"))


class RatingKind(StrEnum):
    SELF = "self"  # 自评 (owner unit, one per item)
    PUBLIC = "public"  # 群众评价 (one per resident account per item)
    REVIEW = "review"  # 综合评议 (assessing unit, one per item)


RATING_LABELS = {
    RatingKind.SELF: ("自评", "Self-assessment"),
    RatingKind.PUBLIC: ("群众评价", "Public rating"),
    RatingKind.REVIEW: ("综合评议", "Comprehensive review"),
}
DEFAULT_WEIGHTS = {"self": 20, "public": 40, "review": 40}


def composite_score(scores: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """三评 composite, 0–100: the weighted mean of the parts present (a missing part's weight drops out)."""
    parts = [(weights.get(k, 0), v) for k, v in scores.items() if v is not None and weights.get(k, 0) > 0]
    total = sum(w for w, _ in parts)
    return None if total == 0 else round(sum(w * v for w, v in parts) / total, 1)
