"""The staff appeal page: the actions each user may take, the whole lifecycle through its forms,
unit scoping, masking, CSRF, validation next to the field and stale versions."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from lianxin.appeals.models import AppealEvent
from lianxin.appeals.service import dispatch_appeal, local_text, record_contact, sign_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.clock import utcnow
from lianxin.defaults import category_by_path
from lianxin.dispatch.catalogue import create_rule
from lianxin.routing.models import RoutingLabel
from tests.factories import new_appeal
from tests.web.staff.helpers import act, as_user


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


def events(db, appeal) -> int:
    return db.scalar(select(func.count()).select_from(AppealEvent).where(AppealEvent.appeal_id == appeal.id))


def dispatched(db, city, unit="street"):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units[unit], actor=city.users["dispatcher"])
    return appeal


def test_operator_dispatcher_handler_and_visitor_take_an_appeal_to_closed(client, db, city):
    appeal = new_appeal(db, city)
    create_rule(
        db,
        actor=city.users["admin"],
        jurisdiction_id=city.jid,
        category_id=appeal.category_id,
        lead_kind="local",
        co_unit_ids=[city.units["urban"].id],
    )
    as_user(client, city, "dispatcher")
    page = client.get(f"/staff/appeals/{appeal.order_no}")
    assert 'id="action-dispatch"' in page.text and 'id="action-sign"' not in page.text
    suggestion = page.text.split('id="suggested-units"')[1].split("</div>")[0]
    assert "和平街道" in suggestion and "属地管理" in suggestion  # the catalogue: the community's street leads
    dispatch_form = page.text.split('id="action-dispatch"')[1].split("</details>")[0]
    assert f'<option value="{city.units["street"].id}" selected>' in dispatch_form  # preselected
    response = act(
        client,
        appeal,
        "dispatch",
        {"lead_unit": str(city.units["street"].id), "co_units": [str(city.units["urban"].id)]},
    )
    assert response.status_code == 200 and "已完成：派单" in response.text
    db.refresh(appeal)
    assert appeal.status == AppealStatus.DISPATCHED and appeal.lead_unit_id == city.units["street"].id

    as_user(client, city, "street_handler")
    assert act(client, appeal, "sign").status_code == 200
    db.refresh(appeal)
    assert act(client, appeal, "contact", {"note": "已电话联系张三，约定明天上门查看"}).status_code == 200
    db.refresh(appeal)
    png = png_bytes()
    response = act(
        client,
        appeal,
        "reply",
        {"text": "路灯已更换灯泡，恢复照明。"},
        files=[("photos", ("done.png", png, "image/png"))],
    )
    assert response.status_code == 200, response.text
    db.refresh(appeal)
    assert appeal.status == AppealStatus.REPLIED and [a.purpose for a in appeal.attachments] == ["proof"]
    proof = appeal.attachments[0]
    assert f'src="/files/{proof.id}"' in client.get(f"/staff/appeals/{appeal.order_no}").text
    assert client.get(f"/files/{proof.id}").content[:8] == b"\x89PNG\r\n\x1a\n"

    as_user(client, city, "urban_handler")  # the co-unit reports to the lead unit
    assert 'id="action-report"' not in client.get(f"/staff/appeals/{appeal.order_no}").text  # replied: no more reports

    as_user(client, city, "visitor")
    response = act(client, appeal, "visit", {"contacted": "1", "solved": "1", "satisfaction": "satisfied"})
    assert response.status_code == 200
    db.refresh(appeal)
    assert appeal.status == AppealStatus.CLOSED and appeal.satisfaction == "satisfied"


def test_a_handler_cannot_open_another_units_appeal(client, db, city):
    appeal = dispatched(db, city)
    as_user(client, city, "street2_handler")
    assert client.get(f"/staff/appeals/{appeal.order_no}").status_code == 403
    assert client.get(f"/staff/appeals/{appeal.order_no}/panel").status_code == 403
    as_user(client, city, "street_handler")
    assert client.get(f"/staff/appeals/{appeal.order_no}").status_code == 200
    assert appeal.order_no not in as_user(client, city, "street2_handler").get("/staff/handle").text


def test_an_action_on_another_units_appeal_is_refused_and_changes_nothing(client, db, city):
    appeal = dispatched(db, city)
    as_user(client, city, "street_handler")
    token_page = client.get(f"/staff/appeals/{appeal.order_no}")
    assert token_page.status_code == 200
    as_user(client, city, "street2_handler")
    from tests.helpers import csrf_from

    token = csrf_from(client, "/staff/handle")
    response = client.post(
        f"/staff/appeals/{appeal.order_no}/act/sign",
        data={"csrf_token": token, "expected_version": str(appeal.version)},
    )
    assert response.status_code == 403
    db.refresh(appeal)
    assert appeal.status == AppealStatus.DISPATCHED


def test_an_action_the_role_does_not_have_is_forbidden(client, db, city):
    appeal = new_appeal(db, city)
    as_user(client, city, "operator")
    assert 'id="action-dispatch"' not in client.get(f"/staff/appeals/{appeal.order_no}").text
    response = act(client, appeal, "dispatch", {"lead_unit": str(city.units["street"].id)})
    assert response.status_code == 403
    db.refresh(appeal)
    assert appeal.status == AppealStatus.RECEIVED


def test_an_action_the_status_does_not_allow_is_a_conflict(client, db, city):
    appeal = new_appeal(db, city)
    as_user(client, city, "dispatcher")
    response = act(client, appeal, "close")
    assert response.status_code == 409 and "不能执行「办结」" in response.text


def test_personal_data_is_masked_unless_the_role_needs_it(client, db, city):
    appeal = dispatched(db, city)
    as_user(client, city, "street_handler")  # the lead unit must call the resident
    assert "13800138000" in client.get(f"/staff/appeals/{appeal.order_no}").text
    as_user(client, city, "leader")
    page = client.get(f"/staff/appeals/{appeal.order_no}").text
    assert "13800138000" not in page and "138****8000" in page and "张*" in page and "已脱敏" in page
    as_user(client, city, "urban_handler")  # co-unit: masked
    appeal_co = new_appeal(db, city)
    dispatch_appeal(db, appeal_co, city.units["street"], actor=city.users["dispatcher"], co_units=[city.units["urban"]])
    page = client.get(f"/staff/appeals/{appeal_co.order_no}").text
    assert "13800138000" not in page and 'id="action-report"' in page


def test_a_confidential_appeal_is_masked_even_for_the_lead_unit(client, db, city):
    appeal = new_appeal(db, city, confidential=True)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    as_user(client, city, "street_handler")
    assert "13800138000" not in client.get(f"/staff/appeals/{appeal.order_no}").text


def test_a_missing_field_is_reported_next_to_it_and_nothing_changes(client, db, city):
    appeal = dispatched(db, city)
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    before = events(db, appeal)
    as_user(client, city, "street_handler")
    response = act(client, appeal, "contact", {"note": ""})
    assert response.status_code == 422
    assert 'id="contact-note-error">请填写联系情况' in response.text
    assert '<details class="action" id="action-contact" open>' in response.text
    db.refresh(appeal)
    assert events(db, appeal) == before and appeal.first_contact_at is None


def test_a_reply_before_contact_is_refused_with_the_reason(client, db, city):
    appeal = dispatched(db, city)
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    as_user(client, city, "street_handler")
    response = act(client, appeal, "reply", {"text": "已处理完毕，路灯恢复。"})
    assert response.status_code == 422 and "答复前须先联系诉求人" in response.text
    db.refresh(appeal)
    assert appeal.status == AppealStatus.IN_PROGRESS and not appeal.attachments


def test_a_stale_version_says_someone_else_changed_the_appeal(client, db, city):
    appeal = dispatched(db, city)
    old = appeal.version
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    as_user(client, city, "street_handler")
    response = act(client, appeal, "contact", {"note": "电话联系了诉求人"}, version=old)
    assert response.status_code == 409 and "其他人刚刚修改了这个工单" in response.text and "重新加载" in response.text
    db.refresh(appeal)
    assert appeal.first_contact_at is None


def test_an_action_lost_to_a_redispatch_is_a_stale_409_not_a_403(client, db, city):
    """The handler's page was loaded while the appeal was theirs; meanwhile the centre redispatched it.
    The sign form is no longer theirs to use, but what happened is a lost race: 409, not 403."""
    from lianxin.appeals.service import redispatch_appeal

    appeal = dispatched(db, city)
    old = appeal.version
    redispatch_appeal(db, appeal, city.units["street2"], actor=city.users["dispatcher"], note="属安定街道辖区")
    as_user(client, city, "street_handler")
    response = act(client, appeal, "sign", version=old)
    assert response.status_code == 409 and "其他人刚刚修改了这个工单" in response.text
    db.refresh(appeal)
    assert appeal.status == AppealStatus.DISPATCHED and appeal.signed_at is None
    current = act(client, appeal, "sign", version=appeal.version)  # with the current version it is a plain 403
    assert current.status_code == 403


def test_an_action_without_the_csrf_token_is_refused(client, db, city):
    appeal = new_appeal(db, city)
    as_user(client, city, "dispatcher")
    response = client.post(
        f"/staff/appeals/{appeal.order_no}/act/dispatch",
        data={"lead_unit": str(city.units["street"].id), "expected_version": str(appeal.version)},
    )
    assert response.status_code == 403 and "页面已过期" in response.text
    db.refresh(appeal)
    assert appeal.status == AppealStatus.RECEIVED


def test_without_htmx_an_action_redirects_back_to_the_page(client, db, city):
    appeal = new_appeal(db, city)
    as_user(client, city, "dispatcher")
    response = act(client, appeal, "dispatch", {"lead_unit": str(city.units["urban"].id)}, hx=False)
    assert response.status_code == 303 and response.headers["location"] == f"/staff/appeals/{appeal.order_no}"


def test_the_timeline_shows_internal_notes_to_staff_only(client, db, city):
    appeal = new_appeal(db, city)
    as_user(client, city, "operator")
    assert act(client, appeal, "note", {"note": "来电人情绪激动，注意沟通方式"}).status_code == 200
    page = client.get(f"/staff/appeals/{appeal.order_no}").text
    assert "来电人情绪激动" in page and "内部" in page
    client.cookies.clear()
    assert "来电人情绪激动" not in client.get(f"/t/{appeal.tracking_token}").text


def test_the_handler_asks_to_return_and_the_dispatcher_redispatches(client, db, city):
    appeal = dispatched(db, city)
    as_user(client, city, "street_handler")
    response = act(
        client,
        appeal,
        "request-return",
        {"kind": "return", "reason": "路灯属城管委管理，不属本街道职责", "suggested_unit": str(city.units["urban"].id)},
    )
    assert response.status_code == 200
    as_user(client, city, "dispatcher")
    assert appeal.order_no in client.get("/staff/dispatch").text  # the queue shows returned appeals
    db.refresh(appeal)
    empty = act(client, appeal, "decide-return", {"approve": "0", "note": ""})
    assert empty.status_code == 422 and "驳回理由" in empty.text
    db.refresh(appeal)
    response = act(client, appeal, "decide-return", {"approve": "1", "new_lead_unit": str(city.units["urban"].id)})
    assert response.status_code == 200
    db.refresh(appeal)
    assert appeal.lead_unit_id == city.units["urban"].id and appeal.designated


def test_the_dispatcher_approves_an_extension(client, db, city):
    appeal = dispatched(db, city)
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    as_user(client, city, "street_handler")
    wanted = (appeal.due_at + timedelta(days=5)).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    db.refresh(appeal)
    response = act(
        client,
        appeal,
        "request-extension",
        {"reason": "需协调产权单位维修", "new_due_at": wanted.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 200, response.text
    as_user(client, city, "dispatcher")
    db.refresh(appeal)
    assert act(client, appeal, "decide-extension", {"approve": "1"}).status_code == 200
    db.refresh(appeal)
    assert appeal.extension_count == 1 and local_text(appeal.due_at) == wanted.strftime("%Y-%m-%d %H:%M")


def test_a_street_whistles_a_department_in_and_it_reports(client, db, city):
    appeal = dispatched(db, city)
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    record_contact(db, appeal, actor=city.users["street_handler"], note="已联系")
    as_user(client, city, "street_handler")
    response = act(
        client, appeal, "whistle", {"departments": [str(city.units["urban"].id)], "note": "需城管委协调拆除"}
    )
    assert response.status_code == 200
    as_user(client, city, "urban_handler")
    db.refresh(appeal)
    assert act(client, appeal, "report", {"text": "已安排执法队明日到场处理"}).status_code == 200
    row = next(r for r in appeal.units if r.unit_id == city.units["urban"].id)
    db.refresh(row)
    assert row.report_text == "已安排执法队明日到场处理"


def test_the_leader_urges_an_appeal_of_a_unit_below(client, db, city):
    appeal = dispatched(db, city)
    as_user(client, city, "district_leader")
    assert act(client, appeal, "urge", {"note": "请尽快签收"}).status_code == 200
    db.refresh(appeal)
    assert appeal.supervision_level == 1


def test_overdue_appeals_carry_a_red_mark(client, db, city, clock):
    appeal = dispatched(db, city)
    clock.move_to(appeal.due_at + timedelta(hours=1))
    assert appeal.due_at < utcnow()
    as_user(client, city, "street_handler")  # after the clock moved: a fresh session
    queue = client.get("/staff/handle").text
    assert 'class="due due-red"' in queue and appeal.order_no in queue
    assert "已超期" in client.get(f"/staff/appeals/{appeal.order_no}").text


def test_a_reply_with_a_file_that_is_no_image_saves_nothing(client, db, city, settings):
    appeal = dispatched(db, city)
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    record_contact(db, appeal, actor=city.users["street_handler"], note="已联系")
    as_user(client, city, "street_handler")
    response = act(
        client,
        appeal,
        "reply",
        {"text": "已处理完毕，路灯恢复。"},
        files=[("photos", ("note.png", b"not an image at all", "image/png"))],
    )
    assert (
        response.status_code == 422
        and 'id="reply-photos-error"' in response.text
        and "不是 JPEG、PNG 或 WebP 图片" in response.text
    )
    db.refresh(appeal)
    assert appeal.status == AppealStatus.IN_PROGRESS and not appeal.attachments


def test_the_dispatcher_sees_possible_repeats_and_merges_one(client, db, city):
    first = new_appeal(db, city, appellant_phone="13711112222")
    second = new_appeal(db, city, appellant_phone="13711112222")
    as_user(client, city, "dispatcher")
    page = client.get(f"/staff/appeals/{second.order_no}").text
    repeats = page.split('id="repeats"')[1].split("</div>")[0]
    assert first.order_no in repeats and "同一来电号码" in repeats
    response = act(client, second, "merge", {"into": first.order_no, "note": "同一问题"})
    assert response.status_code == 200
    db.refresh(second)
    assert second.status == AppealStatus.MERGED and second.merged_into_id == first.id
    bad = act(client, first, "merge", {"into": "19990101000000"})
    assert bad.status_code == 422 and 'id="merge-into-error">请填写存在的主工单编号' in bad.text


def test_the_dispatcher_recategorizes_and_the_correction_becomes_a_label(client, db, city):
    appeal = dispatched(db, city)
    lamp, water = appeal.category_id, category_by_path(db, city.jid, "公共服务/供水/停水")
    as_user(client, city, "dispatcher")
    page = client.get(f"/staff/appeals/{appeal.order_no}").text
    assert 'id="action-recategorize"' in page and f'<option value="{lamp}" selected>' in page
    before = events(db, appeal)
    response = act(client, appeal, "recategorize", {"category_id": str(water.id), "note": "实为停水"})
    assert response.status_code == 200 and "已完成：改分类" in response.text
    db.refresh(appeal)
    assert appeal.category_id == water.id and events(db, appeal) == before + 1
    event = db.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "recategorized")
    ).one()
    assert event.note == "实为停水" and event.payload == {"from": "路灯故障", "to": "停水"}
    [label] = db.scalars(select(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id)).all()
    assert (label.category_id, label.source, label.actor_id) == (water.id, "correction", city.users["dispatcher"].id)


def test_a_missing_category_is_reported_and_a_handler_may_not_recategorize(client, db, city):
    appeal = dispatched(db, city)
    as_user(client, city, "dispatcher")
    missing = act(client, appeal, "recategorize", {"category_id": ""})
    assert missing.status_code == 422 and 'id="recategorize-category_id-error">请选择问题分类' in missing.text
    as_user(client, city, "street_handler")
    assert 'id="action-recategorize"' not in client.get(f"/staff/appeals/{appeal.order_no}").text
    water = category_by_path(db, city.jid, "公共服务/供水/停水")
    assert act(client, appeal, "recategorize", {"category_id": str(water.id)}).status_code == 403
    db.refresh(appeal)
    assert appeal.category.name == "路灯故障"
    assert db.scalar(select(func.count()).select_from(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id)) == 0


def test_the_exclusion_partial_loads_on_the_page_for_the_roles_it_concerns(client, db, city):
    appeal = dispatched(db, city)
    partial = f'hx-get="/appeals/{appeal.order_no}/exclusion" hx-trigger="load"'
    for key in ("street_handler", "dispatcher"):
        as_user(client, city, key)
        assert partial in client.get(f"/staff/appeals/{appeal.order_no}").text
    as_user(client, city, "operator")
    assert partial not in client.get(f"/staff/appeals/{appeal.order_no}").text
    received = new_appeal(db, city)  # not assessed yet: nothing to exclude
    as_user(client, city, "dispatcher")
    assert "/exclusion" not in client.get(f"/staff/appeals/{received.order_no}").text


def test_each_repeat_on_the_dispatchers_page_merges_in_one_click(client, db, city):
    import re

    first = new_appeal(db, city, appellant_phone="13711112222")
    second = new_appeal(db, city, appellant_phone="13711112222")
    as_user(client, city, "dispatcher")
    page = client.get(f"/staff/appeals/{second.order_no}").text
    repeats = page.split('id="repeats"')[1].split("</ul>")[0]
    form = re.search(r'<form method="post" action="([^"]+)".*?</form>', repeats, re.S)
    assert form[1] == f"/staff/appeals/{second.order_no}/act/merge" and f'value="{first.order_no}"' in form[0]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form[0]))
    answer = client.post(form[1], data=fields, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "已完成：并单" in answer.text
    db.refresh(second)
    assert second.status == AppealStatus.MERGED and second.merged_into_id == first.id


def test_the_residents_photos_and_the_units_proof_have_their_own_headings(client, db, city):
    from lianxin.appeals.models import Attachment

    appeal = new_appeal(db, city)
    for purpose, name in (("intake", "resident.jpg"), ("proof", "fixed.jpg"), ("proof", "fixed2.jpg")):
        db.add(
            Attachment(
                jurisdiction_id=city.jid,
                appeal_id=appeal.id,
                purpose=purpose,
                filename=name,
                content_type="image/jpeg",
                size=10,
                storage_key=f"x/{name}",
            )
        )
    db.flush()
    db.refresh(appeal)
    as_user(client, city, "dispatcher")
    page = client.get(f"/staff/appeals/{appeal.order_no}").text
    resident = page.split('id="photos-intake"')[1].split("</div>")[0]
    proof = page.split('id="photos-proof"')[1].split("</div>")[0]
    assert "群众提供的照片" in resident and "（1）" in resident and "resident.jpg" in resident
    assert "fixed.jpg" not in resident and "fixed2.jpg" in proof and "（2）" in proof and "resident.jpg" not in proof
    assert "Photos from the resident" in client.get(f"/staff/appeals/{appeal.order_no}?lang=en").text
