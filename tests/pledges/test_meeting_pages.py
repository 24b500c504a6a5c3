"""The meeting secretary's pages (schedule, agenda, minutes, follow-up actions), the paginated workbench."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lianxin.pledges import service as svc
from lianxin.pledges.models import PledgeDecision, PledgeMeeting
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.pledges.test_views import published


def test_a_secretary_keeps_the_minutes_and_follows_up(client, db, city, clock):
    plist, lights, toilets, leader = published(db, city)
    secretary = city.users["operator"]
    login(client, leader.username, PASSWORD)
    token = csrf_from(client, f"/staff/pledges/{plist.id}/meetings")
    bad = client.post(f"/staff/pledges/{plist.id}/schedule", data={"csrf_token": token, "meeting_weekday": "8"})
    assert bad.status_code == 422 and plist.meeting_weekday is None
    r = client.post(
        f"/staff/pledges/{plist.id}/schedule",
        data={
            "csrf_token": token,
            "meeting_weekday": "1",
            "meeting_time": "09:00",
            "meeting_place": "街道会议室",
            "meeting_participants": "书记、主任",
            "secretary_ids": [str(secretary.id)],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and plist.secretary_ids == [secretary.id]
    client.cookies.clear()
    login(client, secretary.username, PASSWORD)
    mine = client.get("/staff/pledges/meetings")
    assert f"/staff/pledges/{plist.id}/meetings" in mine.text and "每周二 09:00" in mine.text
    page = client.get(f"/staff/pledges/{plist.id}/meetings")
    assert page.status_code == 200 and 'class="agenda-row"' in page.text and 'value="书记、主任"' in page.text
    assert "新提出的需求" not in page.text  # new items need a manager of the list
    token = csrf_from(client, f"/staff/pledges/{plist.id}/meetings")
    saved = client.post(
        f"/staff/pledges/{plist.id}/meetings",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "back": "meetings",
            "title": "周二联席会议",
            "held_on": "2026-03-02",
            "attendees": "书记、主任",
            f"decision_{toilets.id}": "督促施工方进场",
            f"follow_up_{toilets.id}": "约谈施工方",
            f"follow_up_owner_{toilets.id}": "李科长",
            f"follow_up_due_{toilets.id}": "2026-03-09",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/staff/pledges/{plist.id}/meetings#meetings"
    decision = db.scalars(select(PledgeDecision).join(PledgeMeeting).where(PledgeMeeting.list_id == plist.id)).one()
    page = client.get(f"/staff/pledges/{plist.id}/meetings")
    assert 'id="follow-ups"' in page.text and "约谈施工方" in page.text
    empty = client.post(f"/staff/pledges/decisions/{decision.id}/done", data={"csrf_token": token, "result": ""})
    assert empty.status_code == 422
    done = client.post(
        f"/staff/pledges/decisions/{decision.id}/done",
        data={"csrf_token": token, "result": "施工方已进场"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and decision.follow_up_result == "施工方已进场"
    assert "✔" in client.get(f"/staff/pledges/{plist.id}/meetings").text
    client.cookies.clear()
    login(client, city.users["water_handler"].username, PASSWORD)
    assert client.get(f"/staff/pledges/{plist.id}/meetings").status_code == 403


def test_the_workbench_shows_a_page_of_items_with_filters(client, db, city):
    plist, lights, toilets, leader = published(db, city)
    for n in range(60):
        svc.add_item(db, plist, actor=leader, title=f"小区加装电梯{n:02d}", due_on=date(2026, 12, 31))
    login(client, leader.username, PASSWORD)
    first = client.get(f"/staff/pledges/{plist.id}")
    assert first.status_code == 200 and "（62）" in first.text and 'rel="next"' in first.text
    assert first.text.count('<tr id="item-') == 50
    second = client.get(f"/staff/pledges/{plist.id}?page=2")
    assert second.text.count('<tr id="item-') == 12 and 'rel="prev"' in second.text
    found = client.get(f"/staff/pledges/{plist.id}", params={"q": "电梯07"})
    assert found.text.count('<tr id="item-') == 1 and "（1）" in found.text
    assert 'class="agenda-row"' in first.text  # the agenda is built from the whole list, not the page


def _docx() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_milestone_documents_are_checked_stored_and_offered_as_downloads(client, db, city):
    plist, lights, toilets, leader = published(db, city)
    login(client, leader.username, PASSWORD)
    token = csrf_from(client, f"/staff/pledges/{plist.id}")
    fake = client.post(
        f"/staff/pledges/items/{lights.id}/milestones",
        data={"csrf_token": token, "title": "立项批复"},
        files={"documents": ("批复.pdf", b"<html>not a pdf", "application/pdf")},
    )
    assert fake.status_code == 422 and "PDF" in fake.text and not lights.milestones
    renamed = client.post(
        f"/staff/pledges/items/{lights.id}/milestones",
        data={"csrf_token": token, "title": "立项批复"},
        files={"documents": ("方案.docx", b"%PDF-1.4 pretending", "application/octet-stream")},
    )
    assert renamed.status_code == 422
    r = client.post(
        f"/staff/pledges/items/{lights.id}/milestones",
        data={"csrf_token": token, "title": "立项批复"},
        files=[
            ("documents", ("批复.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")),
            ("documents", ("实施方案.docx", _docx(), "application/octet-stream")),
        ],
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.expire(lights, ["milestones"])
    milestone = lights.milestones[0]
    assert [d["name"] for d in milestone.documents] == ["批复.pdf", "实施方案.docx"]
    client.cookies.clear()
    page = client.get(f"/pledges/items/{lights.id}")
    assert f"/pledges/milestones/{milestone.id}/documents/1" in page.text and "实施方案.docx" in page.text
    pdf = client.get(f"/pledges/milestones/{milestone.id}/documents/0")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"] and pdf.content.startswith(b"%PDF")
    assert client.get(f"/pledges/milestones/{milestone.id}/documents/5").status_code == 404


def test_a_signed_in_resident_follows_an_item_from_its_page(client, db, city, settings):
    from itsdangerous import URLSafeTimedSerializer

    from lianxin.pledges.follow import follows
    from tests.pledges.test_followups import _account

    plist, lights, toilets, leader = published(db, city)
    token = csrf_from(client, f"/pledges/items/{lights.id}")
    assert "用手机号登录后可关注" in client.get(f"/pledges/items/{lights.id}").text
    anonymous = client.post(f"/pledges/items/{lights.id}/follow", data={"csrf_token": token}, follow_redirects=False)
    assert anonymous.headers["location"] == "/me/login"
    resident = _account(db, city, "13900006666")
    cookie = URLSafeTimedSerializer(settings.secret_key, salt="lianxin-resident").dumps(resident.id)
    client.cookies.set("lianxin_resident", cookie)
    r = client.post(f"/pledges/items/{lights.id}/follow", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and follows(db, lights, resident)
    assert "已关注" in client.get(f"/pledges/items/{lights.id}").text
    client.post(f"/pledges/items/{lights.id}/follow", data={"csrf_token": token, "action": "unfollow"})
    assert not follows(db, lights, resident)
