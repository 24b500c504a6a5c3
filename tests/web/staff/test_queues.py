"""The queues and lists: scoping per role, filter, search, sort, pagination and export; the leader's figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lianxin.appeals.requests import request_return
from lianxin.appeals.service import answer_directly, dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.web.staff import queues
from tests.factories import new_appeal
from tests.helpers import csrf_from
from tests.web.staff.helpers import as_user


def replied(db, city, title="路灯不亮"):
    appeal = new_appeal(db, city, title=title)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    handler = city.users["street_handler"]
    sign_appeal(db, appeal, actor=handler)
    record_contact(db, appeal, actor=handler, note="已电话联系")
    reply_to_appeal(db, appeal, actor=handler, text="已修复路灯，恢复照明。")
    return appeal


def test_the_dispatch_queue_holds_new_appeals_only(client, db, city):
    fresh = new_appeal(db, city, title="新来的诉求")
    sent = new_appeal(db, city, title="已派出的诉求")
    dispatch_appeal(db, sent, city.units["street"], actor=city.users["dispatcher"])
    as_user(client, city, "dispatcher")
    page = client.get("/staff/dispatch").text
    assert fresh.order_no in page and sent.order_no not in page
    assert as_user(client, city, "street_handler").get("/staff/dispatch").status_code == 403


@pytest.mark.parametrize("listed", [500, 0])
def test_the_dispatch_queue_holds_appeals_whose_request_waits_for_the_centre(client, db, city, monkeypatch, listed):
    """Named by id when pending requests are few; past ``PENDING_LISTED`` the EXISTS form gives the same queue."""
    monkeypatch.setattr(queues, "PENDING_LISTED", listed)
    fresh = new_appeal(db, city, title="新来的诉求")
    returned, kept = new_appeal(db, city, title="要退的诉求"), new_appeal(db, city, title="照办的诉求")
    for appeal in (returned, kept):
        dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    request_return(db, returned, actor=city.users["street_handler"], reason="该路段不属于本街道管辖范围")
    page = as_user(client, city, "dispatcher").get("/staff/dispatch").text
    assert fresh.order_no in page and returned.order_no in page and kept.order_no not in page
    assert page.index(fresh.order_no) < page.index(returned.order_no)  # waiting order: received first


def test_the_handler_queue_is_sorted_by_deadline(client, db, city, clock):
    first = new_appeal(db, city, title="先派的诉求")
    dispatch_appeal(db, first, city.units["street"], actor=city.users["dispatcher"])
    clock.shift(timedelta(days=2))
    second = new_appeal(db, city, title="后派的诉求")
    dispatch_appeal(db, second, city.units["street"], actor=city.users["dispatcher"])
    other = new_appeal(db, city, title="别的街道的诉求")
    dispatch_appeal(db, other, city.units["street2"], actor=city.users["dispatcher"])
    as_user(client, city, "street_handler")
    page = client.get("/staff/handle").text
    assert page.index(first.order_no) < page.index(second.order_no) and other.order_no not in page
    reverse = client.get("/staff/handle?sort=-next_due").text
    assert reverse.index(second.order_no) < reverse.index(first.order_no)


def test_lists_filter_search_and_paginate(client, db, city):
    appeals = [new_appeal(db, city, title=f"噪音扰民第{i}号") for i in range(23)]
    answer_directly(db, appeals[0], actor=city.users["operator"], answer="已告知投诉电话。")
    as_user(client, city, "dispatcher")
    page1 = client.get("/staff/appeals?q=噪音扰民").text
    assert "<strong>23</strong>" in page1 and "第 1 / 2 页" in page1
    page2 = client.get("/staff/appeals?q=噪音扰民&page=2").text
    assert sum(a.order_no in page2 for a in appeals) == 3
    only = client.get("/staff/appeals?q=噪音扰民&status=replied").text
    assert "<strong>1</strong>" in only and appeals[0].order_no in only
    by_number = client.get(f"/staff/appeals?q={appeals[5].order_no}").text
    assert "<strong>1</strong>" in by_number
    bogus = client.get("/staff/appeals?q=噪音扰民&status=nonsense&sort=drop table&page=99&size=7")
    assert bogus.status_code == 200 and "<strong>23</strong>" in bogus.text  # unknown values are ignored


def test_exports_hold_every_matching_row_in_csv_and_excel(client, db, city):
    appeals = [new_appeal(db, city, title=f"占道经营{i}") for i in range(25)]
    as_user(client, city, "dispatcher")
    response = client.get("/staff/appeals?q=占道经营&export=csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["工单编号", "标题"] and len(rows) == 26
    assert {r[0] for r in rows[1:]} == {a.order_no for a in appeals}
    response = client.get("/staff/appeals?q=占道经营&export=xlsx")
    assert "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "工单编号" and len(values) == 26 and values[1][2] == "已受理"


def test_an_export_never_holds_appeals_the_user_may_not_see(client, db, city):
    mine = new_appeal(db, city, title="导出测试")
    dispatch_appeal(db, mine, city.units["street"], actor=city.users["dispatcher"])
    theirs = new_appeal(db, city, title="导出测试")
    dispatch_appeal(db, theirs, city.units["street2"], actor=city.users["dispatcher"])
    as_user(client, city, "street_handler")
    text = client.get("/staff/appeals?q=导出测试&export=csv").content.decode("utf-8-sig")
    assert mine.order_no in text and theirs.order_no not in text


def test_the_visitor_records_a_visit_in_three_clicks_and_returns_to_the_queue(client, db, city):
    appeal = replied(db, city)
    as_user(client, city, "visitor")
    queue = client.get("/staff/visits")
    assert appeal.order_no in queue.text
    response = client.post(
        f"/staff/appeals/{appeal.order_no}/act/visit",
        follow_redirects=False,
        data={
            "csrf_token": csrf_from(client, "/staff/visits"),
            "expected_version": str(appeal.version),
            "next": "/staff/visits",
            "contacted": "1",
            "solved": "1",
            "satisfaction": "basically_satisfied",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff/visits"
    db.refresh(appeal)
    assert appeal.status == AppealStatus.CLOSED
    assert appeal.order_no not in client.get("/staff/visits").text


def test_a_visit_that_did_not_reach_the_resident_keeps_the_appeal_in_the_queue(client, db, city):
    appeal = replied(db, city)
    as_user(client, city, "visitor")
    client.post(
        f"/staff/appeals/{appeal.order_no}/act/visit",
        data={
            "csrf_token": csrf_from(client, "/staff/visits"),
            "expected_version": str(appeal.version),
            "next": "/staff/visits",
            "contacted": "0",
        },
    )
    db.refresh(appeal)
    assert appeal.status == AppealStatus.REPLIED and appeal.order_no in client.get("/staff/visits").text


def test_the_leader_overview_shows_the_figures(client, db, city, clock):
    for _ in range(3):
        new_appeal(db, city)
    dispatched = new_appeal(db, city)
    dispatch_appeal(db, dispatched, city.units["street"], actor=city.users["dispatcher"])
    done = replied(db, city)
    from lianxin.visits.service import record_return_visit

    record_return_visit(db, done, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    as_user(client, city, "leader")
    page = client.get("/staff/overview").text
    today = page.split('id="kpis-1"')[1].split("</div>\n  \n")[0]
    assert "<b>5</b>" in today and "<b>2</b>" in today  # received 5, dispatched 2
    rates = page.split('id="rates"')[1]
    assert "东城区" in rates and "100.0%" in rates  # one satisfied visit of an appeal led below the district
    below = client.get(f"/staff/overview?unit={city.units['district'].id}").text.split('id="rates"')[1]
    assert "和平街道" in below and "100.0%" in below
    unit = client.get(f"/staff/units/{city.units['street'].id}").text
    assert dispatched.order_no in unit and done.order_no in unit
    district = as_user(client, city, "district_leader").get("/staff/overview").text.split('id="kpis-1"')[1]
    assert "<span>受理</span><b>2</b>" in district  # in a unit's scope: dispatched to its subtree
    clock.move_to(dispatched.due_at + timedelta(minutes=5))
    overdue = as_user(client, city, "leader").get("/staff/overdue").text  # a new login: the session is days old
    assert dispatched.order_no in overdue and done.order_no not in overdue
    assert "办结时限" in overdue  # sorted by the resolve deadline, the longest overdue first
    assert "超期工单（1）" in client.get("/staff/overview").text  # overdue now: a capped count of the list


def test_a_district_leader_sees_only_units_below(client, db, city):
    appeal = new_appeal(db, city, community_id=None)
    dispatch_appeal(db, appeal, city.units["housing"], actor=city.users["dispatcher"])  # a city department elsewhere
    as_user(client, city, "district_leader")
    assert "市住房和城乡建设委员会" not in client.get("/staff/overview").text
    assert client.get(f"/staff/units/{city.units['housing'].id}").status_code == 403
    assert client.get(f"/staff/overview?unit={city.units['housing'].id}").status_code == 403
    assert client.get(f"/staff/appeals/{appeal.order_no}").status_code == 403


def test_the_grid_worker_sees_the_grids_appeals(client, db, city):
    inside = new_appeal(db, city, grid_id=city.units["grid"].id, title="网格内的诉求")
    outside = new_appeal(db, city, community_id=None, title="网格外的诉求")
    as_user(client, city, "grid_worker")
    page = client.get("/staff/grid").text
    assert inside.order_no in page and outside.order_no not in page
    assert 'href="/appeal"' in page  # patrol reports go through the resident form (channel grid_patrol)


def test_staff_pages_need_a_login(client, city):
    response = client.get("/staff/handle", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/staff/handle")


def visit_form(client, appeal, **data):
    return client.post(
        f"/staff/appeals/{appeal.order_no}/act/visit",
        follow_redirects=False,
        data={
            "csrf_token": csrf_from(client, "/staff/visits"),
            "expected_version": str(appeal.version),
            "next": "/staff/visits",
            "contacted": "1",
            "solved": "0",
        }
        | data,
    )


def test_the_visitor_can_judge_a_dissatisfied_answer_unreasonable_from_the_web(client, db, city):
    appeal = replied(db, city)
    as_user(client, city, "visitor")
    assert 'name="unreasonable"' in client.get("/staff/visits").text
    assert 'name="unreasonable"' in client.get(f"/staff/appeals/{appeal.order_no}").text
    # judged unreasonable without a reason: refused, nothing changes
    response = visit_form(client, appeal, satisfaction="dissatisfied", unreasonable="1")
    db.refresh(appeal)
    assert response.status_code != 303 or "comment" in response.headers.get("location", "")
    assert appeal.status == AppealStatus.REPLIED
    response = visit_form(
        client,
        appeal,
        satisfaction="dissatisfied",
        unreasonable="1",
        comment="诉求超出政策规定，已解释清楚，不满意理由不成立",
    )
    assert response.status_code == 303
    db.refresh(appeal)
    assert appeal.status == AppealStatus.CLOSED and appeal.reopen_count == 0  # closed, not reopened
    from lianxin.visits.models import ReturnVisit

    visit = db.scalar(select(ReturnVisit).where(ReturnVisit.appeal_id == appeal.id))
    assert visit.unreasonable is True


def test_a_plain_dissatisfied_visit_from_the_web_still_reopens(client, db, city):
    appeal = replied(db, city)
    as_user(client, city, "visitor")
    assert visit_form(client, appeal, satisfaction="dissatisfied").status_code == 303
    db.refresh(appeal)
    assert appeal.status == AppealStatus.IN_PROGRESS and appeal.reopen_count == 1


def test_a_directly_answered_appeal_reopened_from_the_web_lands_in_the_dispatch_queue(client, db, city):
    appeal = new_appeal(db, city, title="直接答复后不满意", appeal_type="consult")
    answer_directly(db, appeal, actor=city.users["operator"], answer="燃气费可在营业厅或网上缴纳。")
    as_user(client, city, "visitor")
    assert visit_form(client, appeal, satisfaction="dissatisfied", comment="没有解决").status_code == 303
    db.refresh(appeal)
    assert appeal.status == AppealStatus.RECEIVED and appeal.lead_unit_id is None
    as_user(client, city, "dispatcher")
    assert appeal.order_no in client.get("/staff/dispatch").text


def test_the_next_deadline_is_sign_then_contact_then_resolve_coloured_by_what_is_left(db, city, clock):
    from lianxin.web.staff.common import next_deadline

    appeal = new_appeal(db, city, title="下一时限")
    assert next_deadline(appeal) is None  # no clock runs before dispatch
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    first = next_deadline(appeal)
    assert first.clock == "sign" and first.at == appeal.sign_due_at and first.colour in ("green", "amber")
    assert next_deadline(appeal, appeal.sign_due_at + timedelta(minutes=1)).colour == "red"
    assert next_deadline(appeal, appeal.sign_due_at - timedelta(minutes=30)).colour == "amber"
    handler = city.users["street_handler"]
    sign_appeal(db, appeal, actor=handler)
    assert next_deadline(appeal).clock == "contact" and next_deadline(appeal).at == appeal.contact_due_at
    record_contact(db, appeal, actor=handler, note="已联系")
    found = next_deadline(appeal)
    assert found.clock == "resolve" and found.text("en").startswith("Resolve ") and found.text("zh-CN")[:2] == "办结"
    assert next_deadline(appeal, appeal.due_at - timedelta(hours=3)).colour == "amber"
    reply_to_appeal(db, appeal, actor=handler, text="已处理完毕。")
    assert next_deadline(appeal) is None


def test_every_queue_shows_the_next_deadline_with_its_colour_and_sorts_by_it(client, db, city, clock):
    unsigned = new_appeal(db, city, title="未签收的诉求")
    dispatch_appeal(db, unsigned, city.units["street"], actor=city.users["dispatcher"])
    contacted = new_appeal(db, city, title="已联系的诉求")
    dispatch_appeal(db, contacted, city.units["street"], actor=city.users["dispatcher"])
    handler = city.users["street_handler"]
    sign_appeal(db, contacted, actor=handler)
    record_contact(db, contacted, actor=handler, note="已联系")
    clock.move_to(unsigned.sign_due_at + timedelta(minutes=10))  # the signing clock ran out
    as_user(client, city, "street_handler")
    page = client.get("/staff/handle").text
    assert "下一时限" in page
    row = page.split(unsigned.order_no, 1)[1].split("</tr>", 1)[0]
    assert 'class="due due-red"' in row and "签收 " in row
    other = page.split(contacted.order_no, 1)[1].split("</tr>", 1)[0]
    assert "办结 " in other and "due-red" not in other
    assert page.index(unsigned.order_no) < page.index(contacted.order_no)  # the earliest deadline first
    english = client.get("/staff/handle?lang=en").text
    assert "Next deadline" in english and "Sign " in english and "Dispatched" in english
    for path in ("/staff/appeals", "/staff/handle?sort=-next_due"):
        assert 'class="due due-red"' in client.get(path).text


def test_the_dispatch_queue_shows_waiting_time_and_flags_past_the_limit(client, db, city, clock):
    old = new_appeal(db, city, title="等了很久的诉求")
    clock.shift(timedelta(minutes=25))
    fresh = new_appeal(db, city, title="刚来的诉求")
    clock.shift(timedelta(minutes=10))  # old: 35 min, fresh: 10 min; the limit is 30 min
    as_user(client, city, "dispatcher")
    page = client.get("/staff/dispatch").text
    assert "等待时间" in page and "超过 30 分钟标红" in page
    old_row = page.split(old.order_no, 1)[1].split("</tr>", 1)[0]
    fresh_row = page.split(fresh.order_no, 1)[1].split("</tr>", 1)[0]
    assert "35分" in old_row and "due-red" in old_row
    assert "10分" in fresh_row and "due-red" not in fresh_row
    assert "35 min" in client.get("/staff/dispatch?lang=en").text


def test_the_dispatch_limit_is_a_setting(client, app, db, city, clock):
    app.state.settings = app.state.settings.model_copy(update={"dispatch_within_minutes": 5})
    waiting = new_appeal(db, city, title="五分钟的诉求")
    clock.shift(timedelta(minutes=6))
    as_user(client, city, "dispatcher")
    page = client.get("/staff/dispatch").text
    assert "超过 5 分钟标红" in page and "due-red" in page.split(waiting.order_no, 1)[1].split("</tr>", 1)[0]


def test_waiting_time_reads_in_days_and_hours():
    from lianxin.web.staff.common import waiting_text

    assert waiting_text(0, "zh-CN") == "0分" and waiting_text(0, "en") == "0 min"
    assert waiting_text(125, "zh-CN") == "2小时 5分" and waiting_text(125, "en") == "2 h 5 min"
    assert waiting_text(3 * 1440 + 61, "zh-CN") == "3天 1小时" and waiting_text(1440, "en") == "1 d"


def test_search_finds_appeals_by_the_callers_phone_full_or_last_digits_within_scope(client, db, city):
    from lianxin.web.staff.common import phone_query

    mine = new_appeal(db, city, title="电话一", appellant_phone="13912345678")
    other = new_appeal(db, city, title="电话二", appellant_phone="13700005678")
    elsewhere = new_appeal(db, city, title="电话三", appellant_phone="13912345678")
    secret = new_appeal(db, city, title="举报", appellant_phone="13912345678", confidential=True)
    for appeal in (mine, other, secret):
        dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    dispatch_appeal(db, elsewhere, city.units["street2"], actor=city.users["dispatcher"])
    unrelated = new_appeal(db, city, title="电话四", appellant_phone="13800001111")

    as_user(client, city, "dispatcher")
    full = client.get("/staff/appeals?q=139 1234 5678").text
    assert all(a.order_no in full for a in (mine, elsewhere, secret)) and other.order_no not in full
    tail = client.get("/staff/appeals?q=5678").text
    assert all(a.order_no in tail for a in (mine, other, elsewhere, secret)) and unrelated.order_no not in tail
    assert "来电号码" in client.get("/staff/appeals").text  # the hint says so

    as_user(client, city, "street_handler")  # only the street's appeals, and no confidential one by phone
    handled = client.get("/staff/handle?q=13912345678").text
    assert mine.order_no in handled
    assert elsewhere.order_no not in handled and secret.order_no not in handled
    assert phone_query("+86 139-1234-5678") == "13912345678" and phone_query("路灯") is None
    assert phone_query("123") is None


def test_the_visit_desk_row_has_the_reply_the_unit_and_a_logged_tel_link(client, db, city):
    from lianxin.appeals.models import PersonalDataView

    appeal = replied(db, city)
    as_user(client, city, "visitor")
    page = client.get("/staff/visits").text
    row = page.split(f'id="visit-{appeal.order_no}"', 1)[1].split("</tr>", 1)[0]
    assert 'href="tel:13800138000"' in row and "已修复路灯，恢复照明。" in row and "和平街道" in row
    logged = db.scalars(select(PersonalDataView).where(PersonalDataView.appeal_id == appeal.id)).all()
    assert [v.user_id for v in logged] == [city.users["visitor"].id]


def test_the_visit_is_recorded_on_the_row_with_htmx(client, db, city):
    appeal = replied(db, city)
    as_user(client, city, "visitor")
    token = csrf_from(client, "/staff/visits")
    row = client.post(
        f"/staff/visits/{appeal.order_no}",
        headers={"HX-Request": "true"},
        data={
            "csrf_token": token,
            "expected_version": str(appeal.version),
            "contacted": "1",
            "solved": "1",
            "satisfaction": "satisfied",
        },
    )
    assert row.status_code == 200 and "已记录回访" in row.text and "满意" in row.text and "已办结" in row.text
    assert row.text.lstrip().startswith(f'<tr id="visit-{appeal.order_no}"')
    db.refresh(appeal)
    assert appeal.status == AppealStatus.CLOSED

    again = client.post(  # the same click twice: the stale version is refused with the row's message
        f"/staff/visits/{appeal.order_no}",
        headers={"HX-Request": "true"},
        data={"csrf_token": token, "expected_version": "1", "contacted": "1", "satisfaction": "satisfied"},
    )
    assert again.status_code == 409 and 'role="alert"' in again.text


def test_an_unreasonable_dissatisfaction_without_a_reason_is_refused_on_the_row(client, db, city):
    appeal = replied(db, city)
    as_user(client, city, "visitor")
    answer = client.post(
        f"/staff/visits/{appeal.order_no}",
        headers={"HX-Request": "true"},
        data={
            "csrf_token": csrf_from(client, "/staff/visits"),
            "expected_version": str(appeal.version),
            "contacted": "1",
            "solved": "0",
            "satisfaction": "dissatisfied",
            "unreasonable": "1",
        },
    )
    assert answer.status_code == 422 and 'role="alert"' in answer.text and 'name="satisfaction"' in answer.text
    db.refresh(appeal)
    assert appeal.status == AppealStatus.REPLIED
    plain = client.post(  # without htmx: not reached, back to the queue
        f"/staff/visits/{appeal.order_no}",
        data={
            "csrf_token": csrf_from(client, "/staff/visits"),
            "expected_version": str(appeal.version),
            "contacted": "0",
        },
        follow_redirects=False,
    )
    assert plain.status_code == 303 and plain.headers["location"] == "/staff/visits"
    as_user(client, city, "street_handler")
    refused = client.post(
        f"/staff/visits/{appeal.order_no}",
        data={"csrf_token": csrf_from(client, "/staff/handle"), "contacted": "1", "satisfaction": "satisfied"},
    )
    assert refused.status_code == 403 and "回访员" in refused.text


def test_search_for_exactly_an_order_number_reads_that_appeal_alone(client, db, city):
    from lianxin.appeals.numbers import looks_like_order_no

    first = new_appeal(db, city, title="楼道灯不亮")
    again = new_appeal(db, city, title="再次反映", content=f"上次工单 {first.order_no} 说修好了，灯还是不亮。")
    as_user(client, city, "dispatcher")
    exact = client.get(f"/staff/appeals?q={first.order_no}").text
    assert first.order_no in exact and again.order_no not in exact  # by the number's index, not inside letters
    words = client.get(f"/staff/appeals?q=上次工单 {first.order_no}").text
    assert again.order_no in words  # anything longer is still searched in the text
    api = client.get(f"/api/v1/appeals?q={first.order_no}").json()
    assert [item["order_no"] for item in api["items"]] == [first.order_no]
    assert looks_like_order_no("20260302000001") and not looks_like_order_no("2026030200000")
    assert not looks_like_order_no("13912345678") and not looks_like_order_no("120260302000001")
