"""The one convention for value lists: every member carries its value, a Chinese and an English label,
and optionally a colour, on one line (pure; no framework or database imports).

```python
class Urgency(Choice):
    NORMAL = "normal", "一般", "Normal"
    URGENT = "urgent", "紧急", "Urgent", "orange"
```

A ``Choice`` is a ``StrEnum``: the member *is* its value (stored in the database, sent by forms and the
API), and ``member.zh``, ``member.en``, ``member.colour``, ``member.label(lang)`` give the rest.
Templates write ``{{ appeal.status | label }}`` (the page's language) and
``status-{{ appeal.status | colour }}``; forms list ``Urgency.options(lang)``; input goes through
``Urgency.parse(text)``, which accepts the value or either label and refuses anything else with a
bilingual message. ``tests/test_choices.py`` checks that every list in the package has both labels.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from lianxin.errors import InvalidInput


class InvalidChoice(InvalidInput, ValueError):
    """A value that is not in the list: bad input everywhere (the web, the API, the CLI), and a ValueError."""


COLOURS = ("blue", "cyan", "green", "orange", "red", "purple", "brown", "grey")  # the .status-* classes


class Choice(StrEnum):
    """A value list: ``NAME = value, zh, en[, colour]``."""

    zh: str
    en: str
    colour: str

    def __new__(cls, value: str, zh: str = "", en: str = "", colour: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh, member.en, member.colour = zh, en, colour
        return member

    # the names the code used before the convention (kept: they read well in Python)
    @property
    def label_zh(self) -> str:
        return self.zh

    @property
    def label_en(self) -> str:
        return self.en

    def label(self, lang: str = "zh-CN") -> str:
        """The label in ``lang`` (``en`` or anything else, which is Chinese)."""
        return self.en if is_english(lang) else self.zh

    @classmethod
    def options(cls, lang: str = "zh-CN") -> list[tuple[str, str]]:
        """``[(value, label), ...]`` in declaration order, for a ``<select>``."""
        return [(m.value, m.label(lang)) for m in cls]

    @classmethod
    def labels(cls) -> dict[Choice, tuple[str, str]]:
        """``{member: (zh, en)}``."""
        return {m: (m.zh, m.en) for m in cls}

    @classmethod
    def parse(cls, value: Any):
        """Accept the value or either label; raise :class:`InvalidChoice` (a ValueError) with a bilingual message."""
        text = str(value).strip() if value is not None else ""
        for member in cls:
            if text in (member.value, member.zh, member.en):
                return member
        options = "、".join(f"{m.value}({m.zh})" for m in cls)
        raise InvalidChoice(f"无效的取值「{text}」，可选：{options}", f"invalid value {text!r}")


def is_english(lang: str | None) -> bool:
    return bool(lang) and str(lang).lower().startswith("en")


def label_of(value: Any, lang: str = "zh-CN") -> str:
    """The label of a ``Choice`` member in ``lang``; anything else is shown as it is (``—`` for None)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Choice):
        return value.label(lang)
    return str(value)


def colour_of(value: Any) -> str:
    """The colour of a ``Choice`` member (a ``.status-*`` class name), ``grey`` when it has none."""
    return (value.colour if isinstance(value, Choice) else "") or "grey"


def all_choices() -> list[type[Choice]]:
    """Every ``Choice`` subclass defined so far (import the packages first), for tests and docs."""
    found: list[type[Choice]] = []
    todo = list(Choice.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))
