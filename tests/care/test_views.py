"""The care pages: the alarm board and its actions, the register (filters, new household, Excel import with its
row report), the household page (masked, the logged unmasked view, its forms, the timeline) and scoping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lianxin.care import alarms as al
from lianxin.care.excel import template_workbook
from lianxin.care.models import Alarm, CareDataView, Person
from lianxin.clock import utcnow
from tests.care.conftest import valid_id
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login


def signed_in(client, city, who="grid_worker"):
    login(client, city.users[who].username, PASSWORD)
    return csrf_from(client, "/care/households")


def test_board_shows_the_alarm_and_walks_it_to_a_visit_record(client, db, city, home):
    al.ingest(db, home.button, utcnow(), 1)
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    token = signed_in(client, city)
    page = client.get("/care/alarms")
    assert page.status_code == 200 and f'id="alarm-{alarm.id}"' in page.text and "紧急呼叫" in page.text
    assert "网格员" in page.text  # escalated to the grid worker at once
    assert "Emergency button" in client.get("/care/alarms?lang=en").text
    r = client.post(
        f"/care/alarms/{alarm.id}/acknowledge",
        data={"csrf_token": token, "version": alarm.version},
        follow_redirects=False,
    )
    assert r.status_code == 303
    stale = client.post(f"/care/alarms/{alarm.id}/visit", data={"csrf_token": token, "version": 1})
    assert stale.status_code == 409 and "reload" in stale.text  # English since ?lang=en
    assert (
        client.post(f"/care/alarms/{alarm.id}/visit", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    bad = client.post(f"/care/alarms/{alarm.id}/record", data={"csrf_token": token, "outcome": "safe", "note": ""})
    assert bad.status_code == 422
    assert client.post(f"/care/alarms/{alarm.id}/dance", data={"csrf_token": token}).status_code == 422
    r = client.post(
        f"/care/alarms/{alarm.id}/record",
        data={"csrf_token": token, "outcome": "safe", "note": "误按，老人平安"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(alarm)
    assert alarm.status.value == "resolved"
    assert "没有待处置的告警" in client.get("/care/alarms?lang=zh").text


def test_register_filters_and_new_household(client, db, city, home):
    token = signed_in(client, city)
    page = client.get("/care/households")
    assert home.household.address in page.text and "王**" in page.text and "王秀英" not in page.text
    assert home.household.address in client.get("/care/households?tag=lone_elderly").text
    assert home.household.address not in client.get("/care/households?tag=dibao").text
    assert "未知标签" in client.get("/care/households?tag=bogus").text
    r = client.post(
        "/care/households",
        data={
            "csrf_token": token,
            "community_id": city.units["community"].id,
            "grid_id": city.units["grid"].id,
            "address": "和平社区7号楼1单元101",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/care/households/")
    bad = client.post("/care/households", data={"csrf_token": token, "community_id": "x", "address": "和平社区"})
    assert bad.status_code == 422


def test_excel_import_reports_rows_and_duplicates(client, db, city, home):
    token = signed_in(client, city)
    rows = [
        [
            "和平社区",
            "和平社区第一网格",
            "和平社区9号楼101",
            "赵桂兰",
            valid_id("11010119400202123"),
            "13900003333",
            "户主",
            "独居老人、低保",
            "赵军",
            "13900004444",
        ],
        [
            "和平社区",
            "",
            "和平社区9号楼101",
            "赵桂兰",
            valid_id("11010119400202123"),
            "",
            "",
            "",
            "",
            "",
        ],  # duplicate in the file
        [
            "和平社区",
            "",
            "和平社区3号楼2单元401",
            "王秀英",
            home.person.id_number,
            "",
            "",
            "",
            "",
            "",
        ],  # already registered
        ["没有社区", "", "某处", "某人", "", "", "", "", "", ""],
    ]
    files = {
        "file": (
            "台账.xlsx",
            template_workbook(rows),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    }
    page = client.post("/care/households/import", data={"csrf_token": token}, files=files)
    assert page.status_code == 200
    assert "导入 1 人，新建 1 户，重复 2，错误 1" in page.text
    person = db.scalar(select(Person).where(Person.name == "赵桂兰"))
    assert person.tags == ["lone_elderly", "dibao"] and person.household.contacts[0].name == "赵军"
    junk = client.post(
        "/care/households/import",
        data={"csrf_token": token},
        files={"file": ("x.xlsx", b"nope", "application/octet-stream")},
    )
    assert junk.status_code == 422
    assert client.post("/care/households/import", data={"csrf_token": token}).status_code == 422


def test_household_page_masks_logs_the_unmasked_view_and_takes_changes(client, db, city, home):
    token = signed_in(client, city)
    url = f"/care/households/{home.household.id}"
    page = client.get(url)
    assert home.person.id_number not in page.text and "139****1111" in page.text and 'id="timeline"' in page.text
    clear = client.get(url + "?unmask=1")
    assert home.person.id_number in clear.text and "13800002222" in clear.text
    assert db.scalar(select(func.count(CareDataView.id)).where(CareDataView.household_id == home.household.id)) == 1
    for what, data in (
        ("people", {"name": "王小明", "phone": "13900005555", "relation": "孙子", "tags": ["left_behind_child"]}),
        ("contacts", {"contact_name": "王强", "contact_phone": "13900006666"}),
        ("devices", {"kind": "electricity", "external_id": f"E-{home.household.id}"}),
        ("quiet", {"until": (utcnow() + timedelta(days=3)).date().isoformat(), "reason": "住院"}),
        ("quiet", {"until": "", "reason": ""}),
    ):
        r = client.post(f"{url}/{what}", data={"csrf_token": token, **data}, follow_redirects=False)
        assert r.status_code == 303, (what, r.text[:300])
    assert client.post(f"{url}/quiet", data={"csrf_token": token, "until": "soon", "reason": "x"}).status_code == 422
    assert client.post(f"{url}/bogus", data={"csrf_token": token}).status_code == 422
    page = client.get(url)
    assert "智能电表" in page.text and "contact_added" in page.text


def test_staff_outside_the_grid_and_other_roles_are_kept_out(client, db, city, home):
    signed_in(client, city, "street2_handler")
    assert client.get(f"/care/households/{home.household.id}").status_code == 403
    assert home.household.address not in client.get("/care/households").text
    client.post("/logout", data={"csrf_token": csrf_from(client, "/care/households")})
    login(client, city.users["operator"].username, PASSWORD)
    assert client.get("/care/alarms").status_code == 403
