"""The operator's phone form: validation, one appeal per form, answer / dispatch / transfer, the knowledge, repeats
and category-suggestion boxes, and the intake training label."""

from __future__ import annotations

from sqlalchemy import func, select

from lianxin.appeals.models import Appeal
from lianxin.appeals.status import AppealStatus
from lianxin.defaults import category_by_path
from lianxin.knowledge.service import create_entry
from lianxin.routing.models import RoutingLabel
from tests.factories import new_appeal
from tests.helpers import csrf_from
from tests.web.staff.helpers import as_user, intake_key


def count(db, city) -> int:
    return db.scalar(select(func.count()).select_from(Appeal).where(Appeal.jurisdiction_id == city.jid))


def intake_data(client, **overrides) -> dict:
    return {
        "csrf_token": csrf_from(client, "/staff/intake"),
        "intake_key": intake_key(client),
        "appellant_phone": "13912345678",
        "appellant_name": "李四",
        "appeal_type": "help",
        "content": "小区门口的井盖丢失，很危险，请尽快处理。",
        "address": "安定门外大街1号",
        "channel": "hotline",
        "urgency": "normal",
        "disposition": "dispatch",
    } | overrides


def test_the_operator_records_a_call_for_dispatch(client, db, city):
    as_user(client, city, "operator")
    response = client.post("/staff/intake", data=intake_data(client), follow_redirects=False)
    assert response.status_code == 303
    appeal = db.scalar(
        select(Appeal).where(Appeal.jurisdiction_id == city.jid, Appeal.appellant_phone == "13912345678")
    )
    assert response.headers["location"] == f"/staff/intake/saved/{appeal.order_no}"
    assert appeal.status == AppealStatus.RECEIVED and appeal.received_by_id == city.users["operator"].id
    fresh = client.get(response.headers["location"]).text  # a fresh form for the next call, with the link
    assert f'href="/staff/appeals/{appeal.order_no}"' in fresh and "已保存工单" in fresh
    assert 'name="content"' in fresh and "13912345678" not in fresh and "李四" not in fresh
    page = client.get(f"/staff/appeals/{appeal.order_no}")
    assert "13912345678" in page.text and "李四" in page.text  # the centre sees the caller in full


def test_the_saved_link_names_only_an_appeal_the_user_may_see(client, db, city):
    as_user(client, city, "operator")
    page = client.get("/staff/intake/saved/20990101999999").text
    assert "已保存工单" not in page and 'name="content"' in page


def test_a_double_submission_creates_one_appeal(client, db, city):
    as_user(client, city, "operator")
    data = intake_data(client)
    before = count(db, city)
    first = client.post("/staff/intake", data=data, follow_redirects=False)
    second = client.post("/staff/intake", data=data, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert count(db, city) == before + 1


def test_invalid_input_is_reported_next_to_each_field_and_nothing_is_saved(client, db, city):
    as_user(client, city, "operator")
    before = count(db, city)
    page = client.post("/staff/intake", data=intake_data(client, content="坏了", appellant_phone="12345"))
    assert page.status_code == 422
    assert "未保存任何内容" in page.text
    assert 'id="appellant_phone-error">电话号码格式不正确' in page.text
    assert 'id="content-error">诉求内容至少 5 个字' in page.text
    assert count(db, city) == before
    assert 'value="12345"' in page.text  # what was typed stays in the form


def test_a_direct_answer_replies_at_once(client, db, city):
    as_user(client, city, "operator")
    response = client.post(
        "/staff/intake",
        data=intake_data(
            client, appeal_type="consult", disposition="answer", answer="办理居住证请携带身份证到社区服务站。"
        ),
        follow_redirects=False,
    )
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == response.headers["location"].rsplit("/", 1)[1]))
    assert appeal.status == AppealStatus.REPLIED and appeal.reply_text.startswith("办理居住证")


def test_an_answer_too_short_saves_neither_the_appeal_nor_the_answer(client, db, city):
    as_user(client, city, "operator")
    before = count(db, city)
    page = client.post("/staff/intake", data=intake_data(client, disposition="answer", answer="好"))
    assert page.status_code == 422 and 'id="answer-error"' in page.text and "答复内容" in page.text
    assert count(db, city) == before


def test_a_transfer_to_an_emergency_line_records_the_line_and_reason(client, db, city):
    as_user(client, city, "operator")
    missing = client.post("/staff/intake", data=intake_data(client, disposition="transfer", transfer_reason="有人受伤"))
    assert missing.status_code == 422 and 'id="transfer_line-error">请选择转接的紧急号码' in missing.text
    response = client.post(
        "/staff/intake",
        data=intake_data(client, disposition="transfer", transfer_line="120", transfer_reason="有人受伤需要急救"),
        follow_redirects=False,
    )
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == response.headers["location"].rsplit("/", 1)[1]))
    assert appeal.status == AppealStatus.NOT_ACCEPTED and appeal.not_accepted_reason == "emergency_transfer"
    assert any(e.note == "转120：有人受伤需要急救" for e in appeal.events)


def kb_entry(db, city):
    return create_entry(
        db,
        actor=city.users["admin"],
        jurisdiction_id=city.jid,
        question="居住证怎么办理，需要什么材料？",
        answer="携带身份证和租房合同到社区服务站办理居住证。",
        owner_unit_id=city.units["street"].id,
    )


def test_the_knowledge_box_shows_entries_for_consultations(client, db, city):
    entry = kb_entry(db, city)
    as_user(client, city, "operator")
    box = client.get("/staff/intake/kb", params={"appeal_type": "consult", "content": "想问一下居住证在哪里办理"})
    assert "携带身份证和租房合同" in box.text and f'data-entry="{entry.id}"' in box.text
    other = client.get("/staff/intake/kb", params={"appeal_type": "complaint", "content": "想问一下居住证在哪里办理"})
    assert "携带身份证和租房合同" not in other.text


def test_an_answer_from_a_knowledge_entry_is_recorded_with_the_entry(client, db, city):
    entry = kb_entry(db, city)
    as_user(client, city, "operator")
    response = client.post(
        "/staff/intake",
        data=intake_data(
            client, appeal_type="consult", disposition="answer", answer=entry.answer, kb_entry_id=str(entry.id)
        ),
        follow_redirects=False,
    )
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == response.headers["location"].rsplit("/", 1)[1]))
    assert appeal.status == AppealStatus.REPLIED and appeal.reply_text == entry.answer
    db.refresh(entry)
    assert entry.use_count == 1
    assert next(e for e in appeal.events if e.kind == "answered").payload["kb_entry_id"] == entry.id


def test_possible_repeats_show_open_appeals_from_the_same_phone(client, db, city):
    earlier = new_appeal(db, city, appellant_phone="13700001111")
    as_user(client, city, "operator")
    box = client.get("/staff/intake/repeats", params={"appellant_phone": "13700001111"})
    assert earlier.order_no in box.text
    assert earlier.order_no not in client.get("/staff/intake/repeats", params={"appellant_phone": "13700002222"}).text


def test_handlers_cannot_use_the_operator_form(client, city):
    as_user(client, city, "street_handler")
    assert client.get("/staff/intake").status_code == 403


def test_the_form_fetches_category_suggestions_as_the_operator_types(client, city):
    as_user(client, city, "operator")
    page = client.get("/staff/intake").text
    assert 'id="routing-box"' in page and 'hx-get="/routing/suggest"' in page and "from:#content" in page
    assert 'name="predicted_category_id"' in page
    box = client.get("/routing/suggest", params={"text": "小区门口的路灯不亮了"})
    assert box.status_code == 200 and "尚未训练模型" in box.text  # no model yet: the box says so quietly


def test_the_chosen_category_and_the_top_suggestion_are_stored_as_an_intake_label(client, db, city):
    lamp = category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障")
    water = category_by_path(db, city.jid, "公共服务/供水/停水")
    as_user(client, city, "operator")
    response = client.post(
        "/staff/intake",
        data=intake_data(client, category_id=str(water.id), predicted_category_id=str(lamp.id)),
        follow_redirects=False,
    )
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == response.headers["location"].rsplit("/", 1)[1]))
    [label] = db.scalars(select(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id)).all()
    assert (label.category_id, label.predicted_category_id, label.source) == (water.id, lamp.id, "intake")
    assert label.actor_id == city.users["operator"].id and appeal.category_id == water.id


def test_without_a_suggestion_no_intake_label_is_stored(client, db, city):
    water = category_by_path(db, city.jid, "公共服务/供水/停水")
    as_user(client, city, "operator")
    response = client.post("/staff/intake", data=intake_data(client, category_id=str(water.id)), follow_redirects=False)
    assert response.status_code == 303
    assert (
        db.scalar(select(func.count()).select_from(RoutingLabel).where(RoutingLabel.jurisdiction_id == city.jid)) == 0
    )


def test_a_repeat_found_at_intake_is_merged_on_saving_in_one_click(client, db, city):
    earlier = new_appeal(db, city, appellant_phone="13700001111")
    as_user(client, city, "dispatcher")
    box = client.get("/staff/intake/repeats", params={"appellant_phone": "13700001111"}).text
    assert f'class="merge-into small" data-order="{earlier.order_no}"' in box and "同一来电号码" in box
    assert "并入此单" in box
    response = client.post(
        "/staff/intake",
        data=intake_data(client, appellant_phone="13700001111", merge_into=earlier.order_no),
        follow_redirects=False,
    )
    assert response.status_code == 303
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == response.headers["location"].rsplit("/", 1)[1]))
    assert appeal.status == AppealStatus.MERGED and appeal.merged_into_id == earlier.id
    assert "merged at intake" in next(e for e in appeal.events if e.kind == "merged").note


def test_an_operator_marks_the_repeat_for_the_dispatcher(client, db, city):
    earlier = new_appeal(db, city, appellant_phone="13700001111")
    as_user(client, city, "operator")
    box = client.get("/staff/intake/repeats", params={"appellant_phone": "13700001111"}).text
    assert "标记为此单的重复件" in box and "并入此单" not in box
    response = client.post(
        "/staff/intake",
        data=intake_data(client, appellant_phone="13700001111", merge_into=earlier.order_no),
        follow_redirects=False,
    )
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == response.headers["location"].rsplit("/", 1)[1]))
    assert appeal.status == AppealStatus.RECEIVED
    assert any(e.kind == "noted" and earlier.order_no in (e.note or "") for e in appeal.events)


def test_merging_at_intake_refuses_a_missing_appeal_or_another_disposition(client, db, city):
    earlier = new_appeal(db, city, appellant_phone="13700001111")
    as_user(client, city, "dispatcher")
    before = count(db, city)
    missing = client.post("/staff/intake", data=intake_data(client, merge_into="20990101000001"))
    assert missing.status_code == 422 and "要并入的工单不存在" in missing.text
    answered = client.post(
        "/staff/intake",
        data=intake_data(client, merge_into=earlier.order_no, disposition="answer", answer="已告知办理渠道。"),
    )
    assert answered.status_code == 422 and "转派单" in answered.text
    assert 'id="merge_into" value="' + earlier.order_no in answered.text  # the choice is kept on the form
    assert count(db, city) == before
