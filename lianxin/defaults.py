"""Sane defaults loaded by ``lianxin init``: a jurisdiction, its hotline centre, the category tree and
time-limit policies (the 5-working-day default and the Beijing tiers 2 h / 24 h / 7 d / 15 d). The extra
questions a few categories ask (Open311 service attributes) are the open311 module's (``open311/defaults.py``)."""

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
