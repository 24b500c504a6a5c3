"""The extra questions a few demo and default categories ask (问题分类附加字段: 路灯 lamp-post number, 井盖
type, …), published as Open311 service definitions (``metadata=true``); loaded by ``lianxin init`` and the demo
through the module's ``init_defaults``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.defaults import category_by_path
from lianxin.open311.models import CategoryAttribute

# The extra questions some categories ask (问题分类附加字段), published as Open311 service definitions:
# (category path, code, datatype, required, description, datatype_description, [(key, name)]).
DEFAULT_ATTRIBUTES = [
    (
        "城乡建设/市政设施/路灯故障",
        "lamp_post_no",
        "string",
        False,
        "路灯杆编号（灯杆上喷涂的编号，如 LD-0421）",
        "灯杆上的编号；看不到可不填",
        [],
    ),
    (
        "城乡建设/市政设施/路灯故障",
        "lamp_fault",
        "singlevaluelist",
        False,
        "故障现象",
        "",
        [("dark", "不亮"), ("flicker", "闪烁"), ("daytime", "白天常亮"), ("damaged", "灯杆/灯罩损坏")],
    ),
    (
        "城乡建设/市政设施/井盖缺失",
        "manhole_type",
        "singlevaluelist",
        True,
        "井盖类型（井盖上的字样）",
        "",
        [
            ("rain", "雨水"),
            ("sewage", "污水"),
            ("power", "电力"),
            ("telecom", "通信"),
            ("gas", "燃气"),
            ("water", "自来水"),
            ("heat", "热力"),
            ("unknown", "看不清"),
        ],
    ),
    (
        "城乡建设/市政设施/井盖缺失",
        "manhole_state",
        "singlevaluelist",
        True,
        "井盖情况",
        "",
        [("missing", "缺失"), ("broken", "破损"), ("loose", "松动/异响"), ("sunken", "沉降/凸起")],
    ),
    (
        "环境保护/噪声污染/施工噪声",
        "time_of_day",
        "singlevaluelist",
        True,
        "噪音出现的时段",
        "夜间指 22:00 至次日 6:00",
        [("day", "白天（6:00–22:00）"), ("night", "夜间（22:00–次日6:00）"), ("all_day", "全天")],
    ),
    (
        "环境保护/噪声污染/社会生活噪声",
        "time_of_day",
        "singlevaluelist",
        True,
        "噪音出现的时段",
        "夜间指 22:00 至次日 6:00",
        [("day", "白天（6:00–22:00）"), ("night", "夜间（22:00–次日6:00）"), ("all_day", "全天")],
    ),
]


def load_category_attributes(session: Session, jurisdiction_id: int) -> int:
    """Add the default extra questions a category does not ask yet (idempotent); returns how many were added."""
    added = 0
    for path, code, datatype, required, description, datatype_description, values in DEFAULT_ATTRIBUTES:
        category = category_by_path(session, jurisdiction_id, path)
        if (
            category is None
            or session.scalar(
                select(CategoryAttribute.id).where(
                    CategoryAttribute.category_id == category.id, CategoryAttribute.code == code
                )
            )
            is not None
        ):
            continue
        order = 1 + len(
            session.scalars(select(CategoryAttribute.id).where(CategoryAttribute.category_id == category.id)).all()
        )
        session.add(
            CategoryAttribute(
                jurisdiction_id=jurisdiction_id,
                category_id=category.id,
                code=code,
                datatype=datatype,
                required=required,
                variable=True,
                description=description,
                datatype_description=datatype_description,
                order=order,
                values=[{"key": k, "name": n} for k, n in values],
            )
        )
        session.flush()
        added += 1
    return added
