"""The main navigation: every link a role is shown opens for that role (no 403), and the staff menu is grouped
into dropdowns so it stays on one row."""

from __future__ import annotations

import re

import pytest

from lianxin.modules import Nav
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from lianxin.web.templating import NavGroup, nav_menu
from tests.factories import PASSWORD
from tests.web.staff.helpers import as_user

ROLES = [
    "operator",
    "dispatcher",
    "visitor",
    "street_handler",
    "grid_worker",
    "leader",
    "district_leader",
    "admin",
    "auditor",
]
LINK = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)


def nav_links(html: str) -> list[str]:
    return re.findall(r'href="(/[^"#?]*)"', LINK.search(html).group(1))


@pytest.mark.parametrize("role", ROLES)
def test_no_menu_link_is_forbidden_for_the_role_that_sees_it(client, db, city, role):
    if role == "auditor":
        city.users[role] = create_user(
            db,
            jurisdiction_id=city.jid,
            username=f"{city.jurisdiction.code}-auditor",
            display_name="auditor",
            password=PASSWORD,
            grants=[(Role.AUDITOR, city.units["city"])],
        )
        db.flush()
    as_user(client, city, role)
    links = nav_links(client.get("/staff", follow_redirects=True).text)
    assert links
    refused = {}
    for path in links:
        status = client.get(path).status_code
        if status >= 400:
            refused[path] = status
    assert not refused, f"{role} is shown links it cannot open: {refused}"


def test_the_menu_groups_staff_entries_into_dropdowns_and_leaves_the_public_one_flat():
    items = [
        Nav("/", "首页", "Home", None),
        Nav("/appeal", "我要反映", "Submit", None),
        Nav("/staff/dispatch", "派单队列", "Dispatch", {"dispatcher"}),
        Nav("/staff/appeals", "全部工单", "All", {"dispatcher"}),
        Nav("/hotspots", "热点", "Hotspots", {"dispatcher"}),
        Nav("/kb", "知识库", "KB", set()),
        Nav("/admin/catalogue", "派单目录", "Catalogue", {"dispatcher"}),
    ]
    assert nav_menu(items, "/", signed_in=False) == items
    menu = nav_menu(items, "/staff/appeals", signed_in=True)
    assert [m.key if isinstance(m, NavGroup) else m.path for m in menu] == [
        "/",
        "desk",
        "/hotspots",
        "admin",
        "/appeal",
    ]
    desk = menu[1]
    assert (
        isinstance(desk, NavGroup)
        and desk.current
        and [i.path for i in desk.items]
        == [
            "/staff/dispatch",
            "/staff/appeals",
        ]
    )
    assert not menu[3].current
