"""Appeals as the API shows them: personal data as ``appeals.access.shown_to`` allows (each unmasked view
logged), and the output models."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianxin.api.schemas import AppealDetail, AppealOut, PendingRequestOut, Ref, TimelineStepOut
from lianxin.appeals.access import Shown, shown_to
from lianxin.appeals.choices import RequestState, UnitRole
from lianxin.appeals.models import Appeal
from lianxin.appeals.queries import timeline
from lianxin.appeals.refs import category_row, unit_row
from lianxin.appeals.status import Action, AppealStatus, allowed_actions
from lianxin.orgs.models import User


def _ref(obj) -> Ref | None:
    return Ref(id=obj.id, code=obj.code, name=obj.name) if obj is not None else None


def _category(session: Session, appeal: Appeal) -> Ref | None:
    """The appeal's category from the per-process copy (``appeals.refs``), not by loading it."""
    if appeal.category_id is None:
        return None
    return _ref(category_row(session, appeal.jurisdiction_id, appeal.category_id) or appeal.category)


def _unit(session: Session, appeal: Appeal, unit_id: int | None) -> Ref | None:
    return None if unit_id is None else _ref(unit_row(session, appeal.jurisdiction_id, unit_id))


def appeal_out(session: Session, actor: User, appeal: Appeal, model=AppealOut, *, view: Shown | None = None, **extra):
    status = AppealStatus(appeal.status)
    view = view or shown_to(session, actor, appeal, "api")
    return model(
        order_no=appeal.order_no,
        version=appeal.version,
        status=status,
        status_label=status.label_zh,
        channel=appeal.channel,
        appeal_type=appeal.appeal_type,
        urgency=appeal.urgency,
        title=view.title,
        content=view.content,
        category=_category(session, appeal),
        address=appeal.address,
        lat=appeal.lat,
        lng=appeal.lng,
        community=_unit(session, appeal, appeal.community_id),
        lead_unit=_unit(session, appeal, appeal.lead_unit_id),
        co_units=[_ref(row.unit) for row in appeal.units if row.active and row.role == UnitRole.CO],
        appellant_name=view.name or None,
        appellant_phone=view.phone or None,
        personal_data_masked=view.masked,
        anonymous=appeal.anonymous,
        confidential=appeal.confidential,
        received_at=appeal.received_at,
        dispatched_at=appeal.dispatched_at,
        signed_at=appeal.signed_at,
        first_contact_at=appeal.first_contact_at,
        replied_at=appeal.replied_at,
        closed_at=appeal.closed_at,
        sign_due_at=appeal.sign_due_at,
        contact_due_at=appeal.contact_due_at,
        due_at=appeal.due_at,
        overdue_at=appeal.overdue_at,
        supervision_level=appeal.supervision_level,
        extension_count=appeal.extension_count,
        reopen_count=appeal.reopen_count,
        reply_text=view.reply_text,
        satisfaction=str(appeal.satisfaction) if appeal.satisfaction else None,
        updated_at=appeal.updated_at,
        # requeue is the path reopen takes by itself when no unit led the appeal; it is not an action of its own
        allowed_actions=[str(a) for a in allowed_actions(status) if a != Action.REQUEUE],
        **extra,
    )


def appeal_detail(session: Session, actor: User, appeal: Appeal) -> AppealDetail:
    view = shown_to(session, actor, appeal, "api")
    steps = [
        TimelineStepOut(at=s.at, kind=s.kind, label=s.label, unit=s.unit, note=view.note(s.note))
        for s in timeline(session, appeal, public_only=False)
    ]
    pending = [
        PendingRequestOut(
            id=r.id,
            kind=str(r.kind),
            unit=_ref(r.unit),
            reason=r.reason,
            requested_at=r.requested_at,
            requested_due_at=r.requested_due_at,
        )
        for r in appeal.requests
        if r.state == RequestState.PENDING
    ]
    return appeal_out(session, actor, appeal, AppealDetail, view=view, timeline=steps, pending_requests=pending)
