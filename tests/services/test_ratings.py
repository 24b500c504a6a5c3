"""好差评: one rating per application and per visit, indicators, and a 差评 that becomes a work order in the
appeal core, is dispatched to the department, closed by the core's return visit, or voided on review."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.appeals.models import Appeal
from lianxin.appeals.service import record_contact, reply_to_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.clock import local_zone
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.services import appointments as ap
from lianxin.services import ratings
from lianxin.services import service as svc
from lianxin.services.status import EvalStatus
from lianxin.visits.service import record_return_visit

FORM = {"name": "李明", "address": "和平里3号楼"}


def delivered(db, city, cat, account, item=None):
    app = svc.apply(db, item=item or cat.subsidy, form=FORM, account=account)
    handler = city.users["street_handler" if app.department_id == city.units["street"].id else "water_handler"]
    for action in ("accept", "approve", "deliver"):
        svc.act(db, app, action, actor=handler)
    return app


def test_a_good_rating_is_one_per_application(db, city, cat, resident, clock):
    me = resident()
    app = svc.apply(db, item=cat.subsidy, form=FORM, account=me)
    with pytest.raises(InvalidInput, match="办结后"):
        ratings.rate_application(db, app, account=me, level=5)
    for action in ("accept", "approve"):
        svc.act(db, app, action, actor=city.users["street_handler"])
    with pytest.raises(NotFound):
        ratings.rate_application(db, app, account=resident("13900000001"), level=5)
    with pytest.raises(InvalidInput, match="等级"):
        ratings.rate_application(db, app, account=me, level="x")
    with pytest.raises(InvalidInput, match="1–5"):
        ratings.rate_application(db, app, account=me, level=4, scores={"overall": 9})
    evaluation = ratings.rate_application(db, app, account=me, level=4, scores={"overall": "5", "guide": ""})
    assert ratings.statistics(db, city.jid)["indicators"] == {"online:overall": 5.0}
    assert evaluation.status == EvalStatus.RECEIVED and evaluation.appeal_id is None
    assert evaluation.scores == {"overall": 5} and evaluation.department_id == city.units["street"].id
    with pytest.raises(Conflict, match="一事一评"):
        ratings.rate_application(db, app, account=me, level=5)
    with pytest.raises(InvalidInput):
        ratings.rate_application(db, app, account=me, level=2, scores={"overall": "bad"})


def test_a_bad_rating_opens_a_work_order_that_the_core_closes_after_its_return_visit(db, city, cat, resident, clock):
    me = resident()
    app = delivered(db, city, cat, me)
    with pytest.raises(InvalidInput, match="原因"):
        ratings.rate_application(db, app, account=me, level=1)
    evaluation = ratings.rate_application(db, app, account=me, level=1, text="窗口让我跑了三趟，材料一次没说清")
    appeal = db.get(Appeal, evaluation.appeal_id)
    assert evaluation.status == EvalStatus.VERIFYING and appeal.status == AppealStatus.RECEIVED
    assert "高龄津贴申领" in appeal.title and appeal.appellant_phone == me.phone
    assert evaluation.rectify_due_at.astimezone(local_zone()).date() == date(2026, 3, 23)  # 15 working days
    with pytest.raises(PermissionDenied):
        ratings.act_on_rating(db, evaluation, "dispatch", actor=city.users["street_handler"])
    with pytest.raises(InvalidInput):
        ratings.act_on_rating(db, evaluation, "revisit", actor=city.users["dispatcher"])
    ratings.act_on_rating(db, evaluation, "dispatch", actor=city.users["dispatcher"])
    assert evaluation.status == EvalStatus.RECTIFYING and appeal.lead_unit_id == city.units["street"].id
    handler = city.users["street_handler"]
    sign_appeal(db, appeal, actor=handler)
    record_contact(db, appeal, actor=handler, note="已电话联系群众致歉")
    reply_to_appeal(db, appeal, actor=handler, text="已整改：窗口推行一次性告知清单，并约谈当班人员。")
    assert ratings.sync_ratings(db) == 0  # replied, not yet closed
    record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    assert ratings.sync_ratings(db, city.jid) == 1
    assert evaluation.status == EvalStatus.REVISITED and evaluation.closed_at is not None
    assert ratings.sync_ratings_job(db, None, evaluation.closed_at) == 0
    stats = ratings.statistics(db, city.jid)
    assert stats["bad"] == 1 and stats["satisfaction"] == 0.0 and stats["by_department"][0]["name"] == "和平街道"
    assert ratings.bad_ratings(db, city.jid) == [evaluation]
    assert ratings.evaluation_by_id(db, city.jid, evaluation.id) is evaluation
    with pytest.raises(NotFound):
        ratings.evaluation_by_id(db, city.jid, 0)


def test_a_mistaken_bad_rating_is_voided_on_review(db, city, cat, resident, clock):
    me = resident()
    app = delivered(db, city, cat, me)
    evaluation = ratings.rate_application(db, app, account=me, level=2, text="点错了，其实很满意")
    with pytest.raises(PermissionDenied):
        ratings.act_on_rating(db, evaluation, "appeal", actor=city.users["water_handler"], note="群众误评")
    with pytest.raises(InvalidInput, match="申诉理由"):
        ratings.act_on_rating(db, evaluation, "appeal", actor=city.users["street_handler"])
    ratings.act_on_rating(db, evaluation, "appeal", actor=city.users["street_handler"], note="群众来电说明误评")
    assert evaluation.status == EvalStatus.APPEAL_REVIEW
    with pytest.raises(InvalidInput, match="结论"):
        ratings.act_on_rating(db, evaluation, "void", actor=city.users["dispatcher"])
    ratings.act_on_rating(db, evaluation, "void", actor=city.users["dispatcher"], note="核实为误评，作废")
    assert (
        evaluation.status == EvalStatus.VOIDED
        and db.get(Appeal, evaluation.appeal_id).status == AppealStatus.TERMINATED
    )
    assert ratings.statistics(db, city.jid)["ratings"] == 0  # voided ratings do not count


def test_a_review_can_uphold_the_rating(db, city, cat, resident, clock):
    me = resident()
    app = delivered(db, city, cat, me)
    evaluation = ratings.rate_application(db, app, account=me, level=1, text="办事态度恶劣")
    ratings.act_on_rating(db, evaluation, "appeal", actor=city.users["street_handler"], note="我们认为是恶意差评")
    ratings.act_on_rating(db, evaluation, "uphold", actor=city.users["dispatcher"])
    assert evaluation.status == EvalStatus.RECTIFYING
    assert db.get(Appeal, evaluation.appeal_id).status == AppealStatus.DISPATCHED


def test_a_window_visit_is_rated_once_with_the_offline_indicators(db, city, cat, resident, clock):
    me = resident()
    slot = ap.ensure_slots(db, cat.centre, date(2026, 3, 2))[1]
    booking = ap.book(db, slot=slot, item=cat.subsidy, account=me)
    with pytest.raises(InvalidInput, match="办理完成后"):
        ratings.rate_visit(db, booking, account=me, level=5)
    clock.move_to("2026-03-02T13:00:00+08:00")
    slot2 = ap.ensure_slots(db, cat.centre, date(2026, 3, 2))[3]
    booking = ap.book(db, slot=slot2, item=cat.subsidy, account=me)
    clock.move_to("2026-03-02T13:40:00+08:00")
    ap.change(db, booking, "check_in", account=me)
    ap.change(db, booking, "serve", actor=city.users["operator"])
    with pytest.raises(NotFound):
        ratings.rate_visit(db, booking, account=resident("13900000001"), level=5)
    with pytest.raises(InvalidInput):
        ratings.rate_visit(db, booking, account=me, level=2)
    evaluation = ratings.rate_visit(db, booking, account=me, level=2, scores={"attitude": 2}, text="等候时间太长")
    assert evaluation.channel == "window" and evaluation.scores == {"attitude": 2}
    assert evaluation.status == EvalStatus.VERIFYING
    with pytest.raises(Conflict):
        ratings.rate_visit(db, booking, account=me, level=5)


def test_statistics(db, city, cat, resident, clock):
    me = resident()
    delivered(db, city, cat, me)
    svc.apply(
        db,
        item=cat.transfer,
        form=FORM,
        applicant_name="王芳",
        applicant_phone="13700000000",
        actor=city.users["operator"],
    )
    app = delivered(db, city, cat, me, item=cat.water)
    ratings.rate_application(db, app, account=me, level=5)
    bundle_app = svc.apply(db, bundle=cat.bundle, form=FORM, account=me)
    for part in bundle_app.parts:
        handler = city.users["housing_handler" if part.department_id == city.units["housing"].id else "water_handler"]
        for action in ("accept", "approve", "deliver"):
            svc.act(db, part, action, actor=handler)
    with pytest.raises(InvalidInput, match="整件"):
        ratings.rate_application(db, bundle_app.parts[0], account=me, level=5)
    bundle_rating = ratings.rate_application(db, bundle_app, account=me, level=4)
    assert ratings.subject(bundle_rating) == "二手房过户+水电气联办"
    stats = ratings.statistics(db, city.jid)
    assert stats["applications"] == 4 and stats["online_share"] == 75.0 and stats["on_time_rate"] == 100.0
    assert stats["levels"][5] == 1 and stats["satisfaction"] == 100.0
    assert stats["indicators"] == {}
    assert {r["name"] for r in stats["by_item"]} == {"用水户名过户", "二手房过户+水电气联办"}
    assert ratings.statistics(db, 0)["online_share"] is None
