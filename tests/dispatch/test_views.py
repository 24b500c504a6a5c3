"""Web pages: the catalogue (admins edit, dispatchers read), the suggestion panel, the knowledge base."""

from __future__ import annotations

from sqlalchemy import select

from lianxin.dispatch.catalogue import create_rule, list_rules
from lianxin.knowledge.models import KbEntry
from lianxin.knowledge.service import create_entry
from tests.factories import PASSWORD, new_appeal
from tests.helpers import csrf_from, login


def sign_in(client, city, key):
    login(client, city.users[key].username, PASSWORD)
    return csrf_from(client, "/kb")


def test_an_admin_adds_a_rule_and_a_community_lead_is_refused_in_chinese(client, db, city):
    token = sign_in(client, city, "admin")
    page = client.get("/admin/catalogue")
    assert page.status_code == 200 and "派单目录" in page.text
    added = client.post(
        "/admin/catalogue",
        data={"csrf_token": token, "lead_kind": "fixed", "lead_unit_id": city.units["urban"].id, "priority": "1"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert [r.lead_unit_id for r in list_rules(db, city.jid)] == [city.units["urban"].id]
    refused = client.post(
        "/admin/catalogue", data={"csrf_token": token, "lead_kind": "fixed", "lead_unit_id": city.units["community"].id}
    )
    assert refused.status_code == 422 and "不得下沉" in refused.text
    assert len(list_rules(db, city.jid)) == 1
    rule = list_rules(db, city.jid)[0]
    page = client.get("/admin/catalogue").text
    assert f'data-confirm="确定删除派单规则 #{rule.id} 所有分类 · 全辖区 → 区城市管理委员会？' in page
    toggled = client.post(f"/admin/catalogue/{rule.id}/toggle", data={"csrf_token": token})
    assert rule.active is False and f"已停用派单规则 #{rule.id}" in toggled.text
    assert "已停用派单规则" not in client.get("/admin/catalogue").text  # said once
    deleted = client.post(f"/admin/catalogue/{rule.id}/delete", data={"csrf_token": token})
    assert list_rules(db, city.jid) == []
    assert f"已删除派单规则 #{rule.id} 所有分类 · 全辖区 → 区城市管理委员会" in deleted.text


def test_a_dispatcher_reads_the_catalogue_but_cannot_change_it(client, db, city):
    create_rule(db, actor=None, jurisdiction_id=city.jid, lead_kind="local", note="默认属地")
    token = sign_in(client, city, "dispatcher")
    page = client.get("/admin/catalogue")
    assert page.status_code == 200 and "默认属地" in page.text and "新增规则" not in page.text
    assert client.post("/admin/catalogue", data={"csrf_token": token, "lead_kind": "local"}).status_code == 403
    sign_in(client, city, "street_handler")
    assert client.get("/admin/catalogue").status_code == 403


def test_the_panel_shows_the_suggestion_its_reason_and_repeats(client, db, city):
    create_rule(db, actor=None, jurisdiction_id=city.jid, lead_kind="local")
    first = new_appeal(db, city, appellant_phone="13800000001")
    second = new_appeal(db, city, appellant_phone="13800000002")
    sign_in(client, city, "dispatcher")
    panel = client.get(f"/dispatch/panel/{second.order_no}")
    assert panel.status_code == 200
    assert "和平街道" in panel.text and "属地" in panel.text and first.order_no in panel.text
    english = client.get(f"/dispatch/panel/{second.order_no}?lang=en")
    assert "local matter" in english.text and "text similarity" in english.text


def test_knowledge_base_search_add_and_edit(client, db, city):
    create_entry(
        db,
        actor=None,
        jurisdiction_id=city.jid,
        question="小区停水了什么时候来水？",
        answer="计划停水会提前张贴通知，超时未来水请报修。",
        owner_unit_id=city.units["water"].id,
    )
    token = sign_in(client, city, "operator")
    found = client.get("/kb", params={"q": "停水了怎么办"})
    assert found.status_code == 200 and "计划停水会提前张贴通知" in found.text and "新增条目" not in found.text
    token = sign_in(client, city, "water_handler")
    added = client.post(
        "/kb",
        data={
            "csrf_token": token,
            "question": "水费怎么交？",
            "answer": "可通过营业厅或网上缴纳水费。",
            "owner_unit_id": city.units["water"].id,
            "tags": "水费 缴费",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    entry = db.scalar(select(KbEntry).where(KbEntry.question == "水费怎么交？"))
    assert entry.tags == ["水费", "缴费"]
    bad = client.post(
        f"/kb/{entry.id}",
        data={
            "csrf_token": token,
            "question": "水费怎么交？",
            "answer": "可通过营业厅缴纳。",
            "owner_unit_id": city.units["water"].id,
            "valid_from": "2026-05-01",
            "valid_to": "2026-04-01",
            "active": "1",
        },
    )
    assert bad.status_code == 422 and "结束日期" in bad.text and entry.valid_to is None
    saved = client.post(
        f"/kb/{entry.id}",
        data={
            "csrf_token": token,
            "question": "水费怎么交？",
            "answer": "可通过营业厅或网上缴纳水费。",
            "owner_unit_id": city.units["water"].id,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and entry.active is False  # the box was not ticked
    foreign = client.post(
        "/kb",
        data={
            "csrf_token": token,
            "question": "公积金怎么提取？",
            "answer": "租房购房均可提取。",
            "owner_unit_id": city.units["housing"].id,
        },
    )
    assert foreign.status_code == 403 and "承办人" in foreign.text


def test_an_operator_answers_an_appeal_from_a_search_hit(client, db, city):
    entry = create_entry(
        db,
        actor=None,
        jurisdiction_id=city.jid,
        question="社保卡丢了怎么补办？",
        answer="请携带身份证到社保卡合作银行网点补办。",
        owner_unit_id=city.units["housing"].id,
    )
    appeal = new_appeal(db, city, appeal_type="consult", content="请问社保卡丢了怎么补办？")
    token = sign_in(client, city, "operator")
    page = client.get("/kb", params={"q": "社保卡丢了"})
    assert f'action="/kb/{entry.id}/answer"' in page.text
    missing = client.post(f"/kb/{entry.id}/answer", data={"csrf_token": token, "order_no": "19990101000001"})
    assert missing.status_code == 422 and "不存在" in missing.text
    done = client.post(f"/kb/{entry.id}/answer", data={"csrf_token": token, "order_no": appeal.order_no})
    assert done.status_code == 200 and appeal.order_no in done.text
    assert appeal.reply_text == entry.answer and entry.use_count == 1
    again = client.post(f"/kb/{entry.id}/answer", data={"csrf_token": token, "order_no": appeal.order_no})
    assert again.status_code == 422  # already replied: the state machine refuses, shown on the page


def test_the_admin_edits_every_field_of_a_rule_in_the_one_catalogue_editor(client, db, city):
    """Moved from the staff admin page (deleted: one editor per catalogue), which could not set 告知单位."""
    from sqlalchemy import func

    from lianxin.appeals.models import Category
    from lianxin.dispatch.models import DispatchRule

    token = sign_in(client, city, "admin")
    category = db.scalar(select(Category).where(Category.jurisdiction_id == city.jid, Category.level == 3))
    fixed_without_unit = client.post(
        "/admin/catalogue", data={"csrf_token": token, "category_id": str(category.id), "lead_kind": "fixed"}
    )
    assert fixed_without_unit.status_code == 422 and 'id="lead_unit_id-error">请选择主办单位' in fixed_without_unit.text
    assert (
        db.scalar(select(func.count()).select_from(DispatchRule).where(DispatchRule.jurisdiction_id == city.jid)) == 0
    )
    response = client.post(
        "/admin/catalogue",
        data={
            "csrf_token": token,
            "category_id": str(category.id),
            "lead_kind": "fixed",
            "lead_unit_id": str(city.units["urban"].id),
            "co_unit_ids": [str(city.units["street"].id)],
            "priority": "5",
            "note": "城管事项",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    rule = db.scalar(select(DispatchRule).where(DispatchRule.jurisdiction_id == city.jid))
    assert (rule.lead_unit_id, rule.co_unit_ids, rule.priority) == (
        city.units["urban"].id,
        [city.units["street"].id],
        5,
    )
    assert f'href="/admin/catalogue/{rule.id}"' in client.get("/admin/catalogue").text
    edit = client.get(f"/admin/catalogue/{rule.id}").text
    assert f'<option value="{city.units["street"].id}" selected>' in edit.split('id="co_unit_ids"')[1]
    assert 'name="inform_unit_ids"' in edit and 'name="active"' in edit
    bad = client.post(
        f"/admin/catalogue/{rule.id}", data={"csrf_token": token, "lead_kind": "local", "priority": "high"}
    )
    assert bad.status_code == 422 and "请输入整数" in bad.text
    db.refresh(rule)
    assert rule.lead_kind == "fixed"  # nothing saved
    # every field, 告知单位 included
    saved = client.post(
        f"/admin/catalogue/{rule.id}",
        data={
            "csrf_token": token,
            "lead_kind": "local",
            "priority": "1",
            "inform_unit_ids": [str(city.units["district"].id)],
            "note": "属地事项",
            "active": "0",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    db.refresh(rule)
    assert rule.lead_kind == "local" and rule.lead_unit_id is None and rule.category_id is None
    assert rule.inform_unit_ids == [city.units["district"].id] and rule.note == "属地事项" and rule.active is False
    sign_in(client, city, "dispatcher")
    assert client.get(f"/admin/catalogue/{rule.id}").status_code == 403


def test_the_admin_edits_knowledge_entries_in_the_one_knowledge_editor(client, db, city):
    """Moved from the staff admin page (deleted): the admin keeps entries of any unit on /kb."""
    token = sign_in(client, city, "admin")
    short = client.post(
        "/kb",
        data={
            "csrf_token": token,
            "question": "问",
            "answer": "答案内容足够长",
            "owner_unit_id": str(city.units["street"].id),
        },
    )
    assert short.status_code == 422 and "问题须为 4–300 个字" in short.text
    response = client.post(
        "/kb",
        data={
            "csrf_token": token,
            "question": "居住证怎么办理？",
            "answer": "携带身份证到社区服务站办理。",
            "owner_unit_id": str(city.units["street"].id),
            "tags": "居住证，证件",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    entry = db.scalar(
        select(KbEntry).where(KbEntry.jurisdiction_id == city.jid, KbEntry.question == "居住证怎么办理？")
    )
    assert entry.tags == ["居住证", "证件"] and entry.active
    assert (
        client.post(
            f"/kb/{entry.id}",
            data={
                "csrf_token": token,
                "question": entry.question,
                "answer": entry.answer,
                "owner_unit_id": str(entry.owner_unit_id),
                "valid_from": "2026-01-01",
                "valid_to": "2025-01-01",
                "active": "1",
            },
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/kb/{entry.id}",
            data={
                "csrf_token": token,
                "question": entry.question,
                "answer": entry.answer,
                "owner_unit_id": str(entry.owner_unit_id),
                "active": "0",
            },
            follow_redirects=False,
        ).status_code
        == 303
    )
    db.refresh(entry)
    assert not entry.active
