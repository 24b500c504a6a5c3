"""Rules, calendar and category tree cached process-wide under the jurisdiction's configuration token: a
second request (another session) reads only the token; an admin's edit issues a new token that every
session reads at its next request."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lianxin.appeals.categories import create_category
from lianxin.appeals.deadlines import category_path
from lianxin.defaults import category_by_path
from lianxin.orgs.models import Jurisdiction
from lianxin.sla.models import ConfigStamp
from lianxin.sla.service import get_calendar, get_rules, set_calendar_day, set_policy


def another_request(db) -> Session:
    """A new session on the test's connection: what the next request in this process sees."""
    return Session(bind=db.connection(), info={"settings": db.info.get("settings")})


class Statements:
    def __init__(self, db):
        self.seen: list[str] = []
        event.listen(db.get_bind(), "before_cursor_execute", self.record)
        self.bind = db.get_bind()

    def record(self, _conn, _cursor, statement, *_):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the test session's nesting, not a query
            self.seen.append(" ".join(statement.split()))

    def close(self):
        event.remove(self.bind, "before_cursor_execute", self.record)


def test_a_second_request_reads_only_the_token_and_an_edit_reaches_the_next_request(db, city):
    rules = get_rules(db, city.jid)
    calendar = get_calendar(db, city.jid)
    leaf = category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障")
    path = category_path(db, leaf.id, city.jid)
    assert len(path) == 3 and path[0] == leaf.id

    second = another_request(db)
    statements = Statements(db)
    try:
        assert get_rules(second, city.jid) is rules and get_calendar(second, city.jid) is calendar
        assert category_path(second, leaf.id, city.jid) == path
    finally:
        statements.close()
    assert len(statements.seen) == 1 and "config_stamps" in statements.seen[0]  # the token, once per request

    token = db.scalar(select(ConfigStamp.token).where(ConfigStamp.jurisdiction_id == city.jid))
    set_policy(
        db, jurisdiction_id=city.jid, name="路灯 4 小时", category_id=leaf.id, sign="1h", contact="2h", handle="4h"
    )
    set_calendar_day(db, jurisdiction_id=city.jid, day=date(2026, 3, 9), is_workday=False, name="停工")
    assert db.scalar(select(ConfigStamp.token).where(ConfigStamp.jurisdiction_id == city.jid)) != token
    third = another_request(db)
    assert "路灯 4 小时" in {r.name for r in get_rules(third, city.jid)}
    assert get_calendar(third, city.jid).is_workday(date(2026, 3, 9)) is False
    assert get_rules(second, city.jid) is rules  # a request keeps the version it started with

    child = create_category(db, actor=city.users["admin"], jurisdiction_id=city.jid, name="灯杆倾斜", parent_id=path[1])
    assert category_path(another_request(db), child.id, city.jid) == [child.id, *path[1:]]


def test_a_jurisdiction_without_a_stamp_is_read_every_time(db, city):
    bare = Jurisdiction(code="bare", name="无配置市")
    db.add(bare)
    db.flush()
    assert get_rules(db, bare.id) == []
    second = another_request(db)
    statements = Statements(db)
    try:
        assert get_rules(second, bare.id) == []
    finally:
        statements.close()
    assert any("time_limit_policies" in s for s in statements.seen)  # no token: no process-wide copy
