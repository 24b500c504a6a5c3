"""What every API route depends on: the database session, the caller (API key or browser session),
and :class:`ApiContext`, which loads appeals within the caller's scope, reads ``If-Match`` and runs
a POST at most once per ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lianxin.api.errors import Unauthenticated
from lianxin.api.keys import authenticate, touch
from lianxin.api.models import ApiKey, IdempotencyRecord
from lianxin.appeals.access import require_can_see
from lianxin.appeals.choices import Channel
from lianxin.appeals.models import Appeal
from lianxin.clock import utcnow
from lianxin.db import insert_or_ignore
from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import Unit, User
from lianxin.web.deps import get_session

bearer = HTTPBearer(auto_error=False, description="API 密钥 / API key: `Authorization: Bearer lx_…`")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API 密钥 / API key")

SessionDep = Annotated[Session, Depends(get_session)]


async def actor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
    header_key: Annotated[str | None, Depends(api_key_header)] = None,
) -> AsyncIterator[User]:
    """The caller: an API key (Bearer or X-API-Key) or the logged-in browser session (``session["uid"]``).
    A key's ``last_used_at`` is written after the handler succeeds, in the request's transaction.
    (``async``: only the lookup takes a worker thread; marking the key used after the handler does not.)"""
    raw = credentials.credentials if credentials else header_key
    request.state.api_key = None
    if raw:
        key = await run_in_threadpool(authenticate, session, raw)
        if key is None:
            raise Unauthenticated("API 密钥无效或已吊销", "invalid or revoked API key")
        request.state.api_key = key
        request.state.user_id = key.user_id
        yield key.user
        touch(key)  # sets an attribute; the commit writes it
        return
    yield await run_in_threadpool(_session_user, request, session)


def _session_user(request: Request, session: Session) -> User:
    uid = request.session.get("uid") if "session" in request.scope else None
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.active:
        raise Unauthenticated("请先登录或提供 API 密钥", "log in or send an API key")
    if request.method not in SAFE_METHODS and not _is_json(request):
        # A cross-site form cannot send JSON without a CORS preflight: session writes must be JSON.
        raise PermissionDenied("浏览器会话的写操作须以 JSON 提交", "session-authenticated writes must send JSON")
    request.state.user_id = user.id
    return user


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


ActorDep = Annotated[User, Depends(actor, scope="function")]  # touch the key before the response commits


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "该幂等键已用于另一个请求", "this Idempotency-Key was used for a different request", field="Idempotency-Key"
        )


@dataclass
class ApiContext:
    request: Request
    session: Session
    actor: User
    api_key: ApiKey | None
    body: bytes

    @property
    def jurisdiction_id(self) -> int:
        return self.actor.jurisdiction_id

    @property
    def channel(self) -> Channel:
        """The channel an appeal created by this caller comes from, unless it says otherwise."""
        return Channel(self.api_key.channel) if self.api_key else Channel.API

    @property
    def client(self) -> str:
        return f"key:{self.api_key.id}" if self.api_key else f"user:{self.actor.id}"

    def appeal(self, order_no: str) -> Appeal:
        """The appeal, if the caller may see it: 404 outside the jurisdiction, 403 outside the caller's units."""
        appeal = self.session.scalar(select(Appeal).where(Appeal.order_no == order_no))
        if appeal is None or appeal.jurisdiction_id != self.jurisdiction_id:
            raise NotFound(f"工单 {order_no} 不存在", f"appeal {order_no} not found", field="order_no")
        require_can_see(self.session, appeal, self.actor)
        return appeal

    def unit(self, code: str, field: str) -> Unit:
        """A unit of the caller's jurisdiction by its code (422 naming ``field`` when there is none)."""
        unit = self.session.scalar(select(Unit).where(Unit.jurisdiction_id == self.jurisdiction_id, Unit.code == code))
        if unit is None:
            raise InvalidInput(f"单位编码「{code}」不存在", f"unknown unit code {code!r}", field=field)
        return unit

    def once(self, run: Callable[[], Any], *, status_code: int = 200) -> JSONResponse:
        """Run ``run`` and answer with its JSON; with an ``Idempotency-Key`` header, a retry of the same
        request replays the first response (``Idempotent-Replayed: true``) and never acts twice.

        The record is claimed in the request's own transaction, inside a savepoint: a failed action leaves
        no record (a retry runs again), and a concurrent duplicate waits on the unique key, then replays."""
        key = self.request.headers.get("idempotency-key")
        if key is None:
            result = run()
            if isinstance(result, BaseModel):  # pydantic writes the JSON itself, far cheaper than encoding a dict
                return Response(
                    result.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json"
                )
            return JSONResponse(jsonable_encoder(result), status_code=status_code)
        key = key.strip()
        if not 1 <= len(key) <= 200:
            raise InvalidInput(
                "幂等键长度应为 1–200 个字符", "Idempotency-Key must have 1–200 characters", field="Idempotency-Key"
            )
        method, path = self.request.method, self.request.url.path
        digest = hashlib.sha256(b"\n".join([method.encode(), path.encode(), self.body])).hexdigest()
        with self.session.begin_nested():
            record_id = insert_or_ignore(
                self.session,
                IdempotencyRecord.__table__,
                dict(
                    jurisdiction_id=self.jurisdiction_id,
                    client=self.client,
                    key=key,
                    method=method,
                    path=path,
                    request_hash=digest,
                    created_at=utcnow(),
                ),
                ["client", "key"],
            )
            if record_id is None:
                record = self.session.scalar(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.client == self.client, IdempotencyRecord.key == key
                    )
                )
                if record.request_hash != digest:
                    raise IdempotencyKeyReused()
                return JSONResponse(
                    record.response_body, status_code=record.status_code, headers={"Idempotent-Replayed": "true"}
                )
            result = run()
            content = (
                result.model_dump(mode="json", by_alias=True)
                if isinstance(result, BaseModel)
                else jsonable_encoder(result)
            )
            self.session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.id == record_id)
                .values(status_code=status_code, response_body=content)
            )
        return JSONResponse(content, status_code=status_code)


async def context(request: Request, session: SessionDep, user: ActorDep) -> ApiContext:
    body = await request.body() if request.method == "POST" else b""
    return ApiContext(request=request, session=session, actor=user, api_key=request.state.api_key, body=body)


async def write_context(
    ctx: Annotated[ApiContext, Depends(context)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="重试同一请求时带上相同的键，只执行一次 / retries with the same key act once",
        ),
    ] = None,
) -> ApiContext:
    return ctx


Ctx = Annotated[ApiContext, Depends(context)]
WriteCtx = Annotated[ApiContext, Depends(write_context)]


def expected_version(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="工单版本（GET 返回的 ETag）/ the appeal's version")
    ] = None,
) -> int | None:
    """The version the client last saw, from ``If-Match`` (``"3"``, ``W/"3"`` or ``3``); None when absent."""
    if if_match is None or not if_match.strip():
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput("If-Match 应为工单版本号", "If-Match must be the appeal's version", field="If-Match")
    return int(value)


VersionDep = Annotated[int | None, Depends(expected_version)]
