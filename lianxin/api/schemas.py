"""Request and response bodies of the JSON API (the OpenAPI document is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from lianxin.appeals.choices import AppealType, Channel, Urgency
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.status import AppealStatus

DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]  # a row id: larger numbers cannot exist (and overflow SQLite)


class AppealIn(AppealCreate):
    """A new appeal. The jurisdiction is the caller's; ``channel`` defaults to the API key's channel."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    jurisdiction_id: SkipJsonSchema[int | None] = Field(default=None, exclude=True)
    channel: Channel | None = None
    appeal_type: AppealType
    urgency: Urgency = Urgency.NORMAL
    content: str = Field(min_length=5, max_length=5000)
    title: str | None = Field(default=None, max_length=200)
    appellant_phone: str | None = Field(default=None, max_length=32)
    appellant_name: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    category_id: DbId | None = None
    community_id: DbId | None = None
    grid_id: DbId | None = None


class Ref(BaseModel):
    id: int
    code: str
    name: str


class TimelineStepOut(BaseModel):
    at: datetime
    kind: str
    label: str
    unit: str | None = None
    note: str | None = None


class PendingRequestOut(BaseModel):
    id: int
    kind: str
    unit: Ref
    reason: str
    requested_at: datetime
    requested_due_at: datetime | None = None


class AppealOut(BaseModel):
    order_no: str
    version: int
    status: AppealStatus
    status_label: str
    channel: Channel
    appeal_type: AppealType
    urgency: Urgency
    title: str
    content: str
    category: Ref | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    community: Ref | None = None
    lead_unit: Ref | None = None
    co_units: list[Ref] = []
    appellant_name: str | None = None
    appellant_phone: str | None = None
    personal_data_masked: bool
    anonymous: bool
    confidential: bool
    received_at: datetime
    dispatched_at: datetime | None = None
    signed_at: datetime | None = None
    first_contact_at: datetime | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    sign_due_at: datetime | None = None
    contact_due_at: datetime | None = None
    due_at: datetime | None = None
    overdue_at: datetime | None = None
    supervision_level: int
    extension_count: int
    reopen_count: int
    reply_text: str | None = None
    satisfaction: str | None = None
    updated_at: datetime
    allowed_actions: list[str]


class AppealDetail(AppealOut):
    timeline: list[TimelineStepOut]
    pending_requests: list[PendingRequestOut]


class AppealPage(BaseModel):
    items: list[AppealOut]
    total: int | None = Field(
        description="how many match, counted up to 10,000 (then total_capped is true); null on a cursor's page "
        "and when search_window is set (follow next_cursor)"
    )
    total_capped: bool = False
    page: int
    page_size: int
    next_cursor: str | None = Field(None, description="pass as cursor= for the next page; null on the last page")
    search_window: int | None = Field(
        None,
        description="q has no 3 letters/characters in a row (e.g. a 2-character word), so it was looked for in "
        "this many of the newest appeals only; null when q searched them all",
    )


class CountRow(BaseModel):
    key: str
    count: int


class Counts(BaseModel):
    by: str
    total: int
    rows: list[CountRow]
