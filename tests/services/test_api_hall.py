"""/api/v1/services for the hall: windows, issuing a walk-in's number (idempotent), the queue in calling order,
calling the next number and serving it; phones masked."""

from __future__ import annotations

from lianxin.services import windows as win


def test_windows_numbers_and_calls(client, db, city, cat, make_key, clock):
    window = win.save_window(
        db, location=cat.centre, code="A01", name="综合受理窗口", items=[cat.transfer], actor=city.users["admin"]
    )
    desk = make_key("operator")
    listed = client.get("/api/v1/services/windows", params={"location": "ZX"}, headers=desk).json()
    assert listed == [
        {
            "id": window.id,
            "code": "A01",
            "name": "综合受理窗口",
            "items": ["ZJ-101"],
            "slot_capacity": 1,
            "active": True,
        }
    ]
    assert client.get("/api/v1/services/windows", params={"location": "NOPE"}, headers=desk).status_code == 404
    body = {"location": "ZX", "item": "ZJ-101", "phone": "13911112222"}
    first = client.post("/api/v1/services/tickets", json=body, headers=desk | {"Idempotency-Key": "t1"})
    again = client.post("/api/v1/services/tickets", json=body, headers=desk | {"Idempotency-Key": "t1"})
    assert first.status_code == 201 and first.json() == again.json()
    issued = first.json()
    assert (
        issued["number"] == "A001"
        and issued["phone"] == "139****2222"
        and issued["rate_url"].startswith("/services/rate/")
    )
    refused = client.post("/api/v1/services/tickets", json=body | {"item": "MZ-001"}, headers=desk)
    assert refused.status_code == 422  # no window handles the subsidy
    assert client.post("/api/v1/services/tickets", json=body, headers=make_key("leader", "city")).status_code == 403
    queue = client.get("/api/v1/services/queue", params={"location": "ZX"}, headers=desk).json()
    assert [t["number"] for t in queue] == ["A001"] and "rate_url" not in queue[0]
    called = client.post(f"/api/v1/services/windows/{window.id}/call-next", json={}, headers=desk).json()
    assert called["status"] == "called" and called["window"] == "A01"
    assert client.post(f"/api/v1/services/windows/{window.id}/call-next", json={}, headers=desk).status_code == 404
    served = client.post(f"/api/v1/services/tickets/{issued['id']}/actions/serve", json={}, headers=desk).json()
    assert served["status"] == "served" and served["finished_at"]
    wrong = client.post(f"/api/v1/services/tickets/{issued['id']}/actions/skip", json={}, headers=desk)
    assert wrong.status_code == 409
    other = client.post("/api/v1/services/tickets", json=body | {"phone": ""}, headers=desk).json()
    moved = client.post(
        f"/api/v1/services/tickets/{other['id']}/actions/call", json={"window_id": window.id}, headers=desk
    ).json()
    assert moved["status"] == "called" and moved["phone"] == ""
    assert client.post("/api/v1/services/tickets/999999/actions/serve", json={}, headers=desk).status_code == 404
