"""The example's API route, under /api/v1 like every module's."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from lianxin.api.deps import Ctx
from lianxin.api.errors import ERROR_RESPONSES
from tests.example_module.service import desk_of

router = APIRouter(prefix="/example", tags=["示例 example"], responses=ERROR_RESPONSES)


class DeskOut(BaseModel):
    code: str | None
    name: str | None


@router.get("/desk", response_model=DeskOut)
def desk(ctx: Ctx) -> DeskOut:
    found = desk_of(ctx.session, ctx.jurisdiction_id)
    return DeskOut(code=found.code if found else None, name=found.name if found else None)
