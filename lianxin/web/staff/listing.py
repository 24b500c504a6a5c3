"""The list component every staff queue and admin list uses: filter, search, sort, paginate, and
export of every matching row to Excel (.xlsx, openpyxl) or CSV (UTF-8 with BOM, so Excel reads Chinese).

A page describes its list once with a ``ListSpec`` (columns, filters, search) and hands ``run_list``
a SELECT already limited to what the user may see; the query string carries the state
(``q``, ``sort``, ``page``, ``size``, one parameter per filter, ``export=csv|xlsx``, and ``after``).

At scale (``lianxin.paging``) the count stops at 1,000 ("1,000+"), and past that the "next" link
carries ``after=`` — a keyset cursor of the last row's sort key and id — instead of a page number, so a
queue of millions reads one index range per page instead of counting and skipping everything before it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.responses import Response
from openpyxl import Workbook
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.requests import Request

from lianxin.clock import utcnow
from lianxin.paging import Count, Pinned, capped_count, nullable, page_of, pinned
from lianxin.web.i18n import EN, pick_lang

PAGE_SIZES = (20, 50, 100)
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    value: Callable[[Any], Any]  # the plain value (table cell and export)
    sort: Any = None  # an SQL expression when the column can be sorted
    link: Callable[[Any], str] | None = None  # the cell links here
    css: Callable[[Any], str] | None = None  # a CSS class for the cell (due marks)
    text: Callable[[Any, str], Any] | None = None  # the value in the page's language, when it has one

    def label(self, lang: str) -> str:
        return self.en if lang == EN else self.zh

    def show(self, row: Any, lang: str) -> Any:
        """The cell (and export) value in ``lang``."""
        return self.text(row, lang) if self.text else self.value(row)


@dataclass(frozen=True)
class Filter:
    key: str
    zh: str
    en: str
    options: Callable[[], list[tuple[str, str, str]]]  # (value, zh, en)
    apply: Callable[[Select, str], Select]

    def label(self, lang: str) -> str:
        return self.en if lang == EN else self.zh


@dataclass(frozen=True)
class ListSpec:
    name: str  # the export file's name
    columns: list[Column]
    default_sort: str
    filters: list[Filter] = field(default_factory=list)
    search: Callable[[Select, str], Select] | None = None
    search_hint: tuple[str, str] = ("搜索", "Search")
    search_note: Callable[[str], tuple[str, str] | None] | None = None  # (zh, en) said beside the results of q
    # False for a q whose matches are not counted (every row would be tested): the page says "20+" and goes on
    # by cursor
    counts: Callable[[str], bool] | None = None


@dataclass
class ListPage:
    spec: ListSpec
    rows: list
    total: int
    page: int
    size: int
    sort: str
    q: str
    chosen: dict[str, str]
    base_path: str
    lang: str
    capped: bool = False  # more than ``total`` (= paging.CAP) rows match
    after: str | None = None  # the cursor this page was read after (keyset mode)
    next_after: str | None = None  # the cursor of the next page, None on the last

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def note(self) -> tuple[str, str] | None:
        """What the search said of ``q`` (e.g. that a short word was looked for among the newest rows only)."""
        return self.spec.search_note(self.q) if self.q and self.spec.search_note else None

    @property
    def total_text(self) -> str:
        return "" if self.after else str(Count(self.total, self.capped))

    def url(self, **changes) -> str:
        params = {"q": self.q, "sort": self.sort, "page": self.page, "size": self.size} | self.chosen
        params |= ({"after": self.after, "page": None} if self.after else {}) | changes
        kept = {k: v for k, v in params.items() if v not in ("", None)}
        return f"{self.base_path}?{urlencode(kept)}"

    def sort_url(self, column: Column) -> str:
        return self.url(sort=column.key if self.sort != column.key else f"-{column.key}", page=1, after=None)

    def sort_state(self, column: Column) -> str:
        if self.sort == column.key:
            return "ascending"
        return "descending" if self.sort == f"-{column.key}" else "none"


def _sort_clause(spec: ListSpec, sort: str):
    key = sort.lstrip("-")
    column = next((c for c in spec.columns if c.key == key and c.sort is not None), None)
    if column is None:
        return None
    if not nullable(column.sort):  # NULLS LAST on a NOT NULL column would stop PostgreSQL using its index
        return column.sort.desc() if sort.startswith("-") else column.sort.asc()
    return column.sort.desc().nulls_last() if sort.startswith("-") else column.sort.asc().nulls_last()


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Filtered:
    search: Pinned  # the filtered and searched rows (``paging.pinned``: how many match, when that was read)
    order: tuple  # the ORDER BY of ``sort``
    keys: list[tuple]  # the same order as keyset keys
    q: str
    chosen: dict[str, str]
    sort: str
    counted: bool  # False for a search whose matches are not counted (``ListSpec.counts``)

    @property
    def stmt(self) -> Select:
        return self.search.stmt.order_by(*self.order)


def filtered(spec: ListSpec, stmt: Select, request: Request, session: Session) -> Filtered:
    """Apply the request's filters, search and sort. A search that is counted has its few matches read first, with
    their sort keys on a first page (``paging.pinned``), which counts them too."""
    params = request.query_params
    chosen = {}
    for flt in spec.filters:
        value = params.get(flt.key) or ""
        if value and value in {option[0] for option in flt.options()}:
            stmt, chosen[flt.key] = flt.apply(stmt, value), value
    sort = params.get("sort") or spec.default_sort
    clause = _sort_clause(spec, sort)
    if clause is None:
        sort, clause = spec.default_sort, _sort_clause(spec, spec.default_sort)
    entity = stmt.column_descriptions[0]["entity"]
    order = (clause, entity.id.desc() if sort.startswith("-") else entity.id.asc())
    keys = sort_keys(spec, stmt, sort)
    q = (params.get("q") or "").strip()[:100]
    counted = not (q and spec.counts and not spec.counts(q))  # a short word is looked for in a window, uncounted
    search = Pinned(stmt)
    if q and spec.search:
        searched = spec.search(stmt, q)
        ranked = () if params.get("after") else keys  # a cursor's page is not counted: its matches need no ranking
        search = pinned(session, searched, stmt, ranked) if counted else Pinned(searched)
    return Filtered(search, order, keys, q, chosen, sort, counted)


def sort_keys(spec: ListSpec, stmt: Select, sort: str) -> list[tuple]:
    """The keyset keys of ``sort`` (as ``filtered`` orders): the column's expression, then the row's id."""
    key, desc = sort.lstrip("-"), sort.startswith("-")
    column = next(c for c in spec.columns if c.key == key and c.sort is not None)
    return [(column.sort, desc), (stmt.column_descriptions[0]["entity"].id, desc)]


def run_list(session: Session, request: Request, spec: ListSpec, stmt: Select) -> ListPage | Response:
    """One page of rows, or the whole filtered list as a download when ``export`` is csv or xlsx."""
    found = filtered(spec, stmt, request, session)
    lang = pick_lang(request)
    export = request.query_params.get("export")
    if export in ("csv", "xlsx"):
        rows = session.scalars(found.stmt.limit(EXPORT_LIMIT)).unique().all()
        return export_rows(spec, rows, export, lang)
    size = _int(request.query_params.get("size"), PAGE_SIZES[0])
    size = size if size in PAGE_SIZES else PAGE_SIZES[0]
    after = (request.query_params.get("after") or "").strip()[:500] or None
    if after or not found.counted:  # a cursor's page is not counted again; an uncounted search starts at page 1
        total, page = Count(0), 1
    else:
        total = capped_count(session, found.stmt) if found.search.count is None else found.search.count
        page = min(_int(request.query_params.get("page"), 1), max(1, -(-total.n // size)))
    result = page_of(
        session,
        found.search,
        lambda rows: rows.order_by(*found.order),
        found.keys,
        size=size,
        cursor=after,
        offset=(page - 1) * size,
        name="after",
        count=total if found.counted and not after else None,
    )
    if not found.counted and not after:  # "20+" while there is a next page, which its cursor reads
        total = Count(len(result.rows), result.next_cursor is not None)
    return ListPage(
        spec,
        result.rows,
        total.n,
        page,
        size,
        found.sort,
        found.q,
        found.chosen,
        request.url.path,
        lang,
        total.capped,
        after,
        result.next_cursor,
    )


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, (int, float)) else str(value)


def export_rows(spec: ListSpec, rows: list, kind: str, lang: str) -> Response:
    header = [c.label(lang) for c in spec.columns]
    table = [[_plain(c.show(row, lang)) for c in spec.columns] for row in rows]
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    filename = f"{spec.name}-{stamp}.{kind}"
    disposition = f"attachment; filename=\"{spec.name}.{kind}\"; filename*=UTF-8''{quote(filename)}"
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(table)
        return Response(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spec.name[:31])
    sheet.append(header)
    for line in table:
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return Response(
        out.getvalue(),
        headers={"Content-Disposition": disposition},
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
