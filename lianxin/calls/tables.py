"""The admin's tables of the telephone side: hotlines (一号通 and utilities), expert domains and who holds them,
categories that go to an expert queue, and seats. Each verb checks its input, writes, flushes, never commits."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.choices import Channel
from lianxin.appeals.models import Category
from lianxin.calls.choices import HotlineKind
from lianxin.calls.models import CallHotline, CallSeat, CallSkill, CategorySkill, OperatorSkill
from lianxin.calls.service import DESK_ROLES, number_or_none, require_skill, skills_of
from lianxin.choices import InvalidChoice
from lianxin.errors import InvalidInput
from lianxin.orgs.models import User
from lianxin.orgs.service import has_role


def save_hotline(
    session: Session,
    jurisdiction_id: int,
    *,
    number: str,
    kind: str,
    name_zh: str,
    name_en: str = "",
    channel: str = Channel.HOTLINE.value,
    category_code: str | None = None,
    active: bool = True,
) -> CallHotline:
    """Add or change a hotline (by its number)."""
    number = number_or_none(number, "number", "号码", "number", required=True)
    try:
        kind_value, channel_value = HotlineKind.parse(kind), Channel.parse(channel)
    except InvalidChoice as exc:
        raise InvalidInput(str(exc), str(exc), field="kind") from None
    name_zh = (name_zh or "").strip()
    if not 1 <= len(name_zh) <= 100:
        raise InvalidInput(
            "请填写热线名称（100 字以内）", "give the hotline's name (at most 100 characters)", field="name_zh"
        )
    category_id = None
    if category_code:
        category_id = session.scalar(
            select(Category.id).where(
                Category.jurisdiction_id == jurisdiction_id, Category.code == category_code.strip()
            )
        )
        if category_id is None:
            raise InvalidInput(
                f"未知的问题分类 {category_code[:32]}", f"unknown category {category_code[:32]!r}", field="category"
            )
    line = session.get(CallHotline, (jurisdiction_id, number))
    if line is None:
        line = CallHotline(jurisdiction_id=jurisdiction_id, number=number)
        session.add(line)
    line.kind, line.name_zh, line.name_en = kind_value, name_zh, (name_en or "").strip()[:100] or name_zh
    line.channel, line.default_category_id, line.active = channel_value, category_id, active
    session.flush()
    return line


def hotlines(session: Session, jurisdiction_id: int) -> list[CallHotline]:
    return list(
        session.scalars(
            select(CallHotline)
            .where(CallHotline.jurisdiction_id == jurisdiction_id)
            .order_by(CallHotline.kind, CallHotline.number)
        )
    )


def save_skill(session: Session, jurisdiction_id: int, code: str, name_zh: str, name_en: str) -> CallSkill:
    code = (code or "").strip()
    if not re.match(r"^[a-z][a-z0-9_]{0,31}$", code):
        raise InvalidInput(
            "领域代码应为小写字母、数字或下划线", "skill code: lowercase letters, digits, _", field="code"
        )
    skill = session.get(CallSkill, (jurisdiction_id, code))
    if skill is None:
        skill = CallSkill(jurisdiction_id=jurisdiction_id, code=code)
        session.add(skill)
    skill.name_zh, skill.name_en = name_zh.strip()[:64] or code, name_en.strip()[:64] or code
    session.flush()
    return skill


def set_operator_skills(session: Session, user: User, codes: list[str]) -> list[str]:
    """The domains ``user`` is an expert seat of (replacing the earlier list)."""
    for code in codes:
        require_skill(session, user.jurisdiction_id, code)
    if codes and not has_role(session, user, DESK_ROLES):
        raise InvalidInput(
            "只有话务员或派单员可以担任专家座席", "only operators or dispatchers can be expert seats", field="user"
        )
    existing = session.scalars(
        select(OperatorSkill).where(
            OperatorSkill.jurisdiction_id == user.jurisdiction_id, OperatorSkill.user_id == user.id
        )
    ).all()
    for row in existing:
        if row.skill not in codes:
            session.delete(row)
    have = {row.skill for row in existing}
    for code in dict.fromkeys(codes):
        if code not in have:
            session.add(OperatorSkill(jurisdiction_id=user.jurisdiction_id, user_id=user.id, skill=code))
    session.flush()
    return skills_of(session, user)


def set_category_skill(session: Session, jurisdiction_id: int, category_id: int, skill: str | None) -> None:
    row = session.get(CategorySkill, (jurisdiction_id, category_id))
    if not skill:
        if row is not None:
            session.delete(row)
        session.flush()
        return
    require_skill(session, jurisdiction_id, skill)
    if row is None:
        row = CategorySkill(jurisdiction_id=jurisdiction_id, category_id=category_id)
        session.add(row)
    row.skill = skill
    session.flush()


def set_seat(session: Session, user: User, seat: str) -> CallSeat:
    """``user`` sits at ``seat``: calls the switch puts through to that seat pop on their desk."""
    seat = (seat or "").strip()
    if not re.match(r"^[A-Za-z0-9-]{1,16}$", seat):
        raise InvalidInput("座席号应为 1–16 位字母或数字", "seat: 1–16 letters or digits", field="seat")
    if not has_role(session, user, DESK_ROLES):
        raise InvalidInput("只有话务员或派单员可以坐席", "only operators or dispatchers sit at a seat", field="user")
    for old in session.scalars(
        select(CallSeat).where(CallSeat.jurisdiction_id == user.jurisdiction_id, CallSeat.user_id == user.id)
    ):
        session.delete(old)
    session.flush()
    row = session.get(CallSeat, (user.jurisdiction_id, seat))
    if row is None:
        row = CallSeat(jurisdiction_id=user.jurisdiction_id, seat=seat, user_id=user.id)
        session.add(row)
    row.user_id = user.id
    session.flush()
    return row
