"""Time-limit policies: appeal type × category × urgency → sign, contact and handling limits.

A :class:`Limit` is an amount and a unit written compactly (``"2h"``, ``"7d"``, ``"5wd"``).
Clock units (minutes, hours, natural days) are plain elapsed time; working units are
counted on a :class:`~lianxin.sla.calendar.WorkingCalendar`. :func:`select_rule` picks the
most specific :class:`PolicyRule` for an appeal and :func:`compute_deadlines` turns it into
the three due times set on dispatch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lianxin.choices import Choice
from lianxin.sla.calendar import WorkingCalendar, ensure_aware

URGENCIES = ("normal", "urgent", "critical")

_LIMIT_RE = re.compile(r"(\d+)(wd|wh|m|h|d)")


class LimitUnit(Choice):
    """Unit of a time limit; the value is the suffix used in the compact text form."""

    MINUTES = "m", "分钟", "minutes"
    HOURS = "h", "小时", "hours"
    DAYS = "d", "自然日", "calendar days"
    WORKING_HOURS = "wh", "工作小时", "working hours"
    WORKING_DAYS = "wd", "工作日", "working days"


_LABELS_ZH = {
    LimitUnit.MINUTES: "分钟",
    LimitUnit.HOURS: "小时",
    LimitUnit.DAYS: "天",
    LimitUnit.WORKING_HOURS: "个工作小时",
    LimitUnit.WORKING_DAYS: "个工作日",
}

_CLOCK_UNITS = {
    LimitUnit.MINUTES: timedelta(minutes=1),
    LimitUnit.HOURS: timedelta(hours=1),
    LimitUnit.DAYS: timedelta(days=1),
}


@dataclass(frozen=True)
class Limit:
    """A positive whole amount of a :class:`LimitUnit`, e.g. ``Limit(5, LimitUnit.WORKING_DAYS)``."""

    amount: int
    unit: LimitUnit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ValueError(f"时限必须为正整数 / limit amount must be a positive integer: {self.amount!r}")
        object.__setattr__(self, "unit", LimitUnit(self.unit))

    @classmethod
    def parse(cls, text: str) -> Limit:
        """Parse ``"30m"``, ``"2h"``, ``"7d"``, ``"2wh"`` or ``"5wd"`` (spaces ignored)."""
        cleaned = "".join(str(text).split()).lower()
        match = _LIMIT_RE.fullmatch(cleaned)
        if match is None or int(match.group(1)) <= 0:
            raise ValueError(f"时限格式无效 / invalid time limit: {text!r} (例如 2h、24h、7d、5wd)")
        return cls(int(match.group(1)), LimitUnit(match.group(2)))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"

    def label_zh(self) -> str:
        """Chinese label, e.g. ``"5个工作日"`` or ``"2小时"``."""
        return f"{self.amount}{_LABELS_ZH[self.unit]}"

    def apply(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        """The due time this limit gives from ``start``, as aware UTC."""
        if self.unit is LimitUnit.WORKING_DAYS:
            return calendar.add_working_days(start, self.amount)
        if self.unit is LimitUnit.WORKING_HOURS:
            return calendar.add_working_hours(start, self.amount)
        aware = ensure_aware(start, "start")
        return (aware + self.amount * _CLOCK_UNITS[self.unit]).astimezone(UTC)


def _as_limit(value: Limit | str) -> Limit:
    return value if isinstance(value, Limit) else Limit.parse(value)


@dataclass(frozen=True)
class PolicyRule:
    """One row of the policy table. ``None`` criteria match anything.

    ``category_id`` matches the category itself and all its descendants. Limits may be
    given as :class:`Limit` or as text (``"5wd"``), which is parsed on construction.
    """

    id: int
    sign: Limit
    contact: Limit
    handle: Limit
    appeal_type: str | None = None
    category_id: int | None = None
    urgency: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        for attr in ("sign", "contact", "handle"):
            object.__setattr__(self, attr, _as_limit(getattr(self, attr)))
        if self.urgency is not None and self.urgency not in URGENCIES:
            raise ValueError(f"unknown urgency {self.urgency!r}; expected one of {URGENCIES}")


@dataclass(frozen=True)
class Deadlines:
    """Due times set on dispatch, aware UTC, with ``sign_due_at <= contact_due_at <= due_at``."""

    sign_due_at: datetime
    contact_due_at: datetime
    due_at: datetime


def _score(rule: PolicyRule, appeal_type: str, category_path: Sequence[int], urgency: str) -> int | None:
    """Specificity of ``rule`` for the appeal, or ``None`` if it does not match.

    Urgency match 100; category match ``10 × (depth − index)`` where ``index`` is the
    matched id's position in the leaf-to-root path and ``depth`` is 3 (or the path length
    if longer), so a leaf match beats an ancestor match; appeal type match 1.
    """
    score = 0
    if rule.urgency is not None:
        if rule.urgency != urgency:
            return None
        score += 100
    if rule.category_id is not None:
        if rule.category_id not in category_path:
            return None
        depth = max(3, len(category_path))
        score += 10 * (depth - list(category_path).index(rule.category_id))
    if rule.appeal_type is not None:
        if rule.appeal_type != appeal_type:
            return None
        score += 1
    return score


def select_rule(
    rules: Sequence[PolicyRule], *, appeal_type: str, category_path: Sequence[int], urgency: str
) -> PolicyRule:
    """The most specific matching rule; ties go to the lowest id.

    ``category_path`` is the appeal's category chain from leaf to root (``[]`` when
    uncategorised). Raises ``LookupError`` when no rule matches.
    """
    best: tuple[int, int] | None = None
    chosen: PolicyRule | None = None
    for rule in rules:
        score = _score(rule, appeal_type, category_path, urgency)
        if score is None:
            continue
        key = (-score, rule.id)
        if best is None or key < best:
            best, chosen = key, rule
    if chosen is None:
        raise LookupError(
            f"没有匹配的时限规则 / no time-limit rule matches appeal_type={appeal_type!r}, "
            f"category_path={list(category_path)!r}, urgency={urgency!r}; add a catch-all rule"
        )
    return chosen


def compute_deadlines(rule: PolicyRule, start: datetime, calendar: WorkingCalendar) -> Deadlines:
    """Sign, contact and handling deadlines, all measured from ``start`` (dispatch time).

    Earlier deadlines are clamped to later ones so that sign <= contact <= handling.
    """
    due_at = rule.handle.apply(start, calendar)
    contact_due_at = min(rule.contact.apply(start, calendar), due_at)
    sign_due_at = min(rule.sign.apply(start, calendar), contact_due_at)
    return Deadlines(sign_due_at=sign_due_at, contact_due_at=contact_due_at, due_at=due_at)


def explain(rule: PolicyRule) -> str:
    """One Chinese line, e.g. ``"签收 2个工作小时 · 联系 1个工作日 · 办理 5个工作日（默认）"``."""
    line = f"签收 {rule.sign.label_zh()} · 联系 {rule.contact.label_zh()} · 办理 {rule.handle.label_zh()}"
    return f"{line}（{rule.name}）" if rule.name else line
