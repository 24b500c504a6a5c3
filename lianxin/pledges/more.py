"""办实事 verbs beyond lists and items: the editable status vocabulary, links between items and appeals,
hotspots, 每月一题 topics and micro-wishes (an item made from a wish or a hotspot in two clicks), and the
village project library (项目库) whose approved projects are promoted into a year's list.

As in ``service.py``: each verb checks the caller, changes rows, appends a ``PledgeEvent`` where an item
or list is concerned, flushes and never commits."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.privacy import mask_text
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.pledges import service as svc
from lianxin.pledges import work
from lianxin.pledges.models import PledgeItem, PledgeLink, PledgeList, PledgeProject, PledgeStatus, PledgeTarget
from lianxin.pledges.status import ITEM_LABELS, ITEM_TRANSITIONS, ItemAction, ItemStatus

# ---------------------------------------------------------------- status vocabulary


def ensure_vocabulary(session: Session, jurisdiction_id: int) -> list[PledgeStatus]:
    """The jurisdiction's vocabulary; the six lifecycle states are seeded the first time (idempotent)."""
    rows = list(
        session.scalars(
            select(PledgeStatus)
            .where(PledgeStatus.jurisdiction_id == jurisdiction_id)
            .order_by(PledgeStatus.position, PledgeStatus.id)
        )
    )
    if rows:
        return rows
    for n, (status, (zh, en, pct, colour)) in enumerate(ITEM_LABELS.items()):
        session.add(
            PledgeStatus(
                jurisdiction_id=jurisdiction_id,
                key=status.value,
                base=status,
                name_zh=zh,
                name_en=en,
                description="",
                default_progress=pct,
                colour=colour,
                position=10 * n,
                active=True,
            )
        )
    session.flush()
    return ensure_vocabulary(session, jurisdiction_id)


def vocabulary_labels(session: Session, jurisdiction_id: int) -> dict[str, tuple[str, str, str]]:
    """``{key: (name zh, name en, colour)}`` of every entry (inactive ones still name old items)."""
    return {
        key: (zh, en, colour)
        for key, zh, en, colour in session.execute(
            select(PledgeStatus.key, PledgeStatus.name_zh, PledgeStatus.name_en, PledgeStatus.colour).where(
                PledgeStatus.jurisdiction_id == jurisdiction_id
            )
        )
    }


COLOURS = ("grey", "blue", "orange", "brown", "green", "red", "purple", "teal")


def save_status(
    session: Session,
    *,
    actor: User,
    key: str,
    base: str,
    name_zh: str,
    name_en: str = "",
    description: str = "",
    default_progress=None,
    colour: str = "blue",
    position=None,
    active: bool = True,
) -> PledgeStatus:
    """Add or change a vocabulary entry (administrators). The six built-in keys keep their lifecycle
    state and stay active; a new key names a finer step of one state (e.g. 招标中 under 推进中)."""
    if not has_role(session, actor, (Role.ADMIN,)):
        raise PermissionDenied("只有管理员可以维护状态词表", "only administrators edit the status vocabulary")
    jid = actor.jurisdiction_id
    ensure_vocabulary(session, jid)
    key = (key or "").strip().lower()
    if not key or len(key) > 32 or not all(c.isalnum() or c == "_" for c in key) or not key.isascii():
        raise InvalidInput(
            "代码为 1–32 位小写字母、数字或下划线", "the key is 1–32 lower-case letters, digits or _", field="key"
        )
    try:
        base_status = ItemStatus(base)
    except ValueError:
        raise InvalidInput("请选择对应的办理状态", "choose the lifecycle state", field="base") from None
    pct = svc._progress(default_progress, "default_progress")
    if base_status == ItemStatus.COMPLETED and pct not in (None, 100):
        raise InvalidInput(
            "已完成类状态的默认进度为 100", "a completed state's default is 100", field="default_progress"
        )
    if colour not in COLOURS:
        raise InvalidInput("颜色不在可选范围内", "unknown colour", field="colour")
    row = session.scalar(select(PledgeStatus).where(PledgeStatus.jurisdiction_id == jid, PledgeStatus.key == key))
    builtin = key in set(ItemStatus)
    if builtin and (base_status.value != key or not active):
        raise Conflict(
            "内置状态不能改变对应状态或停用", "a built-in state keeps its state and stays active", field="key"
        )
    if row is None:
        row = PledgeStatus(jurisdiction_id=jid, key=key)
        session.add(row)
    elif row.base != base_status and session.scalar(
        select(func.count())
        .select_from(PledgeItem)
        .where(PledgeItem.jurisdiction_id == jid, PledgeItem.status_key == key)
    ):
        raise Conflict(
            "已有事项使用该状态，不能改变其对应状态", "items use this key; its state cannot change", field="base"
        )
    row.base = base_status
    row.name_zh = svc._text(name_zh, "name_zh", "名称", "Name", longest=50)
    row.name_en = svc._optional_text(name_en, "name_en", "英文名称", "English name", 50)
    row.description = svc._optional_text(description, "description", "说明", "Description", 500)
    row.default_progress = pct
    row.colour = colour
    row.position = int(svc._number(position, "position") or 0) if position not in (None, "") else (row.position or 100)
    row.active = bool(active)
    session.flush()
    return row


def _action_to(current: ItemStatus, target: ItemStatus) -> ItemAction | None:
    for (state, action), after in ITEM_TRANSITIONS.items():
        if state == current and after == target and action != ItemAction.REPORT:
            return action
    return None


def set_item_status(session: Session, item: PledgeItem, key: str, *, actor: User, note: str = "") -> PledgeItem:
    """Give an item a status from the vocabulary: the item moves to the entry's lifecycle state through
    the state machine (办结 completes it, 撤销 needs a reason) and takes the entry's default progress."""
    entry = session.scalar(
        select(PledgeStatus).where(
            PledgeStatus.jurisdiction_id == item.jurisdiction_id, PledgeStatus.key == key, PledgeStatus.active.is_(True)
        )
    )
    if entry is None:
        raise InvalidInput(f"状态“{key}”不存在或已停用", f"status {key!r} is unknown or inactive", field="status_key")
    if entry.base != item.status:
        action = _action_to(item.status, entry.base)
        if action is None:
            raise Conflict(
                f"当前状态（{ITEM_LABELS[item.status][0]}）不能改为“{entry.name_zh}”",
                f"an item that is {item.status.value} cannot become {entry.key}",
                field="status_key",
            )
        if action == ItemAction.COMPLETE:
            work.complete_item(session, item, actor=actor, note=note)
        else:
            work.change_item_status(session, item, action, actor=actor, note=note)
    else:
        svc._require(svc.can_work(session, actor, item))
        svc._require_live(item)
    before = item.status_key
    item.status_key = entry.key
    pct = entry.default_progress
    if pct is not None and entry.base not in (ItemStatus.COMPLETED,) and not svc.children_of(session, item):
        item.progress = min(pct, 99)
    svc._event(
        session,
        item.pledge_list,
        "status_key",
        actor=actor,
        item=item,
        payload={"from": before, "to": entry.key, "progress": item.progress, "note": note.strip()[:500]},
    )
    session.flush()
    svc._rollup_from(session, session.get(PledgeItem, item.parent_id) if item.parent_id else None)
    return item


# ---------------------------------------------------------------- links to appeals, hotspots, topics, wishes

LINK_KINDS = {
    "appeal": ("12345 诉求", "Appeal"),
    "hotspot": ("热点", "Hotspot"),
    "topic": ("每月一题", "Monthly topic"),
    "wish": ("微心愿", "Micro-wish"),
}


def _source(session: Session, jurisdiction_id: int, kind: str, ref) -> tuple[int, str, dict]:
    """The linked row's id, a label without personal data, and what an item made from it inherits."""
    if kind not in LINK_KINDS:
        raise InvalidInput("未知的关联类型", "unknown link kind", field="kind")
    row = None
    if kind == "appeal":
        from lianxin.appeals.models import Appeal

        text = str(ref or "").strip()
        stmt = select(Appeal).where(Appeal.jurisdiction_id == jurisdiction_id)
        row = session.scalar(stmt.where(Appeal.order_no == text))  # order numbers are digits too
        if row is None and text.isdigit() and int(text) < 2**31:
            row = session.scalar(stmt.where(Appeal.id == int(text)))
        if row is not None:
            return row.id, row.order_no, {"title": mask_text(row.title) or row.order_no, "area": row.address or ""}
    else:
        try:
            target_id = int(str(ref).strip())
        except (TypeError, ValueError):
            raise InvalidInput("请填写编号", "give the id", field="target_id") from None
        if not 0 < target_id < 2**31:
            raise NotFound("要关联的记录不存在", f"no such {kind}", field="target_id")
        if kind == "hotspot":
            from lianxin.hotspots.models import Hotspot as Model
        elif kind == "topic":
            from lianxin.topics.models import Topic as Model
        else:
            from lianxin.wishes.models import Wish as Model
        row = session.get(Model, target_id)
        if row is not None and row.jurisdiction_id == jurisdiction_id:
            if kind == "hotspot":
                label = mask_text(row.description) or f"#{row.id}"
                return row.id, label[:200], {"title": label[:200], "area": row.place}
            if kind == "topic":
                return row.id, row.title, {"title": row.title, "owner_unit_id": row.owner_unit_id}
            label = (row.public_text or row.category.value)[:200]
            return row.id, label, {"title": label, "owner_unit_id": row.community_id}
    raise NotFound("要关联的记录不存在", f"no such {kind}", field="target_id")


def link_item(session: Session, item: PledgeItem, *, actor: User, kind: str, ref, origin: bool = False) -> PledgeLink:
    """Link an item to an appeal (order number or id), a hotspot, a topic or a wish (idempotent)."""
    svc._require(svc.can_work(session, actor, item))
    target_id, label, _ = _source(session, item.jurisdiction_id, kind, ref)
    existing = session.scalar(
        select(PledgeLink).where(
            PledgeLink.item_id == item.id, PledgeLink.kind == kind, PledgeLink.target_id == target_id
        )
    )
    if existing is not None:
        return existing
    link = PledgeLink(
        jurisdiction_id=item.jurisdiction_id,
        item_id=item.id,
        kind=kind,
        target_id=target_id,
        label=label,
        origin=origin,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    session.add(link)
    session.flush()
    svc._event(
        session, item.pledge_list, "linked", actor=actor, item=item, payload={"kind": kind, "target_id": target_id}
    )
    session.flush()
    return link


def unlink_item(session: Session, link: PledgeLink, *, actor: User) -> None:
    item = session.get(PledgeItem, link.item_id)
    svc._require(svc.can_work(session, actor, item))
    svc._event(
        session,
        item.pledge_list,
        "unlinked",
        actor=actor,
        item=item,
        payload={"kind": link.kind, "target_id": link.target_id},
    )
    session.delete(link)
    session.flush()


def item_from(session: Session, plist: PledgeList, *, actor: User, kind: str, ref, parent_id=None) -> PledgeItem:
    """Make an item of ``plist`` from a wish, a hotspot, a topic or an appeal, linked as its origin."""
    target_id, _, fields = _source(session, plist.jurisdiction_id, kind, ref)
    title = fields.pop("title")
    title = title if len(title) >= 2 else f"{LINK_KINDS[kind][0]} {target_id}"
    unit = fields.get("owner_unit_id")
    if unit is not None and session.get(Unit, unit) is None:  # pragma: no cover - foreign keys keep it
        fields.pop("owner_unit_id")
    item = svc.add_item(
        session, plist, actor=actor, title=title[:200], parent_id=parent_id, category=LINK_KINDS[kind][0], **fields
    )
    link_item(session, item, actor=actor, kind=kind, ref=target_id, origin=True)
    return item


def links_to(session: Session, jurisdiction_id: int, kind: str, target_id: int) -> list[tuple[PledgeLink, PledgeItem]]:
    """The items linked to one appeal, hotspot, topic or wish (the other side's panel)."""
    return list(
        session.execute(
            select(PledgeLink, PledgeItem)
            .join(PledgeItem, PledgeItem.id == PledgeLink.item_id)
            .where(
                PledgeLink.jurisdiction_id == jurisdiction_id,
                PledgeLink.kind == kind,
                PledgeLink.target_id == target_id,
            )
            .order_by(PledgeLink.id)
        ).all()
    )


# ---------------------------------------------------------------- project library (项目库)

PROJECT_TYPES = ("村级经营性项目", "基础设施", "公益事业", "产业发展", "人居环境", "其他")
PROJECT_STATUS = {
    "candidate": ("待审", "Candidate"),
    "approved": ("已批准", "Approved"),
    "rejected": ("未通过", "Rejected"),
    "promoted": ("已列入清单", "In a list"),
}


def can_library(session: Session, user: User | None, unit_id: int) -> bool:
    return has_role(session, user, svc.WORKERS, unit_id=unit_id)


def _funds(funds: dict | None) -> tuple[dict, Decimal]:
    clean: dict[str, str] = {}
    for source, amount in (funds or {}).items():
        source = (source or "").strip()
        if not source and amount in (None, ""):
            continue
        if not source or len(source) > 50:
            raise InvalidInput("资金来源名称为 1–50 字", "a fund source is 1–50 characters", field="funds")
        value = svc._money(amount, "funds")
        if value is None:
            raise InvalidInput("请填写金额（万元）", "give the amount (10,000 yuan)", field="funds")
        clean[source] = str(value)
    if not clean:
        raise InvalidInput("至少填写一项资金来源和金额", "give at least one fund source and amount", field="funds")
    return clean, sum((Decimal(v) for v in clean.values()), Decimal("0"))


def propose_project(
    session: Session,
    *,
    actor: User,
    unit_id: int,
    title: str,
    project_type: str,
    year: int,
    funds: dict,
    description: str = "",
) -> PledgeProject:
    """入库: a village or community proposes a candidate project with its funds by source."""
    unit = svc._unit(session, actor.jurisdiction_id, unit_id, "unit_id")
    svc._require(can_library(session, actor, unit.id))
    if project_type not in PROJECT_TYPES:
        raise InvalidInput("请选择项目类型", "choose a project type", field="project_type")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("年度应为 2000–2100 之间的年份", "the year must be between 2000 and 2100", field="year")
    clean, total = _funds(funds)
    project = PledgeProject(
        jurisdiction_id=actor.jurisdiction_id,
        unit_id=unit.id,
        title=svc._text(title, "title", "项目名称", "Title"),
        project_type=project_type,
        description=svc._optional_text(description, "description", "说明", "Description", 2000),
        year=year,
        funds=clean,
        funds_total=total,
        status="candidate",
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    session.add(project)
    session.flush()
    return project


def decide_project(session: Session, project: PledgeProject, *, actor: User, approve: bool, note: str = "") -> None:
    """审批: a leader above the village approves or rejects a candidate (a rejection says why)."""
    if not has_role(session, actor, (Role.LEADER,), unit_id=project.unit_id):
        raise PermissionDenied("项目审批需要上级领导", "approving a project needs a leader above the village")
    if project.status != "candidate":
        raise Conflict("只有待审项目可以审批", "only candidates are decided", field="status")
    if not approve and len(note.strip()) < 2:
        raise InvalidInput("不予批准请说明理由", "say why the project is not approved", field="note")
    project.status = "approved" if approve else "rejected"
    project.decided_note = note.strip()[:1000]
    project.decided_by_id = actor.id
    project.decided_at = utcnow()
    session.flush()


def promote_project(
    session: Session, project: PledgeProject, plist: PledgeList, *, actor: User, parent_id=None, due_on=None
) -> PledgeItem:
    """列入清单: an approved project becomes an item of a list of its year (owner: the village)."""
    if project.status != "approved":
        raise Conflict("项目批准后才能列入清单", "only approved projects are promoted", field="status")
    if plist.year != project.year or plist.jurisdiction_id != project.jurisdiction_id:
        raise InvalidInput("清单年度与项目年度不一致", "the list's year differs from the project's", field="list_id")
    item = svc.add_item(
        session,
        plist,
        actor=actor,
        title=project.title,
        description=project.description,
        owner_unit_id=project.unit_id,
        category=project.project_type,
        area=project.unit.name,
        budget_planned=project.funds_total,
        fund_source="+".join(project.funds),
        parent_id=parent_id,
        due_on=due_on,
        external_id=f"XMK-{project.id}",
    )
    project.status = "promoted"
    project.item_id = item.id
    session.flush()
    return item


def get_project(session: Session, project_id: int, *, jurisdiction_id: int) -> PledgeProject:
    project = session.get(PledgeProject, project_id)
    if project is None or project.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"项目 {project_id} 不存在", f"project {project_id} not found", field="project")
    return project


# ---------------------------------------------------------------- indicators derived from appeals


def _appeal_count(session: Session, jurisdiction_id: int, params: dict, start, end) -> int:
    """Appeals received in [start, end) in the category (or its sub-categories) whose address or title
    names the place: computed from Lianxin's own appeals, never typed in."""
    from datetime import datetime, time

    from lianxin.appeals.models import Appeal, Category
    from lianxin.clock import local_zone

    local = local_zone()
    stmt = select(func.count()).select_from(Appeal).where(Appeal.jurisdiction_id == jurisdiction_id)
    if params.get("category_id"):
        cats = {params["category_id"]}
        frontier = set(cats)
        while frontier:  # the category and everything under it (three levels at most)
            frontier = set(session.scalars(select(Category.id).where(Category.parent_id.in_(frontier)))) - cats
            cats |= frontier
        stmt = stmt.where(Appeal.category_id.in_(cats))
    if params.get("place"):
        pattern = f"%{params['place']}%"
        stmt = stmt.where(Appeal.address.like(pattern) | Appeal.title.like(pattern))
    lower = datetime.combine(start, time.min, tzinfo=local)
    upper = datetime.combine(end, time.min, tzinfo=local)
    return session.scalar(stmt.where(Appeal.received_at >= lower, Appeal.received_at < upper)) or 0


def add_derived_target(
    session: Session,
    item: PledgeItem,
    *,
    actor: User,
    name: str,
    category_id: int | None,
    place: str,
    baseline_from,
    baseline_to,
    reduction_pct,
) -> PledgeTarget:
    """An indicator judged by what residents stop complaining about: the appeals in the item's category
    and place over a baseline window, and the target a reduction of them; the actual is the same count
    over a window of the same length ending today (``refresh_derived``)."""
    from lianxin.appeals.models import Category

    start, end = svc._date(baseline_from, "baseline_from"), svc._date(baseline_to, "baseline_to")
    if start is None or end is None or end <= start:
        raise InvalidInput(
            "请填写基期起止日期（止日晚于起日）", "give the baseline window (end after start)", field="baseline_from"
        )
    category = session.get(Category, category_id) if category_id else None
    if category_id and (category is None or category.jurisdiction_id != item.jurisdiction_id):
        raise InvalidInput("问题分类不存在", "no such category", field="category_id")
    place = svc._optional_text(place, "place", "地点关键词", "Place", 50)
    if category is None and not place:
        raise InvalidInput("请选择问题分类或填写地点关键词", "choose a category or a place", field="category_id")
    pct = svc._number(reduction_pct, "reduction_pct", required=True)
    if not 0 < pct <= 100:
        raise InvalidInput(
            "下降目标为 1–100 的百分比", "the reduction is a percentage from 1 to 100", field="reduction_pct"
        )
    params = {
        "category_id": category.id if category else None,
        "place": place,
        "baseline_from": start.isoformat(),
        "baseline_to": end.isoformat(),
        "reduction_pct": pct,
    }
    baseline = _appeal_count(session, item.jurisdiction_id, params, start, end)
    target = svc.add_target(
        session,
        item,
        actor=actor,
        name=name,
        unit="件",
        baseline=baseline,
        baseline_period=f"{start.isoformat()}—{end.isoformat()}",
        target=round(baseline * (1 - pct / 100), 1),
        method=f"12345 诉求量（{category.name if category else '全部分类'}{'，' + place if place else ''}），同长度时段对比，系统自动计算",
        direction="down",  # fewer appeals is the point
    )
    target.source = "appeals_derived"
    target.params = params
    refresh_derived(session, [target])
    return target


def refresh_derived(session: Session, targets=None, *, today=None) -> int:
    """Recompute the actual of derived indicators: the same count over the window of the baseline's
    length that ends today. The job runs it daily; returns how many changed."""
    from datetime import timedelta

    today = today or svc.local_today()
    if targets is None:
        targets = list(session.scalars(select(PledgeTarget).where(PledgeTarget.source == "appeals_derived")))
    changed = 0
    for target in targets:
        params = target.params or {}
        start, end = svc._date(params.get("baseline_from"), "p"), svc._date(params.get("baseline_to"), "p")
        length = (end - start).days
        window_end = today + timedelta(days=1)
        baseline = float(_appeal_count(session, target.jurisdiction_id, params, start, end))
        if baseline != target.baseline:  # appeals entered late still count in the baseline
            target.baseline = baseline
            target.target = round(baseline * (1 - float(params.get("reduction_pct") or 0) / 100), 1)
            changed += 1
        actual = float(
            _appeal_count(session, target.jurisdiction_id, params, window_end - timedelta(days=length), window_end)
        )
        if actual != target.actual:
            target.actual, target.measured_on = actual, today
            changed += 1
    session.flush()
    return changed
