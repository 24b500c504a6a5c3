"""The application factory: the health check (the pages are tested under tests/web/)."""

from __future__ import annotations


def test_health_check_answers_ok(client):  # noqa: F811
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
