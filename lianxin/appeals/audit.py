"""Reading the personal-data audit log (``personal_data_views``): only the auditor role (审计员) may,
within its jurisdiction, filtered by user, appeal and date. Writing it is ``access.log_personal_data_view``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, PersonalDataView
from lianxin.clock import local_zone
from lianxin.errors import PermissionDenied
from lianxin.orgs.models import Role, User


def is_auditor(user: User | None) -> bool:
    """Holds the auditor grant itself (admins do not read the log unless they are also auditors)."""
    return user is not None and user.active and any(g.role == Role.AUDITOR for g in user.grants)


def require_auditor(user: User | None) -> None:
    if not is_auditor(user):
        raise PermissionDenied(
            "只有审计员可以查看个人信息查看日志", "only auditors may read the personal-data audit log"
        )


def _start_of(day: date) -> datetime:
    """Midnight Beijing time of ``day``, as aware UTC."""
    return datetime.combine(day, time(0), tzinfo=local_zone())


def personal_data_views(
    auditor: User,
    *,
    user_id: int | None = None,
    order_no: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select:
    """The auditor's jurisdiction's log, newest first; ``since``/``until`` are Beijing dates, inclusive."""
    require_auditor(auditor)
    stmt = select(PersonalDataView).where(PersonalDataView.jurisdiction_id == auditor.jurisdiction_id)
    if user_id is not None:
        stmt = stmt.where(PersonalDataView.user_id == user_id)
    if order_no:
        stmt = stmt.where(PersonalDataView.appeal_id.in_(select(Appeal.id).where(Appeal.order_no == order_no.strip())))
    if since is not None:
        stmt = stmt.where(PersonalDataView.at >= _start_of(since))
    if until is not None:
        stmt = stmt.where(PersonalDataView.at < _start_of(until + timedelta(days=1)))
    return stmt


def page_of_views(
    session: Session, auditor: User, *, page: int = 1, page_size: int = 50, **filters
) -> tuple[list[PersonalDataView], int]:
    stmt = personal_data_views(auditor, **filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(
        stmt.order_by(PersonalDataView.at.desc(), PersonalDataView.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return list(rows), total
