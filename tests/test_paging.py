"""Paging at scale (lianxin/paging.py): counts stop at the cap ("1,000+"), and the keyset cursor — ``after=``
on the staff lists, ``cursor=``/``next_cursor`` in the JSON API — walks the same rows in the same order as the
page numbers, which keep working."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select, text

from lianxin import paging
from lianxin.appeals.models import Appeal
from lianxin.appeals.search import words
from lianxin.paging import Count, capped_count
from tests.factories import new_appeal
from tests.web.staff.helpers import as_user

NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def test_a_count_stops_at_the_cap(db, city):
    for _ in range(4):
        new_appeal(db, city, title="计数")
    stmt = select(Appeal).where(Appeal.jurisdiction_id == city.jid, Appeal.title == "计数")
    assert capped_count(db, stmt, cap=10) == Count(4, False)
    assert capped_count(db, stmt, cap=3) == Count(3, True)
    assert str(Count(1_000, True)) == "1,000+" and str(Count(42)) == "42"


def test_a_search_reads_its_few_matches_by_id_and_many_by_the_sort(db, city, monkeypatch):
    found = [new_appeal(db, city, title=f"钉住第{i}号") for i in range(6)]
    new_appeal(db, city, title="别的诉求")
    scope = select(Appeal).where(Appeal.jurisdiction_id == city.jid)
    order = (Appeal.received_at.desc(), Appeal.id.desc())
    searched = scope.where(Appeal.title.contains("钉住"))
    few = paging.pinned(db, searched, scope)  # the scope narrowed to the matches' ids, which are counted
    sql = str(few.stmt.compile(compile_kwargs={"literal_binds": True}))
    assert "appeals.id IN" in sql and "钉住" not in sql  # the words are not tested again
    assert db.scalars(few.stmt.order_by(*order)).all() == db.scalars(searched.order_by(*order)).all() == found[::-1]
    assert few.count == Count(6) and not few.walk
    monkeypatch.setattr(paging, "CAP", 4)
    assert paging.pinned(db, searched, scope).count == Count(4, True)  # the count stops at the cap
    monkeypatch.setattr(paging, "PINNED", 5)  # more matches than are read by id: the search as it was
    assert paging.pinned(db, searched, scope) == paging.Pinned(searched, Count(4, True))
    monkeypatch.setattr(paging, "CAP", 10)  # 6 read, more than PINNED and fewer than the cap: not counted
    assert paging.pinned(db, searched, scope) == paging.Pinned(searched)
    nothing = paging.pinned(db, scope.where(Appeal.title.contains("无此词语")), scope)
    assert db.scalars(nothing.stmt).all() == [] and nothing.count == Count(0)


def test_a_search_matching_many_of_the_newest_rows_is_left_to_the_sort(db, city, monkeypatch):
    old = [new_appeal(db, city, title=f"稠密第{i}号") for i in range(3)]
    newest = [new_appeal(db, city, title=f"别的第{i}号") for i in range(3)]
    scope = select(Appeal).where(Appeal.jurisdiction_id == city.jid)
    searched = scope.where(Appeal.title.contains("稠密"))
    monkeypatch.setattr(paging, "NEWEST", 4)
    monkeypatch.setattr(paging, "DENSE", 2)
    assert not paging.dense(db, searched, scope)  # 1 of the newest 4 matches: pinned
    assert "appeals.id IN" in str(paging.pinned(db, searched, scope).stmt)
    newest += [new_appeal(db, city, title="稠密新的") for _ in range(2)]
    assert paging.dense(db, searched, scope)  # 2 of the newest 4: the sort's index finds a page at once
    assert paging.pinned(db, searched, scope) == paging.Pinned(searched, walk=True)  # read along the sort's index
    monkeypatch.setattr(paging, "NEWEST", 1)  # not dense among the newest row alone,
    monkeypatch.setattr(paging, "PINNED", 3)  # but among the NEWEST_MANY: walked, whatever their number
    monkeypatch.setattr(paging, "NEWEST_MANY", 4)
    assert paging.pinned(db, searched, scope) == paging.Pinned(searched, walk=True)
    monkeypatch.setattr(paging, "NEWEST_MANY", 1)  # 5 matches, more than are read by id: left to the planner
    assert paging.pinned(db, searched, scope) == paging.Pinned(searched)
    low, high = db.execute(select(func.min(Appeal.id), func.max(Appeal.id))).one()  # other tests' rows count too
    monkeypatch.setattr(paging, "NEWEST", high - low + 2)  # a table of fewer ids than that: never dense
    assert not paging.dense(db, searched, scope) and len(old + newest) < paging.NEWEST
    monkeypatch.setattr(paging, "NEWEST", high - low + 1)  # as many: the 5 matches are dense among them
    assert paging.dense(db, searched, scope)


SORTED = {  # the API's sorts as keyset keys: dates, a nullable one, ascending and descending
    "-received_at": ((Appeal.received_at, True), (Appeal.id, True)),
    "received_at": ((Appeal.received_at, False), (Appeal.id, False)),
    "due_at": ((Appeal.due_at, False), (Appeal.id, False)),
}


@pytest.mark.parametrize("sort", SORTED)
def test_a_search_ranked_here_pages_as_the_database_sorts(db, city, monkeypatch, sort):
    found = [new_appeal(db, city, title=f"排序第{i}号") for i in range(9)]
    new_appeal(db, city, title="别的诉求")
    moment = found[0].received_at
    for i, appeal in enumerate(found):  # ties on the time (the id decides) and undated ones (last either way)
        appeal.received_at = moment + timedelta(minutes=i % 3)
        appeal.due_at = None if i % 4 == 0 else moment + timedelta(days=i % 2)
    db.flush()
    keys = SORTED[sort]
    order = [column.desc().nulls_last() if desc else column.asc().nulls_last() for column, desc in keys]
    scope = select(Appeal).where(Appeal.jurisdiction_id == city.jid)
    searched = scope.where(Appeal.title.contains("排序"))
    expected = db.scalars(searched.order_by(*order)).all()
    pin = paging.pinned(db, searched, scope, keys)
    assert pin.ranked == tuple(a.id for a in expected) and pin.count == Count(9) and pin.within is scope
    pages, cursor, offset = [], None, 0
    for offset in (0, 4, 8):  # numbered pages, each read by its own ids
        page = paging.page_of(db, pin, lambda stmt: stmt.order_by(*order), keys, size=4, offset=offset)
        pages.append(page.rows)
        assert (page.next_cursor is None) == (offset == 8)
    assert sum(pages, []) == expected
    cursor = paging.page_of(db, pin, lambda stmt: stmt.order_by(*order), keys, size=4).next_cursor
    rest = paging.page_of(db, pin, lambda stmt: stmt.order_by(*order), keys, size=10, cursor=cursor)
    assert rest.rows == expected[4:]  # a cursor's page is read after the cursor, as before
    monkeypatch.setattr(paging, "RANKED", 8)  # more matches than are ranked: the search as it was, counted
    monkeypatch.setattr(paging, "PINNED", 8)
    assert paging.pinned(db, searched, scope, keys) == paging.Pinned(searched)


def test_a_page_of_ranked_matches_reads_only_its_own_ids(db, city):
    found = [new_appeal(db, city, title=f"窗口第{i}号") for i in range(7)]
    scope = select(Appeal).where(Appeal.jurisdiction_id == city.jid)
    keys = SORTED["-received_at"]
    pin = paging.pinned(db, scope.where(Appeal.title.contains("窗口")), scope, keys)
    statements = []
    shaped = lambda stmt: statements.append(stmt) or stmt.order_by(Appeal.received_at.desc(), Appeal.id.desc())  # noqa: E731
    page = paging.page_of(db, pin, shaped, keys, size=2, offset=2)
    assert page.rows == found[::-1][2:4]
    sql = str(statements[0].compile(compile_kwargs={"literal_binds": True}))
    assert "窗口" not in sql and "OFFSET" not in sql.upper()
    assert {int(i) for i in re.search(r"IN \(([\d, ]+)\)", sql).group(1).split(",")} == {a.id for a in found[::-1][2:5]}


def test_only_dates_and_numbers_of_the_entity_are_ranked_here(db, city):
    from lianxin.orgs.models import Unit

    new_appeal(db, city, title="文字排序")
    scope = select(Appeal).where(Appeal.jurisdiction_id == city.jid)
    searched = scope.where(Appeal.title.contains("文字排序"))
    assert paging.pinned(db, searched, scope, SORTED["due_at"]).ranked is not None
    for keys in (
        ((Appeal.title, False), (Appeal.id, False)),  # text: the database's collation decides its order
        ((Unit.id, False), (Appeal.id, False)),  # another table's column
        ((Appeal.received_at, True),),  # not ending in the id
    ):
        pin = paging.pinned(db, searched, scope, keys)
        assert pin.ranked is None and pin.count == Count(1) and "appeals.id IN" in str(pin.stmt)


def test_dense_looks_at_the_tables_newest_ids_not_the_scopes(db, city, monkeypatch):
    mine = [new_appeal(db, city, title=f"辖区稠密第{i}号") for i in range(3)]
    others = [new_appeal(db, city, title="别处的诉求", channel="web") for _ in range(3)]  # newer, out of scope
    scope = select(Appeal).where(Appeal.jurisdiction_id == city.jid, Appeal.channel == "hotline")
    searched = scope.where(Appeal.title.contains("辖区稠密"))
    monkeypatch.setattr(paging, "NEWEST", 3)
    monkeypatch.setattr(paging, "DENSE", 2)
    assert not paging.dense(db, searched, scope)  # the scope's 3 newest all match, but the table's 3 newest are not its
    assert paging.dense(db, searched, scope, newest=len(mine + others))  # among the newest 6: its 3


def test_a_walked_page_past_the_first_of_a_counted_search_is_left_to_the_planner(db, city, monkeypatch):
    found = [new_appeal(db, city, title=f"走读第{i}号") for i in range(5)]
    scope = select(Appeal).where(Appeal.jurisdiction_id == city.jid)
    pin = paging.Pinned(scope.where(Appeal.title.contains("走读")), walk=True)
    walked, walking = [], paging.walking
    monkeypatch.setattr(
        paging, "walking", lambda session, walk, offset=0: walked.append(walk) or walking(session, walk, offset)
    )
    keys, shaped = SORTED["-received_at"], lambda stmt: stmt.order_by(Appeal.received_at.desc(), Appeal.id.desc())
    for offset, count in ((0, Count(5)), (2, Count(5)), (2, Count(5, True)), (2, None)):
        page = paging.page_of(db, pin, shaped, keys, size=2, offset=offset, count=count)
        assert page.rows == found[::-1][offset : offset + 2]
    cursor = paging.page_of(db, pin, shaped, keys, size=2, count=Count(5)).next_cursor
    assert paging.page_of(db, pin, shaped, keys, size=2, cursor=cursor, count=Count(5)).rows == found[::-1][2:4]
    # a few matches counted: the first page walked, a later one sorted by the planner (a walk might not end early)
    assert walked == [True, False, True, True, True, True]


def test_walking_reads_no_bitmap_on_postgresql_and_only_for_the_first_pages(db, city):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no bitmap scans")
    new_appeal(db, city, title="夜市排档吵闹不止")
    page = select(Appeal.id).where(words("夜市排档吵闹")).order_by(Appeal.received_at.desc()).limit(21)
    sql = page.compile(db.get_bind(), compile_kwargs={"literal_binds": True})

    def plan(*off: str) -> str:
        for setting in ("enable_seqscan", *off):  # a test table is tiny: ask what the indexes can do
            db.execute(text(f"SET LOCAL {setting} = off"))
        shown = "\n".join(db.scalars(text(f"EXPLAIN {sql}")))
        for setting in ("enable_seqscan", *off):
            db.execute(text(f"RESET {setting}"))
        return shown

    assert "Bitmap Index Scan on ix_appeals_title_trgm" in plan("enable_indexscan")  # what a walk is spared
    with paging.walking(db, True):
        assert db.scalar(text("SHOW enable_bitmapscan")) == "off"
        assert "Bitmap" not in plan() and "Index Scan Backward using ix_appeals_received_at" in plan()
    assert db.scalar(text("SHOW enable_bitmapscan")) == "on"
    with paging.walking(db, True, offset=paging.WALKED + 20):  # a deep numbered page: left to the planner
        assert db.scalar(text("SHOW enable_bitmapscan")) == "on"
    with paging.walking(db, False):
        assert db.scalar(text("SHOW enable_bitmapscan")) == "on"


@pytest.fixture
def many(db, city, clock):
    appeals = []
    for i in range(7):
        appeals.append(new_appeal(db, city, title=f"游标分页第{i}号"))
        clock.shift(timedelta(minutes=1 if i != 3 else 0))  # two appeals share a time: the id breaks the tie
    return appeals


@pytest.mark.parametrize("sort", ["-received_at", "received_at", "due_at", "-updated_at"])
def test_the_api_cursor_walks_the_same_rows_as_the_pages(client, make_key, many, sort):
    headers = make_key("dispatcher")
    params = {"q": "游标分页", "page_size": 3, "sort": sort}
    by_page = []
    for page in (1, 2, 3):
        body = client.get("/api/v1/appeals", params=params | {"page": page}, headers=headers).json()
        assert body["total"] == 7 and body["total_capped"] is False
        by_page += [item["order_no"] for item in body["items"]]
    by_cursor, cursor, pages = [], None, 0
    while True:
        body = client.get("/api/v1/appeals", params=params | ({"cursor": cursor} if cursor else {}), headers=headers)
        body = body.json()
        by_cursor += [item["order_no"] for item in body["items"]]
        assert (body["total"] is None) == (cursor is not None)  # a cursor's page is not counted again
        pages, cursor = pages + 1, body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and by_cursor == by_page and len(set(by_page)) == 7
    if sort == "received_at":
        assert by_page == [a.order_no for a in many]


def test_a_damaged_cursor_is_refused_in_both_languages(client, make_key, many):
    headers = make_key("dispatcher")
    first = client.get("/api/v1/appeals", params={"q": "游标分页", "page_size": 3}, headers=headers).json()
    for bad in ("not-a-cursor", first["next_cursor"][:-3], paging.encode(["2026-03-02", 5])):
        response = client.get("/api/v1/appeals", params={"cursor": bad}, headers=headers)
        assert response.status_code in (400, 422), bad
        assert "分页游标无效" in response.text and "cursor is not valid" in response.text
    both = client.get(
        "/api/v1/appeals", params={"cursor": first["next_cursor"], "page": 2, "page_size": 3}, headers=headers
    )
    assert both.status_code in (400, 422) and "cursor" in both.text


def test_the_api_total_is_capped(client, make_key, many, monkeypatch):
    monkeypatch.setattr(paging, "CAP", 5)
    body = client.get(
        "/api/v1/appeals", params={"q": "游标分页", "page_size": 3}, headers=make_key("dispatcher")
    ).json()
    assert body["total"] == 5 and body["total_capped"] is True and body["next_cursor"]


def test_numbered_pages_reach_the_cap_and_the_cursor_goes_on(client, make_key, many, monkeypatch):
    monkeypatch.setattr(paging, "CAP", 4)
    headers, params = make_key("dispatcher"), {"q": "游标分页", "page_size": 2}
    second = client.get("/api/v1/appeals", params=params | {"page": 2}, headers=headers)  # rows 3-4: within the cap
    assert second.status_code == 200 and len(second.json()["items"]) == 2
    third = client.get("/api/v1/appeals", params=params | {"page": 3}, headers=headers)  # rows 5-6: past it
    assert third.status_code == 422
    assert (
        "超出按页码翻阅的范围" in third.text and "past the numbered pages" in third.text and "next_cursor" in third.text
    )
    rest = client.get("/api/v1/appeals", params=params | {"cursor": second.json()["next_cursor"]}, headers=headers)
    seen = [i["order_no"] for i in second.json()["items"] + rest.json()["items"]]
    assert rest.status_code == 200 and len(rest.json()["items"]) == 2 and len(set(seen)) == 4


# The 45 matches read by id; more of them than are read by id; dense among the newest rows: read by the sort's index.
@pytest.mark.parametrize(("pinned_up_to", "dense_in"), [(5_000, 2_000), (10, 2_000), (5_000, 10)])
def test_a_staff_list_past_the_cap_counts_n_plus_and_pages_by_cursor(
    client, db, city, monkeypatch, pinned_up_to, dense_in
):
    monkeypatch.setattr(paging, "PINNED", pinned_up_to)
    monkeypatch.setattr(paging, "NEWEST", dense_in)
    monkeypatch.setattr(paging, "DENSE", min(paging.DENSE, dense_in // 2))
    walked, walking = [], paging.walking  # the list's pages, each walked or not (and as it would be)
    monkeypatch.setattr(
        paging, "walking", lambda session, walk, offset=0: walked.append(walk) or walking(session, walk, offset)
    )
    appeals = [new_appeal(db, city, title=f"大量工单第{i}号") for i in range(45)]
    as_user(client, city, "dispatcher")
    page = client.get("/staff/appeals?q=大量工单").text  # under the cap: page numbers as before
    assert "<strong>45</strong>" in page and "第 1 / 3 页" in page and "page=2" in NEXT.search(page).group(1)

    monkeypatch.setattr(paging, "CAP", 30)
    seen, url, pages = [], "/staff/appeals?q=大量工单&sort=-received_at", 0
    while url:
        page = client.get(url).text
        assert ("<strong>30+</strong>" in page) == (pages == 0)  # counted on the first page only
        seen += sorted((a.order_no for a in appeals if a.order_no in page), key=page.index)
        pages += 1
        found = NEXT.search(page)
        url = unescape(found.group(1)) if found else None
        if url:
            assert "after=" in url and "page=" not in url
    assert pages == 3 and sorted(seen) == sorted(a.order_no for a in appeals)
    assert seen == [a.order_no for a in reversed(appeals)]  # newest first, as the sort says
    assert 'rel="first"' in page
    assert set(walked) == {dense_in == 10}


def test_a_damaged_after_changes_nothing_and_says_so(client, db, city):
    new_appeal(db, city, title="游标")
    as_user(client, city, "dispatcher")
    response = client.get("/staff/appeals?after=garbage")
    assert response.status_code == 422 and "分页游标无效" in response.text
    response = client.get("/staff/appeals?after=garbage&lang=en")
    assert response.status_code == 422 and "cursor is not valid" in response.text


def test_the_supervision_list_pages_by_level_and_deadline(client, db, city, clock):
    from lianxin.appeals.service import dispatch_appeal
    from lianxin.appeals.supervision import supervise_appeal, urge_appeal
    from lianxin.assessment.supervision import leader_supervision_list, supervision_page

    appeals = []
    for i in range(7):
        appeal = new_appeal(db, city, title=f"督办分页{i}")
        dispatch_appeal(db, appeal, city.units["urban" if i % 2 else "street"], actor=city.users["dispatcher"])
        clock.shift(timedelta(hours=1))
        if i % 3 == 0:
            supervise_appeal(db, appeal, actor=city.users["dispatcher"], note="挂牌督办", listed=True)
        elif i % 3 == 1:
            supervise_appeal(db, appeal, actor=city.users["dispatcher"], note="督办")
        else:
            urge_appeal(db, appeal, actor=city.users["dispatcher"], note="请加快办理")
        appeals.append(appeal)
    appeals[0].due_at = appeals[1].due_at = None  # undated ones come last in their level (an appeal not yet timed)
    db.flush()
    leader = city.users["leader"]
    whole = leader_supervision_list(db, leader)
    expected = []
    for level in (3, 2, 1):
        mine = [a for a in appeals if a.supervision_level == level]
        expected += sorted((a for a in mine if a.due_at), key=lambda a: (a.due_at, a.id))
        expected += sorted((a for a in mine if a.due_at is None), key=lambda a: a.id)
    assert whole == expected
    assert set(whole) == set(appeals)
    assert [a.supervision_level for a in whole] == sorted((a.supervision_level for a in whole), reverse=True)
    walked, after = [], None
    while True:
        page = supervision_page(db, leader, size=2, after=after)
        walked += page.rows
        after = page.next_cursor
        if after is None:
            break
    assert walked == whole and len(walked) == 7
    assert supervision_page(db, leader, min_level=3, size=10).rows == [a for a in whole if a.supervision_level == 3]

    as_user(client, city, "leader")
    monkey = client.get("/leader/supervision")  # 50 a page: everything on the first, no pager
    assert all(a.order_no in monkey.text for a in appeals) and 'rel="next"' not in monkey.text
    assert client.get("/leader/supervision?after=garbage").status_code == 422


def test_the_partial_indexes_name_the_statuses_of_the_rules_they_serve():
    """``HANDLING_SQL`` (the overdue list's index) and ``TO_DISPATCH_SQL`` are literals of the status sets."""
    from lianxin.appeals.models import HANDLING_SQL, TO_DISPATCH_SQL
    from lianxin.appeals.status import HANDLING, AppealStatus

    assert HANDLING_SQL == "status IN (" + ", ".join(f"'{s.value}'" for s in sorted(HANDLING)) + ")"
    assert TO_DISPATCH_SQL == f"status = '{AppealStatus.RECEIVED.value}'"
