"""The dispatch catalogue (派单目录): category × area → lead unit, co-units and units to inform.

A rule names a category (it covers the whole subtree below it; none = every category) and an
area (a district or street; none = the whole jurisdiction). The lead is a fixed unit or 属地 —
the street containing the appeal's location, with its district informed (Beijing Art. 12). The
most specific rule wins: higher priority, then the deeper category, then the smaller area.
Beijing Art. 17: no rule may push a matter down to a community or grid, checked on save and
again on resolution (a unit's kind can change after the rule was saved).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, Category
from lianxin.clock import utcnow
from lianxin.dispatch.models import DispatchRule, LeadKind
from lianxin.errors import InvalidInput, NotFound
from lianxin.geo.service import Location, location_of, resolve_location
from lianxin.orgs.models import UNIT_KIND_LABELS, Role, Unit, UnitKind, User
from lianxin.orgs.service import ancestor_ids, require_role

LEAD_KINDS = frozenset({UnitKind.DISTRICT, UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE})
AREA_KINDS = frozenset({UnitKind.DISTRICT, UnitKind.STREET})
INFORM_KINDS = LEAD_KINDS | {UnitKind.CITY, UnitKind.COMMUNITY}
RULE_FIELDS = (
    "category_id",
    "area_unit_id",
    "lead_kind",
    "lead_unit_id",
    "co_unit_ids",
    "inform_unit_ids",
    "priority",
    "note",
    "active",
)
LEAD_KIND_LABELS = {k: k.zh for k in LeadKind}  # older spelling of LeadKind.X.zh


@dataclass
class DispatchSuggestion:
    lead_unit: Unit | None
    co_units: list[Unit] = field(default_factory=list)
    informed_units: list[Unit] = field(default_factory=list)
    rule: DispatchRule | None = None
    reason_zh: str = ""
    reason_en: str = ""
    location: Location = field(default_factory=Location)


# --- editing ----------------------------------------------------------------------------------------


def get_rule(session: Session, rule_id: int, jurisdiction_id: int | None = None) -> DispatchRule:
    rule = session.get(DispatchRule, rule_id)
    if rule is None or (jurisdiction_id is not None and rule.jurisdiction_id != jurisdiction_id):
        raise NotFound(f"派单规则 {rule_id} 不存在", f"dispatch rule {rule_id} not found", field="rule_id")
    return rule


def list_rules(session: Session, jurisdiction_id: int, *, active_only: bool = False) -> list[DispatchRule]:
    stmt = select(DispatchRule).where(DispatchRule.jurisdiction_id == jurisdiction_id)
    if active_only:
        stmt = stmt.where(DispatchRule.active.is_(True))
    return list(
        session.scalars(
            stmt.order_by(DispatchRule.category_id.is_(None).desc(), DispatchRule.category_id, DispatchRule.id)
        ).unique()
    )


def _unit(
    session: Session, jurisdiction_id: int, unit_id: Any, allowed: frozenset[UnitKind], field_name: str, role_zh: str
) -> Unit:
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None or unit.jurisdiction_id != jurisdiction_id or not unit.active:
        raise InvalidInput(f"{role_zh}不存在或已停用", f"{field_name}: unknown or inactive unit", field=field_name)
    if unit.kind not in allowed:
        kinds = "、".join(UNIT_KIND_LABELS[k] for k in UnitKind if k in allowed)
        raise InvalidInput(
            f"{role_zh}「{unit.name}」是{UNIT_KIND_LABELS[unit.kind]}，只能是{kinds}"
            + ("（部门事项不得下沉至社区、网格）" if unit.kind in (UnitKind.COMMUNITY, UnitKind.GRID) else ""),
            f"{field_name}: a {unit.kind.value} cannot be used here",
            field=field_name,
        )
    return unit


def _clean(session: Session, jurisdiction_id: int, values: dict) -> dict:
    """Validate every field before anything changes; returns the column values."""
    category_id = values.get("category_id")
    if category_id is not None:
        category = session.get(Category, category_id) if isinstance(category_id, int) else None
        if category is None or category.jurisdiction_id != jurisdiction_id:
            raise InvalidInput("问题分类不存在", "unknown category", field="category_id")
    area_id = values.get("area_unit_id")
    if area_id is not None:
        _unit(session, jurisdiction_id, area_id, AREA_KINDS, "area_unit_id", "适用区域")
    try:
        lead_kind = LeadKind(values.get("lead_kind") or LeadKind.FIXED)
    except ValueError:
        raise InvalidInput(
            "主办方式须为 fixed（指定单位）或 local（属地）", "lead_kind is fixed or local", field="lead_kind"
        ) from None
    lead_id = values.get("lead_unit_id")
    if lead_kind == LeadKind.FIXED:
        if lead_id is None:
            raise InvalidInput("请选择主办单位", "a fixed rule needs a lead unit", field="lead_unit_id")
        _unit(session, jurisdiction_id, lead_id, LEAD_KINDS, "lead_unit_id", "主办单位")
    else:
        lead_id = None
    co_ids = _ids(values.get("co_unit_ids"), "co_unit_ids")
    for unit_id in co_ids:
        _unit(session, jurisdiction_id, unit_id, LEAD_KINDS, "co_unit_ids", "协办单位")
    if lead_id is not None and lead_id in co_ids:
        raise InvalidInput("协办单位不能与主办单位相同", "a co-unit cannot also lead", field="co_unit_ids")
    inform_ids = _ids(values.get("inform_unit_ids"), "inform_unit_ids")
    for unit_id in inform_ids:
        _unit(session, jurisdiction_id, unit_id, INFORM_KINDS, "inform_unit_ids", "告知单位")
    priority = values.get("priority") or 0
    if not isinstance(priority, int) or not -1000 <= priority <= 1000:
        raise InvalidInput(
            "优先级须为 -1000 到 1000 的整数", "priority is an integer within -1000..1000", field="priority"
        )
    note = (values.get("note") or "").strip() or None
    if note and len(note) > 500:
        raise InvalidInput("说明不能超过 500 字", "the note is limited to 500 characters", field="note")
    return dict(
        category_id=category_id,
        area_unit_id=area_id,
        lead_kind=lead_kind,
        lead_unit_id=lead_id,
        co_unit_ids=co_ids,
        inform_unit_ids=inform_ids,
        priority=priority,
        note=note,
        active=bool(values.get("active", True)),
    )


def _ids(value: Iterable | None, field_name: str) -> list[int]:
    ids: list[int] = []
    for item in value or ():
        if not isinstance(item, int) or isinstance(item, bool):
            raise InvalidInput("单位编号须为整数", f"{field_name}: unit ids are integers", field=field_name)
        if item not in ids:
            ids.append(item)
    return ids


def _known_fields(values: dict) -> None:
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}", f"unknown fields: {sorted(unknown)}")


def create_rule(session: Session, *, actor: User | None, jurisdiction_id: int, **values) -> DispatchRule:
    """Add a rule (admins). ``values``: category_id, area_unit_id, lead_kind, lead_unit_id, co_unit_ids,
    inform_unit_ids, priority, note, active."""
    require_role(session, actor, (Role.ADMIN,))
    _known_fields(values)
    rule = DispatchRule(
        jurisdiction_id=jurisdiction_id,
        **_clean(session, jurisdiction_id, values),
        updated_by_id=actor.id if actor else None,
        updated_at=utcnow(),
    )
    session.add(rule)
    session.flush()
    return rule


def update_rule(session: Session, rule: DispatchRule, *, actor: User | None, **changes) -> DispatchRule:
    """Change some fields of a rule (admins); the whole rule is validated again before it changes."""
    require_role(session, actor, (Role.ADMIN,))
    _known_fields(changes)
    current = {name: getattr(rule, name) for name in RULE_FIELDS}
    for name, value in _clean(session, rule.jurisdiction_id, current | changes).items():
        setattr(rule, name, value)
    rule.updated_by_id, rule.updated_at = actor.id if actor else None, utcnow()
    session.flush()
    session.expire(rule, ["category", "area_unit", "lead_unit"])  # reload the relationships the new ids point at
    return rule


def delete_rule(session: Session, rule: DispatchRule, *, actor: User | None) -> None:
    require_role(session, actor, (Role.ADMIN,))
    session.delete(rule)
    session.flush()


# --- resolution -------------------------------------------------------------------------------------


def _category_chain(session: Session, category_id: int | None) -> list[Category]:
    """The category and its ancestors, nearest first."""
    chain, category = [], session.get(Category, category_id) if category_id else None
    while category is not None and len(chain) < 10:
        chain.append(category)
        category = category.parent
    return chain


def _where(session: Session, source: Appeal | dict) -> tuple[int, int | None, Location]:
    get = source.get if isinstance(source, dict) else lambda name, default=None: getattr(source, name, default)
    jurisdiction_id = get("jurisdiction_id")
    unit_id = get("grid_id") or get("community_id")
    location = location_of(session, session.get(Unit, unit_id), source="appeal") if unit_id else Location()
    if not location.found:
        location = resolve_location(
            session, jurisdiction_id, lat=get("lat"), lng=get("lng"), address=get("address"), content=get("content")
        )
    return jurisdiction_id, get("category_id"), location


def _resolve_units(session: Session, ids: list[int], allowed: frozenset[UnitKind]) -> list[Unit]:
    units = [session.get(Unit, unit_id) for unit_id in ids]
    return [u for u in units if u is not None and u.active and u.kind in allowed]


def suggest_units(session: Session, appeal_or_fields: Appeal | dict) -> DispatchSuggestion:
    """The catalogue's suggestion for an appeal (or intake fields: jurisdiction_id, category_id,
    community_id/grid_id, lat/lng, address, content), with the rule used and why in both languages."""
    jurisdiction_id, category_id, location = _where(session, appeal_or_fields)
    chain = _category_chain(session, category_id)
    depth = {c.id: len(chain) - i for i, c in enumerate(chain)}
    area_ids = ancestor_ids(session, location.street.id) if location.street else []
    area_rank = {unit_id: 10 - i for i, unit_id in enumerate(area_ids)}
    rules = [
        r
        for r in list_rules(session, jurisdiction_id, active_only=True)
        if (r.category_id is None or r.category_id in depth) and (r.area_unit_id is None or r.area_unit_id in area_rank)
    ]
    rules.sort(
        key=lambda r: (r.priority, depth.get(r.category_id, 0), area_rank.get(r.area_unit_id, 0), -r.id), reverse=True
    )
    skipped: list[str] = []
    for rule in rules:
        suggestion = _apply(session, rule, location, chain)
        if suggestion.lead_unit is not None:
            if skipped:
                suggestion.reason_zh += "（跳过：" + "；".join(skipped) + "）"
            return suggestion
        skipped.append(suggestion.reason_zh)
    reason = "；".join(skipped) or "派单目录中没有适用的规则"
    return DispatchSuggestion(
        None,
        reason_zh=f"{reason}，请人工派单",
        reason_en="no catalogue rule applies; dispatch by hand",
        location=location,
    )


def _apply(session: Session, rule: DispatchRule, location: Location, chain: list[Category]) -> DispatchSuggestion:
    what = chain[0].name if chain else "未分类"
    scope = f"「{rule.category.name}」" if rule.category else "所有分类"
    area = rule.area_unit.name if rule.area_unit else "全辖区"
    co = _resolve_units(session, rule.co_unit_ids, LEAD_KINDS)
    informed = _resolve_units(session, rule.inform_unit_ids, INFORM_KINDS)
    if rule.lead_kind == LeadKind.LOCAL:
        street = location.street
        if street is None:
            return DispatchSuggestion(
                None,
                rule=rule,
                reason_zh=f"规则 #{rule.id} 为属地管理，但诉求位置不明",
                reason_en=f"rule #{rule.id} is local but the location is unknown",
                location=location,
            )
        district = session.get(Unit, street.parent_id) if street.parent_id else None
        if district is not None and district.kind == UnitKind.DISTRICT and district not in informed:
            informed.append(district)
        where = f"{location.community.name}属{street.name}" if location.community else f"位于{street.name}"
        return DispatchSuggestion(
            street,
            [u for u in co if u.id != street.id],
            informed,
            rule,
            location=location,
            reason_zh=f"「{what}」适用规则 #{rule.id}（{scope}，{area}）：属地管理，{where}，由街道（乡镇）主办，告知所属区县",
            reason_en=f"rule #{rule.id}: local matter, led by the street of the location ({street.name}), district informed",
        )
    lead = rule.lead_unit
    if lead is None or not lead.active or lead.kind not in LEAD_KINDS:
        name = lead.name if lead else "?"
        return DispatchSuggestion(
            None,
            rule=rule,
            location=location,
            reason_zh=f"规则 #{rule.id} 的主办单位「{name}」已停用或不能主办（部门事项不得下沉至社区）",
            reason_en=f"rule #{rule.id}: its lead unit is inactive or cannot lead",
        )
    return DispatchSuggestion(
        lead,
        [u for u in co if u.id != lead.id],
        informed,
        rule,
        location=location,
        reason_zh=f"「{what}」适用规则 #{rule.id}（{scope}，{area}）：由{lead.name}主办",
        reason_en=f"rule #{rule.id}: led by {lead.name}",
    )


def load_routes(session: Session, jurisdiction_id: int, routes: dict[str, Unit | None]) -> int:
    """Seed the catalogue from category paths ("" = every category) to a lead unit, or None for 属地."""
    from lianxin.defaults import category_by_path

    created = 0
    for path, unit in routes.items():
        category = category_by_path(session, jurisdiction_id, path) if path else None
        if path and category is None:
            continue
        create_rule(
            session,
            actor=None,
            jurisdiction_id=jurisdiction_id,
            category_id=category.id if category else None,
            lead_kind=LeadKind.LOCAL if unit is None else LeadKind.FIXED,
            lead_unit_id=unit.id if unit else None,
            note=f"默认规则：{path or '所有分类'}",
        )
        created += 1
    return created
