"""Default data on ``lianxin init``: the expert domains, the merged department hotlines (一号通) with the category
each brings, and the utilities' hotlines operators transfer to. Idempotent: rows already there are kept."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianxin.appeals.models import Category
from lianxin.calls.models import CallHotline, CallSkill, CategorySkill
from lianxin.defaults import category_by_path

SKILLS = (
    ("hrss", "人社", "Human resources & social security"),
    ("medical", "医保", "Medical insurance"),
    ("housing_fund", "公积金", "Housing provident fund"),
    ("tax", "税务", "Taxation"),
    ("market", "市场监管", "Market regulation"),
)
# number, kind, zh, en, default category path (or None)
HOTLINES = (
    ("12333", "merged", "人社服务热线", "Human resources hotline", "劳动和社会保障/社会保险"),
    ("12329", "merged", "住房公积金热线", "Housing fund hotline", "城乡建设/住房保障"),
    ("12366", "merged", "纳税服务热线", "Tax service hotline", None),
    ("12315", "merged", "市场监管投诉举报热线", "Market regulation hotline", "市场管理/消费维权"),
    ("96116", "utility", "自来水服务热线", "Water company hotline", "公共服务/供水"),
    ("96777", "utility", "燃气服务热线", "Gas company hotline", "公共服务/供气"),
    ("96123", "utility", "地铁服务热线", "Metro hotline", "公共服务/公共交通"),
)
CATEGORY_SKILLS = (("劳动和社会保障/社会保险/医疗保险", "medical"),)


def ensure_defaults(session: Session, jurisdiction) -> None:
    jid = jurisdiction.id
    for code, zh, en in SKILLS:
        if session.get(CallSkill, (jid, code)) is None:
            session.add(CallSkill(jurisdiction_id=jid, code=code, name_zh=zh, name_en=en))
    session.flush()
    for number, kind, zh, en, path in HOTLINES:
        if session.get(CallHotline, (jid, number)) is None:
            category: Category | None = category_by_path(session, jid, path) if path else None
            session.add(
                CallHotline(
                    jurisdiction_id=jid,
                    number=number,
                    kind=kind,
                    name_zh=zh,
                    name_en=en,
                    channel="hotline",
                    default_category_id=category.id if category else None,
                    active=True,
                )
            )
    for path, skill in CATEGORY_SKILLS:
        category = category_by_path(session, jid, path)
        if category is not None and session.get(CategorySkill, (jid, category.id)) is None:
            session.add(CategorySkill(jurisdiction_id=jid, category_id=category.id, skill=skill))
    session.flush()
