"""Appeals as the API shows them: who sees a resident's name and phone, and the output models."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianxin.api.schemas import AppealDetail, AppealOut, PendingRequestOut, Ref, TimelineStepOut
from lianxin.appeals.choices import RequestState, UnitRole
from lianxin.appeals.models import Appeal
from lianxin.appeals.queries import mask_name, mask_phone, timeline
from lianxin.appeals.status import Action, AppealStatus, allowed_actions
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role

CENTRE_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.VISITOR)


def sees_personal_data(session: Session, actor: User, appeal: Appeal) -> bool:
    """Centre staff always; the lead unit's handlers too (they must call the resident), except on a
    confidential appeal (举报人保护). Everyone else sees masked values."""
    if has_role(session, actor, CENTRE_ROLES):
        return True
    return (not appeal.confidential and appeal.lead_unit_id is not None
            and has_role(session, actor, (Role.HANDLER,), unit_id=appeal.lead_unit_id))


def _ref(obj) -> Ref | None:
    return Ref(id=obj.id, code=obj.code, name=obj.name) if obj is not None else None


def appeal_out(session: Session, actor: User, appeal: Appeal, model=AppealOut, **extra):
    status = AppealStatus(appeal.status)
    full = sees_personal_data(session, actor, appeal)
    return model(
        order_no=appeal.order_no, version=appeal.version, status=status, status_label=status.label_zh,
        channel=appeal.channel, appeal_type=appeal.appeal_type, urgency=appeal.urgency, title=appeal.title,
        content=appeal.content, category=_ref(appeal.category), address=appeal.address, lat=appeal.lat, lng=appeal.lng,
        community=_ref(appeal.community), lead_unit=_ref(appeal.lead_unit),
        co_units=[_ref(row.unit) for row in appeal.units if row.active and row.role == UnitRole.CO],
        appellant_name=appeal.appellant_name if full else (mask_name(appeal.appellant_name) or None),
        appellant_phone=appeal.appellant_phone if full else (mask_phone(appeal.appellant_phone) or None),
        personal_data_masked=not full, anonymous=appeal.anonymous, confidential=appeal.confidential,
        received_at=appeal.received_at, dispatched_at=appeal.dispatched_at, signed_at=appeal.signed_at,
        first_contact_at=appeal.first_contact_at, replied_at=appeal.replied_at, closed_at=appeal.closed_at,
        sign_due_at=appeal.sign_due_at, contact_due_at=appeal.contact_due_at, due_at=appeal.due_at,
        overdue_at=appeal.overdue_at, supervision_level=appeal.supervision_level,
        extension_count=appeal.extension_count, reopen_count=appeal.reopen_count, reply_text=appeal.reply_text,
        satisfaction=str(appeal.satisfaction) if appeal.satisfaction else None, updated_at=appeal.updated_at,
        # requeue is the path reopen takes by itself when no unit led the appeal; it is not an action of its own
        allowed_actions=[str(a) for a in allowed_actions(status) if a != Action.REQUEUE], **extra,
    )


def appeal_detail(session: Session, actor: User, appeal: Appeal) -> AppealDetail:
    steps = [TimelineStepOut(at=s.at, kind=s.kind, label=s.label, unit=s.unit, note=s.note)
             for s in timeline(session, appeal, public_only=False)]
    pending = [PendingRequestOut(id=r.id, kind=str(r.kind), unit=_ref(r.unit), reason=r.reason,
                                 requested_at=r.requested_at, requested_due_at=r.requested_due_at)
               for r in appeal.requests if r.state == RequestState.PENDING]
    return appeal_out(session, actor, appeal, AppealDetail, timeline=steps, pending_requests=pending)
