"""Applications (办件) and 亲友代办: one verb per change; each checks the transition and the actor, sets fields,
appends an event, tells the applicant, flushes. The working-day clock is the jurisdiction's calendar."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lianxin.clock import local_zone, utcnow
from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role, require_role, user_unit_ids
from lianxin.residents.models import ResidentAccount
from lianxin.residents.service import normalize_phone
from lianxin.services.models import Application, ApplicationEvent, ProxyAuthorization, ServiceBundle, ServiceItem
from lianxin.services.status import (
    APP_LABELS,
    APP_OPEN,
    ONLINE_CHANNELS,
    AppAction,
    AppStatus,
    ItemStatus,
    Relationship,
    ServiceChannel,
    authorization_covers,
    bundle_status,
    clock_colour,
    next_app_status,
)
from lianxin.sla.service import get_calendar

STAFF_ROLES = (Role.HANDLER, Role.OPERATOR)
HOME_VISIT = "home_visit"  # an application's channel when staff go to the applicant (上门办)


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(local_zone()).date()


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_name(name: str) -> str:
    return (name[0] + "*" * (len(name) - 1)) if len(name) > 1 else "*"


def _event(
    session: Session,
    app: Application,
    kind: str,
    *,
    before=None,
    actor: User | None = None,
    label: str = "",
    note: str = "",
) -> None:
    session.add(
        ApplicationEvent(
            jurisdiction_id=app.jurisdiction_id,
            application_id=app.id,
            kind=kind,
            from_status=str(before) if before else None,
            to_status=str(app.status),
            actor_id=actor.id if actor else None,
            actor_label=label or (actor.display_name if actor else "系统"),
            note=note,
            created_at=utcnow(),
        )
    )


def _tell(session: Session, app: Application, message: str, kind: str) -> None:
    queue_notification(
        session,
        jurisdiction_id=app.jurisdiction_id,
        kind=f"svc_{kind}",
        audience="resident",
        recipient=app.applicant_phone,
        message=f"【政务服务】您的办件 {app.number}：{message}",
    )


def next_number(session: Session, now: datetime) -> str:
    prefix = f"BJ{now.astimezone(local_zone()):%Y%m%d}"
    last = session.scalar(
        select(func.max(Application.number)).where(
            Application.number.like(f"{prefix}%"), Application.parent_id.is_(None)
        )
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


# --- 亲友代办 ------------------------------------------------------------------------------------------


def authorize_proxy(
    session: Session,
    *,
    agent: ResidentAccount,
    agent_name: str,
    principal_name: str,
    principal_phone: str,
    relationship: Relationship | str,
    items: Sequence[ServiceItem],
    valid_from: date,
    valid_to: date,
    evidence: str,
    consent: str,
    now: datetime | None = None,
) -> ProxyAuthorization:
    """Record an authorisation: the principal, the agent (the signed-in relative), the relationship, the items
    it covers, its validity (at most a year), what evidence was shown and how the principal consented. The
    principal gets an SMS naming the agent and how to revoke it."""
    now = now or utcnow()
    phone = normalize_phone(principal_phone)
    if phone == agent.phone:
        raise InvalidInput("不能授权给本人", "the principal cannot be the agent", field="principal_phone")
    try:
        relationship = Relationship(relationship)
    except ValueError:
        raise InvalidInput("请选择与本人的关系", "choose the relationship", field="relationship") from None
    names = {"principal_name": principal_name.strip(), "agent_name": agent_name.strip()}
    for field, value in names.items():
        if not 2 <= len(value) <= 32:
            raise InvalidInput("请填写真实姓名", "enter the real name", field=field)
    if not items:
        raise InvalidInput("请选择授权代办的事项", "choose the items the authorisation covers", field="scope")
    if valid_to < valid_from or valid_from < today(now) or (valid_to - valid_from).days > 366:
        raise InvalidInput("有效期应从今天起、最长一年", "valid from today for at most a year", field="valid_to")
    if len(evidence.strip()) < 2:
        raise InvalidInput(
            "请说明授权凭证（如授权委托书）", "name the evidence (e.g. a signed letter)", field="evidence"
        )
    if len(consent.strip()) < 2:
        raise InvalidInput("请记录本人同意的方式", "record how the principal consented", field="consent")
    proxy = ProxyAuthorization(
        jurisdiction_id=agent.jurisdiction_id,
        principal_name=names["principal_name"],
        principal_phone=phone,
        agent_account_id=agent.id,
        agent_name=names["agent_name"],
        relationship_kind=relationship,
        scope=[i.id for i in items],
        valid_from=valid_from,
        valid_to=valid_to,
        evidence=evidence.strip()[:300],
        consent=consent.strip()[:300],
        consented_at=now,
    )
    session.add(proxy)
    session.flush()
    queue_notification(
        session,
        jurisdiction_id=agent.jurisdiction_id,
        kind="svc_proxy",
        audience="resident",
        recipient=phone,
        message=(
            f"【政务服务】{mask_name(proxy.agent_name)}（{mask_phone(agent.phone)}）已登记为您代办"
            f"{'、'.join(i.name for i in items)}，有效期至 {valid_to}。如非本人同意，请致电 12345 撤销。"
        ),
    )
    return proxy


def revoke_proxy(session: Session, proxy: ProxyAuthorization, *, agent: ResidentAccount) -> ProxyAuthorization:
    if proxy.agent_account_id != agent.id:
        raise NotFound("授权不存在", "no such authorisation")
    proxy.revoked_at = proxy.revoked_at or utcnow()
    session.flush()
    return proxy


def proxies_of(session: Session, account: ResidentAccount) -> list[ProxyAuthorization]:
    return list(
        session.scalars(
            select(ProxyAuthorization)
            .where(ProxyAuthorization.agent_account_id == account.id)
            .order_by(ProxyAuthorization.id.desc())
        )
    )


def _proxy_for(
    session: Session, proxy_id: int | None, agent: ResidentAccount | None, items: Iterable[ServiceItem], now: datetime
) -> ProxyAuthorization | None:
    if proxy_id is None:
        return None
    proxy = session.get(ProxyAuthorization, proxy_id)
    if proxy is None or agent is None or proxy.agent_account_id != agent.id:
        raise PermissionDenied("没有这份代办授权", "no such authorisation of yours")
    for item in items:
        if not authorization_covers(
            proxy.scope, proxy.valid_from, proxy.valid_to, proxy.revoked_at is not None, item.id, today(now)
        ):
            raise PermissionDenied(
                f"授权不包括「{item.name}」或已过期",
                f"the authorisation does not cover {item.code} now",
                field="proxy_id",
            )
    return proxy


# --- applications -----------------------------------------------------------------------------------------


def _check_item(item: ServiceItem, channel: str) -> None:
    if item.status != ItemStatus.ACTIVE:
        reason = f"：{item.alert}" if item.alert else ""
        raise InvalidInput(f"「{item.name}」暂停办理{reason}", f"{item.code} is not taking applications now")
    allowed = set(item.channels)
    if channel == "online" and not allowed & ONLINE_CHANNELS:
        raise InvalidInput(f"「{item.name}」不能网上办理，请到窗口办理", f"{item.code} is not available online")
    if channel == "window" and ServiceChannel.WINDOW not in allowed:
        raise InvalidInput(f"「{item.name}」不设窗口", f"{item.code} has no window")


def _form_for(fields: Sequence[dict], form: Mapping[str, str], names: Iterable[str] | None = None) -> dict:
    wanted = set(names) if names is not None else None
    out = {}
    for spec in fields:
        name = spec["name"]
        if wanted is not None and name not in wanted:
            continue
        value = str(form.get(name, "") or "").strip()
        if spec.get("required", True) and not value:
            raise InvalidInput(f"请填写{spec['zh']}", f"{spec.get('en', name)} is required", field=name)
        out[name] = value[:500]
    return out


def apply(
    session: Session,
    *,
    item: ServiceItem | None = None,
    bundle: ServiceBundle | None = None,
    form: Mapping[str, str],
    documents: Sequence[str] = (),
    attachments: Sequence[dict] = (),
    account: ResidentAccount | None = None,
    proxy_id: int | None = None,
    applicant_name: str = "",
    applicant_phone: str = "",
    actor: User | None = None,
    visit_address: str = "",
    now: datetime | None = None,
) -> Application:
    """Submit an application for one item or a 一件事 bundle.

    Online: ``account`` is the signed-in resident; with ``proxy_id`` they apply for the principal of their
    authorisation (亲友代办), who becomes the applicant. At a window: ``actor`` is the window staff member
    (an operator or the department's handler) and the applicant's name and phone are typed in. 上门办: a
    resident who cannot come gives ``visit_address`` for an item offered as a home visit; the department then
    agrees a time (:func:`schedule_visit`)."""
    now = now or utcnow()
    if (item is None) == (bundle is None):
        raise InvalidInput("请选择一个事项或一件事", "choose one item or one bundle")
    channel = "window" if actor is not None else "online"
    visit_address = visit_address.strip()
    if visit_address:
        if actor is not None or bundle is not None or ServiceChannel.HOME_VISIT not in set(item.channels):
            raise InvalidInput(
                f"「{(bundle or item).name}」不提供上门办理",
                "this item is not offered as a home visit",
                field="visit_address",
            )
        if not 4 <= len(visit_address) <= 300:
            raise InvalidInput("请填写上门地址", "enter the address to visit", field="visit_address")
        channel = HOME_VISIT
    items = [p.item for p in bundle.parts] if bundle else [item]
    for one in items:
        _check_item(one, channel)
    department_id = bundle.lead_department_id if bundle else item.department_id
    if actor is not None:
        require_role(
            session, actor, STAFF_ROLES, unit_id=department_id if has_role(session, actor, (Role.HANDLER,)) else None
        )
        name, phone, proxy, agent = applicant_name.strip(), normalize_phone(applicant_phone), None, None
    else:
        if account is None:
            raise PermissionDenied("请先登录", "sign in first")
        proxy = _proxy_for(session, proxy_id, account, items, now)
        if proxy is not None:
            name, phone, agent = proxy.principal_name, proxy.principal_phone, account
        else:
            name, phone, agent = (account.real_name or applicant_name).strip(), account.phone, None
    if not 2 <= len(name) <= 32:
        raise InvalidInput("请填写申请人姓名", "enter the applicant's name", field="applicant_name")
    fields = bundle.form_fields if bundle else item.form_fields
    values = _form_for(fields, form)
    required_docs = bundle.documents if bundle else item.documents
    handed = [d for d in documents if d in required_docs]
    common = dict(
        jurisdiction_id=(bundle or item).jurisdiction_id,
        channel=channel,
        applicant_account_id=None if proxy else (account.id if account else None),
        applicant_name=name,
        applicant_phone=phone,
        proxy_id=proxy.id if proxy else None,
        agent_account_id=agent.id if agent else None,
        documents=handed,
        attachments=list(attachments),
        created_by_id=actor.id if actor else None,
        visit_address=visit_address,
    )
    number = next_number(session, now)
    app = Application(
        number=number,
        item_id=item.id if item else None,
        bundle_id=bundle.id if bundle else None,
        department_id=department_id,
        form=values,
        **common,
    )
    session.add(app)
    session.flush()
    label = actor.display_name if actor else (f"代办人 {mask_name(agent.real_name or '亲友')}" if agent else "申请人")
    if bundle:
        for seq, part in enumerate(bundle.parts, start=1):
            child = Application(
                number=f"{number}-{seq}",
                item_id=part.item_id,
                parent_id=app.id,
                department_id=part.item.department_id,
                form=_form_for(fields, form, part.fields),
                **common,
            )
            session.add(child)
            session.flush()
            _submit(session, child, part.item.promised_limit_days, now, actor, label)
        _refresh_parent(session, app, now)
        _event(session, app, "submit", actor=actor, label=label, note="一件事：一表申请，各部门并联办理")
        _tell(session, app, f"「{bundle.name}」已提交，{len(bundle.parts)} 个部门将并联办理。", "submitted")
    else:
        _submit(session, app, item.promised_limit_days, now, actor, label)
        _tell(session, app, f"「{item.name}」已提交，承诺 {item.promised_limit_days} 个工作日内办结。", "submitted")
    session.flush()
    return app


def _submit(session: Session, app: Application, limit: int, now: datetime, actor: User | None, label: str) -> None:
    before = app.status
    app.status = next_app_status(app.status, AppAction.SUBMIT)
    app.submitted_at, app.limit_days = now, limit
    app.due_at = get_calendar(session, app.jurisdiction_id).add_working_days(now, limit)
    session.flush()
    _event(session, app, "submit", before=before, actor=actor, label=label)


def _refresh_parent(session: Session, parent: Application, now: datetime) -> None:
    session.flush()
    session.expire(parent, ["parts"])
    before = parent.status
    parent.status = bundle_status(p.status for p in parent.parts)
    dues = [p.due_at for p in parent.parts if p.due_at]
    parent.due_at = max(dues) if dues else None
    parent.submitted_at = parent.submitted_at or now
    if parent.status != before and before != AppStatus.DRAFT:
        _event(session, parent, "bundle", before=before, note="各部门办理进度更新")
        if parent.status == AppStatus.DELIVERED:
            parent.delivered_at = now
            _tell(session, parent, "一件事全部办结，请查看并评价。", "bundle_done")


def act(
    session: Session,
    app: Application,
    action: AppAction | str,
    *,
    actor: User | None,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Application:
    """A department's step on its application (or its part of a 一件事): accept, ask for more documents (one
    complete list: 一次性告知), approve, reject (with the reason), deliver."""
    now = now or utcnow()
    action = AppAction(action)
    if action not in {AppAction.ACCEPT, AppAction.ASK_MORE, AppAction.APPROVE, AppAction.REJECT, AppAction.DELIVER}:
        raise InvalidInput("无效操作", "unknown action", field="action")
    if app.bundle_id is not None and app.parent_id is None:
        raise InvalidInput("一件事由各部门分别办理各自的部分", "each department acts on its own part", field="action")
    require_role(session, actor, STAFF_ROLES, unit_id=app.department_id)
    if action in (AppAction.APPROVE, AppAction.REJECT):  # the decision is the department's, not the front desk's
        require_role(session, actor, (Role.HANDLER,), unit_id=app.department_id)
    if expected_version is not None and expected_version != app.version:
        from lianxin.errors import StaleVersion

        raise StaleVersion()
    before, new = app.status, next_app_status(app.status, action)
    note = note.strip()
    if action in (AppAction.ASK_MORE, AppAction.REJECT) and len(note) < 4:
        raise InvalidInput("请一次性写明需要补正的材料或不予办理的理由", "state what is missing or why", field="note")
    app.status = new
    if action == AppAction.ASK_MORE:
        app.missing, app.paused_at = note, now
        _tell(session, app, f"需要补正材料：{note}（补正期间不计时）", "need_more")
    elif action in (AppAction.APPROVE, AppAction.REJECT):
        app.decision, app.decided_at = note, now
        _tell(
            session, app, "已准予办理，等待送达。" if action == AppAction.APPROVE else f"不予办理：{note}", str(action)
        )
    elif action == AppAction.DELIVER:
        app.delivered_at = now
        _tell(session, app, "办理结果已送达，欢迎评价（好差评）。", "delivered")
    elif action == AppAction.ACCEPT:
        _tell(session, app, "已受理。", "accepted")
    session.flush()
    _event(session, app, str(action), before=before, actor=actor, note=note)
    if app.parent_id is not None:
        _refresh_parent(session, session.get(Application, app.parent_id), now)
    session.flush()
    return app


def schedule_visit(
    session: Session,
    app: Application,
    *,
    at: datetime,
    actor: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Application:
    """上门办: the department agrees the home visit's time (on a working day, before the promised deadline) and
    the applicant is told; a new time replaces the old one."""
    now = now or utcnow()
    require_role(session, actor, STAFF_ROLES, unit_id=app.department_id)
    if app.channel != HOME_VISIT:
        raise InvalidInput("这不是上门办理的办件", "this application is not a home visit", field="visit_at")
    if app.status not in (AppStatus.SUBMITTED, AppStatus.ACCEPTED):
        raise InvalidInput("受理前后才能安排上门", "schedule the visit while the application is open", field="visit_at")
    local = at.astimezone(local_zone())
    if at <= now or not get_calendar(session, app.jurisdiction_id).is_workday(local.date()):
        raise InvalidInput("请选择今后的工作日时间", "choose a time on a coming working day", field="visit_at")
    if app.due_at and at > app.due_at:
        raise InvalidInput("上门时间不能晚于承诺办结时间", "visit before the promised deadline", field="visit_at")
    app.visit_at = at
    session.flush()
    _event(
        session,
        app,
        "visit_scheduled",
        before=app.status,
        actor=actor,
        note=f"{local:%Y-%m-%d %H:%M} {note.strip()}"[:500],
    )
    _tell(session, app, f"工作人员将于 {local:%m月%d日 %H:%M} 上门办理，请备好材料。{note.strip()}", "visit")
    session.flush()
    return app


def home_visits(session: Session, user: User, now: datetime | None = None) -> list[Application]:
    """The department's open home visits: not yet scheduled first, then by the agreed time."""
    stmt = select(Application).where(
        Application.jurisdiction_id == user.jurisdiction_id,
        Application.channel == HOME_VISIT,
        Application.status.in_([AppStatus.SUBMITTED, AppStatus.ACCEPTED]),
    )
    if not any(g.role in (Role.ADMIN, Role.OPERATOR) for g in user.grants):
        stmt = stmt.where(Application.department_id.in_(user_unit_ids(session, user, STAFF_ROLES) or {-1}))
    rows = session.scalars(stmt.order_by(Application.id).limit(300)).all()
    return sorted(rows, key=lambda a: (a.visit_at is not None, a.visit_at or a.created_at))


def resubmit(
    session: Session,
    app: Application,
    *,
    account: ResidentAccount,
    documents: Sequence[str],
    attachments: Sequence[dict] = (),
    note: str = "",
    now: datetime | None = None,
) -> Application:
    """补正后提交: the applicant (or the agent) hands in what was missing; the clock resumes with the working
    days spent waiting added to the deadline."""
    now = now or utcnow()
    require_owner(app, account)
    targets = [p for p in (app.parts or [app]) if p.status == AppStatus.NEED_MORE]
    if not targets:
        raise InvalidInput("没有需要补正的部分", "nothing is waiting for documents", field="status")
    calendar = get_calendar(session, app.jurisdiction_id)
    for target in targets:
        before = target.status
        target.status = next_app_status(target.status, AppAction.RESUBMIT)
        if target.paused_at and target.due_at:
            waited = calendar.working_days_between(target.paused_at, now)
            target.due_at = calendar.add_working_days(target.due_at, waited) if waited else target.due_at
        target.paused_at = None
        target.documents = list(dict.fromkeys([*target.documents, *documents]))
        target.attachments = [*target.attachments, *attachments]
        session.flush()
        _event(session, target, "resubmit", before=before, label="申请人", note=note.strip()[:500])
    if app.parts:
        _refresh_parent(session, app, now)
    session.flush()
    return app


def require_owner(app: Application, account: ResidentAccount | None) -> None:
    """The applicant's account or the agent of the authorisation it was filed under; nobody else."""
    if account is None or account.id not in {app.applicant_account_id, app.agent_account_id}:
        raise NotFound("办件不存在", "no such application")


def application_by_number(session: Session, jurisdiction_id: int, number: str) -> Application:
    app = session.scalar(
        select(Application).where(Application.jurisdiction_id == jurisdiction_id, Application.number == number)
    )
    if app is None:
        raise NotFound("办件不存在", "no such application")
    return app


def applications_of(session: Session, account: ResidentAccount) -> list[Application]:
    """我的办件: filed by the account, or by it as an agent (亲友代办); bundle parts show under their bundle."""
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.parent_id.is_(None),
                or_(Application.applicant_account_id == account.id, Application.agent_account_id == account.id),
            )
            .order_by(Application.id.desc())
            .limit(200)
        )
    )


def can_handle(session: Session, user: User, app: Application) -> bool:
    return has_role(session, user, STAFF_ROLES, unit_id=app.department_id)


def staff_queue(session: Session, user: User, *, open_only: bool = True) -> list[Application]:
    """The department's queue: its applications and its parts of bundles, the most urgent first."""
    stmt = select(Application).where(
        Application.jurisdiction_id == user.jurisdiction_id,
        or_(Application.item_id.is_not(None), Application.parent_id.is_not(None)),
    )
    if not any(g.role in (Role.ADMIN, Role.OPERATOR) for g in user.grants):  # the front desk (一窗受理) sees all
        stmt = stmt.where(Application.department_id.in_(user_unit_ids(session, user, STAFF_ROLES) or {-1}))
    if open_only:
        stmt = stmt.where(Application.status.in_(APP_OPEN | {AppStatus.APPROVED}))
    return list(session.scalars(stmt.order_by(Application.due_at, Application.id).limit(300)))


@dataclass(frozen=True)
class Clock:
    remaining: int | None
    colour: str


def clock(session: Session, app: Application, now: datetime | None = None) -> Clock:
    """Working days left on the application's promise (negative: overdue); no clock once decided or while
    waiting for documents."""
    if app.due_at is None or app.status not in (AppStatus.SUBMITTED, AppStatus.ACCEPTED):
        return Clock(None, "grey")
    now = now or utcnow()
    calendar = get_calendar(session, app.jurisdiction_id)
    if now > app.due_at:
        remaining = -max(1, calendar.working_days_between(app.due_at, now))
    else:
        remaining = calendar.working_days_between(now, app.due_at)
    return Clock(remaining, clock_colour(remaining, app.limit_days))


def on_time(app: Application) -> bool | None:
    if app.decided_at is None or app.due_at is None:
        return None
    return app.decided_at <= app.due_at


def status_label(status: AppStatus, lang: str = "zh") -> str:
    zh, en = APP_LABELS[AppStatus(status)]
    return en if lang == "en" else zh


def open_count(session: Session, jurisdiction_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.jurisdiction_id == jurisdiction_id, Application.status.in_(APP_OPEN))
        )
        or 0
    )
