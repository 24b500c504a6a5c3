"""Repeat lookup (重复件) latency with a million appeals stored, on SQLite and PostgreSQL.

    python bench/repeats.py [--db sqlite|postgresql|both] [--n 1000000] [--queries 300] [--days 365]
                            [--pg-url postgresql://postgres@127.0.0.1:5432/lianxin_bench_repeats]
                            [--sqlite-path /tmp/lianxin_bench_repeats.db] [--keep] [--reuse]

Loads N synthetic appeals (bulk inserts: COPY on PostgreSQL, executemany on SQLite; the secondary
indexes of appeals and appeal_terms are dropped for the load and rebuilt after it, inside the load
time) into a database migrated with the real migrations: 2,000 communities under 100 streets, 300,000 phones, texts
composed from a vocabulary of places, problems and details, spread over ``--days`` days. Each
appeal's index rows come from the real ``terms_of`` (computed once per distinct text). Then it
times ``find_repeats`` -- the function the intake page calls -- for ``--queries`` lookups in three
shapes and prints p50/p95/p99 in ms:

- ``text + community + phone``: an operator has typed the text, the place is known, the caller's number is there;
- ``text only``: no place known, the jurisdiction-wide keyword index is read;
- ``phone only``: a caller's recent appeals.

Half the query texts are texts already stored (a repeat exists), half are new combinations.
On PostgreSQL the load ends with ``VACUUM (ANALYZE)`` (what autovacuum does to a loaded table: without
it every index-only scan fetches heap pages and sets hint bits). The database is dropped (PostgreSQL) or deleted (SQLite) at the end unless ``--keep``; ``--reuse``
skips loading when the database already holds N appeals.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from lianxin.appeals.models import Appeal, Appellant  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine  # noqa: E402
from lianxin.dispatch.models import AppealTerm  # noqa: E402
from lianxin.dispatch.repeats import find_repeats, terms_of  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from lianxin.orgs.models import Jurisdiction, Unit, UnitKind  # noqa: E402

DEFAULT_PG = os.environ.get("LIANXIN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/lianxin_bench_repeats")
DISTRICTS, STREETS, COMMUNITIES = 10, 10, 20  # 100 streets, 2,000 communities
PHONES = 300_000
TEXT_POOL = 20_000
CHUNK = 20_000
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

PLACES = ("小区", "花园", "家园", "新村", "公寓", "大院", "商业街", "菜市场", "公交站", "学校门口", "公园", "路口")
PLACE_NAMES = (
    "阳光 幸福 和平 锦绣 金桂 春晖 滨河 望月 明珠 书香 翠湖 银杏 梧桐 紫荆 丽景 康乐 福寿 安居 长青 新华".split()
)
PROBLEMS = (
    "路灯不亮",
    "井盖缺失",
    "下水道堵塞",
    "垃圾没人清运",
    "楼道堆放杂物",
    "电梯经常故障",
    "外墙瓷砖脱落",
    "屋顶漏水",
    "停水",
    "水压太低",
    "自来水发黄",
    "停电",
    "电压不稳",
    "燃气异味",
    "暖气不热",
    "噪音扰民",
    "油烟扰民",
    "违章停车",
    "占道经营",
    "私搭乱建",
    "树木遮挡采光",
    "道路破损",
    "积水严重",
    "流浪犬伤人",
    "广场舞噪音",
    "工地夜间施工",
    "物业收费不合理",
    "充电桩不足",
    "公交站牌损坏",
    "信号灯故障",
)
DETAILS = (
    "已经持续一周了",
    "反映多次没有解决",
    "老人小孩出行不便",
    "晚上影响休息",
    "存在安全隐患",
    "下雨天更严重",
    "周边居民意见很大",
    "物业说不归他们管",
    "给生活带来很大困扰",
    "希望尽快派人处理",
    "担心发生事故",
    "每天早上都这样",
)
WISHES = ("请相关部门尽快处理", "希望给个说法", "恳请领导重视", "请尽快维修", "希望加强管理", "请派人现场查看")


def compose(rng: random.Random) -> str:
    place = f"{rng.choice(PLACE_NAMES)}{rng.choice(PLACES)}"
    return (
        f"{place}{rng.randint(1, 30)}号楼附近{rng.choice(PROBLEMS)}，{rng.choice(DETAILS)}，"
        f"{rng.choice(DETAILS)}，{rng.choice(WISHES)}。"
    )


def phone_of(i: int) -> str:
    return f"139{i:08d}"


# --- loading -------------------------------------------------------------------------------------------


def build_units(session: Session) -> tuple[int, list[int]]:
    jurisdiction = Jurisdiction(code="bench", name="基准市")
    session.add(jurisdiction)
    session.flush()
    jid = jurisdiction.id
    city = Unit(jurisdiction_id=jid, kind=UnitKind.CITY, code="CITY", name="基准市")
    session.add(city)
    communities = []
    for d in range(DISTRICTS):
        district = Unit(jurisdiction_id=jid, kind=UnitKind.DISTRICT, code=f"D{d}", name=f"第{d}区", parent=city)
        for s in range(STREETS):
            street = Unit(
                jurisdiction_id=jid, kind=UnitKind.STREET, code=f"D{d}S{s}", name=f"第{d}区{s}街道", parent=district
            )
            for c in range(COMMUNITIES):
                community = Unit(
                    jurisdiction_id=jid,
                    kind=UnitKind.COMMUNITY,
                    code=f"D{d}S{s}C{c}",
                    name=f"第{d}区{s}街道{c}社区",
                    parent=street,
                )
                communities.append(community)
    session.add_all(communities)
    session.flush()
    return jid, [c.id for c in communities]


def rows_for(
    start: int,
    count: int,
    jid: int,
    communities: list[int],
    pool: list[tuple[str, list[str]]],
    days: int,
    rng: random.Random,
) -> tuple[list[dict], list[dict]]:
    appeals, terms = [], []
    for i in range(start, start + count):
        content, words = pool[rng.randrange(len(pool))]
        received = NOW - timedelta(seconds=rng.uniform(0, days * 86400))
        community = rng.choice(communities)
        phone_id = rng.randrange(PHONES) + 1
        appeals.append(
            dict(
                id=i,
                jurisdiction_id=jid,
                order_no=f"B{i:012d}",
                version=1,
                status="received",
                channel="hotline",
                appeal_type="help",
                urgency="normal",
                title=content[:30],
                content=content,
                community_id=community,
                appellant_id=phone_id,
                appellant_phone=phone_of(phone_id),
                anonymous=False,
                confidential=False,
                tracking_token=f"t{i:012d}",
                designated=False,
                received_at=received,
                updated_at=received,
                extension_count=0,
                supervision_level=0,
                reopen_count=0,
            )
        )
        terms.extend(
            dict(jurisdiction_id=jid, appeal_id=i, term=w, community_id=community, received_at=received) for w in words
        )
    return appeals, terms


def copy_rows(engine, table, rows: list[dict]) -> None:
    """PostgreSQL COPY through psycopg (the ORM's bulk INSERT is ~10x slower at this size)."""
    columns = list(rows[0])
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()


def load(engine, n: int, days: int, seed: int) -> tuple[int, list[int], float]:
    rng = random.Random(seed)
    started = time.perf_counter()
    with Session(engine) as session:
        jid, communities = build_units(session)
        session.commit()
    pool_rng = random.Random(seed + 1)
    texts = list(dict.fromkeys(compose(pool_rng) for _ in range(TEXT_POOL)))
    pool = [(t, terms_of(t)) for t in texts]
    pg = engine.dialect.name == "postgresql"
    indexes = [index for model in (Appeal, AppealTerm) for index in model.__table__.indexes]
    with engine.begin() as conn:  # bulk load first, index afterwards (random-order B-tree inserts are slow)
        for index in indexes:
            index.drop(conn)
    phones = [dict(id=i, jurisdiction_id=jid, phone=phone_of(i), created_at=NOW) for i in range(1, PHONES + 1)]
    if pg:
        copy_rows(engine, Appellant.__table__, phones)
    else:
        with engine.begin() as conn:
            conn.execute(insert(Appellant.__table__), phones)
    for start in range(1, n + 1, CHUNK):
        appeals, terms = rows_for(start, min(CHUNK, n + 1 - start), jid, communities, pool, days, rng)
        if pg:
            copy_rows(engine, Appeal.__table__, appeals)
            copy_rows(engine, AppealTerm.__table__, terms)
        else:
            with engine.begin() as conn:
                conn.execute(insert(Appeal.__table__), appeals)
                conn.execute(insert(AppealTerm.__table__), terms)
        if (start // CHUNK) % 10 == 0:
            print(f"  loaded {start + len(appeals) - 1:,} appeals ({time.perf_counter() - started:.0f} s)", flush=True)
    with engine.begin() as conn:
        for index in indexes:
            index.create(conn)
        if pg:
            conn.execute(text("SELECT setval('appeals_id_seq', (SELECT max(id) FROM appeals))"))
        else:
            conn.execute(text("ANALYZE"))
    if pg:  # what autovacuum does to a table in production: visibility map (index-only scans), statistics
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) appellants, appeals, appeal_terms"))
    return jid, communities, time.perf_counter() - started


# --- timing --------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def time_queries(engine, jid: int, communities: list[int], queries: int, seed: int) -> None:
    """Even-numbered queries repeat an appeal stored within the window (so a repeat exists); odd ones are new."""
    rng = random.Random(seed + 2)
    with Session(engine) as session:
        stored = session.execute(
            select(Appeal.content, Appeal.community_id, Appeal.appellant_phone)
            .where(Appeal.received_at >= NOW - timedelta(days=29))
            .order_by(Appeal.id)
            .limit(queries * 20)
        ).all()[::20]
    fresh_rng = random.Random(seed + 3)
    cases = []
    for i in range(queries):
        if i % 2 == 0 and stored:
            content, community, phone = stored[i % len(stored)]
        else:
            content, community, phone = compose(fresh_rng), rng.choice(communities), phone_of(rng.randrange(PHONES) + 1)
        cases.append((content, community, phone))
    shapes = {
        "text + community + phone": lambda c: dict(text=c[0], community_id=c[1], phone=c[2]),
        "text only": lambda c: dict(text=c[0]),
        "phone only": lambda c: dict(phone=c[2]),
    }
    print(f"  {'lookup':<26}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'found/q':>9}")
    with Session(engine) as session:
        for case in cases[:10]:  # warm-up: jieba's dictionary, the connection, the caches
            find_repeats(session, jid, now=NOW, **shapes["text + community + phone"](case))
        for name, shape in shapes.items():
            times, found = [], 0
            for case in cases:
                t0 = time.perf_counter()
                result = find_repeats(session, jid, now=NOW, **shape(case))
                times.append((time.perf_counter() - t0) * 1000)
                found += len(result)
            print(
                f"  {name:<26}{percentile(times, 0.5):>9.2f}{percentile(times, 0.95):>9.2f}"
                f"{percentile(times, 0.99):>9.2f}{max(times):>9.2f}{found / len(cases):>9.2f}"
            )


# --- databases -----------------------------------------------------------------------------------------


def count_appeals(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count(Appeal.id))) or 0


def run(url: str, args) -> None:
    settings = Settings(database_url=url)
    engine = make_engine(settings)
    if args.reuse and count_appeals(engine) == args.n:
        print(f"  reusing {args.n:,} appeals already loaded")
        with Session(engine) as session:
            jid = session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "bench"))
            communities = list(session.scalars(select(Unit.id).where(Unit.kind == UnitKind.COMMUNITY)))
    else:
        upgrade(settings)
        jid, communities, seconds = load(engine, args.n, args.days, args.seed)
        terms = count_terms(engine)
        print(f"  load: {args.n:,} appeals, {terms:,} index rows in {seconds:.0f} s")
    print(f"  window 30 days of {args.days}; {args.queries} queries per shape")
    time_queries(engine, jid, communities, args.queries, args.seed)
    engine.dispose()


def count_terms(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count(AppealTerm.id))) or 0


def run_sqlite(args) -> None:
    path = Path(args.sqlite_path)
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"SQLite ({path})")
    try:
        run(f"sqlite:///{path}", args)
    finally:
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


def run_postgresql(args) -> None:
    url = make_url(args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database})
            if exists and not args.reuse:
                conn.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
            if not exists or not args.reuse:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as exc:  # noqa: BLE001 -- the server may simply not be there
        print(f"PostgreSQL skipped: {exc.__class__.__name__}: {exc}".splitlines()[0])
        return
    print(f"PostgreSQL ({url.database})")
    try:
        run(url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://", 1), args)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--sqlite-path", default="/tmp/lianxin_bench_repeats.db")
    parser.add_argument("--keep", action="store_true", help="keep the database for another run with --reuse")
    parser.add_argument("--reuse", action="store_true", help="skip loading when the database already holds N appeals")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        run_sqlite(args)
    if args.db in ("postgresql", "both"):
        run_postgresql(args)


if __name__ == "__main__":
    main()
