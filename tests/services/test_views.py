"""The pages: the public catalogue and guide, a resident applying, being asked for more and rating, the
department's queue and actions, a relative's authorisation, booking and 取号, the window, leaders' ratings."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lianxin.appeals.models import Appeal
from lianxin.services.appointments import ensure_slots
from lianxin.services.models import Application, ApplicationEvent, Booking, Evaluation, ProxyAuthorization
from lianxin.services.status import AppStatus, BookingStatus, EvalStatus
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.services.conftest import sign_in_resident


def post(client, path, data=None, page=None):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_from(client, "/track")}, follow_redirects=False)


def test_the_catalogue_and_a_printable_guide_are_public(client, cat):
    page = client.get("/services?q=老人津贴")
    assert page.status_code == 200 and "高龄津贴申领" in page.text and "二手房不动产转移登记" not in page.text
    assert "二手房过户+水电气联办" in client.get("/services").text
    guide = client.get("/services/items/MZ-001")
    assert "一次告知" in guide.text and "户口簿" in guide.text and "window.print()" in guide.text
    assert "5 个工作日" in guide.text and "20 个工作日" in guide.text
    assert "Promised time limit" in client.get("/services/items/MZ-001?lang=en").text
    assert client.get("/services/items/NOPE").status_code == 404
    assert "用水户名过户" in client.get("/services/bundles/YJS-ESF?lang=zh").text
    assert "没有找到" in client.get("/services?q=火星签证&lang=zh").text


def test_a_resident_applies_and_the_department_handles_it(client, db, city, cat, resident, clock):
    me = resident()
    assert client.get("/services/items/MZ-001/apply", follow_redirects=False).headers["location"] == "/me/login"
    assert client.get("/services/mine", follow_redirects=False).status_code == 303
    sign_in_resident(client, me)
    assert "住址" in client.get("/services/items/MZ-001/apply").text
    bad = post(client, "/services/items/MZ-001/apply", {"name": "李明"})
    assert bad.status_code == 422 and "请填写住址" in bad.text
    assert post(client, "/services/widgets/X/apply").status_code == 404
    done = post(
        client, "/services/items/MZ-001/apply", {"name": "李明", "address": "和平里3号楼", "documents": ["身份证"]}
    )
    assert done.status_code == 303
    app = db.scalar(select(Application).where(Application.applicant_account_id == me.id))
    assert done.headers["location"] == f"/services/applications/{app.number}?new=1"
    assert "申请已提交" in client.get(done.headers["location"]).text
    mine = client.get("/services/mine").text
    assert app.number in mine and "已提交" in mine and "剩 5 个工作日" in mine
    # the department
    client.cookies.clear()
    login(client, city.users["street_handler"].username, PASSWORD)
    queue = client.get("/staff/services").text
    assert app.number in queue and "李*" in queue and me.phone not in queue
    detail = client.get(f"/staff/services/applications/{app.number}").text
    assert "139****5678" in detail and "缺：户口簿" in detail
    assert me.phone in client.get(f"/staff/services/applications/{app.number}?contact=1").text
    assert db.scalar(select(ApplicationEvent).where(ApplicationEvent.kind == "contact_viewed")) is not None
    page = f"/staff/services/applications/{app.number}"
    assert post(client, f"{page}/accept", {"version": str(app.version)}, page=page).status_code == 303
    assert post(client, f"{page}/ask_more", {"note": "请补充户口簿首页"}, page=page).status_code == 303
    assert post(client, f"{page}/approve", page=page).status_code == 409  # need_more cannot be approved
    assert post(client, f"{page}/accept", {"version": "1"}, page=page).status_code == 409  # stale version
    # the resident hands in the missing document
    client.cookies.clear()
    sign_in_resident(client, me)
    mine_page = f"/services/applications/{app.number}"
    assert "请补充户口簿首页" in client.get(mine_page).text
    assert post(client, f"{mine_page}/resubmit", {"documents": ["户口簿"]}, page=mine_page).status_code == 303
    assert post(client, f"{mine_page}/nonsense", page=mine_page).status_code == 404
    client.cookies.clear()
    login(client, city.users["street_handler"].username, PASSWORD)
    for action in ("accept", "approve", "deliver"):
        assert post(client, f"{page}/{action}", page=page).status_code == 303
    assert app.number in client.get("/staff/services?all=1").text
    assert app.status == AppStatus.DELIVERED
    # rating: a 差评 becomes a work order the centre dispatches
    client.cookies.clear()
    sign_in_resident(client, me)
    assert "好差评" in client.get(mine_page).text
    assert post(client, f"{mine_page}/rate", {"level": "1", "text": "来回跑了三趟"}, page=mine_page).status_code == 303
    assert "差评核实中" in client.get(mine_page).text
    evaluation = db.scalar(select(Evaluation).where(Evaluation.application_id == app.id))
    assert post(client, f"{mine_page}/rate", {"level": "5"}, page=mine_page).status_code == 409
    client.cookies.clear()
    login(client, city.users["dispatcher"].username, PASSWORD)
    leader = client.get("/leader/services").text
    assert "来回跑了三趟" in leader and db.get(Appeal, evaluation.appeal_id).order_no in leader
    assert "指标平均分" not in leader
    assert (
        post(client, f"/leader/services/ratings/{evaluation.id}/dispatch", page="/leader/services").status_code == 303
    )
    assert evaluation.status == EvalStatus.RECTIFYING
    client.cookies.clear()
    login(client, city.users["street_handler"].username, PASSWORD)
    assert "本部门的差评整改" in client.get("/staff/services").text
    assert (
        post(
            client, f"/leader/services/ratings/{evaluation.id}/appeal", {"note": "群众误评"}, page="/staff/services"
        ).headers["location"]
        == f"/staff/services#rating-{evaluation.id}"
    )
    assert evaluation.status == EvalStatus.APPEAL_REVIEW
    assert client.get("/leader/services").status_code == 403


def test_a_bundle_is_applied_for_with_one_form(client, db, city, cat, resident, clock):
    me = resident()
    sign_in_resident(client, me)
    assert "一表申请" in client.get("/services/bundles/YJS-ESF").text
    form = client.get("/services/bundles/YJS-ESF/apply").text
    assert "不动产权证书" in form
    done = post(client, "/services/bundles/YJS-ESF/apply", {"name": "李明", "address": "和平里3号楼"})
    app = db.scalar(select(Application).where(Application.bundle_id == cat.bundle.id))
    assert done.status_code == 303 and len(app.parts) == 2
    page = client.get(f"/services/applications/{app.number}").text
    assert "市住房和城乡建设委员会" in page and "自来水集团" in page
    client.cookies.clear()
    login(client, city.users["water_handler"].username, PASSWORD)
    assert app.parts[1].number in client.get("/staff/services").text
    assert client.get(f"/staff/services/applications/{app.parts[0].number}").status_code == 404  # not theirs


def test_a_relative_records_an_authorisation_and_applies(client, db, city, cat, resident, clock):
    son = resident("13911110000", "王小明")
    sign_in_resident(client, son)
    assert "亲友代办" in client.get("/services/proxies/new").text
    data = {
        "principal_name": "王大爷",
        "principal_phone": "13822220000",
        "relationship": "child",
        "agent_name": "王小明",
        "scope": ["MZ-001"],
        "valid_from": "2026-03-02",
        "valid_to": "2026-08-01",
        "evidence": "授权委托书",
        "consent": "本人签字",
    }
    bad = post(client, "/services/proxies", data | {"valid_to": "2026-13-01"}, page="/services/proxies/new")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    assert post(client, "/services/proxies", data, page="/services/proxies/new").status_code == 303
    proxy = db.scalar(select(ProxyAuthorization).where(ProxyAuthorization.agent_account_id == son.id))
    form = client.get("/services/items/MZ-001/apply").text
    assert "代办：王大爷" in form
    assert "王大爷" not in client.get("/services/items/SW-201/apply").text  # not covered
    done = post(
        client, "/services/items/MZ-001/apply", {"proxy_id": str(proxy.id), "name": "王大爷", "address": "和平里"}
    )
    assert done.status_code == 303
    app = db.scalar(select(Application).where(Application.proxy_id == proxy.id))
    assert app.applicant_name == "王大爷" and "代 王大爷" in client.get("/services/mine").text
    assert post(client, f"/services/proxies/{proxy.id}/revoke").status_code == 303 and proxy.revoked_at
    assert post(client, "/services/proxies/0/revoke").status_code == 404
    bad = post(
        client, "/services/items/MZ-001/apply", {"proxy_id": str(proxy.id), "name": "王大爷", "address": "和平里"}
    )
    assert bad.status_code == 403


def test_booking_checking_in_and_rating_a_visit(client, db, city, cat, resident, clock):
    me = resident()
    page = client.get("/services/book").text
    assert "预约需先登录" in page and "2026-03-03" in page
    sign_in_resident(client, me)
    clock.move_to("2026-03-30T09:30:00+08:00")
    holiday = client.get("/services/book?location=ZX&day=2026-04-05")
    assert holiday.status_code == 200 and "节假日" in holiday.text
    assert client.get("/services/book?day=2026-04-06").status_code == 422  # 清明: closed
    clock.move_to("2026-03-02T09:30:00+08:00")
    page = client.get("/services/book?day=2026-03-02&item=MZ-001").text
    assert "余 2" in page
    slots = ensure_slots(db, cat.centre, date(2026, 3, 2))
    assert (
        post(
            client, "/services/book", {"slot_id": str(slots[0].id), "item": "MZ-001"}, page="/services/book"
        ).status_code
        == 422
    )
    assert (
        post(client, "/services/book", {"slot_id": "999999", "item": "MZ-001"}, page="/services/book").status_code
        == 404
    )
    assert (
        post(
            client, "/services/book", {"slot_id": str(slots[3].id), "item": "MZ-001"}, page="/services/book"
        ).status_code
        == 303
    )
    booking = db.scalar(select(Booking).where(Booking.account_id == me.id))
    assert "已预约" in client.get("/services/mine").text
    clock.move_to("2026-03-02T13:35:00+08:00")
    assert post(client, f"/services/bookings/{booking.id}/check_in").status_code == 303
    assert booking.ticket_no == "Y001" and "Y001" in client.get("/services/mine").text
    assert post(client, f"/services/bookings/{booking.id}/serve").status_code == 404
    client.cookies.clear()
    login(client, city.users["operator"].username, PASSWORD)
    day = client.get("/staff/services/appointments?location=ZX&day=2026-03-02").text
    assert "Y001" in day and "办理完成" in day
    assert (
        post(client, f"/staff/services/bookings/{booking.id}/serve", page="/staff/services/appointments").status_code
        == 303
    )
    assert booking.status == BookingStatus.SERVED
    assert (
        post(client, f"/staff/services/bookings/{booking.id}/cancel", page="/staff/services/appointments").status_code
        == 404
    )
    assert post(client, "/staff/services/bookings/0/serve", page="/staff/services/appointments").status_code == 404
    client.cookies.clear()
    sign_in_resident(client, me)
    assert "一次一评" in client.get("/services/mine").text
    rated = post(client, f"/services/bookings/{booking.id}/rate", {"level": "4", "score_attitude": "5"})
    assert rated.status_code == 303 and db.scalar(
        select(Evaluation).where(Evaluation.booking_id == booking.id)
    ).scores == {"attitude": 5}
    assert post(client, f"/services/bookings/{booking.id}/cancel").status_code == 409
    assert post(client, "/services/bookings/0/cancel").status_code == 404


def test_a_window_records_an_application(client, db, city, cat, clock):
    login(client, city.users["operator"].username, PASSWORD)
    assert "窗口受理" in client.get("/staff/services").text
    form = client.get("/staff/services/window?item=ZJ-101").text
    assert "不动产权证书" in form
    bad = post(
        client,
        "/staff/services/window",
        {"item": "ZJ-101", "applicant_name": "王芳", "applicant_phone": "137"},
        page="/staff/services",
    )
    assert bad.status_code == 422
    done = post(
        client,
        "/staff/services/window",
        {
            "item": "ZJ-101",
            "applicant_name": "王芳",
            "applicant_phone": "13700000000",
            "name": "王芳",
            "address": "安定里",
        },
        page="/staff/services",
    )
    app = db.scalar(select(Application).where(Application.channel == "window"))
    assert done.headers["location"] == f"/staff/services/applications/{app.number}"
    assert client.get("/staff/services/appointments").status_code == 200


def test_leaders_read_the_ratings_and_others_cannot(client, db, city, cat, clock):
    login(client, city.users["leader"].username, PASSWORD)
    page = client.get("/leader/services")
    assert page.status_code == 200 and "网办率" in page.text and "没有差评" in page.text
    client.cookies.clear()
    login(client, city.users["grid_worker"].username, PASSWORD)
    assert client.get("/staff/services").status_code == 403


def test_scans_of_documents_are_uploaded_and_seen_only_by_the_applicant_and_the_department(
    client, db, city, cat, resident, clock
):
    from tests.web.test_intake import jpeg_with_gps

    me = resident()
    sign_in_resident(client, me)
    token = csrf_from(client, "/track")
    bad = client.post(
        "/services/items/MZ-001/apply",
        data={"csrf_token": token, "name": "李明", "address": "和平里"},
        files=[("scans", ("id.txt", b"not an image", "text/plain"))],
    )
    assert bad.status_code == 422 and db.scalar(select(Application)) is None
    failed = client.post(
        "/services/items/MZ-001/apply",
        data={"csrf_token": token, "name": "李明"},  # no address: nothing stored
        files=[("scans", ("id.jpg", jpeg_with_gps(), "image/jpeg"))],
    )
    assert failed.status_code == 422
    done = client.post(
        "/services/items/MZ-001/apply",
        data={"csrf_token": token, "name": "李明", "address": "和平里"},
        files=[("scans", ("id.jpg", jpeg_with_gps(), "image/jpeg"))],
        follow_redirects=False,
    )
    assert done.status_code == 303
    app = db.scalar(select(Application))
    assert (
        app.attachments[0]["filename"] == "id.jpg"
        and "id.jpg" in client.get(f"/services/applications/{app.number}").text
    )
    mine = client.get(f"/services/applications/{app.number}/files/0")
    assert (
        mine.status_code == 200 and mine.headers["content-type"] == "image/jpeg" and b"PhoneMaker" not in mine.content
    )
    assert client.get(f"/services/applications/{app.number}/files/1").status_code == 404
    client.cookies.clear()
    sign_in_resident(client, resident("13900000009"))
    assert client.get(f"/services/applications/{app.number}/files/0").status_code == 404
    client.cookies.clear()
    assert client.get(f"/services/applications/{app.number}/files/0", follow_redirects=False).status_code == 303
    login(client, city.users["street_handler"].username, PASSWORD)
    assert "id.jpg" in client.get(f"/staff/services/applications/{app.number}").text
    assert client.get(f"/staff/services/applications/{app.number}/files/0").status_code == 200
    client.cookies.clear()
    login(client, city.users["housing_handler"].username, PASSWORD)
    assert client.get(f"/staff/services/applications/{app.number}/files/0").status_code == 404
