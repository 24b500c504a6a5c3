"""The application factory: the health check (the pages are tested under tests/web/)."""

from __future__ import annotations

from tests.web.conftest import app, client  # noqa: F401  (fixtures)


def test_health_check_answers_ok(client):  # noqa: F811
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
