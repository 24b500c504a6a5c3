"""Request dependencies shared by every page: the database session, the signed-in user, role checks."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from anyio import to_thread
from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lianxin.errors import NotFound, PermissionDenied
from lianxin.orgs.models import ROLE_LABELS, Jurisdiction, Role, User
from lianxin.orgs.service import has_role

SESSION_STATE = "lianxin_db"


async def get_session(request: Request) -> Session:
    """One session per request. ``TransactionMiddleware`` commits it once, just before the response
    goes out (so a redirect's next page sees the change), rolls it back on an error status, closes it.
    (``async``: making a session touches no connection, so it need not take a worker thread.)"""
    state = request.scope.setdefault("state", {})
    if SESSION_STATE not in state:
        app_state = request.app.state
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        maker = getattr(app_state, "write_sessionmaker", None) if writes else None
        state[SESSION_STATE] = (maker or app_state.sessionmaker)()
    return state[SESSION_STATE]


class TransactionMiddleware:
    """The edge owns the transaction: commit before the response starts if its status is below 400,
    otherwise roll back; a failed commit becomes a 500 instead of a response that lies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_after_commit(message: Message) -> None:
            session = scope.get("state", {}).get(SESSION_STATE)
            if message["type"] == "http.response.start" and session is not None:
                await to_thread.run_sync(session.commit if message["status"] < 400 else session.rollback)
            await send(message)

        try:
            await self.app(scope, receive, send_after_commit)
        finally:
            session = scope.get("state", {}).pop(SESSION_STATE, None)
            if session is not None:
                if session.in_transaction():  # rolling back talks to the database: in a worker thread
                    await to_thread.run_sync(session.close)
                else:  # committed or rolled back already: closing touches no connection
                    session.close()


class LoginRequired(Exception):
    """Raised by ``require_user``; the web error handler redirects to the login page."""

    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


def current_user(request: Request, session: Session = Depends(get_session)) -> User | None:
    """The signed-in, active user, or None (a stale or deactivated session is cleared)."""
    uid = request.session.get("uid")
    if uid is None:
        return None
    user = session.get(User, uid)
    if user is None or not user.active:
        request.session.clear()
        return None
    request.state.user = user
    request.state.user_id = user.id
    return user


def require_user(request: Request, user: User | None = Depends(current_user)) -> User:
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return user


def require_roles(*roles: Role) -> Callable[..., User]:
    """A dependency: the signed-in user holding one of ``roles`` somewhere (unit checks stay in services)."""

    def dependency(user: User = Depends(require_user), session: Session = Depends(get_session)) -> User:
        if not has_role(session, user, roles):
            names = "、".join(ROLE_LABELS[r] for r in roles)
            raise PermissionDenied(f"此页面需要{names}角色", f"this page requires the role {'/'.join(roles)}")
        return user

    return dependency


def user_roles(user: User) -> set[Role]:
    return {grant.role for grant in user.grants}


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def public_jurisdiction(request: Request, session: Session) -> Jurisdiction:
    """The jurisdiction the public pages serve: ``settings.public_jurisdiction`` or the first one."""
    code = request.app.state.settings.public_jurisdiction
    stmt = (
        select(Jurisdiction).where(Jurisdiction.code == code)
        if code
        else select(Jurisdiction).order_by(Jurisdiction.id)
    )
    jurisdiction = session.scalars(stmt.limit(1)).first()
    if jurisdiction is None:
        raise NotFound("系统尚未初始化，请先运行 lianxin init", "no jurisdiction yet; run `lianxin init`")
    return jurisdiction
