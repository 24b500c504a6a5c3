"""/api/v1/categories/{code}/attributes: a category's extra questions (附加问题), published by Open311 as the
service definition (``metadata=true``). Part of the open311 module's API: switched off with it."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from lianxin.api.deps import Ctx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.appeals.models import Category
from lianxin.errors import NotFound
from lianxin.open311 import service as open311
from lianxin.open311.models import CategoryAttribute, Datatype

router = APIRouter(responses=ERROR_RESPONSES)


class ChoiceIO(BaseModel):
    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)


class AttributeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    datatype: Datatype
    description: str = Field(max_length=300)
    required: bool = False
    variable: bool = True
    order: int | None = Field(default=None, ge=1, le=1000)
    datatype_description: str = Field(default="", max_length=300)
    values: list[ChoiceIO] = Field(default=[], max_length=100)


class AttributeOut(AttributeIn):
    code: str


def _attribute_out(a: CategoryAttribute) -> AttributeOut:
    return AttributeOut(
        code=a.code,
        datatype=a.datatype,
        description=a.description,
        required=a.required,
        variable=a.variable,
        order=a.order,
        datatype_description=a.datatype_description,
        values=[ChoiceIO(key=str(v["key"]), name=str(v["name"])) for v in a.values],
    )


def _category(ctx, code: str) -> Category:
    category = ctx.session.scalar(
        select(Category).where(Category.jurisdiction_id == ctx.jurisdiction_id, Category.code == code)
    )
    if category is None:
        raise NotFound(f"分类 {code} 不存在", f"category {code} not found", field="code")
    return category


@router.get(
    "/categories/{code}/attributes",
    response_model=list[AttributeOut],
    tags=["分类 categories"],
    summary="分类的附加问题（Open311 属性）/ a category's extra questions",
)
def category_attributes(code: str, ctx: Ctx):
    return [_attribute_out(a) for a in open311.attributes_of(ctx.session, _category(ctx, code))]


@router.put(
    "/categories/{code}/attributes/{attribute}",
    response_model=AttributeOut,
    tags=["分类 categories"],
    summary="新增或修改附加问题（管理员）/ add or replace a question (admins)",
)
def put_attribute(code: str, attribute: str, body: AttributeIn, ctx: Ctx):
    return _attribute_out(
        open311.set_category_attribute(
            ctx.session,
            _category(ctx, code),
            actor=ctx.actor,
            code=attribute,
            datatype=body.datatype,
            description=body.description,
            required=body.required,
            variable=body.variable,
            order=body.order,
            datatype_description=body.datatype_description,
            values=[(v.key, v.name) for v in body.values],
        )
    )


@router.delete(
    "/categories/{code}/attributes/{attribute}",
    status_code=204,
    tags=["分类 categories"],
    summary="删除附加问题（管理员）/ remove a question (admins)",
)
def delete_attribute(code: str, attribute: str, ctx: Ctx):
    found = next((a for a in open311.attributes_of(ctx.session, _category(ctx, code)) if a.code == attribute), None)
    if found is None:
        raise NotFound(f"附加问题 {attribute} 不存在", f"attribute {attribute} not found", field="attribute")
    open311.remove_category_attribute(ctx.session, found, actor=ctx.actor)
    return Response(status_code=204)
