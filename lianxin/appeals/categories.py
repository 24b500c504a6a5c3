"""Editing the three-level category tree (问题分类): rows an admin changes, never code."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Category
from lianxin.errors import InvalidInput, NotFound
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import require_role
from lianxin.sla.service import config_changed

MAX_LEVEL = 3


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("分类名称须为 1–100 个字", "a category name has 1–100 characters", field="name")
    return name


def _check_unique(
    session: Session, jurisdiction_id: int, parent_id: int | None, name: str, exclude: int | None = None
) -> None:
    stmt = select(Category.id).where(
        Category.jurisdiction_id == jurisdiction_id,
        Category.name == name,
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id,
    )
    if exclude is not None:
        stmt = stmt.where(Category.id != exclude)
    if session.scalar(stmt) is not None:
        raise InvalidInput(f"同级已有分类「{name}」", f"a sibling category {name!r} exists", field="name")


def get_category(session: Session, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound(f"分类 {category_id} 不存在", f"category {category_id} not found", field="category_id")
    return category


def create_category(
    session: Session, *, actor: User | None, jurisdiction_id: int, name: str, parent_id: int | None = None
) -> Category:
    require_role(session, actor, (Role.ADMIN,))
    name = _clean_name(name)
    parent = get_category(session, parent_id) if parent_id is not None else None
    if parent is not None and parent.jurisdiction_id != jurisdiction_id:
        raise InvalidInput("上级分类属于其他辖区", "the parent belongs to another jurisdiction", field="parent_id")
    level = parent.level + 1 if parent else 1
    if level > MAX_LEVEL:
        raise InvalidInput("分类最多三级", "categories have at most three levels", field="parent_id")
    _check_unique(session, jurisdiction_id, parent_id, name)
    sort = (session.scalar(select(func.max(Category.sort)).where(Category.jurisdiction_id == jurisdiction_id)) or 0) + 1
    code = f"{parent.code}.{sort:03d}" if parent else f"C{sort:03d}"
    category = Category(jurisdiction_id=jurisdiction_id, parent=parent, level=level, code=code, name=name, sort=sort)
    session.add(category)
    session.flush()
    config_changed(session, jurisdiction_id)
    return category


def rename_category(session: Session, category: Category, *, actor: User | None, name: str) -> Category:
    require_role(session, actor, (Role.ADMIN,))
    name = _clean_name(name)
    _check_unique(session, category.jurisdiction_id, category.parent_id, name, exclude=category.id)
    category.name = name
    session.flush()
    config_changed(session, category.jurisdiction_id)  # the copies of the names kept per process (appeals.refs)
    return category


def set_category_active(session: Session, category: Category, *, actor: User | None, active: bool) -> list[Category]:
    """(De)activate a category and everything below it; appeals keep their category, new ones can't use it."""
    require_role(session, actor, (Role.ADMIN,))
    if active and category.parent is not None and not category.parent.active:
        raise InvalidInput("上级分类已停用，请先启用上级分类", "enable the parent category first", field="active")
    changed, frontier = [category], [category.id]
    while frontier:
        children = session.scalars(select(Category).where(Category.parent_id.in_(frontier))).all()
        changed.extend(children)
        frontier = [c.id for c in children]
    for row in changed:
        row.active = active
    session.flush()
    config_changed(session, category.jurisdiction_id)
    return changed
