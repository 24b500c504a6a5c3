"""The register of proactive care — households, people (vulnerable-group tags), emergency contacts, devices,
quiet periods and rules as data. Each verb checks the actor's scope, changes fields, appends a household event,
flushes; none commits (the request, command or job does, once). ``reveal`` returns ID numbers and phones in the
clear and logs the view; everything else shows them masked. Readings and alarms are in ``alarms.py``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.care.models import (
    ID_PURPOSE,
    PHONE_PURPOSE,
    TAG_LABELS,
    AlertRule,
    CareDataView,
    Contact,
    Device,
    DeviceKind,
    Household,
    HouseholdEvent,
    Person,
    Tag,
)
from lianxin.care.status import (
    BUTTON_LADDER,
    DEFAULT_LADDER,
    MAINTENANCE_LADDER,
    RuleKind,
)
from lianxin.clock import utcnow
from lianxin.crypto import lookup_hash
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role, user_unit_ids

STAFF_ROLES = (Role.GRID_WORKER, Role.HANDLER, Role.LEADER)
ID_RE = re.compile(r"^[1-9]\d{16}[0-9X]$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


# --- masking and scope -------------------------------------------------------------------------------------


def mask_id(id_number: str | None) -> str:
    """110***********1234: the province prefix and the last four stay."""
    if not id_number:
        return ""
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def valid_id_number(value: str) -> bool:
    """An 18-digit 身份证 number with a correct GB 11643 check digit."""
    if not ID_RE.match(value):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17]


def is_admin(user: User) -> bool:
    return any(g.role == Role.ADMIN for g in user.grants)


def scope_ids(session: Session, user: User) -> set[int] | None:
    """The units whose households ``user`` sees; None: the whole jurisdiction (admins)."""
    if is_admin(user):
        return None
    units = user_unit_ids(session, user, STAFF_ROLES)
    if not units:
        raise PermissionDenied(
            "只有网格员、社区和街道工作人员可以查看关爱对象", "care records are for grid and community staff"
        )
    return units


def require_access(session: Session, user: User | None, household: Household) -> None:
    """``None`` is the system (jobs, the listener). Staff need a grant covering the household's grid or community."""
    if user is None:
        return
    if user.jurisdiction_id != household.jurisdiction_id:
        raise NotFound("住户不存在", "household not found")
    if not has_role(session, user, STAFF_ROLES, unit_id=household.grid_id or household.community_id):
        raise PermissionDenied("该住户不在您负责的网格内", "this household is outside your grids")


def scoped(stmt: Select, session: Session, user: User) -> Select:
    units = scope_ids(session, user)
    stmt = stmt.where(Household.jurisdiction_id == user.jurisdiction_id)
    if units is None:
        return stmt
    return stmt.where(or_(Household.grid_id.in_(units), Household.community_id.in_(units)))


def get_household(session: Session, user: User | None, household_id: int) -> Household:
    household = session.get(Household, household_id)
    if household is None or (user is not None and household.jurisdiction_id != user.jurisdiction_id):
        raise NotFound("住户不存在", "household not found")
    require_access(session, user, household)
    return household


def households(session: Session, user: User, *, q: str = "", tag: str = "", flagged: bool = False) -> Select:
    stmt = scoped(select(Household), session, user)
    if q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            or_(
                Household.address.ilike(like),
                Household.id.in_(select(Person.household_id).where(Person.name.ilike(like))),
                # a full phone or ID number is found by its keyed hash (the columns are encrypted)
                Household.id.in_(
                    select(Person.household_id).where(
                        or_(
                            Person.phone_hash == lookup_hash(q.strip(), PHONE_PURPOSE),
                            Person.id_hash == lookup_hash(q.strip().upper(), ID_PURPOSE),
                        )
                    )
                ),
            )
        )
    if tag:
        if tag not in set(Tag):
            raise InvalidInput("未知标签", "unknown tag", field="tag")
        # JSON containment differs by dialect; tags are few, so a LIKE on the JSON text is portable and exact.
        stmt = stmt.where(
            Household.id.in_(
                select(Person.household_id).where(func.cast(Person.tags, type_=Person.name.type).like(f'%"{tag}"%'))
            )
        )
    if flagged:
        stmt = stmt.where(Household.flagged.is_(True))
    return stmt.order_by(Household.id)


def _event(session: Session, household: Household, event_kind: str, actor: User | None, **payload) -> HouseholdEvent:
    event = HouseholdEvent(
        jurisdiction_id=household.jurisdiction_id,
        household_id=household.id,
        actor_id=actor.id if actor else None,
        kind=event_kind,
        payload=payload,
        at=utcnow(),
    )
    session.add(event)
    return event


def masked_person(person: Person) -> dict:
    return {
        "id": person.id,
        "name": mask_name(person.name),
        "id_number": mask_id(person.id_number),
        "phone": mask_phone(person.phone),
        "relation": person.relation,
        "birth_year": person.birth_year,
        "tags": list(person.tags or []),
    }


def reveal(session: Session, user: User, household: Household, interface: str) -> list[dict]:
    """The people and contacts in the clear, for a staff member in scope; the view is logged."""
    require_access(session, user, household)
    session.add(
        CareDataView(
            jurisdiction_id=household.jurisdiction_id,
            user_id=user.id,
            household_id=household.id,
            interface=interface,
            at=utcnow(),
        )
    )
    session.flush()
    people = [
        {"id": p.id, "name": p.name, "id_number": p.id_number or "", "phone": p.phone or "", "relation": p.relation}
        for p in household.people
    ]
    contacts = [{"id": c.id, "name": c.name, "phone": c.phone, "relation": c.relation} for c in household.contacts]
    return people + [{**c, "contact": True} for c in contacts]


# --- households and people -----------------------------------------------------------------------------------


def _unit(session: Session, jurisdiction_id: int, unit_id: int | None, kind: UnitKind, field: str) -> Unit | None:
    if unit_id is None:
        return None
    unit = session.get(Unit, unit_id)
    if unit is None or unit.jurisdiction_id != jurisdiction_id or unit.kind != kind:
        raise InvalidInput("请选择有效的社区/网格", "choose a valid community or grid", field=field)
    return unit


def create_household(
    session: Session,
    *,
    actor: User | None,
    jurisdiction_id: int,
    community_id: int,
    address: str,
    grid_id: int | None = None,
    building: str = "",
    unit_no: str = "",
    room: str = "",
    lat: float | None = None,
    lon: float | None = None,
    note: str = "",
) -> Household:
    community = _unit(session, jurisdiction_id, community_id, UnitKind.COMMUNITY, "community_id")
    grid = _unit(session, jurisdiction_id, grid_id, UnitKind.GRID, "grid_id")
    if grid is not None and grid.parent_id != community.id:
        raise InvalidInput("网格不属于该社区", "the grid is not in that community", field="grid_id")
    address = (address or "").strip()
    if len(address) < 4:
        raise InvalidInput("请填写详细地址", "enter the full address", field="address")
    household = Household(
        jurisdiction_id=jurisdiction_id,
        community_id=community.id,
        grid_id=grid.id if grid else None,
        address=address[:200],
        building=building.strip()[:32],
        unit_no=unit_no.strip()[:32],
        room=room.strip()[:32],
        lat=lat,
        lon=lon,
        note=note.strip(),
        created_at=utcnow(),
    )
    require_access(session, actor, household)
    session.add(household)
    session.flush()
    _event(session, household, "created", actor, address=household.address)
    session.flush()
    return household


def find_by_id_number(session: Session, jurisdiction_id: int, id_number: str) -> Person | None:
    return session.scalar(
        select(Person).where(
            Person.jurisdiction_id == jurisdiction_id, Person.id_hash == lookup_hash(id_number, ID_PURPOSE)
        )
    )


def clean_id_number(value: str | None) -> str | None:
    value = (value or "").strip().upper()
    if not value:
        return None
    if not valid_id_number(value):
        raise InvalidInput("身份证号码不正确", "the ID number is not valid", field="id_number")
    return value


def clean_phone(value: str | None, field: str = "phone", required: bool = False) -> str | None:
    value = (value or "").strip().replace(" ", "")
    if not value:
        if required:
            raise InvalidInput("请填写电话", "enter a phone number", field=field)
        return None
    if not PHONE_RE.match(value):
        raise InvalidInput("电话号码格式不对", "the phone number is not valid", field=field)
    return value


def clean_tags(tags: Iterable[str]) -> list[str]:
    out = []
    for tag in tags:
        tag = tag.strip()
        if not tag:
            continue
        tag = TAG_BY_VALUE.get(tag) or TAG_BY_ZH_ANY.get(tag)
        if tag is None:
            raise InvalidInput("未知的人群标签", "unknown vulnerable-group tag", field="tags")
        if tag not in out:
            out.append(tag)
    return out


TAG_BY_VALUE = {t.value: t.value for t in Tag}
TAG_BY_ZH_ANY = {zh: t.value for t, (zh, _) in TAG_LABELS.items()}


def add_person(
    session: Session,
    household: Household,
    *,
    actor: User | None,
    name: str,
    id_number: str | None = None,
    phone: str | None = None,
    relation: str = "户主",
    birth_year: int | None = None,
    tags: Iterable[str] = (),
) -> Person:
    require_access(session, actor, household)
    name = (name or "").strip()
    if not 2 <= len(name) <= 64:
        raise InvalidInput("请填写姓名", "enter the name", field="name")
    id_number = clean_id_number(id_number)
    phone = clean_phone(phone)
    if id_number and find_by_id_number(session, household.jurisdiction_id, id_number):
        raise Conflict("该身份证号已登记", "a person with this ID number is already registered", field="id_number")
    if birth_year is None and id_number:
        birth_year = int(id_number[6:10])
    person = Person(
        jurisdiction_id=household.jurisdiction_id,
        household_id=household.id,
        name=name,
        id_number=id_number,
        phone=phone,
        relation=(relation or "户主").strip()[:16],
        birth_year=birth_year,
        tags=clean_tags(tags),
        created_at=utcnow(),
    )
    session.add(person)
    session.flush()
    _event(session, household, "person_added", actor, person_id=person.id, name=mask_name(name), tags=person.tags)
    session.flush()
    return person


def set_tags(session: Session, person: Person, *, actor: User | None, tags: Iterable[str]) -> Person:
    household = person.household
    require_access(session, actor, household)
    before, person.tags = list(person.tags or []), clean_tags(tags)
    _event(session, household, "tags_changed", actor, person_id=person.id, before=before, after=person.tags)
    session.flush()
    return person


def add_contact(
    session: Session, household: Household, *, actor: User | None, name: str, phone: str, relation: str = "子女"
) -> Contact:
    require_access(session, actor, household)
    name = (name or "").strip()
    if not 1 <= len(name) <= 64:
        raise InvalidInput("请填写联系人姓名", "enter the contact's name", field="contact_name")
    phone = clean_phone(phone, "contact_phone", required=True)
    priority = 1 + len(household.contacts)
    contact = Contact(
        jurisdiction_id=household.jurisdiction_id,
        household_id=household.id,
        name=name,
        phone=phone,
        relation=(relation or "子女").strip()[:16],
        priority=priority,
    )
    household.contacts.append(contact)
    session.flush()
    _event(session, household, "contact_added", actor, name=mask_name(name), priority=priority)
    session.flush()
    return contact


def set_quiet(
    session: Session, household: Household, *, actor: User | None, until: datetime | None, reason: str = ""
) -> Household:
    """A quiet period (hospital stay, visiting family) suppresses usage alarms until ``until``; None ends it."""
    require_access(session, actor, household)
    if until is not None:
        if until <= utcnow():
            raise InvalidInput("暂停截止时间应在将来", "the quiet period must end in the future", field="until")
        if not (reason or "").strip():
            raise InvalidInput("请填写暂停原因", "give the reason (hospital, visiting family …)", field="reason")
    household.quiet_until, household.quiet_reason = until, (reason or "").strip()[:100] or None
    household.version += 1
    _event(
        session,
        household,
        "quiet_set" if until else "quiet_ended",
        actor,
        until=until.isoformat() if until else None,
        reason=household.quiet_reason,
    )
    session.flush()
    return household


def register_device(
    session: Session, household: Household, *, actor: User | None, kind: DeviceKind | str, external_id: str
) -> Device:
    require_access(session, actor, household)
    if kind not in set(DeviceKind):
        raise InvalidInput("未知设备类型", "unknown device kind", field="kind")
    external_id = (external_id or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{2,64}", external_id):
        raise InvalidInput(
            "设备编号只能含字母、数字和 _.:-", "device ids use letters, digits and _.:-", field="external_id"
        )
    if session.scalar(select(Device.id).where(Device.external_id == external_id)):
        raise Conflict("设备编号已登记", "this device id is already registered", field="external_id")
    device = Device(
        jurisdiction_id=household.jurisdiction_id,
        household_id=household.id,
        kind=DeviceKind(kind),
        external_id=external_id,
        registered_at=utcnow(),
    )
    session.add(device)
    session.flush()
    _event(session, household, "device_registered", actor, device=external_id, kind=str(kind))
    session.flush()
    return device


# --- rules -------------------------------------------------------------------------------------------------

DEFAULT_RULES = (
    # (kind, device kind, name, window h, threshold, active hours, visit hours, ladder)
    (RuleKind.LOW_USAGE, DeviceKind.WATER, "24小时用水低于0.01立方米", 24, 0.01, None, 2, DEFAULT_LADDER),
    (RuleKind.HIGH_USAGE, DeviceKind.WATER, "24小时用水超过2立方米", 24, 2.0, None, 2, DEFAULT_LADDER),
    (RuleKind.NO_DATA, DeviceKind.WATER, "水表48小时无数据", 48, 0, None, 24, MAINTENANCE_LADDER),
    (RuleKind.NO_DATA, DeviceKind.ELECTRICITY, "电表48小时无数据", 48, 0, None, 24, MAINTENANCE_LADDER),
    (RuleKind.LOW_USAGE, DeviceKind.ELECTRICITY, "24小时用电低于0.1千瓦时", 24, 0.1, None, 2, DEFAULT_LADDER),
    (RuleKind.BUTTON, DeviceKind.BUTTON, "紧急按钮", 0, 0, None, 0.5, BUTTON_LADDER),
    # 门磁 (a cumulative count of openings): no opening for 24 h; a household override sets its own hours
    (RuleKind.LOW_USAGE, DeviceKind.DOOR, "门磁24小时未开门", 24, 1, None, 2, DEFAULT_LADDER),
    (RuleKind.NO_DATA, DeviceKind.DOOR, "门磁48小时无数据", 48, 0, None, 24, MAINTENANCE_LADDER),
)


def ensure_default_rules(session: Session, jurisdiction_id: int) -> int:
    """The jurisdiction's default rules (china-12345 §5 thresholds); idempotent. Returns how many were added."""
    existing = {
        (r.kind, r.device_kind)
        for r in session.scalars(
            select(AlertRule).where(AlertRule.jurisdiction_id == jurisdiction_id, AlertRule.household_id.is_(None))
        )
    }
    added = 0
    for kind, device_kind, name, window, threshold, hours, visit, ladder in DEFAULT_RULES:
        if (kind, device_kind) in existing:
            continue
        session.add(
            AlertRule(
                jurisdiction_id=jurisdiction_id,
                kind=kind,
                device_kind=device_kind,
                name=name,
                window_h=window,
                threshold=threshold,
                active_hours=hours,
                visit_hours=visit,
                ladder=list(ladder),
            )
        )
        added += 1
    session.flush()
    return added


def rules_for(session: Session, household: Household) -> dict[tuple[str, str], AlertRule]:
    """The rules that apply to a household: the defaults, each replaced by the household's override."""
    rows = session.scalars(
        select(AlertRule).where(
            AlertRule.jurisdiction_id == household.jurisdiction_id,
            or_(AlertRule.household_id.is_(None), AlertRule.household_id == household.id),
        )
    ).all()
    out: dict[tuple[str, str], AlertRule] = {}
    for rule in sorted(rows, key=lambda r: r.household_id is not None):  # overrides last, so they win
        out[(rule.kind.value, rule.device_kind.value)] = rule
    return {k: r for k, r in out.items() if r.enabled}


def set_rule_override(
    session: Session,
    household: Household,
    *,
    actor: User | None,
    kind: RuleKind | str,
    device_kind: DeviceKind | str,
    window_h: float,
    threshold: float,
    active_hours: str | None = None,
    enabled: bool = True,
) -> AlertRule:
    """A household's own threshold and window for one rule (e.g. after repeated false alarms)."""
    require_access(session, actor, household)
    if kind not in set(RuleKind) or device_kind not in set(DeviceKind):
        raise InvalidInput("未知规则", "unknown rule", field="kind")
    if window_h <= 0 and kind != RuleKind.BUTTON:
        raise InvalidInput("时间窗应大于 0", "the window must be positive", field="window_h")
    if threshold < 0:
        raise InvalidInput("阈值不能为负", "the threshold cannot be negative", field="threshold")
    if active_hours and not re.fullmatch(r"([01]?\d|2[0-3])-([01]?\d|2[0-3])", active_hours):
        raise InvalidInput("时段格式如 22-6", "active hours look like 22-6", field="active_hours")
    base = rules_for(session, household).get((str(kind), str(device_kind)))
    rule = session.scalar(
        select(AlertRule).where(
            AlertRule.household_id == household.id, AlertRule.kind == kind, AlertRule.device_kind == device_kind
        )
    )
    if rule is None:
        rule = AlertRule(
            jurisdiction_id=household.jurisdiction_id,
            household_id=household.id,
            kind=RuleKind(kind),
            device_kind=DeviceKind(device_kind),
            name=(base.name if base else str(kind)) + "（本户）",
            visit_hours=base.visit_hours if base else 2,
            ladder=list(base.ladder) if base else list(DEFAULT_LADDER),
        )
        session.add(rule)
    rule.window_h, rule.threshold, rule.active_hours, rule.enabled = window_h, threshold, active_hours or None, enabled
    session.flush()
    _event(
        session,
        household,
        "rule_override",
        actor,
        kind=str(kind),
        device_kind=str(device_kind),
        window_h=window_h,
        threshold=threshold,
        enabled=enabled,
    )
    session.flush()
    return rule
