"""CSRF protection: one random token per session, required on every unsafe request.

Forms carry it in the hidden field ``csrf_token``; htmx sends it in the ``X-CSRF-Token`` header
(the base template sets it once for every htmx request). A missing or wrong token gets a bilingual
403 and the request never reaches a route. Paths under ``EXEMPT_PREFIXES`` authenticate with API
keys, never with the session cookie, so they need no token.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lianxin.web.guard import FORM_LIMITS

FIELD, HEADER = "csrf_token", "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PREFIXES = ("/api/", "/open311/")
SESSION_KEY = "csrf"


def csrf_token(request: Request) -> str:
    """The session's token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not token:
        token = request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def rotate_csrf_token(request: Request) -> str:
    """A fresh token (after logging in or out)."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return request.session[SESSION_KEY]


async def _read_body(receive: Receive) -> list[Message]:
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


async def _form_token(scope: Scope, messages: list[Message]) -> str | None:
    replay = iter(messages)

    async def receive() -> Message:
        return next(replay, {"type": "http.request", "body": b"", "more_body": False})

    content_type = Request(scope).headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    form: FormData = await Request(scope, receive).form(**FORM_LIMITS)  # InputGuardMiddleware checked these limits
    try:
        value = form.get(FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


class CSRFMiddleware:
    """Sits inside SessionMiddleware (it needs ``scope["session"]``)."""

    def __init__(self, app: ASGIApp, on_failure: ASGIApp) -> None:
        self.app, self.on_failure = app, on_failure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get(SESSION_KEY)
        sent = Request(scope).headers.get(HEADER)
        messages: list[Message] = []
        if not sent:
            messages = await _read_body(receive)
            sent = await _form_token(scope, messages)
        if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
            await self.on_failure(scope, receive, send)
            return
        if not messages:
            await self.app(scope, receive, send)
            return
        replay = iter(messages)

        async def replay_receive() -> Message:
            message = next(replay, None)
            return message if message is not None else await receive()

        await self.app(scope, replay_receive, send)
