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


def sign_in(context, live_server, key: str):
    """A browser desk signs in as ``city.users[key]``; the page it lands on. The last desk's pages are closed
    first: still open, their polling (the call panel) would meet the cleared cookies, load /login and set a new
    CSRF cookie under the new page's form (a 403 at the next sign-in, seen in CI)."""
    for old in context.pages:
        old.close()
    context.clear_cookies()
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill(live_server.city.users[key].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url("**/staff/**")
    return page
