"""The hall's pages: admins set windows, the front desk issues a number and prints its slip, a window calls,
serves and skips, the display board shows who is called and how many are ahead, and the visitor rates the
visit from the slip's link with no account (a 差评 becomes a work order)."""

from __future__ import annotations

import re

from sqlalchemy import select

from lianxin.services import windows as win
from lianxin.services.models import Evaluation, ServiceWindow, Ticket
from lianxin.services.status import TicketStatus
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login


def post(client, path, data=None):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_from(client, "/track")}, follow_redirects=False)


def test_admins_set_the_windows_of_a_centre(client, db, city, cat):
    login(client, city.users["operator"].username, PASSWORD)
    assert client.get("/admin/services/windows").status_code == 403
    client.cookies.clear()
    login(client, city.users["admin"].username, PASSWORD)
    page = client.get("/admin/services/windows?location=ZX")
    assert page.status_code == 200 and "还没有窗口" in page.text and "高龄津贴申领" in page.text
    done = post(
        client,
        "/admin/services/windows",
        {"location": "ZX", "code": "B01", "name": "老年服务窗口", "items": ["MZ-001"], "slot_capacity": "2"},
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        "/admin/services/windows?location=ZX#window-"
    )
    window = db.scalar(
        select(ServiceWindow).where(ServiceWindow.location_id == cat.centre.id, ServiceWindow.code == "B01")
    )
    assert window.item_ids == [cat.subsidy.id] and window.slot_capacity == 2 and window.active
    assert "老年服务窗口" in client.get("/admin/services/windows").text
    assert (
        post(
            client, "/admin/services/windows", {"location": "ZX", "code": "B02", "name": "窗口", "slot_capacity": "x"}
        ).status_code
        == 422
    )
    assert (
        post(client, "/admin/services/windows", {"location": "NOPE", "code": "B02", "name": "窗口"}).status_code == 404
    )
    bad = post(client, "/admin/services/windows", {"location": "ZX", "code": "B02", "name": "窗"})
    assert bad.status_code == 422 and "窗口名称" in bad.text
    assert (
        db.scalar(select(ServiceWindow).where(ServiceWindow.location_id == cat.centre.id, ServiceWindow.code == "B02"))
        is None
    )


def test_front_desk_window_board_and_rating_by_link(client, db, city, cat, clock):
    win.save_window(db, location=cat.centre, code="A01", name="综合受理窗口", actor=city.users["admin"])
    login(client, city.users["operator"].username, PASSWORD)
    page = client.get("/staff/services/queue?location=ZX")
    assert page.status_code == 200 and "叫下一位" in page.text and "今天还没有人取号" in page.text
    issued = post(client, "/staff/services/queue/tickets", {"location": "ZX", "item": "ZJ-101", "phone": ""})
    assert issued.status_code == 303
    ticket = db.scalar(select(Ticket).where(Ticket.location_id == cat.centre.id))
    assert issued.headers["location"] == f"/staff/services/tickets/{ticket.id}/slip"
    slip = client.get(issued.headers["location"]).text
    assert "A001" in slip and "<svg" in slip and f"/services/rate/{ticket.rate_token}" in slip
    assert post(client, "/staff/services/queue/tickets", {"location": "NOPE", "item": "ZJ-101"}).status_code == 404
    # the public board and a resident checking their place
    board = client.get("/services/queue/ZX?n=a001")
    assert board.status_code == 200 and "前面还有 0" in board.text
    assert "今天没有这个号码" in client.get("/services/queue/ZX?n=Z999").text
    assert client.get("/services/queue/NOPE").status_code == 404
    # the visitor cannot rate before being served
    rate_url = f"/services/rate/{ticket.rate_token}"
    assert "办理完成后即可评价" in client.get(rate_url).text
    window = db.scalar(select(ServiceWindow).where(ServiceWindow.location_id == cat.centre.id))
    called = post(client, f"/staff/services/windows/{window.id}/call-next")
    assert (
        called.status_code == 303
        and called.headers["location"] == f"/staff/services/queue?location=ZX&window={window.id}"
    )
    db.refresh(ticket)
    assert ticket.status == TicketStatus.CALLED
    assert re.search(r'data-window="A01">\s*A001', client.get("/services/queue/ZX").text)
    assert post(client, f"/staff/services/windows/{window.id}/call-next").status_code == 404  # nobody waits
    assert post(client, f"/staff/services/tickets/{ticket.id}/teleport").status_code == 404
    assert post(client, f"/staff/services/tickets/{ticket.id}/serve").status_code == 303
    db.refresh(ticket)
    assert ticket.status == TicketStatus.SERVED
    # rating by the link, signed out: a 差评 needs a reason, then becomes a work order
    client.cookies.clear()
    form = client.get(rate_url)
    assert "提交评价" in form.text and "手机号（选填" in form.text
    bad = post(client, rate_url, {"level": "1", "text": ""})
    assert bad.status_code == 422 and "原因" in bad.text
    assert db.scalar(select(Evaluation).where(Evaluation.ticket_id == ticket.id)) is None
    done = post(
        client, rate_url, {"level": "1", "text": "窗口等候时间太长", "phone": "13977778888", "score_attitude": "2"}
    )
    assert done.status_code == 303
    rating = db.scalar(select(Evaluation).where(Evaluation.ticket_id == ticket.id))
    assert rating.window_id == window.id and rating.appeal_id is not None and rating.scores == {"attitude": 2}
    assert "感谢您的评价" in client.get(rate_url).text and rating.appeal.order_no in client.get(rate_url).text
    assert client.get("/services/rate/not-a-real-token").status_code == 404


def test_skip_recall_and_call_to_a_chosen_window(client, db, city, cat, clock):
    window = win.save_window(db, location=cat.centre, code="A01", name="综合受理窗口", actor=city.users["admin"])
    ticket = win.take_ticket(db, location=cat.centre, item=cat.transfer, actor=city.users["operator"])
    login(client, city.users["housing_handler"].username, PASSWORD)
    page = client.get(f"/staff/services/queue?location=ZX&window={window.id}")
    assert "叫到本窗口" in page.text and "A001" in page.text
    assert post(client, f"/staff/services/tickets/{ticket.id}/call", {"window": str(window.id)}).status_code == 303
    assert post(client, f"/staff/services/tickets/{ticket.id}/skip").status_code == 303
    db.refresh(ticket)
    assert ticket.status == TicketStatus.LEFT and "重新排队" in client.get("/staff/services/queue").text
    assert post(client, f"/staff/services/tickets/{ticket.id}/recall").status_code == 303
    db.refresh(ticket)
    assert ticket.status == TicketStatus.WAITING
    assert post(client, f"/staff/services/tickets/{ticket.id}/serve").status_code == 409  # not called
    assert post(client, "/staff/services/tickets/999999/serve").status_code == 404


def test_bookings_show_their_window(client, db, city, cat, resident, clock):
    from datetime import date

    from lianxin.services import appointments as ap
    from tests.services.conftest import sign_in_resident

    win.save_window(db, location=cat.centre, code="A07", name="老年服务窗口", actor=city.users["admin"])
    me = resident()
    slot = ap.ensure_slots(db, cat.centre, date(2026, 3, 3))[0]
    ap.book(db, slot=slot, item=cat.subsidy, account=me)
    assert "A07 老年服务窗口" in client.get("/services/items/MZ-001").text  # the guide names the windows
    page = client.get("/services/book?location=ZX&day=2026-03-03&item=MZ-001").text
    assert "窗口 A07" in page or "window A07" in page
    sign_in_resident(client, me)
    assert "A07 老年服务窗口" in client.get("/services/mine").text
    client.cookies.clear()
    login(client, city.users["operator"].username, PASSWORD)
    day = client.get("/staff/services/appointments?location=ZX&day=2026-03-03").text
    assert re.search(r"<td>\s*A07\s*</td>", day) and "大厅叫号" in day
