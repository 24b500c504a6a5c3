"""Domain errors, each with a Chinese and an English message; the edges turn them into responses."""

from __future__ import annotations


class LianxinError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message_zh: str, message_en: str = "", *, field: str | None = None):
        self.message_zh, self.message_en, self.field = message_zh, message_en or message_zh, field
        super().__init__(f"{message_zh} / {self.message_en}" if message_en else message_zh)


class InvalidInput(LianxinError):
    code, http_status = "invalid", 422


class NotFound(LianxinError):
    code, http_status = "not_found", 404


class PermissionDenied(LianxinError):
    code, http_status = "forbidden", 403


class Conflict(LianxinError):
    """The action is not allowed in the appeal's current state, or someone else changed it first."""

    code, http_status = "conflict", 409


class StaleVersion(Conflict):
    code = "stale_version"

    def __init__(self) -> None:
        super().__init__(
            "工单已被他人更新，请刷新后重试", "the appeal was changed by someone else; reload and try again"
        )


# What the database drivers raise for a number no column can hold (an id from a URL, say): SQLite's
# binding raises OverflowError, PostgreSQL a DataError. Every edge answers them as this bad input.
def out_of_range() -> InvalidInput:
    return InvalidInput("数值超出范围", "a value is out of range")


def out_of_range_errors() -> tuple[type[Exception], ...]:
    from sqlalchemy.exc import DataError

    return (OverflowError, DataError)


class Busy(LianxinError):
    """The database waited too long for a lock or a connection: nothing changed, the client may retry."""

    code, http_status = "busy", 503

    def __init__(self) -> None:
        super().__init__(
            "系统繁忙，请稍后重试（本次提交未生效）", "the system is busy; nothing was changed, please try again"
        )


def busy_errors() -> tuple[type[Exception], ...]:
    """What the database layer raises when a bounded wait runs out (see ``lianxin.db.is_busy``)."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return (OperationalError, PoolTimeout)


def as_busy(exc: Exception) -> Busy:
    """``exc`` as a 503 when it is a timed-out wait; anything else is re-raised (a real 500)."""
    from lianxin.db import is_busy

    if is_busy(exc):
        return Busy()
    raise exc
