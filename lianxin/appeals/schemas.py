"""Validated input for intake (shared by the web form, the JSON API, Open311 and the CLI)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from lianxin.appeals.choices import AppealType, Channel, Urgency

# A mainland mobile (optionally +86 / 0086), a landline with its area code, or a 95xxx/96xxx service number.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|9[56]\d{3,6})$")


class AppealCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    jurisdiction_id: int
    channel: Channel
    appeal_type: AppealType
    content: str
    title: str | None = None
    urgency: Urgency = Urgency.NORMAL
    category_id: int | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    community_id: int | None = None
    grid_id: int | None = None
    appellant_name: str | None = None
    appellant_phone: str | None = None
    anonymous: bool = False
    confidential: bool = False

    @field_validator("channel", "appeal_type", "urgency", mode="before")
    @classmethod
    def _choice(cls, value, info):
        enum = {"channel": Channel, "appeal_type": AppealType, "urgency": Urgency}[info.field_name]
        return enum.parse(value) if isinstance(value, str) else value

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        if len(value) < 5:
            raise ValueError("诉求内容至少 5 个字 / describe the problem in at least 5 characters")
        if len(value) > 5000:
            raise ValueError("诉求内容不能超过 5000 字 / content is limited to 5000 characters")
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value and len(value) > 200:
            raise ValueError("标题不能超过 200 字 / title is limited to 200 characters")
        return value or None

    @field_validator("appellant_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = re.sub(r"^(\+86|0086)", "", value.replace(" ", ""))
        if not PHONE_RE.match(value):
            raise ValueError("电话号码格式不正确 / invalid phone number")
        return value

    @field_validator("appellant_name", "address")
    @classmethod
    def _short_text(cls, value: str | None, info) -> str | None:
        limit = {"appellant_name": 64, "address": 300}[info.field_name]
        if value and len(value) > limit:
            raise ValueError(f"不能超过 {limit} 字 / limited to {limit} characters")
        return value or None

    @field_validator("lat")
    @classmethod
    def _lat(cls, value: float | None) -> float | None:
        if value is not None and not -90 <= value <= 90:
            raise ValueError("纬度应在 -90 到 90 之间 / latitude must be within -90..90")
        return value

    @field_validator("lng")
    @classmethod
    def _lng(cls, value: float | None) -> float | None:
        if value is not None and not -180 <= value <= 180:
            raise ValueError("经度应在 -180 到 180 之间 / longitude must be within -180..180")
        return value

    @model_validator(mode="after")
    def _identity(self):
        if (self.lat is None) != (self.lng is None):
            raise ValueError("经纬度须同时填写 / give both latitude and longitude")
        if self.anonymous:
            self.appellant_name = self.appellant_phone = None
        elif not self.appellant_phone:
            raise ValueError("请填写联系电话（或选择匿名） / a phone number is required unless anonymous")
        if not self.title:
            self.title = self.content[:30]
        return self
