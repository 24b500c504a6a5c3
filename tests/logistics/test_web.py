"""The pages and the API: the desk runs and compares plans and imports CSV, loading lists load and send off,
the service point takes parcels in and hands them over, the public tracks by number; the API receives and plans."""

from datetime import datetime

from lianxin.logistics import plans
from lianxin.logistics import service as svc
from lianxin.logistics.status import ParcelStatus as S
from tests.factories import PASSWORD
from tests.logistics.conftest import DAY, receive

EARLY = datetime.fromisoformat(f"{DAY.isoformat()}T05:00:00+08:00")


def login(client, username):
    page = client.get("/login")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return token


def csrf(client, path):
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_the_desk_plans_compares_and_imports(db, client, city, county, clock):
    clock.move_to(EARLY)
    receive(db, county)
    receive(db, county, county.far)
    login(client, f"{city.jurisdiction.code}-dispatcher")
    client.follow_redirects = False
    page = client.get(f"/logistics?date={DAY}")
    assert page.status_code == 200 and "还没有排班方案" in page.text
    token = csrf(client, f"/logistics?date={DAY}")
    r = client.post(
        "/logistics/plan",
        data={"csrf_token": token, "date": DAY.isoformat(), "kind": "on_demand"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "采用方案" in r.text and "客货邮1路 T1" in r.text and "邮政1号车" in r.text
    run = plans.adopted_plan(db, county.jid, DAY)
    assert f'id="plan-bound">{run.lower_bound:.2f}' in r.text and 'id="plan-gap">' in r.text
    assert "客货邮之前（各村调查中位数）" in r.text and 'id="villages"' in r.text
    r = client.post(
        "/logistics/plan",
        data={"csrf_token": token, "date": DAY.isoformat(), "kind": "what_if", "capacity_factor": "2"},
        follow_redirects=True,
    )
    assert "方案对比" in r.text
    r = client.post(
        "/logistics/plan",
        data={"csrf_token": token, "date": DAY.isoformat(), "kind": "what_if", "point": "P9", "stop": "V3"},
    )
    assert r.status_code == 303 and "compare=" in r.headers["location"]
    bad = client.post("/logistics/plan", data={"csrf_token": token, "date": DAY.isoformat(), "capacity_factor": "lots"})
    assert bad.status_code == 422
    csv = "tracking_no,point,recipient_phone,ready_at,due_by\nZT99999999,P1,13700000009,2026-03-02 06:00,2026-03-03 18:00\n"
    r = client.post(
        "/logistics/import",
        data={"csrf_token": token, "date": DAY.isoformat()},
        files={"file": ("m.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 303 and svc.parcel_by_no(db, county.jid, "ZT99999999")
    r = client.post(
        "/logistics/import",
        data={"csrf_token": token, "date": DAY.isoformat()},
        files={"file": ("m.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 422 and "已登记" in r.text
    assert client.post("/logistics/import", data={"csrf_token": token}).status_code == 422
    assert client.get("/logistics?date=tomorrow").status_code == 422
    assert "Logistics desk" in client.get(f"/logistics?date={DAY}&lang=en").text


def test_loading_list_load_and_depart_then_the_point_hands_over(db, client, city, county, clock):
    clock.move_to(EARLY)
    p = receive(db, county)
    plans.run_plan(db, county.jid, DAY, actor=county.desk)
    login(client, f"{city.jurisdiction.code}-dispatcher")
    client.follow_redirects = False
    path = f"/logistics/loading/trips/{county.t1.id}?date={DAY}"
    page = client.get(path)
    assert page.status_code == 200 and p.tracking_no in page.text
    token = csrf(client, path)
    base = f"/logistics/loading/trips/{county.t1.id}"
    wrong = client.post(f"{base}/load", data={"csrf_token": token, "date": DAY.isoformat(), "tracking_no": "NOPE12345"})
    assert wrong.status_code == 404
    assert (
        client.post(
            f"{base}/load", data={"csrf_token": token, "date": DAY.isoformat(), "tracking_no": p.tracking_no}
        ).status_code
        == 303
    )
    assert client.post(f"{base}/depart", data={"csrf_token": token, "date": DAY.isoformat()}).status_code == 303
    assert p.status == S.IN_TRANSIT
    assert client.get(f"/logistics/loading/vans/{county.van.id}?date={DAY}").status_code == 200
    assert client.get(f"/logistics/loading/buses/1?date={DAY}").status_code == 404
    assert client.get(f"/logistics/parcels/{p.tracking_no}").status_code == 200
    # The village's grid worker takes it in and hands it over.
    client.post("/logout", data={"csrf_token": token})
    client.cookies.clear()
    login(client, f"{city.jurisdiction.code}-pointop")
    assert county.p1.name in client.get("/logistics/points").text
    point = f"/logistics/points/{county.p1.id}"
    token = csrf(client, point)
    assert client.post(f"{point}/arrive", data={"csrf_token": token, "tracking_no": p.tracking_no}).status_code == 303
    bad = client.post(
        f"{point}/collect", data={"csrf_token": token, "tracking_no": p.tracking_no, "phone_tail": "1111"}
    )
    assert bad.status_code == 422 and "尾号" in bad.text
    assert (
        client.post(
            f"{point}/collect", data={"csrf_token": token, "tracking_no": p.tracking_no, "phone_tail": "5678"}
        ).status_code
        == 303
    )
    assert p.status == S.COLLECTED
    assert client.get(f"/logistics/points/{county.p2.id}").status_code == 403
    assert client.post(f"{point}/fly", data={"csrf_token": token}).status_code == 404
    other = receive(db, county, county.p2)
    r = client.post(f"{point}/return", data={"csrf_token": token, "tracking_no": other.tracking_no, "reason": "拒收"})
    assert r.status_code == 422


def test_public_tracking(db, client, county):
    p = receive(db, county)
    assert client.get("/logistics/track").status_code == 200
    found = client.get(f"/logistics/track?no={p.tracking_no}&tail=5678")
    assert found.status_code == 200 and "张*" in found.text and "13712345678" not in found.text
    assert client.get(f"/logistics/track?no={p.tracking_no}&tail=0000").status_code == 404


def test_the_api_receives_reads_and_plans(db, client, county, make_key, clock):
    clock.move_to(EARLY)
    headers = make_key("dispatcher")
    body = {
        "tracking_no": "JT0000000001",
        "point": "P1",
        "recipient_phone": "13800000001",
        "ready_at": "2026-03-02T06:00:00+08:00",
        "due_by": "2026-03-03T18:00:00+08:00",
    }
    r = client.post("/api/v1/logistics/parcels", json=body, headers=headers)
    assert r.status_code == 201 and r.json()["status"] == "received"
    assert client.post("/api/v1/logistics/parcels", json=body, headers=headers).status_code == 409
    plan = client.post("/api/v1/logistics/plans", json={"service_date": DAY.isoformat()}, headers=headers)
    assert plan.status_code == 201 and plan.json()["by_bus"] == 1 and plan.json()["adopted"]
    got = client.get("/api/v1/logistics/parcels/JT0000000001", headers=headers).json()
    assert got["mode"] == "bus" and got["trip"] == "T1" and "最早" in got["reason"]
    read = client.get(f"/api/v1/logistics/plans/{plan.json()['id']}", headers=headers).json()
    assert read["parcels"] == 1 and read["penalised"] == read["objective"] == 1.5
    assert read["lower_bound"] == 1.5 and read["gap"] == 0.0  # one parcel on the first trip: optimal
    what_if = {
        "service_date": DAY.isoformat(),
        "what_if": True,
        "changes": {"capacity_factor": 2, "point_stops": {"P9": "V3"}},
    }
    compared = client.post("/api/v1/logistics/plans", json=what_if, headers=headers)
    assert compared.status_code == 201 and not compared.json()["adopted"]
    assert client.get("/api/v1/logistics/plans/999999", headers=headers).status_code == 404
    assert (
        client.post(
            "/api/v1/logistics/plans", json={"service_date": DAY.isoformat()}, headers=make_key("operator")
        ).status_code
        == 403
    )


def test_wrong_phone_tails_are_limited_per_parcel(db, client, county):
    p = receive(db, county)
    for _ in range(5):
        assert client.get(f"/logistics/track?no={p.tracking_no}&tail=0000").status_code == 404
    refused = client.get(f"/logistics/track?no={p.tracking_no}&tail=5678")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    other = receive(db, county)
    assert client.get(f"/logistics/track?no={other.tracking_no}&tail=5678").status_code == 200


def test_the_api_lists_points_and_measures(db, client, county, make_key, clock):
    svc.register_place(db, county.p1, actor=county.desk)
    county.p1.before_hours = 300.0
    headers = make_key("dispatcher")
    listed = {p["code"]: p for p in client.get("/api/v1/logistics/points", headers=headers).json()}
    assert listed["P1"]["place"] == county.p1.name and listed["P1"]["place_id"] == county.p1.place_id
    assert listed["P1"]["before_hours"] == 300.0 and listed["P9"]["place"] is None
    got = client.get(
        "/api/v1/logistics/measures", params={"start": DAY.isoformat(), "end": "2026-03-03"}, headers=headers
    ).json()
    assert got["before_hours"] == 300.0 and got["arrived"] == 0 and got["median_dwell_hours"] is None
    assert {v["point"] for v in got["villages"]} >= {"P1", "P9"}
    refused = client.get(
        "/api/v1/logistics/measures",
        params={"start": DAY.isoformat(), "end": "2026-03-03"},
        headers=make_key("operator"),
    )
    assert refused.status_code == 403
