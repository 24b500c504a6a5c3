"""Units, users and the one permission check every service verb uses."""

from __future__ import annotations

import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import literal, select
from sqlalchemy.orm import Session, aliased

from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import ROLE_LABELS, Role, RoleGrant, Unit, UnitKind, User

_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")

_ANCESTORS, _DESCENDANTS = "unit_ancestors", "unit_descendants"  # session.info's caches of the unit tree

# Roles that act for the whole jurisdiction (the hotline centre), whatever unit the grant names.
CENTRE_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.VISITOR})


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise InvalidInput("密码至少需要 8 个字符", "password must have at least 8 characters", field="password")
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def create_unit(
    session: Session,
    *,
    jurisdiction_id: int,
    kind: UnitKind,
    code: str,
    name: str,
    parent: Unit | None = None,
    utility: str | None = None,
    phone: str | None = None,
) -> Unit:
    if not name.strip() or not code.strip():
        raise InvalidInput("单位名称和编码不能为空", "unit name and code are required", field="name")
    unit = Unit(
        jurisdiction_id=jurisdiction_id,
        kind=kind,
        code=code.strip(),
        name=name.strip(),
        parent=parent,
        utility=utility,
        phone=phone,
    )
    session.add(unit)
    session.flush()
    session.info.pop(_ANCESTORS, None)
    session.info.pop(_DESCENDANTS, None)
    return unit


def create_user(
    session: Session,
    *,
    jurisdiction_id: int,
    username: str,
    display_name: str,
    password: str = "",
    grants: Iterable[tuple[Role | str, Unit]] = (),
    phone: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A staff user; ``password_hash`` (from :func:`hash_password`) lets a batch of accounts that share one
    password (the demo's) be hashed once instead of ~0.3 s each."""
    if not USERNAME_RE.match(username or ""):
        raise InvalidInput(
            "用户名须为 3–64 位字母、数字、下划线、点或连字符",
            "username: 3–64 letters, digits, _ . -",
            field="username",
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"用户名「{username}」已存在", f"username {username!r} is taken", field="username")
    user = User(
        jurisdiction_id=jurisdiction_id,
        username=username,
        display_name=display_name or username,
        password_hash=password_hash or hash_password(password),
        phone=phone,
    )
    session.add(user)
    for role, unit in grants:
        grant_role(session, user, role, unit)
    session.flush()
    return user


def grant_role(session: Session, user: User, role: Role | str, unit: Unit) -> RoleGrant:
    try:
        role = Role(role)
    except ValueError:
        options = "、".join(f"{r.value}({ROLE_LABELS[r]})" for r in Role)
        raise InvalidInput(f"无效的角色「{role}」，可选：{options}", f"unknown role {role!r}", field="role") from None
    if unit.jurisdiction_id != user.jurisdiction_id:
        raise InvalidInput("不能授予其他辖区单位的角色", "the unit belongs to another jurisdiction", field="unit")
    grant = RoleGrant(role=role, unit=unit)
    user.grants.append(grant)
    return grant


def update_unit(session: Session, unit: Unit, *, name: str, phone: str | None, active: bool) -> Unit:
    """An admin's edit of a unit: its name, phone and whether it still takes appeals."""
    if not name.strip():
        raise InvalidInput("单位名称不能为空", "the unit name is required", field="name")
    unit.name, unit.phone, unit.active = name.strip(), (phone or "").strip() or None, active
    session.flush()
    from lianxin.sla.service import config_changed  # sla imports nothing of orgs; here to keep it that way

    config_changed(session, unit.jurisdiction_id)  # the copies of the units' names kept per process (appeals.refs)
    return unit


def set_user_active(session: Session, user: User, *, active: bool, display_name: str | None = None) -> User:
    """Deactivate (their sessions end at the next request) or reactivate a user; optionally rename them."""
    if display_name is not None:
        if not display_name.strip():
            raise InvalidInput("姓名不能为空", "the display name is required", field="display_name")
        user.display_name = display_name.strip()
    user.active = active
    session.flush()
    return user


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"单位 {unit_id} 不存在", f"unit {unit_id} not found", field="unit")
    return unit


MAX_DEPTH = 20  # deeper than any real unit tree; stops a corrupt cycle from looping


def _walk(session: Session, unit_id: int, *, up: bool) -> list[int]:
    """One recursive query: the unit and its ancestors (nearest first) or its descendants."""
    start = select(Unit.id, Unit.parent_id, literal(0).label("depth")).where(Unit.id == unit_id)
    chain = start.cte("chain", recursive=True)
    step = aliased(Unit)
    link = step.id == chain.c.parent_id if up else step.parent_id == chain.c.id
    chain = chain.union_all(select(step.id, step.parent_id, chain.c.depth + 1).where(link, chain.c.depth < MAX_DEPTH))
    return list(session.scalars(select(chain.c.id).order_by(chain.c.depth)))


def ancestor_ids(session: Session, unit_id: int) -> list[int]:
    """The unit itself and every unit above it, nearest first (cached per session: a permission check
    asks this on every request, and one indexed query replaces loading the whole tree)."""
    cache = session.info.setdefault(_ANCESTORS, {})
    if unit_id not in cache:
        cache[unit_id] = _walk(session, unit_id, up=True)
    return cache[unit_id]


def descendant_ids(session: Session, unit_id: int) -> set[int]:
    """The unit itself and every unit below it (cached per session, as ``ancestor_ids``: a leader's page asks
    for their units once per appeal shown, 40 recursive queries for a page of 20)."""
    cache = session.info.setdefault(_DESCENDANTS, {})
    if unit_id not in cache:
        get_unit(session, unit_id)
        cache[unit_id] = frozenset(_walk(session, unit_id, up=False))
    return set(cache[unit_id])


def has_role(session: Session, user: User | None, roles: Iterable[Role], *, unit_id: int | None = None) -> bool:
    """True if ``user`` holds one of ``roles`` covering ``unit_id`` (a grant covers its unit and all below).

    Admins pass every check in their jurisdiction; centre roles act for the whole jurisdiction;
    ``unit_id=None`` asks only whether the user holds the role at all.
    """
    if user is None or not user.active:
        return False
    roles = set(roles)
    scoped = []
    for grant in user.grants:
        if grant.role == Role.ADMIN:
            return True
        if grant.role not in roles:
            continue
        if unit_id is None or grant.role in CENTRE_ROLES:
            return True
        scoped.append(grant.unit_id)
    return bool(scoped) and not set(scoped).isdisjoint(ancestor_ids(session, unit_id))


def require_role(session: Session, user: User | None, roles: Iterable[Role], *, unit_id: int | None = None) -> None:
    """Raise PermissionDenied unless ``user`` may act; ``None`` is the system (jobs) and always may."""
    if user is None:
        return
    roles = list(roles)
    if not has_role(session, user, roles, unit_id=unit_id):
        names = "、".join(ROLE_LABELS[Role(r)] for r in roles)
        where = ""
        if unit_id is not None:
            unit = session.get(Unit, unit_id)
            where = f"（{unit.name}）" if unit else ""
        raise PermissionDenied(
            f"您没有权限执行此操作，需要{names}角色{where}", f"requires role {'/'.join(map(str, roles))}"
        )


def user_unit_ids(session: Session, user: User, roles: Iterable[Role]) -> set[int]:
    """Every unit the user's grants of ``roles`` cover (for scoping queues and lists)."""
    roles = set(roles)
    units: set[int] = set()
    for grant in user.grants:
        if grant.role in roles:
            units |= descendant_ids(session, grant.unit_id)
    return units
