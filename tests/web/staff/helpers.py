"""Helpers for the staff page tests: log in as a city user, read CSRF and versions, post actions."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, City
from tests.helpers import csrf_from, login

KEY_RE = re.compile(r'name="intake_key" value="([0-9a-f]{32})"')


def as_user(client: TestClient, city: City, key: str) -> TestClient:
    client.cookies.clear()
    login(client, city.users[key].username, PASSWORD)
    return client


def act(
    client: TestClient,
    appeal,
    name: str,
    data: dict | None = None,
    *,
    version: int | None = None,
    hx: bool = True,
    files=None,
):
    """Post one action form as the page would (htmx unless ``hx`` is False)."""
    token = csrf_from(client, f"/staff/appeals/{appeal.order_no}")
    body = {"csrf_token": token, "expected_version": str(version if version is not None else appeal.version)} | (
        data or {}
    )
    headers = {"HX-Request": "true"} if hx else {}
    return client.post(
        f"/staff/appeals/{appeal.order_no}/act/{name}", data=body, headers=headers, files=files, follow_redirects=False
    )


def intake_key(client: TestClient) -> str:
    match = KEY_RE.search(client.get("/staff/intake").text)
    assert match
    return match.group(1)
