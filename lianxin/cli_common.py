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
    typer.secho(message, err=True, fg="red")
    raise typer.Exit(code=2)


def fails_cleanly(func):
    """Decorate a command: a domain error becomes a red bilingual message and exit code 2 (rolled back)."""
    from lianxin.errors import LianxinError

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except LianxinError as exc:
            fail(str(exc))

    return wrapper


def jurisdiction_by_code(session: Session, code: str) -> Jurisdiction:
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found is None:
        fail(f"辖区 {code} 不存在，请先运行 lianxin init / unknown jurisdiction {code}: run lianxin init first")
    return found
