"""What every ``lianxin`` command module shares: a session factory on the configured database, a
clean bilingual exit (code 2) on bad input, and a jurisdiction looked up by its code."""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import wraps
from typing import NoReturn

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lianxin.config import Settings, get_settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.orgs.models import Jurisdiction


def factory(immediate: bool = False) -> tuple[Settings, sessionmaker]:
    settings = get_settings()
    return settings, make_sessionmaker(make_engine(settings, immediate=immediate), settings)


def open_session() -> AbstractContextManager[Session]:
    """One transaction on the configured database, committed when the block ends without an error."""
    return session_scope(factory()[1])


def fail(message: str) -> NoReturn:
    """Print ``message`` (bilingual: ``中文 / English``) in red on standard error and exit with code 2."""
    typer.secho(message, err=True, fg="red")
    raise typer.Exit(code=2)


def failure_message(exc: BaseException) -> str | None:
    """The bilingual message for an error that is the user's input, not a bug; None for anything else.

    Domain errors (``lianxin.errors``, including a value not in a ``Choice`` list), a number no column can
    hold, and a file that cannot be read are bad input. Everything else is left to raise (a traceback: a bug).
    """
    from lianxin.errors import LianxinError, out_of_range, out_of_range_errors

    if isinstance(exc, LianxinError):
        return str(exc)
    if isinstance(exc, out_of_range_errors()):
        return str(out_of_range())
    if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError | UnicodeDecodeError):
        name = getattr(exc, "filename", None) or ""
        return f"无法读取文件 {name}：{exc.__class__.__name__} / cannot read the file {name}: {exc}".replace("  ", " ")
    return None


def fails_cleanly(func):
    """The one way a command fails: bad input (see :func:`failure_message`) becomes a red bilingual message
    on standard error and exit code 2, after the command's transaction has rolled back.

    ``lianxin.cli.build_cli`` wraps every command — the core's and each module's — so a command need not
    decorate itself (doing so is harmless); explicit ``fail(...)`` and ``typer.Exit`` codes are kept.
    """
    if getattr(func, "_fails_cleanly", False):
        return func

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            message = failure_message(exc)
            if message is None:
                raise
            fail(message)

    wrapper._fails_cleanly = True  # type: ignore[attr-defined]
    return wrapper


def wrap_commands(app: typer.Typer) -> typer.Typer:
    """Apply :func:`fails_cleanly` to every command of ``app`` and of its sub-apps (idempotent)."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = fails_cleanly(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            wrap_commands(group.typer_instance)
    return app


def jurisdiction_by_code(session: Session, code: str) -> Jurisdiction:
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found is None:
        fail(f"辖区 {code} 不存在，请先运行 lianxin init / unknown jurisdiction {code}: run lianxin init first")
    return found
