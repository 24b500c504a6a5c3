"""Progress bars for the long commands (``demo``, ``train``, ``eval``, ``ledger import``, ``stats rebuild``,
``hotspots``): a bar on standard error when it is a terminal, nothing at all when it is not (a pipe, a
file, cron, CI, the tests), so their output stays exactly what the command prints.

A command opens the bar; the code doing the work only reports steps, without knowing whether anyone
watches (no parameter to thread through the services)::

    with progress.bar("演示数据 / demo", total=len(stories)):
        for story in stories:
            ...
            progress.advance()

``advance``, ``update`` and ``track`` act on the innermost open bar and do nothing when none is open.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, TypeVar

T = TypeVar("T")


class _Bar:
    """One task of a rich Progress display (or a quiet stand-in)."""

    def __init__(self, progress=None, task=None):
        self._progress, self._task = progress, task

    def advance(self, steps: float = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, steps)

    def update(self, *, description: str | None = None, total: float | None = None) -> None:
        if self._progress is not None:
            fields = {k: v for k, v in (("description", description), ("total", total)) if v is not None}
            self._progress.update(self._task, **fields)


_current: ContextVar[_Bar | None] = ContextVar("lianxin_progress", default=None)


def on_terminal(stream: IO | None = None) -> bool:
    """Whether to draw: ``stream`` (standard error) is a terminal and ``LIANXIN_PROGRESS`` is not ``0``."""
    if os.environ.get("LIANXIN_PROGRESS", "").strip() == "0":
        return False
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def bar(description: str, total: float | None = None, *, stream: IO | None = None) -> Iterator[_Bar]:
    """A progress bar on ``stream`` (standard error) while the block runs, if it is a terminal."""
    stream = sys.stderr if stream is None else stream
    outer = _current.get()
    if outer is not None and outer._progress is not None:  # nested: a second line on the same display
        handle = _Bar(outer._progress, outer._progress.add_task(description, total=total))
        token = _current.set(handle)
        try:
            yield handle
        finally:
            _current.reset(token)
            outer._progress.remove_task(handle._task)
        return
    if not on_terminal(stream):
        handle = _Bar()
        token = _current.set(handle)
        try:
            yield handle
        finally:
            _current.reset(token)
        return

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=stream, force_terminal=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,  # the bar disappears when done; what the command prints stays
    ) as progress:
        handle = _Bar(progress, progress.add_task(description, total=total))
        token = _current.set(handle)
        try:
            yield handle
        finally:
            _current.reset(token)


def advance(steps: float = 1) -> None:
    """One step (or ``steps``) done on the open bar, if any."""
    handle = _current.get()
    if handle is not None:
        handle.advance(steps)


def update(*, description: str | None = None, total: float | None = None) -> None:
    """Change the open bar's text or total, if a bar is open."""
    handle = _current.get()
    if handle is not None:
        handle.update(description=description, total=total)


def track(items: Iterable[T], description: str | None = None) -> Iterator[T]:
    """Yield ``items``, advancing the open bar after each (setting its total when ``items`` has a length)."""
    if hasattr(items, "__len__"):
        update(total=len(items), description=description)  # type: ignore[arg-type]
    elif description:
        update(description=description)
    for item in items:
        yield item
        advance()
