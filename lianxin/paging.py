"""Paging that stays fast over millions of rows: capped counts and keyset cursors.

An exact ``COUNT(*)`` and a deep ``OFFSET`` both read every row before the page; at 10 M appeals that is
seconds. :func:`capped_count` counts at most ``CAP`` + 1 rows and reports "1,000+" beyond (20 numbered pages of
50; a district leader's scope is 1/16 of the appeals, so reaching the cap reads ~16 × CAP rows: 10,000 was 1 s); a keyset cursor
(``after=`` on the staff lists, ``cursor=``/``next_cursor`` in the JSON API) names the last row shown by its
sort key and id, and the next page is ``WHERE (key, id) > (…) ORDER BY key, id LIMIT n``: an index range
scan whatever the depth. Cursors are opaque (URL-safe base64 of JSON); a damaged one is refused in both
languages and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from lianxin.errors import InvalidInput

CAP = 1_000
PINNED = 5_000  # a search's matches up to this many are read by id (``pinned``)


@dataclass(frozen=True)
class Count:
    """A count that stops at ``CAP``: ``capped`` when there are more."""

    n: int
    capped: bool = False

    def __str__(self) -> str:
        return f"{self.n:,}+" if self.capped else str(self.n)


def capped_count(session: Session, stmt: Select, cap: int | None = None) -> Count:
    """How many rows ``stmt`` returns, reading at most ``cap`` (default ``CAP``) + 1 of them."""
    cap = cap or CAP
    n = session.scalar(select(func.count()).select_from(stmt.order_by(None).limit(cap + 1).subquery()))
    return Count(min(n, cap), n > cap)


@dataclass(frozen=True)
class Pinned:
    """A search as ``pinned`` leaves it: the statement of all its rows, how many match when that was read on the
    way, whether the page is to be read along the sort's index (``walking``), and, when the matches were read with
    their sort keys, every match's id in the list's order (``ranked``) and the unsearched statement they narrow
    (``within``): a page is then read by its ids alone (``page_of``)."""

    stmt: Select
    count: Count | None = None
    walk: bool = False
    ranked: tuple[int, ...] | None = None
    within: Select | None = None


RANKED = 10_000  # a search's matches up to this many are read with their sort keys, and its pages chosen from them


def pinned(session: Session, searched: Select, unsearched: Select, keys: Sequence[tuple[Any, bool]] = ()) -> Pinned:
    """``searched`` (``unsearched`` with a search's condition) with its matches read first, up to ``PINNED`` of them by
    id, or up to ``RANKED`` with the list's sort ``keys`` when those are given and are the entity's own dates or
    numbers (the matches are ranked here and each page read by its own ids: ``page_of``); and how many match,
    capped at ``CAP``, when the rows read tell (the list need not count them again; they do not when ``PINNED`` <
    ``CAP`` and more than ``PINNED`` match). A search that ``dense``ly matches the newest rows is walked instead.

    PostgreSQL cannot tell how many rows a trigram search matches (it guesses about 1,000 for words it has no
    statistics of), so under ``ORDER BY … LIMIT`` it may walk the sort's index backwards testing every row for
    words that match few or none (2.9 s at 10 M appeals for an absent word); the matches come from the trigram
    indexes' bitmap instead, in one pass, and the page by primary key without testing the words again (kept, the
    planner multiplied the two conditions' estimates into one row and joined the units to each of 3,957 matches in
    a nested loop: 469 ms; read by id and left to a top-N sort past 5,000 matches, a phrase with 7,941 read its
    bitmap twice). Words with a page of matches among the newest 2,000 rows, or among the newest 20,000, are not
    read but walked: the sort's index finds a page of them at once, where reading 10,001 matches of a phrase in
    0.5 % of 10 M appeals from the bitmap cost ~170 ms, and a top-N sort of all its matches, which the planner
    chose for words it guessed rare, 365 ms. Past ``RANKED`` (``PINNED``) matches the search is left as it is."""
    if dense(session, searched, unsearched) or dense(session, searched, unsearched, NEWEST_MANY):
        return Pinned(searched, walk=True)
    entity = unsearched.column_descriptions[0]["entity"]
    rankable = _rankable(entity, keys)
    read = RANKED if rankable else PINNED
    found = searched.order_by(None).limit(read + 1).subquery()
    by = [found.corresponding_column(_column(column)) for column, _ in keys[:-1]] if rankable else []
    rows = session.execute(select(found.c.id, *by)).all()
    count = Count(min(len(rows), CAP), len(rows) > CAP) if len(rows) <= read or len(rows) > CAP else None
    if len(rows) > read:  # many, and none of them lately: left to the planner
        return Pinned(searched, count)
    stmt = unsearched.where(entity.id.in_([row[0] for row in rows])) if len(rows) <= PINNED else searched
    if not rankable:
        return Pinned(stmt, count)
    return Pinned(stmt, count, ranked=_ranked(rows, keys), within=unsearched)


def _column(column):
    """An ORM attribute's column (an expression as it is)."""
    return getattr(column, "expression", column)


def _rankable(entity, keys: Sequence[tuple[Any, bool]]) -> bool:
    """Whether rows can be put in the order of ``keys`` here as the database would: the last key is the entity's
    id and the others are its own columns of dates, times or numbers (text sorts by the database's collation)."""
    if not keys or _column(keys[-1][0]) is not _column(entity.id):
        return False
    return all(
        getattr(_column(column), "table", None) is entity.__table__
        and _expected(column) in (datetime, date, int, (int, float))
        for column, _ in keys[:-1]
    )


def _ranked(rows: Sequence[Sequence[Any]], keys: Sequence[tuple[Any, bool]]) -> tuple[int, ...]:
    """The ids of ``rows`` — (id, the value of each key but the last) — in the order of ``keys``, NULLs last (a
    stable sort by each key, the least significant first)."""
    rows = sorted(rows, key=lambda row: row[0], reverse=keys[-1][1])
    for i in range(len(keys) - 2, -1, -1):
        desc = keys[i][1]
        rows.sort(
            key=lambda row: (row[i + 1] is not None, row[i + 1]) if desc else (row[i + 1] is None, row[i + 1]),
            reverse=desc,
        )
    return tuple(row[0] for row in rows)


def page_of(
    session: Session,
    pin: Pinned,
    shaped: Callable[[Select], Select],
    keys: Sequence[tuple[Any, bool]],
    *,
    size: int,
    cursor: str | None = None,
    offset: int = 0,
    name: str = "cursor",
    count: Count | None = None,
) -> Page:
    """One page of a ``pinned`` search (at ``offset``, or after ``cursor``), its statement ordered by ``shaped``
    (a function of the statement: its ORDER BY of ``keys``, and what the page loads): by the ids of the page when
    the matches were ``ranked``, else along the sort's index when they were found dense (``walking``) — but a
    numbered page past the first of a search ``count``ed to fewer than ``CAP`` matches, which the planner sorts
    cheaply and a walk might not find before the table's end (a burst of matches lately and a few long ago)."""
    if pin.ranked is not None and pin.within is not None and not cursor:
        window = pin.ranked[offset : offset + size + 1]
        entity = pin.within.column_descriptions[0]["entity"]
        return keyset_page(session, shaped(pin.within.where(entity.id.in_(window))), keys, size=size, name=name)
    walk = pin.walk and (not offset or cursor is not None or count is None or count.capped)
    with walking(session, walk, 0 if cursor else offset):
        return keyset_page(session, shaped(pin.stmt), keys, size=size, cursor=cursor, offset=offset, name=name)


WALKED = 100  # a dense search's numbered page this deep or less is walked (``walking``)


@contextmanager
def walking(session: Session, walk: bool, offset: int = 0) -> Iterator[None]:
    """Within it (``walk``), PostgreSQL reads no bitmaps, so a page of a search ``pinned`` found dense is read along
    its sort's index, stopping at the page's end (the planner, guessing the words rare, would read them all). Only
    for a page at most ``WALKED`` rows deep (a cursor's page is at 0): the walk reads about 400 rows for each match
    before the page's end at the least dense, 400,000 for a page 1,000 rows deep."""
    if not walk or offset > WALKED or session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    try:
        yield
    finally:
        session.execute(text("RESET enable_bitmapscan"))


# A search matching DENSE of the NEWEST rows (a first page of 20 and one more: 1 %), or else of the NEWEST_MANY
# (0.1 %), is walked, not read (``pinned``): the first probe is cheaper, the second finds the phrases whose matches
# are too many to read (a phrase in 0.5 % of 10 M appeals: 10,001 matches read ~170 ms, the probe ~10-20 ms). Fewer
# would be a guess: the newest rows may hold a few of a phrase and no more for a long way back (a walk of 118 ms at
# 10 M for a phrase with 5 of its 3,957 matches among the newest 2,000).
NEWEST, NEWEST_MANY, DENSE = 2_000, 20_000, 21


def dense(session: Session, searched: Select, unsearched: Select, newest: int = 0) -> bool:
    """Whether ``searched`` matches at least ``DENSE`` of the rows of ``unsearched`` among the ``newest``
    (``NEWEST``) ids of its table, read along the primary key and tested (~3 ms for 2,000, ~10-20 ms for 20,000 at
    10 M appeals); never in a table whose ids span fewer. The table's newest ids, not the scope's: a district leader's
    scope, 1/16 of the appeals, walked sixteen times as far to find its own newest 20,000 (118-270 ms at 10 M), and
    a walk of the sort's index goes as far through the table as the newest ids span."""
    entity = unsearched.column_descriptions[0]["entity"]
    low, high = session.execute(select(func.min(entity.id), func.max(entity.id))).one()
    newest = newest or NEWEST
    if high is None or high - low + 1 < newest:
        return False
    return capped_count(session, searched.where(entity.id > high - newest), DENSE - 1).capped


def beyond_numbered_pages(page: int, name: str = "page") -> InvalidInput:
    """Numbered pages reach as far as the count (``CAP`` rows): a deeper ``OFFSET`` reads every row before it
    (1.3 s at p95 for ``page=500`` at 10 M appeals). Past it a list goes on by its keyset cursor."""
    return InvalidInput(
        f"第 {page} 页超出按页码翻阅的范围（前 {CAP:,} 条）：请用上一页返回的 next_cursor 继续翻页，或缩小筛选范围",
        f"page {page} is past the numbered pages (the first {CAP:,} rows): go on with the previous page's "
        "next_cursor, or narrow the filters",
        field=name,
    )


# --- cursors ------------------------------------------------------------------------------------------------


def encode(values: Sequence[Any]) -> str:
    def plain(value):
        if isinstance(value, datetime):
            return {"t": value.isoformat()}
        if isinstance(value, date):
            return {"d": value.isoformat()}
        if hasattr(value, "value"):  # an enum
            return value.value
        return value

    raw = json.dumps([plain(v) for v in values], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def bad_cursor(name: str = "cursor") -> InvalidInput:
    return InvalidInput(
        "分页游标无效，请从第一页重新开始",
        "the paging cursor is not valid: start again from the first page",
        field=name,
    )


def _expected(column) -> type | None:
    kind_of = getattr(column, "type", None)
    kind_of = getattr(kind_of, "impl", kind_of)  # a TypeDecorator (UTCDateTime): the type it decorates
    try:
        kind = kind_of.python_type
    except (NotImplementedError, AttributeError):
        return None
    return (int, float) if kind is float else kind


def decode(token: str, keys: Sequence[tuple[Any, bool]], name: str = "cursor") -> list[Any]:
    """The values of a cursor made by :func:`encode` for a sort by ``keys``; InvalidInput if damaged or made for
    another sort (a value of the wrong type)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        items = json.loads(raw)
        if not isinstance(items, list) or len(items) != len(keys):
            raise ValueError
        values = []
        for item in items:
            if isinstance(item, dict) and "t" in item:
                item = datetime.fromisoformat(item["t"])
            elif isinstance(item, dict) and "d" in item:
                item = date.fromisoformat(item["d"])
            elif not isinstance(item, (str, int, float, type(None))) or isinstance(item, bool):
                raise ValueError
            values.append(item)
        for i, ((column, _), value) in enumerate(zip(keys, values, strict=True)):
            expected = _expected(column)
            if value is not None and isinstance(expected, type) and issubclass(expected, enum.Enum):
                value = values[i] = expected(value)
            if value is not None and expected is not None and not isinstance(value, expected):
                raise ValueError
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError
        if not isinstance(values[-1], int):  # the last key is always the row's id
            raise ValueError
        return values
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad_cursor(name) from None


def after(keys: Sequence[tuple[Any, bool]], values: Sequence[Any]):
    """The rows strictly after ``values`` in the order of ``keys`` — (expression, descending) pairs, NULLS LAST,
    the last one the unique id — as one SQL condition."""
    (column, desc), value = keys[0], values[0]
    if len(keys) == 1:
        return column < value if desc else column > value
    rest = after(keys[1:], values[1:])
    if value is None:  # among the NULLs, which come last
        return and_(column.is_(None), rest)
    beyond = column < value if desc else column > value
    if not nullable(column):  # "col <= v AND (…)": the first part is an index range, whatever the depth
        return and_(column <= value if desc else column >= value, or_(beyond, rest))
    return or_(beyond, and_(column == value, rest), column.is_(None))


def nullable(column) -> bool:
    """Whether an ORM attribute or a column may hold NULL (an expression: assume it may)."""
    expression = getattr(column, "expression", column)  # an ORM attribute: its column
    return getattr(expression, "nullable", True)


@dataclass
class Page:
    rows: list
    next_cursor: str | None  # the cursor of the page after this one, None on the last page


def keyset_page(
    session: Session,
    stmt: Select,
    keys: Sequence[tuple[Any, bool]],
    *,
    size: int,
    cursor: str | None = None,
    offset: int = 0,
    name: str = "cursor",
) -> Page:
    """One page of ``stmt`` (its ORDER BY must be ``keys``): after ``cursor`` when given, else at ``offset``;
    with the cursor of the next page when there is one."""
    if cursor:
        stmt = stmt.where(after(keys, decode(cursor, keys, name)))
    elif offset:
        stmt = stmt.offset(offset)
    result = session.execute(stmt.add_columns(*(column for column, _ in keys)).limit(size + 1)).unique().all()
    rows = [row[0] for row in result[:size]]
    more = len(result) > size
    return Page(rows, encode(result[size - 1][1:]) if more else None)
