"""/api/v1: units, categories, users (admins) and API keys (admins). A category's extra questions (Open311
attributes) are the open311 module's (``lianxin.open311.attributes_api``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.keys import create_api_key, get_api_key, key_roles, list_api_keys, revoke_api_key
from lianxin.appeals.choices import Channel
from lianxin.appeals.models import Category
from lianxin.errors import Conflict
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import create_user, require_role

router = APIRouter(responses=ERROR_RESPONSES)
ADMIN = (Role.ADMIN,)


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: UnitKind
    parent_code: str | None = None
    active: bool


class CategoryOut(BaseModel):
    id: int
    code: str
    name: str
    level: int
    parent_code: str | None = None
    active: bool


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    unit: str = Field(max_length=32, description="单位编码 / unit code")


class GrantOut(BaseModel):
    role: Role
    unit: str


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=64)
    password: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    grants: list[GrantIn] = Field(default=[], max_length=20)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    active: bool
    grants: list[GrantOut]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(max_length=100)
    channel: Channel = Channel.API
    grants: list[GrantIn] = Field(default=[], max_length=20)


class ApiKeyOut(BaseModel):
    prefix: str
    name: str
    channel: Channel
    grants: list[GrantOut]
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class NewApiKeyOut(ApiKeyOut):
    key: str = Field(description="完整密钥，仅此一次 / the whole key, shown once")


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        active=user.active,
        grants=[GrantOut(role=g.role, unit=g.unit.code) for g in user.grants],
    )


def _key_out(api_key, model=ApiKeyOut, **extra):
    return model(
        prefix=api_key.prefix,
        name=api_key.name,
        channel=api_key.channel,
        grants=[GrantOut(role=r, unit=u) for r, u in key_roles(api_key)],
        created_at=api_key.created_at,
        last_used_at=api_key.last_used_at,
        revoked_at=api_key.revoked_at,
        **extra,
    )


@router.get("/units", response_model=list[UnitOut], tags=["单位 units"], summary="单位树 / the unit tree")
def units(ctx: Ctx, kind: Annotated[UnitKind | None, Query()] = None):
    rows = ctx.session.scalars(select(Unit).where(Unit.jurisdiction_id == ctx.jurisdiction_id).order_by(Unit.id)).all()
    codes = {u.id: u.code for u in rows}
    return [
        UnitOut(id=u.id, code=u.code, name=u.name, kind=u.kind, parent_code=codes.get(u.parent_id), active=u.active)
        for u in rows
        if kind is None or u.kind == kind
    ]


@router.get("/categories", response_model=list[CategoryOut], tags=["分类 categories"], summary="问题分类 / categories")
def categories(ctx: Ctx, active: Annotated[bool | None, Query()] = None):
    rows = ctx.session.scalars(
        select(Category).where(Category.jurisdiction_id == ctx.jurisdiction_id).order_by(Category.sort, Category.id)
    ).all()
    codes = {c.id: c.code for c in rows}
    return [
        CategoryOut(
            id=c.id, code=c.code, name=c.name, level=c.level, parent_code=codes.get(c.parent_id), active=c.active
        )
        for c in rows
        if active is None or c.active == active
    ]


@router.get("/users", response_model=list[UserOut], tags=["用户 users"], summary="用户（管理员）/ users (admins)")
def users(ctx: Ctx):
    require_role(ctx.session, ctx.actor, ADMIN)
    rows = ctx.session.scalars(
        select(User)
        .where(User.jurisdiction_id == ctx.jurisdiction_id, User.username.not_like("apikey-%"))
        .order_by(User.id)
    )
    return [_user_out(u) for u in rows]


@router.post("/users", status_code=201, response_model=UserOut, tags=["用户 users"], summary="新建用户 / create a user")
def create(body: UserIn, ctx: WriteCtx):
    def run():
        require_role(ctx.session, ctx.actor, ADMIN)
        grants = [(g.role, ctx.unit(g.unit, "grants")) for g in body.grants]
        return _user_out(
            create_user(
                ctx.session,
                jurisdiction_id=ctx.jurisdiction_id,
                username=body.username,
                display_name=body.display_name,
                password=body.password,
                grants=grants,
                phone=body.phone,
            )
        )

    return ctx.once(run, status_code=201)


@router.get("/apikeys", response_model=list[ApiKeyOut], tags=["API 密钥 api keys"], summary="API 密钥 / keys")
def apikeys(ctx: Ctx):
    require_role(ctx.session, ctx.actor, ADMIN)
    return [_key_out(k) for k in list_api_keys(ctx.session, ctx.jurisdiction_id)]


@router.post(
    "/apikeys",
    status_code=201,
    response_model=NewApiKeyOut,
    tags=["API 密钥 api keys"],
    summary="新建密钥（完整密钥只返回一次）/ create a key",
)
def create_key(body: ApiKeyIn, ctx: WriteCtx):
    def run():
        require_role(ctx.session, ctx.actor, ADMIN)
        key, secret = create_api_key(
            ctx.session,
            jurisdiction_id=ctx.jurisdiction_id,
            name=body.name,
            channel=body.channel,
            grants=[(g.role, ctx.unit(g.unit, "grants")) for g in body.grants],
        )
        return _key_out(key, NewApiKeyOut, key=secret)

    return ctx.once(run, status_code=201)


@router.post("/apikeys/{prefix}/revoke", response_model=ApiKeyOut, tags=["API 密钥 api keys"], summary="吊销 / revoke")
def revoke_key(prefix: str, ctx: WriteCtx):
    def run():
        require_role(ctx.session, ctx.actor, ADMIN)
        key = get_api_key(ctx.session, ctx.jurisdiction_id, prefix)
        if ctx.api_key is not None and key.id == ctx.api_key.id:
            raise Conflict(
                "不能吊销正在使用的密钥", "a key cannot revoke itself; use another key or the CLI", field="prefix"
            )
        return _key_out(revoke_api_key(ctx.session, key))

    return ctx.once(run)
