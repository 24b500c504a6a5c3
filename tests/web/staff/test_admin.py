"""Admin pages: every editor saves through its service verb, shows refusals next to the field and saves nothing then."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from lianxin.appeals.models import Category
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import verify_password
from lianxin.sla.models import CalendarOverride, TimeLimitPolicy
from tests.factories import PASSWORD
from tests.helpers import csrf_from
from tests.web.staff.helpers import as_user


def post(client, path: str, data: dict):
    return client.post(path, data={"csrf_token": csrf_from(client, "/staff/admin")} | data, follow_redirects=False)


def test_only_admins_open_the_admin_pages(client, city):
    as_user(client, city, "dispatcher")
    assert client.get("/staff/admin/units").status_code == 403
    as_user(client, city, "admin")
    for key in ("units", "users", "categories", "time-limits", "holidays"):
        assert client.get(f"/staff/admin/{key}").status_code == 200
    assert client.get("/staff/admin/nothing").status_code == 404
    # one editor each for the catalogue and the knowledge base: their domains' pages, linked from here
    for key in ("dispatch-rules", "knowledge"):
        assert client.get(f"/staff/admin/{key}").status_code == 404
    home = client.get("/staff/admin").text
    assert 'href="/admin/catalogue"' in home and 'href="/kb"' in home


def test_the_admin_adds_and_edits_a_unit(client, db, city):
    as_user(client, city, "admin")
    response = post(
        client,
        "/staff/admin/units",
        {
            "kind": "community",
            "code": f"{city.jurisdiction.code}-new",
            "name": "安定社区",
            "parent": str(city.units["street2"].id),
        },
    )
    assert response.status_code == 303
    unit = db.scalar(select(Unit).where(Unit.code == f"{city.jurisdiction.code}-new"))
    assert unit.parent_id == city.units["street2"].id and unit.jurisdiction_id == city.jid
    response = post(client, f"/staff/admin/units/{unit.id}", {"name": "安定门社区", "phone": "010-1234", "active": "0"})
    assert response.status_code == 303
    db.refresh(unit)
    assert (unit.name, unit.phone, unit.active) == ("安定门社区", "010-1234", False)
    assert "安定门社区" in client.get("/staff/admin/units?q=安定门").text


def test_a_duplicate_unit_code_is_refused_next_to_the_field(client, db, city):
    as_user(client, city, "admin")
    before = db.scalar(select(func.count()).select_from(Unit))
    page = post(client, "/staff/admin/units", {"kind": "department", "code": city.units["urban"].code, "name": "重复"})
    assert page.status_code == 422 and 'id="new-code-error">单位编码' in page.text
    assert db.scalar(select(func.count()).select_from(Unit)) == before


def test_the_admin_creates_a_user_with_a_role_and_deactivates_them(client, db, city):
    as_user(client, city, "admin")
    short = post(
        client,
        "/staff/admin/users",
        {
            "username": "new.handler",
            "display_name": "王五",
            "password": "short",
            "role": "handler",
            "unit": str(city.units["urban"].id),
        },
    )
    assert short.status_code == 422 and "密码至少需要 8 个字符" in short.text
    assert db.scalar(select(User).where(User.username == "new.handler")) is None
    response = post(
        client,
        "/staff/admin/users",
        {
            "username": "new.handler",
            "display_name": "王五",
            "password": PASSWORD,
            "role": "handler",
            "unit": str(city.units["urban"].id),
        },
    )
    assert response.status_code == 303
    user = db.scalar(select(User).where(User.username == "new.handler"))
    assert verify_password(user, PASSWORD) and [(g.role, g.unit_id) for g in user.grants] == [
        (Role.HANDLER, city.units["urban"].id)
    ]
    response = post(
        client,
        f"/staff/admin/users/{user.id}",
        {"display_name": "王五", "active": "0", "role": "leader", "unit": str(city.units["district"].id)},
    )
    assert response.status_code == 303
    db.refresh(user)
    assert not user.active and {g.role for g in user.grants} == {Role.HANDLER, Role.LEADER}


def test_the_admin_adds_renames_and_disables_a_category(client, db, city):
    as_user(client, city, "admin")
    parent = db.scalar(select(Category).where(Category.jurisdiction_id == city.jid, Category.level == 1))
    assert (
        post(client, "/staff/admin/categories", {"name": "共享单车乱停", "parent": str(parent.id)}).status_code == 303
    )
    category = db.scalar(select(Category).where(Category.jurisdiction_id == city.jid, Category.name == "共享单车乱停"))
    assert category.parent_id == parent.id and category.level == 2
    twin = post(client, "/staff/admin/categories", {"name": "共享单车乱停", "parent": str(parent.id)})
    assert twin.status_code == 422 and "同级已有分类" in twin.text
    assert (
        post(client, f"/staff/admin/categories/{category.id}", {"name": "共享单车停放", "active": "0"}).status_code
        == 303
    )
    db.refresh(category)
    assert category.name == "共享单车停放" and not category.active


def test_the_admin_sets_a_time_limit_and_a_bad_limit_is_refused(client, db, city):
    as_user(client, city, "admin")
    bad = post(
        client,
        "/staff/admin/time-limits",
        {
            "name": "紧急求助",
            "appeal_type": "help",
            "urgency": "urgent",
            "sign_limit": "1x",
            "contact_limit": "2h",
            "handle_limit": "1wd",
        },
    )
    assert bad.status_code == 422 and 'id="new-sign_limit-error"' in bad.text
    before = db.scalar(
        select(func.count()).select_from(TimeLimitPolicy).where(TimeLimitPolicy.jurisdiction_id == city.jid)
    )
    ok = post(
        client,
        "/staff/admin/time-limits",
        {
            "name": "紧急求助",
            "appeal_type": "help",
            "urgency": "urgent",
            "sign_limit": "30m",
            "contact_limit": "2h",
            "handle_limit": "1wd",
        },
    )
    assert ok.status_code == 303
    policy = db.scalar(
        select(TimeLimitPolicy).where(TimeLimitPolicy.jurisdiction_id == city.jid, TimeLimitPolicy.name == "紧急求助")
    )
    assert (policy.sign_limit, policy.appeal_type, policy.urgency) == ("30m", "help", "urgent")
    assert (
        db.scalar(select(func.count()).select_from(TimeLimitPolicy).where(TimeLimitPolicy.jurisdiction_id == city.jid))
        == before + 1
    )


def test_the_admin_marks_a_holiday_and_a_makeup_workday(client, db, city):
    as_user(client, city, "admin")
    bad = post(client, "/staff/admin/holidays", {"day": "2026-13-01", "is_workday": "0"})
    assert bad.status_code == 422 and "请填写正确的日期" in bad.text
    assert (
        post(client, "/staff/admin/holidays", {"day": "2026-12-31", "is_workday": "0", "name": "地方假日"}).status_code
        == 303
    )
    row = db.scalar(select(CalendarOverride).where(CalendarOverride.jurisdiction_id == city.jid))
    assert row.day == date(2026, 12, 31) and not row.is_workday
    assert (
        post(
            client, f"/staff/admin/holidays/{row.id}", {"day": "2026-12-31", "is_workday": "1", "name": "调休"}
        ).status_code
        == 303
    )
    db.refresh(row)
    assert row.is_workday and row.name == "调休"


def test_an_admin_list_exports_to_excel(client, city):
    as_user(client, city, "admin")
    response = client.get("/staff/admin/units?export=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_time_limits_are_entered_as_a_number_and_a_unit_and_shown_in_words(client, db, city):
    as_user(client, city, "admin")
    form = client.get("/staff/admin/time-limits").text
    assert 'name="sign_limit_amount" type="number"' in form and '<option value="wd">工作日</option>' in form
    bad = post(
        client,
        "/staff/admin/time-limits",
        {
            "name": "夜间求助",
            "sign_limit_amount": "0",
            "sign_limit_unit": "h",
            "contact_limit_amount": "2",
            "contact_limit_unit": "h",
            "handle_limit_amount": "3",
            "handle_limit_unit": "wd",
        },
    )
    assert bad.status_code == 422 and "请填写正整数并选择单位" in bad.text
    assert 'name="handle_limit_amount" type="number" min="1" step="1" inputmode="numeric" value="3"' in bad.text
    ok = post(
        client,
        "/staff/admin/time-limits",
        {
            "name": "夜间求助",
            "sign_limit_amount": "1",
            "sign_limit_unit": "h",
            "contact_limit_amount": "12",
            "contact_limit_unit": "h",
            "handle_limit_amount": "3",
            "handle_limit_unit": "wd",
        },
    )
    assert ok.status_code == 303
    policy = db.scalar(select(TimeLimitPolicy).where(TimeLimitPolicy.name == "夜间求助"))
    assert (policy.sign_limit, policy.contact_limit, policy.handle_limit) == ("1h", "12h", "3wd")
    listing = client.get("/staff/admin/time-limits?q=夜间求助").text
    assert "1小时" in listing and "3个工作日" in listing
    assert "3 working days" in client.get("/staff/admin/time-limits?q=夜间求助&lang=en").text
    edit = client.get(f"/staff/admin/time-limits/{policy.id}?lang=zh-CN").text
    assert 'value="3"' in edit and '<option value="wd" selected>' in edit
