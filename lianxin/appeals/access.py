"""Who may see which appeals, whose personal data, and when an appeal is overdue: the one copy of each
rule, used by the web, the API, Open311, statistics, hotspots and assessment.

- ``visible_appeals`` is the SQL scope (``SELECT appeals`` a user may see) and ``can_see`` the same rule
  for one loaded appeal; a test checks that they agree for every user of the test city.
- ``sees_personal_data``: may this user see this appeal's personal data (name, phone, and the phone
  numbers, ID numbers and names written into its texts)? ``shown`` returns the texts as this user
  may see them, and ``log_personal_data_view`` records every view of the unmasked originals.
- ``overdue`` / ``on_time`` are the SQL clauses, ``is_overdue`` the same rule in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    false,
    insert,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from lianxin.appeals.choices import UnitRole
from lianxin.appeals.models import Appeal, AppealUnit, PersonalDataView
from lianxin.appeals.privacy import has_personal_data, mask_name, mask_phone, mask_text
from lianxin.appeals.status import HANDLING, AppealStatus
from lianxin.clock import utcnow
from lianxin.errors import PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import CENTRE_ROLES, has_role, user_unit_ids  # centre roles (and admins): the jurisdiction

WORK_ROLES = (Role.HANDLER, Role.LEADER)  # the appeals any of their units has worked on
AREA_ROLES = (Role.LEADER, Role.GRID_WORKER)  # the appeals located in their community / grid
INTERFACES = (
    "web",
    "api",
)  # where an unmasked view can happen (Open311, public pages, exports and webhooks never unmask)


# ---- who sees which appeals ---------------------------------------------------------------------------------


def member_of(session: Session, column, ids) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL as ``column = ANY(:ids)`` with one array parameter, so that a scope of
    thousands of units (a city-wide leader) is not planned as thousands of bind parameters per statement."""
    ids = sorted(ids)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def visible_appeals(session: Session, user: User) -> Select:
    """``SELECT appeals`` limited to what ``user`` may see (the SQL form of ``can_see``)."""
    stmt = select(Appeal).where(Appeal.jurisdiction_id == user.jurisdiction_id)
    if not user.active:
        return stmt.where(false())
    if has_role(session, user, CENTRE_ROLES):
        return stmt
    worked = user_unit_ids(session, user, WORK_ROLES)
    area = user_unit_ids(session, user, AREA_ROLES)
    # The ways in, cheapest first (PostgreSQL tests an OR's arms in order): the lead unit and the place are columns of
    # the appeal; the other units that worked on it are rows of appeal_units.
    clauses = [member_of(session, Appeal.lead_unit_id, worked)] if worked else []
    if area:
        clauses.extend([member_of(session, Appeal.community_id, area), member_of(session, Appeal.grid_id, area)])
    if worked:
        clauses.extend(_worked_on(session, worked))
    return stmt.where(or_(*clauses)) if clauses else stmt.where(false())


FEW = 10_000  # a scope's other worked-on appeals up to this many are sent as one array (~3 ms to plan 10,000)


OTHER_ROLES = tuple(role for role in UnitRole if role is not UnitRole.LEAD)


def _worked_on(session: Session, worked: set[int]) -> list[ColumnElement[bool]]:
    """The appeals some unit of ``worked`` worked on other than as their lead now (an active lead's unit is the
    appeal's ``lead_unit_id``): a lead before, a co-handler, a unit called in.

    Up to ``FEW`` are read first (from the index alone: the rows of other roles, then the leads no longer active)
    and sent as one array, which PostgreSQL estimates, looks up in the primary key's index (so a small scope is one
    bitmap of indexes and only its own rows are read) or hashes while walking; past that, each appeal is looked up
    in appeal_units by its id when the other ways have not let it in. (``id IN (SELECT …)`` in an OR was estimated
    at half the table, hashed whole for every statement and, past ``work_mem``, searched again for every row: a
    city leader's overview took 16 s at 1 M appeals with the lead units' rows there.)"""
    units = member_of(session, AppealUnit.unit_id, worked)
    other = AppealUnit.role.in_(OTHER_ROLES)
    before = and_(AppealUnit.role == UnitRole.LEAD, AppealUnit.active == false())
    ids = set(
        session.scalars(
            union_all(
                select(AppealUnit.appeal_id).where(units, other), select(AppealUnit.appeal_id).where(units, before)
            ).limit(FEW + 1)
        )
    )
    if len(ids) <= FEW:
        return [member_of(session, Appeal.id, ids)] if ids else []
    return [select(AppealUnit.id).where(AppealUnit.appeal_id == Appeal.id, units, or_(other, before)).exists()]


def can_see(session: Session, user: User | None, appeal: Appeal) -> bool:
    """May ``user`` see ``appeal``? ``None`` is the system (jobs, the resident's own channels)."""
    if user is None:
        return True
    if not user.active or appeal.jurisdiction_id != user.jurisdiction_id:
        return False
    if has_role(session, user, CENTRE_ROLES):
        return True
    worked = user_unit_ids(session, user, WORK_ROLES)
    if worked and (
        appeal.lead_unit_id in worked
        or any(row.unit_id in worked and (row.role != UnitRole.LEAD or not row.active) for row in appeal.units)
    ):
        return True
    area = user_unit_ids(session, user, AREA_ROLES)
    return bool(area) and (appeal.community_id in area or appeal.grid_id in area)


def require_can_see(session: Session, appeal: Appeal, actor: User | None) -> None:
    if not can_see(session, actor, appeal):
        raise PermissionDenied("您无权查看该工单", "this appeal is outside your units")


# ---- personal data ------------------------------------------------------------------------------------------


def sees_personal_data(session: Session, user: User | None, appeal: Appeal) -> bool:
    """Centre staff (and admins) always; the lead unit's handlers too (they must call the resident), except
    on a confidential appeal (举报人保护). Everyone else — other units, leaders, grid workers, auditors, the
    public — sees masked values."""
    if user is None or not can_see(session, user, appeal):
        return False
    if has_role(session, user, CENTRE_ROLES):
        return True
    return (
        not appeal.confidential
        and appeal.lead_unit_id is not None
        and has_role(session, user, (Role.HANDLER,), unit_id=appeal.lead_unit_id)
    )


@dataclass(frozen=True)
class Shown:
    """An appeal's personal fields and free texts as one viewer may see them."""

    name: str
    phone: str
    title: str
    content: str
    reply_text: str | None
    masked: bool  # True when the viewer sees masked values
    unmasked_personal_data: bool  # True when the viewer sees personal data in the clear (log it)

    def note(self, text: str | None) -> str | None:
        return text if not self.masked else mask_text(text, self._names)

    _names: tuple[str, ...] = ()


def public_text(text: str | None, appeal: Appeal | None = None) -> str | None:
    """Free text for the public and for anyone without the right: phones, IDs and names masked."""
    return mask_text(text, (appeal.appellant_name,) if appeal is not None else ())


def shown(session: Session, user: User | None, appeal: Appeal) -> Shown:
    """The appeal's name, phone, title, content and reply as ``user`` may see them."""
    names = (appeal.appellant_name,) if appeal.appellant_name else ()
    if sees_personal_data(session, user, appeal):
        personal = bool(appeal.appellant_name or appeal.appellant_phone) or any(
            has_personal_data(t, names) for t in (appeal.title, appeal.content, appeal.reply_text)
        )
        return Shown(
            appeal.appellant_name or "",
            appeal.appellant_phone or "",
            appeal.title,
            appeal.content,
            appeal.reply_text,
            masked=False,
            unmasked_personal_data=personal,
            _names=names,
        )
    return Shown(
        mask_name(appeal.appellant_name),
        mask_phone(appeal.appellant_phone),
        mask_text(appeal.title, names),
        mask_text(appeal.content, names),
        mask_text(appeal.reply_text, names),
        masked=True,
        unmasked_personal_data=False,
        _names=names,
    )


def log_personal_data_view(session: Session, user: User, appeal: Appeal, interface: str) -> None:
    """Record that ``user`` saw ``appeal``'s personal data unmasked through ``interface`` (web or api).
    Written in the caller's transaction (one INSERT, no ORM object: nothing reads it back); the edge commits."""
    session.execute(_LOG_VIEW, _view_row(user, appeal, interface))


def _view_row(user: User, appeal: Appeal, interface: str) -> dict:
    if interface not in INTERFACES:
        raise ValueError(f"unknown interface {interface!r}")
    return dict(
        jurisdiction_id=appeal.jurisdiction_id, user_id=user.id, appeal_id=appeal.id, interface=interface, at=utcnow()
    )


_LOG_VIEW = insert(PersonalDataView.__table__)  # built once; a call binds its values


def shown_to(session: Session, user: User, appeal: Appeal, interface: str) -> Shown:
    """``shown``, and the view logged when it reveals personal data."""
    view = shown(session, user, appeal)
    if view.unmasked_personal_data:
        log_personal_data_view(session, user, appeal, interface)
    return view


def shown_to_all(session: Session, user: User, appeals: list[Appeal], interface: str) -> list[Shown]:
    """``shown_to`` for a page of appeals, the views that reveal personal data logged in one statement (one INSERT
    each cost ~0.5 ms: 10 ms a page of 20)."""
    views = [shown(session, user, appeal) for appeal in appeals]
    logged = [
        _view_row(user, a, interface) for a, view in zip(appeals, views, strict=True) if view.unmasked_personal_data
    ]
    if logged:
        session.execute(_LOG_VIEW, logged)
    return views


# ---- overdue ------------------------------------------------------------------------------------------------


def overdue(now: datetime | None = None) -> ColumnElement[bool]:
    """SQL: the handling clock runs and the deadline has passed."""
    return and_(Appeal.status.in_(HANDLING), Appeal.due_at < (now or utcnow()))


def on_time(now: datetime | None = None) -> ColumnElement[bool]:
    """SQL: the negation of ``overdue`` (no deadline, not handling, or the deadline still ahead)."""
    return or_(Appeal.due_at.is_(None), Appeal.due_at >= (now or utcnow()), Appeal.status.not_in(HANDLING))


def is_overdue(appeal: Appeal, now: datetime | None = None) -> bool:
    return appeal.due_at is not None and AppealStatus(appeal.status) in HANDLING and appeal.due_at < (now or utcnow())
