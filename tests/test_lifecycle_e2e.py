"""One appeal's whole life on the real verbs, told the way the resident and the units see it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lianxin.appeals.choices import RequestState, Satisfaction, UnitRole
from lianxin.appeals.models import AppealEvent, Attachment
from lianxin.appeals.queries import timeline
from lianxin.appeals.requests import decide_extension, decide_return, request_extension, request_return
from lianxin.appeals.service import dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.appeals.supervision import report_to_lead, whistle
from lianxin.jobs import create_visit_tasks, flag_overdue
from lianxin.notify import Notification
from lianxin.visits.models import ReturnVisit, VisitState
from lianxin.visits.service import record_return_visit
from tests.factories import new_appeal

RETURN_REASON = "该路段路灯线路属市政管线，非街道职责范围"
WHISTLE_NOTE = "路灯电缆与燃气管线交叉，需住建部门现场协调"
EXTENSION_REASON = "需协调燃气公司停气配合施工"
FIRST_REPLY = "已联合住建部门更换3号楼门口路灯及老化电缆，路灯恢复照明。"
SECOND_REPLY = "已加装防水接线盒并复查线路，连续三晚观察路灯稳定亮起。"


def t(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-03-{text}+08:00")


def test_a_hotline_appeal_is_returned_whistled_extended_reopened_and_closed_with_a_clean_public_timeline(
    db,
    city,
    clock,
    settings,
):
    u, staff = city.units, city.users
    handler = staff["street_handler"]

    # Mon 09:30 — a resident calls 12345; the operator records the appeal
    appeal = new_appeal(db, city, channel="hotline")
    assert appeal.status == AppealStatus.RECEIVED

    # 10:00 — the dispatcher sends it to the street, with the district's urban management as co-unit
    clock.move_to(t("02T10:00:00"))
    dispatch_appeal(db, appeal, u["street"], actor=staff["dispatcher"], co_units=[u["urban"]])
    assert appeal.due_at == t("09T18:00:00")

    # 10:20 — the street says it is not its job; 11:00 the centre disagrees and designates it
    clock.move_to(t("02T10:20:00"))
    request = request_return(db, appeal, actor=handler, reason=RETURN_REASON)
    clock.move_to(t("02T11:00:00"))
    decide_return(db, request, actor=staff["dispatcher"], approve=False, note="路灯日常维护属街道职责，请继续办理")
    assert appeal.designated and request.state == RequestState.REJECTED

    # 11:10 the street signs; 14:00 it calls the resident
    clock.move_to(t("02T11:10:00"))
    sign_appeal(db, appeal, actor=handler)
    clock.move_to(t("02T14:00:00"))
    record_contact(db, appeal, actor=handler, note="电话联系张先生，约定明早现场查看")

    # Tue — the street whistles the housing commission in; it reports back the same afternoon
    clock.move_to(t("03T09:40:00"))
    whistle(db, appeal, [u["housing"]], actor=handler, note=WHISTLE_NOTE)
    clock.move_to(t("03T16:00:00"))
    report_to_lead(
        db, appeal, u["housing"], actor=staff["housing_handler"], text="已派员到场，燃气管线已做标识，可以施工"
    )

    # Thu — the work needs the gas company: the street asks for more time, the centre agrees
    clock.move_to(t("05T10:00:00"))
    extension = request_extension(db, appeal, actor=handler, reason=EXTENSION_REASON, new_due_at=t("13T18:00:00"))
    clock.move_to(t("05T11:00:00"))
    decide_extension(db, extension, actor=staff["dispatcher"], approve=True, note="同意延期")
    assert (appeal.due_at, appeal.extension_count) == (t("13T18:00:00"), 1)

    # the old deadline passes without the appeal being flagged overdue
    flag_overdue(db, settings, t("10T09:00:00"))
    assert appeal.overdue_at is None

    # next Thu — the street replies with a photo of the lit lamp
    clock.move_to(t("12T16:00:00"))
    photo = {"filename": "after.jpg", "content_type": "image/jpeg", "size": 182_004, "storage_key": "proof/after.jpg"}
    reply_to_appeal(db, appeal, actor=handler, text=FIRST_REPLY, attachments=[photo])
    create_visit_tasks(db, settings, t("12T16:05:00"))
    assert [v.round for v in db.scalars(select(ReturnVisit).where(ReturnVisit.appeal_id == appeal.id))] == [0]

    # Fri — the return visit: the lamp flickers again, the resident is not satisfied → reopened
    clock.move_to(t("13T10:00:00"))
    record_return_visit(
        db,
        appeal,
        actor=staff["visitor"],
        contacted=True,
        solved=False,
        satisfaction="dissatisfied",
        comment="路灯下雨后又不亮了",
    )
    assert (appeal.status, appeal.reopen_count, appeal.due_at) == (AppealStatus.IN_PROGRESS, 1, t("20T18:00:00"))

    # the following Monday the street replies again, and the second visit finds the resident basically satisfied
    clock.move_to(t("16T15:00:00"))
    reply_to_appeal(db, appeal, actor=handler, text=SECOND_REPLY)
    create_visit_tasks(db, settings, t("16T15:05:00"))
    assert sorted(v.round for v in db.scalars(select(ReturnVisit).where(ReturnVisit.appeal_id == appeal.id))) == [0, 1]
    clock.move_to(t("17T10:00:00"))
    record_return_visit(
        db,
        appeal,
        actor=staff["visitor"],
        contacted=True,
        solved=True,
        satisfaction="basically_satisfied",
        comment="现在好了",
    )

    # --- where it ended up ---------------------------------------------------------------------
    assert appeal.status == AppealStatus.CLOSED
    assert appeal.closed_at == t("17T10:00:00")
    assert (appeal.satisfaction, appeal.solved, appeal.reopen_count) == (Satisfaction.BASICALLY, True, 1)
    assert appeal.reply_text == SECOND_REPLY
    assert appeal.overdue_at is None and appeal.supervision_level == 0
    roles = {(row.unit_id, row.role, row.active) for row in appeal.units}
    assert roles == {
        (u["street"].id, UnitRole.LEAD, True),
        (u["urban"].id, UnitRole.CO, True),
        (u["housing"].id, UnitRole.WHISTLED, True),
    }
    housing_row = next(row for row in appeal.units if row.role == UnitRole.WHISTLED)
    assert housing_row.reported_at == t("03T16:00:00")
    visits = db.scalars(select(ReturnVisit).where(ReturnVisit.appeal_id == appeal.id).order_by(ReturnVisit.round)).all()
    assert [(v.round, v.state, v.satisfaction) for v in visits] == [
        (0, VisitState.DONE, Satisfaction.DISSATISFIED),
        (1, VisitState.DONE, Satisfaction.BASICALLY),
    ]
    [proof] = db.scalars(select(Attachment).where(Attachment.appeal_id == appeal.id)).all()
    first_reply = db.scalars(
        select(AppealEvent)
        .where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "replied")
        .order_by(AppealEvent.id)
    ).first()
    assert (proof.purpose, proof.filename, proof.event_id) == ("proof", "after.jpg", first_reply.id)
    assert first_reply.payload == {"photos": 1, "on_time": True}

    # --- the staff history has every step ----------------------------------------------------
    everything = [step.kind for step in timeline(db, appeal, public_only=False)]
    assert everything == [
        "submitted",
        "dispatched",
        "return_requested",
        "return_rejected",
        "signed",
        "contacted",
        "whistled",
        "reported",
        "extension_requested",
        "extension_approved",
        "replied",
        "visited",
        "reopened",
        "replied",
        "visited",
        "closed",
    ]

    # --- the resident's tracking page reads like a parcel tracker ----------------------------
    public = timeline(db, appeal, public_only=True)
    assert [(step.kind, step.label) for step in public] == [
        ("submitted", "受理"),
        ("dispatched", "派单"),
        ("signed", "签收"),
        ("contacted", "联系诉求人"),
        ("extension_approved", "批准延期"),
        ("replied", "答复"),
        ("visited", "回访"),
        ("reopened", "重办"),
        ("replied", "答复"),
        ("visited", "回访"),
        ("closed", "办结"),
    ]
    assert [step.at for step in public] == sorted(step.at for step in public)
    assert [step.at for step in public][:4] == [t("02T09:30:00"), t("02T10:00:00"), t("02T11:10:00"), t("02T14:00:00")]
    assert public[1].unit == "和平街道"
    shown = {step.kind: step.note for step in public}
    assert [s.note for s in public if s.kind == "replied"] == [FIRST_REPLY, SECOND_REPLY]
    assert shown["contacted"] is None and shown["reopened"] is None  # staff notes stay internal
    public_text = " ".join(filter(None, (s.note for s in public)))
    for internal in (RETURN_REASON, WHISTLE_NOTE, "燃气管线已做标识", "路灯日常维护属街道职责"):
        assert internal not in public_text

    # --- what the resident was told, in order ------------------------------------------------
    told = db.scalars(
        select(Notification)
        .where(Notification.appeal_id == appeal.id, Notification.audience == "appellant")
        .order_by(Notification.id)
    ).all()
    assert [n.kind for n in told] == ["submitted", "extension_approved", "replied", "reopened", "replied"]
    assert {n.recipient for n in told} == {"13800138000"}
    assert all(n.message.startswith(f"【12345】您的诉求（工单号 {appeal.order_no}）") for n in told)
    assert "2026-03-13 18:00" in told[1].message and EXTENSION_REASON in told[1].message
    assert FIRST_REPLY in told[2].message and SECOND_REPLY in told[4].message

    # --- and what the units were told ----------------------------------------------------------
    units_told = db.execute(
        select(Notification.kind, Notification.recipient)
        .where(Notification.appeal_id == appeal.id, Notification.audience == "unit")
        .order_by(Notification.id)
    ).all()
    assert units_told == [
        ("dispatched", str(u["street"].id)),
        ("dispatched_co", str(u["urban"].id)),
        ("dispatched_supervise", str(u["district"].id)),
        ("return_rejected", str(u["street"].id)),
        ("whistled", str(u["housing"].id)),
        ("reported", str(u["street"].id)),
        ("extension_approved", str(u["street"].id)),
        ("reopened", str(u["street"].id)),
    ]
