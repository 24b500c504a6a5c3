"""The catalogue's verbs and queries: items (with the Chinese search index), locations, 一件事 bundles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

import jieba
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lianxin.errors import InvalidInput, NotFound
from lianxin.geo.models import Place
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import require_role
from lianxin.services.models import BundlePart, ServiceBundle, ServiceItem, ServiceLocation
from lianxin.services.status import ItemKind, ItemStatus, ServiceChannel

jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise
_WORD = re.compile(r"[\w]", re.UNICODE)
_STOP = frozenset("的 了 和 与 及 或 在 是 办 办理 申请 我 要 怎么 如何 需要 什么 哪些".split())
# What residents say → the catalogue's words (a small built-in list; abbreviations and everyday names).
SYNONYMS = {
    "社保卡": "社会保障卡",
    "社保": "社会保险",
    "疫苗": "预防接种",
    "打针": "预防接种",
    "电费": "用电",
    "水费": "用水",
    "煤气": "燃气",
    "天然气": "燃气",
    "老人": "高龄 老年人",
    "生孩子": "出生 新生儿",
    "开店": "个体工商户",
    "买房": "不动产 转移登记",
}
DEPARTMENT_KINDS = frozenset({UnitKind.DEPARTMENT, UnitKind.ENTERPRISE, UnitKind.STREET, UnitKind.DISTRICT})


def tokens(text: str) -> list[str]:
    """jieba's search-mode words of ``text`` (lower-cased), without punctuation and stop words."""
    out = []
    for word in jieba.lcut_for_search(text or ""):
        word = word.strip().lower()
        if word and _WORD.search(word) and word not in _STOP:
            out.append(word)
    return out


def index_text(item: ServiceItem, department_name: str = "") -> str:
    parts = [item.code, item.name, item.name, department_name, item.eligibility, " ".join(map(str, item.documents))]
    return " ".join(dict.fromkeys(tokens(" ".join(parts))))


def score(query_tokens: Sequence[str], item: ServiceItem) -> float:
    """Matched query words (a word in the name counts three times), plus a bonus for the whole query."""
    indexed = set(item.search_text.split())
    name = item.name.lower()
    total = 0.0
    for word in query_tokens:
        if word in name:
            total += 3
        elif word in indexed:
            total += 1
    return total


def search_items(session: Session, jurisdiction_id: int, query: str, *, limit: int = 50) -> list[ServiceItem]:
    """Items for a Chinese query (\"生孩子要办什么\", \"二手房过户\"): any word of the query in the index, ranked by
    :func:`score`; an empty query lists the catalogue by code. Defunct items are left out."""
    stmt = select(ServiceItem).where(
        ServiceItem.jurisdiction_id == jurisdiction_id, ServiceItem.status != ItemStatus.DEFUNCT
    )
    expanded = " ".join([query, *(v for k, v in SYNONYMS.items() if k in query)])
    words = list(dict.fromkeys(tokens(expanded)))[:16]
    if not query.strip():
        return list(session.scalars(stmt.order_by(ServiceItem.code).limit(limit)))
    if not words:
        return []
    conditions = [ServiceItem.search_text.contains(w) for w in words] + [ServiceItem.code == query.strip()]
    candidates = session.scalars(stmt.where(or_(*conditions))).all()
    ranked = sorted(((score(words, i), i.code, i) for i in candidates), key=lambda t: (-t[0], t[1]))
    return [i for s, _, i in ranked if s > 0 or i.code == query.strip()][:limit]


def item_by_code(session: Session, jurisdiction_id: int, code: str) -> ServiceItem:
    item = session.scalar(
        select(ServiceItem).where(ServiceItem.jurisdiction_id == jurisdiction_id, ServiceItem.code == code)
    )
    if item is None:
        raise NotFound(f"事项 {code} 不存在", f"no service item {code}")
    return item


def bundle_by_code(session: Session, jurisdiction_id: int, code: str) -> ServiceBundle:
    bundle = session.scalar(
        select(ServiceBundle).where(ServiceBundle.jurisdiction_id == jurisdiction_id, ServiceBundle.code == code)
    )
    if bundle is None:
        raise NotFound(f"一件事 {code} 不存在", f"no bundle {code}")
    return bundle


def bundles(session: Session, jurisdiction_id: int) -> list[ServiceBundle]:
    return list(
        session.scalars(
            select(ServiceBundle)
            .where(ServiceBundle.jurisdiction_id == jurisdiction_id, ServiceBundle.active.is_(True))
            .order_by(ServiceBundle.code)
        )
    )


def _department(session: Session, jurisdiction_id: int, unit: Unit | int) -> Unit:
    unit = session.get(Unit, unit) if isinstance(unit, int) else unit
    if unit is None or unit.jurisdiction_id != jurisdiction_id:
        raise InvalidInput("办理部门不存在", "no such department", field="department")
    if unit.kind not in DEPARTMENT_KINDS:
        raise InvalidInput(
            "办理单位应为职能部门、公共服务企业或街道", "the department must be a department", field="department"
        )
    return unit


def _text(value: str, field: str, zh: str, en: str, maximum: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"请填写{zh}", f"{en} is required", field=field)
    if len(value) > maximum:
        raise InvalidInput(f"{zh}不能超过 {maximum} 字", f"{en} is limited to {maximum} characters", field=field)
    return value


def create_location(
    session: Session,
    *,
    jurisdiction_id: int,
    code: str,
    name: str,
    address: str = "",
    phone: str = "",
    hours: dict | None = None,
    special_days: dict | None = None,
    slot_minutes: int = 30,
    slot_capacity: int = 4,
    place_id: int | None = None,
    actor: User | None = None,
) -> ServiceLocation:
    """A service centre; ``place_id`` is its record in the gazetteer (geo's places), the same place record the
    logistics service points and the appeal core's locating use."""
    require_role(session, actor, (Role.ADMIN,))
    if slot_minutes < 5 or slot_capacity < 1:
        raise InvalidInput("时段至少 5 分钟、容量至少 1 人", "slots need >= 5 minutes and capacity >= 1")
    if place_id is not None:
        place = session.get(Place, place_id)
        if place is None or place.jurisdiction_id != jurisdiction_id:
            raise InvalidInput("地名库中没有这个地点", "no such place in the gazetteer", field="place_id")
    location = ServiceLocation(
        jurisdiction_id=jurisdiction_id,
        code=_text(code, "code", "编码", "code", 32),
        name=_text(name, "name", "名称", "name"),
        address=address,
        phone=phone,
        hours=hours or {"workday": [["09:00", "12:00"], ["13:30", "17:00"]]},
        special_days=special_days or {},
        slot_minutes=slot_minutes,
        slot_capacity=slot_capacity,
        place_id=place_id,
    )
    session.add(location)
    session.flush()
    return location


def save_item(
    session: Session,
    *,
    jurisdiction_id: int,
    code: str,
    name: str,
    department: Unit | int,
    legal_limit_days: int,
    promised_limit_days: int,
    kind: ItemKind | str = ItemKind.PUBLIC_SERVICE,
    channels: Iterable[str] = (ServiceChannel.WINDOW, ServiceChannel.ONLINE),
    documents: Iterable[str] = (),
    form_fields: Iterable[dict] = (),
    fees: str = "不收费",
    eligibility: str = "",
    process: str = "",
    basis: str = "",
    location: ServiceLocation | None = None,
    assured_on: date | None = None,
    status: ItemStatus | str = ItemStatus.ACTIVE,
    alert: str = "",
    actor: User | None = None,
) -> ServiceItem:
    """Create an item, or update the one with this code (the catalogue is kept by code)."""
    require_role(session, actor, (Role.ADMIN,))
    code = _text(code, "code", "事项编码", "code", 64)
    unit = _department(session, jurisdiction_id, department)
    try:
        kind, status = ItemKind(kind), ItemStatus(status)
        channel_list = [ServiceChannel(c).value for c in channels]
    except ValueError:
        raise InvalidInput("事项类型、状态或办理渠道无效", "unknown kind, status or channel") from None
    if not channel_list:
        raise InvalidInput("至少选择一个办理渠道", "choose at least one channel", field="channels")
    if not 0 <= promised_limit_days <= legal_limit_days <= 365:
        raise InvalidInput(
            "承诺时限不能超过法定时限",
            "the promised limit must not exceed the legal limit",
            field="promised_limit_days",
        )
    item = session.scalar(
        select(ServiceItem).where(ServiceItem.jurisdiction_id == jurisdiction_id, ServiceItem.code == code)
    ) or ServiceItem(jurisdiction_id=jurisdiction_id, code=code)
    item.name = _text(name, "name", "事项名称", "name")
    item.department_id, item.kind, item.channels = unit.id, kind, channel_list
    item.legal_limit_days, item.promised_limit_days = legal_limit_days, promised_limit_days
    item.documents = [d.strip() for d in documents if d and d.strip()]
    item.form_fields = list(form_fields)
    item.fees, item.eligibility, item.process, item.basis = fees or "不收费", eligibility, process, basis
    item.location_id = location.id if location else None
    item.assured_on, item.status, item.alert = assured_on, status, alert
    item.search_text = index_text(item, unit.name)
    session.add(item)
    session.flush()
    return item


def set_item_status(
    session: Session, item: ServiceItem, status: ItemStatus | str, *, alert: str = "", actor: User | None
) -> ServiceItem:
    """暂停/恢复办理: a temporarily closed item takes no new applications or bookings; ``alert`` says why."""
    require_role(session, actor, (Role.ADMIN,), unit_id=item.department_id)
    try:
        item.status = ItemStatus(status)
    except ValueError:
        raise InvalidInput("状态无效", "unknown status", field="status") from None
    if item.status == ItemStatus.TEMPORARILY_CLOSED and not alert.strip():
        raise InvalidInput("暂停办理须说明原因", "say why the item is closed", field="alert")
    item.alert = alert.strip()
    session.flush()
    return item


def save_bundle(
    session: Session,
    *,
    jurisdiction_id: int,
    code: str,
    name: str,
    lead_department: Unit | int,
    parts: Sequence[tuple[ServiceItem, Sequence[str]]],
    form_fields: Sequence[dict],
    documents: Sequence[str] = (),
    description: str = "",
    actor: User | None = None,
) -> ServiceBundle:
    """一件事: ``parts`` are ``(item, field names it receives)``; every field named must be on the form."""
    require_role(session, actor, (Role.ADMIN,))
    if len(parts) < 2:
        raise InvalidInput("一件事至少包含两个事项", "a bundle has at least two items", field="parts")
    names = {f["name"] for f in form_fields}
    for item, fields in parts:
        if item.jurisdiction_id != jurisdiction_id:
            raise InvalidInput("事项不属于本地区", "an item of another jurisdiction", field="parts")
        unknown = set(fields) - names
        if unknown:
            raise InvalidInput(f"表单没有字段：{'、'.join(sorted(unknown))}", "a part maps a field the form lacks")
    bundle = session.scalar(
        select(ServiceBundle).where(ServiceBundle.jurisdiction_id == jurisdiction_id, ServiceBundle.code == code)
    ) or ServiceBundle(jurisdiction_id=jurisdiction_id, code=_text(code, "code", "编码", "code", 64))
    bundle.name = _text(name, "name", "名称", "name")
    bundle.lead_department_id = _department(session, jurisdiction_id, lead_department).id
    bundle.form_fields, bundle.documents, bundle.description = list(form_fields), list(documents), description
    session.add(bundle)
    session.flush()
    for row in list(bundle.parts):
        session.delete(row)
    session.flush()
    for position, (item, fields) in enumerate(parts):
        session.add(
            BundlePart(
                jurisdiction_id=jurisdiction_id,
                bundle_id=bundle.id,
                item_id=item.id,
                position=position,
                fields=list(fields),
            )
        )
    session.flush()
    session.expire(bundle, ["parts"])
    return bundle
