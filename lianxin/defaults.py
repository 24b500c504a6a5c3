"""Sane defaults loaded by ``lianxin init``: a jurisdiction, its hotline centre, the category tree and
time-limit policies (the 5-working-day default and the Beijing tiers 2 h / 24 h / 7 d / 15 d), and the
extra questions a few categories ask (Open311 service attributes), loaded by ``lianxin init`` and the demo."""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Category
from lianxin.orgs.models import Jurisdiction, Unit, UnitKind
from lianxin.orgs.service import create_unit
from lianxin.sla.models import TimeLimitPolicy
from lianxin.sla.service import set_policy

UTILITIES_CATEGORY = "公共服务/供水 公共服务/供电 公共服务/供气 公共服务/供热"

# (name, appeal_type, urgency, category path or None, sign, contact, handle)
DEFAULT_POLICIES = [
    ("默认：5个工作日", None, None, None, "2wh", "1wd", "5wd"),
    ("投诉：7天", "complaint", None, None, "2wh", "1wd", "7d"),
    ("举报：7天", "report", None, None, "2wh", "1wd", "7d"),
    ("建议：15天（复杂事项）", "suggestion", None, None, "4wh", "2wd", "15d"),
    ("紧急：24小时", None, "urgent", None, "1h", "2h", "24h"),
    ("特急：2小时", None, "critical", None, "30m", "1h", "2h"),
] + [
    (f"{path.split('/')[1]}：24小时（7×24）", None, None, path, "1h", "2h", "24h")
    for path in UTILITIES_CATEGORY.split()
]

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
    from lianxin.open311.models import CategoryAttribute

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


def parse_category_outline(text: str) -> list[tuple[int, str]]:
    """Lines of the outline as (level, name); two spaces of indentation per level, '#' comments."""
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        rows.append((indent // 2 + 1, line.strip()))
    return rows


def load_categories(session: Session, jurisdiction_id: int, outline: str) -> int:
    parents: dict[int, Category] = {}
    count = 0
    for sort, (level, name) in enumerate(parse_category_outline(outline)):
        parent = parents.get(level - 1) if level > 1 else None
        code = f"{parent.code}.{sort:03d}" if parent else f"C{sort:03d}"
        category = Category(
            jurisdiction_id=jurisdiction_id, parent=parent, level=level, code=code, name=name, sort=sort
        )
        session.add(category)
        parents[level] = category
        count += 1
    session.flush()
    return count


def category_by_path(session: Session, jurisdiction_id: int, path: str) -> Category | None:
    parent_id = None
    category = None
    for name in path.split("/"):
        category = session.scalar(
            select(Category).where(
                Category.jurisdiction_id == jurisdiction_id,
                Category.name == name,
                Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id,
            )
        )
        if category is None:
            return None
        parent_id = category.id
    return category


def ensure_defaults(session: Session, *, code: str = "default", name: str = "示例市") -> Jurisdiction:
    """Idempotent: creates only what is missing."""
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if jurisdiction is None:
        jurisdiction = Jurisdiction(code=code, name=name)
        session.add(jurisdiction)
        session.flush()
    jid = jurisdiction.id
    if session.scalar(select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.CENTRE)) is None:
        create_unit(session, jurisdiction_id=jid, kind=UnitKind.CENTRE, code="CENTRE", name=f"{name}12345热线中心")
    if session.scalar(select(Category.id).where(Category.jurisdiction_id == jid)) is None:
        load_categories(session, jid, files("lianxin.data").joinpath("categories.txt").read_text(encoding="utf-8"))
    if session.scalar(select(TimeLimitPolicy.id).where(TimeLimitPolicy.jurisdiction_id == jid)) is None:
        for label, appeal_type, urgency, path, sign, contact, handle in DEFAULT_POLICIES:
            category = category_by_path(session, jid, path) if path else None
            set_policy(
                session,
                jurisdiction_id=jid,
                name=label,
                appeal_type=appeal_type,
                urgency=urgency,
                category_id=category.id if category else None,
                sign=sign,
                contact=contact,
                handle=handle,
            )
    session.flush()
    return jurisdiction
