"""Search of appeals by words: a substring of the title, the letter or the address (case-insensitive for Latin
letters; ``%`` and ``_`` match themselves), or exactly an order number.

On PostgreSQL each searched column has a trigram index (pg_trgm, GIN; ``models.TRIGRAM_COLUMNS``), so
``ILIKE '%…%'`` is an index lookup — but only when the words give a trigram, i.e. hold a run of 3 or more
letters, digits or characters (``indexable``). A shorter word (停车, 噪音: two characters are common in
Chinese) has none, and its ``ILIKE`` would read every appeal; such a word is looked for among the newest
``SHORT_WINDOW`` appeals only (a range of the ``received_at`` index), which the lists and the API say beside their
results (``SHORT_NOTE``). SQLite has no trigram index and scans; the same window applies there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import zip_longest

from sqlalchemy import ColumnElement, Integer, and_, func, literal, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from lianxin.appeals.models import TRIGRAM_COLUMNS, Appeal

SHORT_WINDOW = 100_000  # appeals a word without a trigram is looked for in (the newest received)
SHORT_NOTE = (
    f"少于三个字的词只在最近 {SHORT_WINDOW:,} 件诉求中查找；输入三个字以上可查全部",
    f"words of fewer than 3 characters are looked for in the newest {SHORT_WINDOW:,} appeals only; "
    "type 3 or more to search all",
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TRIGRAM = re.compile(r"[^\W_]{3}")  # three letters, digits or characters in a row: pg_trgm extracts a trigram
_RUN = re.compile(r"[^\W_]{3,}")


def indexable(q: str) -> bool:
    """Whether the trigram indexes can find ``q`` (it holds 3 word characters in a row)."""
    return _TRIGRAM.search(q) is not None


def words(q: str) -> ColumnElement[bool]:
    """Appeals whose title, letter or address contains ``q``, or whose order number is ``q``; a ``q`` the
    trigram indexes cannot find is looked for in the newest ``SHORT_WINDOW`` appeals only.

    Text without upper and lower case (Chinese, digits) is matched with ``LIKE``, the same result as
    ``ILIKE`` there and several times cheaper to test on a row (the window's rows are tested one by one).
    Words the indexes can find are looked up by a few of their pieces (``pattern``) and each row found is then
    tested for the whole of ``q`` (``holds``, which no index serves)."""
    cased = q.lower() != q.upper()
    columns = (Appeal.title, Appeal.content, Appeal.address)
    if not indexable(q):
        found = (
            column.icontains(q, autoescape=True) if cased else column.contains(q, autoescape=True) for column in columns
        )
        return and_(recent(), or_(Appeal.order_no == q, *found))
    looked_up = pattern(q)
    return or_(
        Appeal.order_no == q,
        *(
            and_(column.ilike(looked_up) if cased else column.like(looked_up), holds(column, q, cased=cased))
            for column in columns
        ),
    )


PIECES = 4  # the most trigrams of a search's words the trigram index looks up


def pattern(q: str) -> str:
    """A ``LIKE`` pattern that every text holding ``q`` matches and whose trigrams the index looks up: ``q``'s
    runs of 3 or more letters, digits or characters, in their order, when they give no more than ``PIECES``
    trigrams (小区 停车难 → ``%停车难%``); else ``PIECES`` pieces of 3 of them, the first piece of each run, then the
    second of each, and so on (垃圾桶满了没人清运，气味很大，持续半个多月，请给予答复 → ``%垃圾桶%气味很%持续半%请给予%``).

    The trigram index looks up every trigram of a pattern and intersects their lists of rows, at a cost that
    grows with each list. The whole phrase above has two dozen trigrams, each in 333,000 to 1.7 M of the bench's 10 M
    appeals (358 ms); neighbouring trigrams of a run share two characters and find nearly the same rows, and the
    runs (between punctuation) are where a phrase's parts differ, so one piece of each run finds nearly as few
    (the same 7,944 rows here, 56 ms). Every piece ends in ``%``: no space is padded on, which pg_trgm would
    add before and after a run bounded by punctuation."""
    matches = list(_RUN.finditer(q))
    if sum(len(match.group()) - 2 for match in matches) <= PIECES:
        return "%" + "%".join(match.group() for match in matches) + "%"
    runs = [
        [(match.start() + i, match.group()[i : i + 3]) for i in range(0, len(match.group()) - 2, 3)]
        for match in matches
    ]
    chosen = [piece for round_ in zip_longest(*runs) for piece in round_ if piece][:PIECES]
    return "%" + "%".join(text_ for _, text_ in sorted(chosen)) + "%"


def holds(text_: ColumnElement[str], part: str, *, cased: bool = False) -> ColumnElement[bool]:
    """``text_`` holds ``part`` as it is written (both lower-cased when ``cased``): a test of each row that no trigram
    index takes for its own, so the index looks up ``pattern``'s few trigrams only."""
    if cased:
        return _position(func.lower(text_), func.lower(part)) > 0
    return _position(text_, literal(part)) > 0


class _position(FunctionElement):
    """Where ``part`` begins in ``text`` (1-based; 0 when it is not there): ``strpos`` on PostgreSQL, ``instr``
    elsewhere."""

    type = Integer()
    inherit_cache = True


@compiles(_position)
def _instr(element: _position, compiler, **kw) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_position, "postgresql")
def _strpos(element: _position, compiler, **kw) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


def recent() -> ColumnElement[bool]:
    """The newest ``SHORT_WINDOW`` appeals: those received since the ``SHORT_WINDOW``-th newest one (read from
    the ``received_at`` index), so the list's usual order (newest first) reads the window as one index range."""
    since = select(Appeal.received_at).order_by(Appeal.received_at.desc()).offset(SHORT_WINDOW - 1).limit(1)
    return Appeal.received_at >= func.coalesce(since.scalar_subquery(), EPOCH)


def trigram_ready(conn: Connection) -> bool:
    """PostgreSQL with pg_trgm installed in this database."""
    if conn.dialect.name != "postgresql":
        return False
    return conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is not None


def install_trigrams(conn: Connection) -> bool:
    """``CREATE EXTENSION pg_trgm`` where the server has it and the user may (a savepoint keeps a refusal from
    spoiling the migration's transaction); whether it is installed now."""
    if conn.dialect.name != "postgresql":
        return False
    available = conn.scalar(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"))
    if available and not trigram_ready(conn):
        try:
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except DBAPIError:  # no privilege: the lists keep scanning
            return False
    return trigram_ready(conn)


TRIGRAM_INDEXES = tuple(f"ix_appeals_{column}_trgm" for column in TRIGRAM_COLUMNS)
