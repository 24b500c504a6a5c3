"""发现 and 核实: declarations from every channel, the village check, 评议公示 and the county decision on the
working-day clock; scope, masking and the log of clear views shared by the module. Each verb checks the
transition and the actor, changes fields, appends a :class:`PovertyEvent`, flushes; none commits.

Who does what (a grant covers its unit and every unit below it; admins act everywhere in their jurisdiction):
grid workers and handlers of the household's grid or village see it and take the check; handlers and leaders
record 评议公示; leaders decide — never the one who checked. Residents declare for themselves or a relative and
see only their own declarations.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.care import service as care
from lianxin.care.models import Household, Person
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role, user_unit_ids
from lianxin.poverty.models import Declaration, PovertyDataView, PovertyEvent, PovertySettings
from lianxin.poverty.status import (
    DECLARATION_OPEN,
    RESIDENT_CHANNELS,
    Channel,
    CheckResult,
    Clock,
    DeclarationAction,
    DeclarationStatus,
    ObjectType,
    RiskType,
    clock_colour,
    decision_allowed,
    merged,
    next_declaration_status,
    working_days_left,
)
from lianxin.residents.models import ResidentAccount
from lianxin.sla.service import get_calendar

STAFF_ROLES = (Role.GRID_WORKER, Role.HANDLER, Role.LEADER)
CHECK_ROLES = (Role.GRID_WORKER, Role.HANDLER)
REVIEW_ROLES = (Role.HANDLER, Role.LEADER)
DECIDE_ROLES = (Role.LEADER,)
SOURCE_CHANNELS = {Channel.APPEAL: "appeal", Channel.WISH: "wish", Channel.ALARM: "alarm"}


# --- figures ------------------------------------------------------------------------------------------------


def figures(session: Session, jurisdiction_id: int) -> dict:
    """``status.DEFAULTS`` with the jurisdiction's overrides (deadlines, weights, bands, criteria, rules)."""
    cache = session.info.setdefault("poverty_figures", {})
    if jurisdiction_id not in cache:
        row = session.scalar(select(PovertySettings).where(PovertySettings.jurisdiction_id == jurisdiction_id))
        cache[jurisdiction_id] = merged(row.values if row else None)
    return cache[jurisdiction_id]


def set_figures(session: Session, jurisdiction_id: int, values: dict, *, actor: User | None) -> dict:
    """Replace the jurisdiction's overrides (admins); refused whole when one value is wrong."""
    if actor is not None and not any(g.role == Role.ADMIN for g in actor.grants):
        raise PermissionDenied("只有管理员可以修改监测参数", "only administrators change the monitoring figures")
    result = merged(values)
    row = session.scalar(select(PovertySettings).where(PovertySettings.jurisdiction_id == jurisdiction_id))
    if row is None:
        row = PovertySettings(jurisdiction_id=jurisdiction_id)
        session.add(row)
    row.values, row.updated_at = dict(values), utcnow()
    session.flush()
    session.info.setdefault("poverty_figures", {})[jurisdiction_id] = result
    return result


# --- events, scope, masking ---------------------------------------------------------------------------------


def event(
    session: Session,
    subject: str,
    row,
    action: str,
    *,
    actor: User | None = None,
    account: ResidentAccount | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    **payload,
) -> PovertyEvent:
    record = PovertyEvent(
        jurisdiction_id=row.jurisdiction_id,
        subject=subject,
        subject_id=row.id,
        action=str(action),
        from_status=str(from_status) if from_status else None,
        to_status=str(to_status) if to_status else None,
        actor_id=actor.id if actor else None,
        resident_account_id=account.id if account else None,
        note=note,
        payload=payload,
        at=utcnow(),
    )
    session.add(record)
    return record


def history(session: Session, subject: str, subject_id: int) -> list[PovertyEvent]:
    return list(
        session.scalars(
            select(PovertyEvent)
            .where(PovertyEvent.subject == subject, PovertyEvent.subject_id == subject_id)
            .order_by(PovertyEvent.id)
        )
    )


def is_admin(user: User | None) -> bool:
    return user is not None and any(g.role == Role.ADMIN for g in user.grants)


def covers(session: Session, user: User | None, roles: Iterable[Role], row) -> bool:
    """Whether ``user`` holds one of ``roles`` over the row's grid (or village when it has no grid)."""
    if user is None or user.jurisdiction_id != row.jurisdiction_id:
        return False
    return has_role(session, user, roles, unit_id=row.grid_id or row.community_id)


def require(session: Session, user: User | None, roles: Iterable[Role], row, zh: str, en: str) -> None:
    """``None`` is the system (jobs, the demo) and always may."""
    if user is None:
        return
    if user.jurisdiction_id != row.jurisdiction_id:
        raise NotFound("记录不存在", "not found")
    if not covers(session, user, roles, row):
        raise PermissionDenied(zh, en)


def scope_ids(session: Session, user: User) -> set[int] | None:
    """The units whose records ``user`` sees; None: the whole jurisdiction (admins)."""
    if is_admin(user):
        return None
    units = user_unit_ids(session, user, STAFF_ROLES)
    if not units:
        raise PermissionDenied(
            "防返贫监测信息只对网格、村（社区）和负责单位的工作人员开放",
            "monitoring records are for grid, village and responsible-unit staff",
        )
    return units


def scoped(stmt: Select, model, session: Session, user: User) -> Select:
    units = scope_ids(session, user)
    stmt = stmt.where(model.jurisdiction_id == user.jurisdiction_id)
    if units is None:
        return stmt
    return stmt.where(or_(model.grid_id.in_(units), model.community_id.in_(units)))


def mask_id(value: str | None) -> str:
    return care.mask_id(value)


def mask_income(value: int | None) -> str:
    """The band, not the figure: 5000–9999 元."""
    if value is None:
        return ""
    low = (value // 5000) * 5000
    return f"{low}–{low + 4999} 元"


def log_view(session: Session, user: User, subject: str, row, interface: str) -> None:
    session.add(
        PovertyDataView(
            jurisdiction_id=row.jurisdiction_id,
            user_id=user.id,
            subject=subject,
            subject_id=row.id,
            interface=interface,
            at=utcnow(),
        )
    )
    session.flush()


def declaration_view(decl: Declaration, *, clear: bool = False) -> dict:
    """What a page or the API shows of a declaration: masked unless ``clear`` (after :func:`reveal`)."""
    return {
        "head_name": decl.head_name if clear else mask_name(decl.head_name),
        "id_number": (decl.id_number or "") if clear else mask_id(decl.id_number),
        "phone": (decl.phone or "") if clear else mask_phone(decl.phone),
        "declarant_phone": (decl.declarant_phone or "") if clear else mask_phone(decl.declarant_phone),
        "declarant_name": (decl.declarant_name or "") if clear else mask_name(decl.declarant_name),
        "income_per_capita": decl.income_per_capita if clear else mask_income(decl.income_per_capita),
        "clear": clear,
    }


def reveal_declaration(session: Session, user: User, decl: Declaration, interface: str) -> dict:
    """The declaration's personal data in the clear, for staff of its grid or village; the view is logged."""
    require(session, user, STAFF_ROLES, decl, "该申报不在您负责的范围内", "this declaration is outside your area")
    log_view(session, user, "declaration", decl, interface)
    return declaration_view(decl, clear=True)


def number(decl: Declaration) -> str:
    return f"FP{decl.id:06d}"


# --- reading ------------------------------------------------------------------------------------------------


def get_declaration(session: Session, user: User | None, declaration_id: int) -> Declaration:
    decl = session.get(Declaration, declaration_id)
    if decl is None or (user is not None and decl.jurisdiction_id != user.jurisdiction_id):
        raise NotFound("申报不存在", "declaration not found")
    require(session, user, STAFF_ROLES, decl, "该申报不在您负责的范围内", "this declaration is outside your area")
    return decl


def declarations(session: Session, user: User, *, status: str = "", mine: bool = False) -> Select:
    stmt = scoped(select(Declaration), Declaration, session, user)
    if status == "open":
        stmt = stmt.where(Declaration.status.in_(DECLARATION_OPEN))
    elif status:
        stmt = stmt.where(Declaration.status == DeclarationStatus.parse(status))
    if mine:
        stmt = stmt.where(Declaration.assignee_id == user.id)
    return stmt.order_by(Declaration.check_due_at, Declaration.id)


def declarations_of(session: Session, account: ResidentAccount) -> list[Declaration]:
    """A resident's own declarations: made with the account, or naming its (proven) phone."""
    return list(
        session.scalars(
            select(Declaration)
            .where(
                Declaration.jurisdiction_id == account.jurisdiction_id,
                or_(
                    Declaration.declarant_account_id == account.id,
                    Declaration.declarant_phone == account.phone,
                    Declaration.phone == account.phone,
                ),
            )
            .order_by(Declaration.id.desc())
        )
    )


def own_declaration(session: Session, account: ResidentAccount, declaration_id: int) -> Declaration:
    for decl in declarations_of(session, account):
        if decl.id == declaration_id:
            return decl
    raise NotFound("申报不存在", "declaration not found")


def clock(session: Session, decl: Declaration, now: datetime | None = None) -> dict:
    """The running clock: the village check before it is recorded, then the county decision."""
    now = now or utcnow()
    fig = figures(session, decl.jurisdiction_id)
    calendar = get_calendar(session, decl.jurisdiction_id)
    if decl.status in (DeclarationStatus.SUBMITTED, DeclarationStatus.CHECKING):
        step, due, limit = "check", decl.check_due_at, fig["check_days"]
    elif decl.status == DeclarationStatus.REVIEWING:
        step, due, limit = "decide", decl.decide_due_at, fig["decide_days"]
    else:
        return {"step": None, "due_at": None, "colour": Clock.NONE, "days_left": None}
    return {
        "step": step,
        "due_at": due,
        "colour": clock_colour(now, due, limit, calendar),
        "days_left": working_days_left(now, due, calendar),
    }


# --- declaring ----------------------------------------------------------------------------------------------


def clean_risk_types(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if str(value).strip():
            kind = RiskType.parse(str(value).strip())
            if kind.value not in out:
                out.append(kind.value)
    if not out:
        raise InvalidInput("请至少选择一种风险类型", "choose at least one risk type", field="risk_types")
    return out


def _source(session: Session, channel: Channel, ref: str | None, jurisdiction_id: int) -> str | None:
    """``appeal:<id>``, ``wish:<id>`` or ``alarm:<id>`` of a record that exists in the jurisdiction."""
    prefix = SOURCE_CHANNELS.get(channel)
    if prefix is None:
        return None
    ref = (ref or "").strip()
    raw = ref.removeprefix(f"{prefix}:")
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput("请填写来源记录编号", "give the id of the record it comes from", field="source_ref")
    if prefix == "appeal":
        from lianxin.appeals.models import Appeal as model
    elif prefix == "wish":
        from lianxin.wishes.models import Wish as model
    else:
        from lianxin.care.models import Alarm as model
    row = session.get(model, int(raw))
    if row is None or row.jurisdiction_id != jurisdiction_id:
        raise InvalidInput("来源记录不存在", "the record it comes from does not exist", field="source_ref")
    return f"{prefix}:{raw}"


def _village(session: Session, jurisdiction_id: int, community_id: int | None, grid_id: int | None) -> tuple:
    community = session.get(Unit, community_id) if community_id else None
    if community is None or community.jurisdiction_id != jurisdiction_id or community.kind != UnitKind.COMMUNITY:
        raise InvalidInput("请选择所在村（社区）", "choose the village or community", field="community_id")
    grid = session.get(Unit, grid_id) if grid_id else None
    if grid_id and (grid is None or grid.kind != UnitKind.GRID or grid.parent_id != community.id):
        raise InvalidInput("网格不属于该村（社区）", "the grid is not in that village", field="grid_id")
    return community, grid


def live_key(household_id: int | None, id_number: str | None, phone: str | None) -> str | None:
    if household_id:
        return f"hh:{household_id}"
    if id_number:
        return f"id:{id_number}"
    return f"ph:{phone}" if phone else None


def live_declaration(session: Session, key: str | None) -> Declaration | None:
    return session.scalar(select(Declaration).where(Declaration.live_key == key)) if key else None


def declare(
    session: Session,
    *,
    jurisdiction_id: int,
    channel: str,
    head_name: str,
    risk_types: Iterable[str],
    community_id: int | None = None,
    grid_id: int | None = None,
    household_id: int | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    address: str = "",
    household_size: int | None = None,
    description: str = "",
    photos: Iterable[str] = (),
    source_ref: str | None = None,
    account: ResidentAccount | None = None,
    actor: User | None = None,
    declarant_name: str | None = None,
    declarant_relation: str | None = None,
    reasons: Iterable[tuple[str, str]] = (),
) -> Declaration:
    """A declaration of hardship: the resident (``account``; ``proxy`` for a relative), staff (``actor``: grid
    visit, hotline, from an appeal, wish or alarm) or the candidate job (``data``, neither). It starts both
    clocks: the village check and the county decision, in working days from now."""
    channel = Channel.parse(channel)
    if channel in RESIDENT_CHANNELS and account is None:
        raise PermissionDenied("请先登录再申报", "sign in to declare")
    if channel not in RESIDENT_CHANNELS and account is not None:
        raise InvalidInput("居民只能本人申报或代亲友申报", "residents declare for themselves or a relative")
    if channel == Channel.DATA and actor is not None:
        raise InvalidInput("数据比对的线索由系统生成", "data-matched candidates come from the system", field="channel")
    if account is not None and account.jurisdiction_id != jurisdiction_id:
        raise NotFound("申报地区不存在", "jurisdiction not found")
    head_name = (head_name or "").strip()
    if not 2 <= len(head_name) <= 64:
        raise InvalidInput("请填写户主姓名", "enter the head of household's name", field="head_name")
    kinds = clean_risk_types(risk_types)
    id_number = care.clean_id_number(id_number)
    phone = care.clean_phone(phone)
    household: Household | None = session.get(Household, household_id) if household_id else None
    if household_id and (household is None or household.jurisdiction_id != jurisdiction_id):
        raise InvalidInput("住户不存在", "household not found", field="household_id")
    if household is None and id_number:
        person = care.find_by_id_number(session, jurisdiction_id, id_number)
        household = person.household if person else None
    if household is not None:
        community_id, grid_id = household.community_id, household.grid_id
        address = address or household.address
    community, grid = _village(session, jurisdiction_id, community_id, grid_id)
    if grid is None and actor is not None:  # a grid worker recording in their village: their own grid
        grid = next(
            (g.unit for g in actor.grants if g.unit.kind == UnitKind.GRID and g.unit.parent_id == community.id), None
        )
    if channel == Channel.PROXY:
        declarant_name = (declarant_name or "").strip()
        if not 2 <= len(declarant_name) <= 64:
            raise InvalidInput("请填写代报人姓名", "enter your own name", field="declarant_name")
        if not (declarant_relation or "").strip():
            raise InvalidInput("请填写与户主的关系", "say how you are related", field="declarant_relation")
    if account is not None and channel == Channel.SELF:
        phone = phone or account.phone
    if not (id_number or phone or household):
        raise InvalidInput("请填写身份证号或联系电话", "give an ID number or a phone number", field="phone")
    if household_size is not None and not 1 <= household_size <= 30:
        raise InvalidInput("家庭人口应为 1–30", "a household has 1 to 30 people", field="household_size")
    source = _source(session, channel, source_ref, jurisdiction_id)
    placeholder = Declaration(jurisdiction_id=jurisdiction_id, community_id=community.id, grid_id=grid and grid.id)
    if channel not in RESIDENT_CHANNELS and channel != Channel.DATA:
        require(
            session, actor, STAFF_ROLES, placeholder, "该户不在您负责的范围内", "that household is outside your area"
        )
    key = live_key(household.id if household else None, id_number, phone)
    existing = live_declaration(session, key)
    if existing is not None:
        raise Conflict(
            f"该户已有正在办理的申报 {number(existing)}，请勿重复申报",
            f"this household already has an open declaration ({number(existing)})",
        )
    now = utcnow()
    fig = figures(session, jurisdiction_id)
    calendar = get_calendar(session, jurisdiction_id)
    decl = Declaration(
        jurisdiction_id=jurisdiction_id,
        channel=channel,
        status=DeclarationStatus.SUBMITTED,
        live_key=key,
        household_id=household.id if household else None,
        community_id=community.id,
        grid_id=grid.id if grid else None,
        head_name=head_name,
        id_number=id_number,
        phone=phone,
        address=(address or "").strip()[:200],
        household_size=household_size,
        risk_types=kinds,
        description=(description or "").strip()[:2000],
        photos=list(photos),
        source_ref=source,
        candidate_reasons=[list(r) for r in reasons],
        declarant_account_id=account.id if account else None,
        declarant_user_id=actor.id if actor else None,
        declarant_name=declarant_name or (account.real_name if account else None),
        declarant_phone=account.phone if account else None,
        declarant_relation=(declarant_relation or "").strip()[:16] or None,
        submitted_at=now,
        check_due_at=calendar.add_working_days(now, fig["check_days"]),
        decide_due_at=calendar.add_working_days(now, fig["decide_days"]),
        warned=[],
    )
    session.add(decl)
    session.flush()
    event(
        session,
        "declaration",
        decl,
        DeclarationAction.SUBMIT,
        actor=actor,
        account=account,
        to_status=decl.status,
        channel=channel.value,
        risk_types=kinds,
        source=source,
    )
    if grid is not None:
        queue_notification(
            session,
            jurisdiction_id=jurisdiction_id,
            kind="poverty_declared",
            audience="unit",
            recipient=grid.id,
            message=f"【防返贫】{community.name}有新的{channel.zh}（{number(decl)}），请在 {fig['check_days']} "
            "个工作日内入户核实。",
            dedupe_key=f"poverty:declared:{decl.id}",
        )
    session.flush()
    return decl


# --- the village check ---------------------------------------------------------------------------------------


def assign(session: Session, decl: Declaration, *, actor: User, assignee: User | None = None) -> Declaration:
    """Take the check (``assignee`` None: the actor claims it) or hand it to someone; one live assignment: a
    conditional update, so two people claiming at once cannot both hold it."""
    assignee = assignee or actor
    if assignee.id == actor.id:
        require(
            session,
            actor,
            CHECK_ROLES,
            decl,
            "只有本网格、本村的网格员可以领取核实",
            "only the grid's staff take the check",
        )
    else:
        require(
            session,
            actor,
            REVIEW_ROLES,
            decl,
            "只有村（社区）、街道的负责人可以分派核实",
            "only village or street staff assign",
        )
        if not covers(session, assignee, CHECK_ROLES, decl):
            raise InvalidInput(
                "被指派人不负责该户所在网格", "the assignee does not cover this household", field="assignee"
            )
    old_status, old_assignee = decl.status, decl.assignee_id
    action = DeclarationAction.ASSIGN if decl.status == DeclarationStatus.SUBMITTED else DeclarationAction.REASSIGN
    new_status = next_declaration_status(decl.status, action)
    if action == DeclarationAction.REASSIGN and assignee.id == old_assignee:
        raise Conflict("已由该人员核实", "already assigned to that person")
    if action == DeclarationAction.REASSIGN and actor.id == assignee.id and actor.id != old_assignee:
        raise Conflict(
            f"已由 {decl.assignee.display_name if decl.assignee else ''} 领取核实",
            "someone else is already checking it",
        )
    now = utcnow()
    guard = Declaration.assignee_id.is_(None) if old_assignee is None else Declaration.assignee_id == old_assignee
    result = session.execute(
        update(Declaration)
        .where(Declaration.id == decl.id, Declaration.status == old_status, guard)
        .values(assignee_id=assignee.id, assigned_at=now, status=new_status, version=Declaration.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(decl)
        raise Conflict("该申报刚被他人领取，请刷新", "someone else took this declaration just now; reload")
    session.refresh(decl)
    event(
        session,
        "declaration",
        decl,
        action,
        actor=actor,
        from_status=old_status,
        to_status=new_status,
        assignee_id=assignee.id,
        previous_assignee_id=old_assignee,
    )
    if assignee.id != actor.id:
        queue_notification(
            session,
            jurisdiction_id=decl.jurisdiction_id,
            kind="poverty_assigned",
            audience="user",
            recipient=assignee.id,
            message=f"【防返贫】{number(decl)} 已指派您入户核实，请在期限内完成。",
        )
    session.flush()
    return decl


def _link_household(session: Session, decl: Declaration, actor: User) -> Household:
    """The household in the care register: found by the ID number, or registered from the declaration."""
    if decl.household_id:
        return decl.household
    person = care.find_by_id_number(session, decl.jurisdiction_id, decl.id_number) if decl.id_number else None
    if person is not None:
        return person.household
    household = care.create_household(
        session,
        actor=actor,
        jurisdiction_id=decl.jurisdiction_id,
        community_id=decl.community_id,
        grid_id=decl.grid_id,
        address=decl.address if len(decl.address or "") >= 4 else f"{decl.community.name}（待补充地址）",
    )
    care.add_person(session, household, actor=actor, name=decl.head_name, id_number=decl.id_number, phone=decl.phone)
    return household


def check(
    session: Session,
    decl: Declaration,
    *,
    actor: User,
    result: str,
    note: str,
    income_per_capita: int | None = None,
    household_size: int | None = None,
    risk_types: Iterable[str] | None = None,
) -> Declaration:
    """The village check (入户核实) by the one holding the assignment: the finding, the income per head over the
    last 12 months, corrected risk types; links the household to the care register (registering it if new)."""
    new_status = next_declaration_status(decl.status, DeclarationAction.CHECK)
    if decl.assignee_id != actor.id:
        raise PermissionDenied("只有领取核实的人员可以录入核实结果", "only the person holding the check records it")
    result = CheckResult.parse(result)
    note = (note or "").strip()
    if len(note) < 4:
        raise InvalidInput("请填写核实情况", "describe what the check found", field="note")
    if income_per_capita is not None and not 0 <= income_per_capita <= 10_000_000:
        raise InvalidInput("人均收入应为 0 或正数", "income must be zero or positive", field="income_per_capita")
    if household_size is not None and not 1 <= household_size <= 30:
        raise InvalidInput("家庭人口应为 1–30", "a household has 1 to 30 people", field="household_size")
    kinds = clean_risk_types(risk_types) if risk_types is not None else decl.risk_types
    household = _link_household(session, decl, actor)
    key = live_key(household.id, None, None)
    other = live_declaration(session, key)
    if other is not None and other.id != decl.id:
        raise Conflict(
            f"该户已有正在办理的申报 {number(other)}",
            f"this household already has an open declaration ({number(other)})",
        )
    old = decl.status
    decl.household_id, decl.live_key = household.id, key
    decl.status, decl.checked_by_id, decl.checked_at = new_status, actor.id, utcnow()
    decl.check_result, decl.check_note, decl.risk_types = result, note, kinds
    decl.income_per_capita = income_per_capita
    decl.household_size = household_size or decl.household_size
    decl.version += 1
    event(
        session,
        "declaration",
        decl,
        DeclarationAction.CHECK,
        actor=actor,
        from_status=old,
        to_status=new_status,
        note=note,
        result=result.value,
        late=decl.checked_at > decl.check_due_at,
    )
    session.flush()
    return decl


def publicize(session: Session, decl: Declaration, *, actor: User, note: str = "") -> Declaration:
    """评议公示: the village's democratic review and the public notice, up for the configured number of days."""
    next_declaration_status(decl.status, DeclarationAction.PUBLICIZE)
    require(
        session,
        actor,
        REVIEW_ROLES,
        decl,
        "只有村（社区）、街道的负责人可以评议公示",
        "only village or street staff publicize",
    )
    if decl.publicized_at is not None:
        raise Conflict("已经公示", "already publicized")
    days = figures(session, decl.jurisdiction_id)["publicity_days"]
    decl.publicized_at = utcnow()
    decl.publicity_until = decl.publicized_at + timedelta(days=days)
    decl.version += 1
    event(
        session,
        "declaration",
        decl,
        DeclarationAction.PUBLICIZE,
        actor=actor,
        from_status=decl.status,
        to_status=decl.status,
        note=(note or "").strip() or None,
        until=decl.publicity_until.isoformat(),
    )
    session.flush()
    return decl


def decide(
    session: Session,
    decl: Declaration,
    *,
    actor: User,
    outcome: str,
    object_type: str | None = None,
    reason: str = "",
    risk_factors: Iterable[dict] | None = None,
) -> Declaration:
    """The county's decision: identified as one of the three object types (after the 公示 has run; a monitoring
    case opens, or the household's cleared case reopens), or rejected with a reason the resident reads."""
    outcome = decision_allowed(decl.status, DeclarationStatus.parse(outcome))
    require(session, actor, DECIDE_ROLES, decl, "只有县（区）级负责人可以认定", "only county leaders decide")
    if actor.id in (decl.checked_by_id, decl.assignee_id):
        raise PermissionDenied("核实人不能认定自己核实的申报", "the checker cannot decide their own case")
    reason = (reason or "").strip()
    now = utcnow()
    kind = None
    if outcome == DeclarationStatus.IDENTIFIED:
        kind = ObjectType.parse(object_type or "")
        if decl.publicity_until is None or decl.publicity_until > now:
            raise Conflict("公示期未满，暂不能认定纳入", "the public notice has not run its course yet")
    elif len(reason) < 4:
        raise InvalidInput(
            "请填写不予纳入的理由（申报人可见）", "give the reason; the declarant reads it", field="reason"
        )
    old = decl.status
    decl.status, decl.decided_by_id, decl.decided_at = outcome, actor.id, now
    decl.object_type, decl.reject_reason = kind, reason if outcome == DeclarationStatus.REJECTED else None
    decl.live_key = None
    decl.version += 1
    if kind is not None:
        from lianxin.poverty.cases import open_case

        case = open_case(session, decl, actor=actor, object_type=kind, factors=risk_factors)
        decl.case_id = case.id
    event(
        session,
        "declaration",
        decl,
        DeclarationAction.DECIDE,
        actor=actor,
        from_status=old,
        to_status=outcome,
        note=reason or None,
        object_type=kind.value if kind else None,
        late=now > decl.decide_due_at,
    )
    recipient = decl.declarant_phone or decl.phone
    if recipient:
        text = (
            f"您的防返贫监测申报（{number(decl)}）已认定纳入监测（{kind.zh}），帮扶责任人将与您联系。"
            if kind
            else f"您的防返贫监测申报（{number(decl)}）经认定暂不纳入，理由：{reason}。如有异议请联系村（社区）。"
        )
        queue_notification(
            session,
            jurisdiction_id=decl.jurisdiction_id,
            kind="poverty_decided",
            audience="resident",
            recipient=recipient,
            message=f"【防返贫】{text}",
            dedupe_key=f"poverty:decided:{decl.id}",
        )
    session.flush()
    return decl


def withdraw(
    session: Session,
    decl: Declaration,
    *,
    reason: str,
    account: ResidentAccount | None = None,
    actor: User | None = None,
) -> Declaration:
    """The declarant (their account) or staff of the area withdraws an open declaration."""
    new_status = next_declaration_status(decl.status, DeclarationAction.WITHDRAW)
    if account is not None:
        own_declaration(session, account, decl.id)
    else:
        require(session, actor, STAFF_ROLES, decl, "该申报不在您负责的范围内", "this declaration is outside your area")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("请填写撤回原因", "give the reason", field="reason")
    old = decl.status
    decl.status, decl.live_key = new_status, None
    decl.version += 1
    event(
        session,
        "declaration",
        decl,
        DeclarationAction.WITHDRAW,
        actor=actor,
        account=account,
        from_status=old,
        to_status=new_status,
        note=reason,
    )
    session.flush()
    return decl


def household_people(session: Session, household_id: int) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.household_id == household_id).order_by(Person.id)))
