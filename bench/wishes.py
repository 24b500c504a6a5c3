"""Server time of the 微心愿 pages, the API list and the Excel exports with 100,000 wishes in the database.

    python bench/wishes.py [--wishes 100000] [--runs 15] [--db sqlite|postgresql]
                           [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]

Builds a throwaway database (a temporary SQLite file, or ``<name from --pg-url>_<pid>`` created and dropped
on PostgreSQL) at the current migration head with the test city (``tests.factories.build_city``) plus 40 more
communities with a grid each, 300 party branches, 3,000 members and volunteers, and ``--wishes`` wishes spread
over the last 365 days in the demo's mix of statuses, each with its submission event and, when claimed or
realised, its claim row. Bulk rows are inserted directly (the verbs would take an hour for 100,000); the pages
then read them through the real app. Each page is requested ``--runs`` times in-process (Starlette's
TestClient: routing, dependencies, queries and template rendering, no network) after one warm-up; the median
and the 95th percentile are printed in milliseconds beside the page's limit. The full 台账 export is timed
three times as a function call (it is a CLI command, not a page).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.staff_pages import CSRF_RE, PASSWORD, database  # noqa: E402
from lianxin.app import create_app  # noqa: E402
from lianxin.clock import utcnow  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from lianxin.orgs.models import UnitKind  # noqa: E402
from lianxin.orgs.service import create_unit, create_user, hash_password  # noqa: E402
from lianxin.residents.models import ResidentAccount  # noqa: E402
from lianxin.wishes.ledger import export_xlsx  # noqa: E402
from lianxin.wishes.models import (  # noqa: E402
    ClaimStatus,
    Member,
    MemberKind,
    OrgKind,
    PartyOrg,
    TriageClass,
    Wish,
    WishCategory,
    WishClaim,
    WishEvent,
    WishSource,
)
from lianxin.wishes.status import CLAIMED_STATUSES, REALISED_STATUSES, WishStatus  # noqa: E402
from tests.factories import build_city  # noqa: E402

PAGE_LIMIT_MS = 200  # the house budget for a page
EXPORT_LIMIT_MS = 500  # the leaders' workbook
COMMUNITY_EXPORT_LIMIT_MS = 1000  # the busiest community's 台账 (one wish in seven of the city)
FULL_EXPORT_LIMIT_MS = 20_000  # every wish of the city, from the CLI
RESIDENT_PHONE = "13600000001"
MIX = {  # the demo's mix of statuses (per 100)
    WishStatus.COLLECTED: 5,
    WishStatus.REGISTERED: 4,
    WishStatus.PUBLISHED: 14,
    WishStatus.CLAIMED: 7,
    WishStatus.IN_PROGRESS: 7,
    WishStatus.DELIVERED: 6,
    WishStatus.CONFIRMED: 12,
    WishStatus.CLOSED: 33,
    WishStatus.REJECTED: 4,
    WishStatus.ON_FILE: 5,
    WishStatus.CANCELLED: 3,
}
TEXTS = [
    ("company", "我一个人住，希望每周有人来陪我聊聊天、下下棋。", "一位独居老人希望每周有人上门陪伴聊天、下棋。"),
    ("study", "孩子上初二，冬季校服小了，希望能帮忙解决一套。", "一名初中生需要一套冬季校服。"),
    ("repair", "厨房水龙头一直漏水，卫生间灯也不亮了。", "一位独居老人希望有人帮忙修理水龙头和卫生间灯。"),
    ("health", "老伴需要定期去医院复查，希望有人陪同。", "一位老人希望有人陪同家人去医院复查、取药。"),
]


def prepare(settings: Settings, n_wishes: int) -> dict:
    upgrade(settings)
    factory = make_sessionmaker(make_engine(settings), settings)
    rng = random.Random(2026)
    now = utcnow()
    with session_scope(factory) as session:
        city = build_city(session, code="bench")
        jid = city.jid
        communities = [city.units["community"]]
        grids = {communities[0].id: city.units["grid"].id}
        for n in range(40):
            c = create_unit(
                session,
                jurisdiction_id=jid,
                kind=UnitKind.COMMUNITY,
                code=f"c{n}",
                name=f"幸福{n}社区",
                parent=city.units["street"],
            )
            g = create_unit(
                session, jurisdiction_id=jid, kind=UnitKind.GRID, code=f"g{n}", name=f"幸福{n}网格", parent=c
            )
            communities.append(c)
            grids[c.id] = g.id
        session.execute(
            insert(PartyOrg),
            [
                {"jurisdiction_id": jid, "kind": OrgKind.BRANCH, "name": f"第{n}党支部", "active": True}
                for n in range(300)
            ],
        )
        orgs = session.scalars(select(PartyOrg.id).where(PartyOrg.jurisdiction_id == jid)).all()
        session.execute(
            insert(Member),
            [
                {
                    "jurisdiction_id": jid,
                    "kind": MemberKind.PARTY_MEMBER if n % 5 else MemberKind.VOLUNTEER,
                    "name": f"党员{n:04d}",
                    "phone": f"139{n:08d}",
                    "org_id": orgs[n % len(orgs)] if n % 5 else None,
                    "skills": "",
                    "active": True,
                }
                for n in range(3000)
            ],
        )
        members = session.scalars(select(Member.id).where(Member.jurisdiction_id == jid).order_by(Member.id)).all()
        member_user = create_user(
            session, jurisdiction_id=jid, username="bench-member", display_name="党员0000", password=PASSWORD
        )
        session.get(Member, members[0]).user_id = member_user.id
        resident = ResidentAccount(jurisdiction_id=jid, phone=RESIDENT_PHONE, verified_at=now, last_login_at=now)
        session.add(resident)
        for key in ("street_handler", "leader"):
            city.users[key].password_hash = hash_password(PASSWORD)
        session.flush()
        users = {"staff": city.users["street_handler"].username, "leader": city.users["leader"].username}
        resident_id, first_member, first_org = resident.id, members[0], orgs[0]
        busiest = communities[0].id

    statuses, weights = list(MIX), list(MIX.values())
    batch = 5000
    for start in range(0, n_wishes, batch):
        wishes, plans = [], []
        for n in range(start, min(n_wishes, start + batch)):
            status = rng.choices(statuses, weights)[0]
            community = communities[0] if n % 8 == 0 else rng.choice(communities)
            created = now - timedelta(days=rng.uniform(1, 365))
            category, content, public = rng.choice(TEXTS)
            claimed = status in CLAIMED_STATUSES or status in REALISED_STATUSES
            member = first_member if n % 2000 == 0 and claimed else rng.choice(members)
            org = rng.choice(orgs) if claimed and n % 7 == 0 else None
            confirmed = created + timedelta(days=rng.uniform(3, 20)) if status in REALISED_STATUSES else None
            confirmed = min(confirmed, now) if confirmed else None
            wishes.append(
                {
                    "jurisdiction_id": jid,
                    "status": status,
                    "version": 1,
                    "source": WishSource.RESIDENT,
                    "category": WishCategory(category),
                    "community_id": community.id,
                    "grid_id": grids[community.id],
                    "resident_name": "居民",
                    "resident_phone": RESIDENT_PHONE if n % 5000 == 1 else f"137{n:08d}",
                    "resident_address": "幸福里1号楼",
                    "resident_account_id": None,
                    "content": content,
                    "public_text": public if status not in (WishStatus.COLLECTED,) else None,
                    "photos": [],
                    "delivery_photos": [],
                    "tracking_token": secrets.token_urlsafe(18),
                    "triage_class": TriageClass.INDIVIDUAL if status != WishStatus.COLLECTED else None,
                    "promised_on": (created + timedelta(days=10)).date() if claimed else None,
                    "claimed_member_id": None if org or not claimed else member,
                    "claimed_org_id": org,
                    "claimed_at": created + timedelta(days=1) if claimed else None,
                    "confirmed_at": confirmed,
                    "confirmed_by_proxy": False,
                    "rating": 5 if confirmed else None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            plans.append((status, member if not org else None, org, created, confirmed, claimed))
        with session_scope(factory) as session:
            ids = session.scalars(insert(Wish).returning(Wish.id, sort_by_parameter_order=True), wishes).all()
            session.execute(
                insert(WishEvent),
                [
                    {
                        "jurisdiction_id": jid,
                        "wish_id": wid,
                        "kind": "submitted",
                        "note": "",
                        "payload": {},
                        "created_at": plan[3],
                    }
                    for wid, plan in zip(ids, plans, strict=True)
                ],
            )
            claims = [
                {
                    "jurisdiction_id": jid,
                    "wish_id": wid,
                    "member_id": member,
                    "org_id": org,
                    "promised_on": (created + timedelta(days=10)).date(),
                    "status": ClaimStatus.REALISED if confirmed else ClaimStatus.ACTIVE,
                    "created_at": created,
                    "realised_at": confirmed,
                    "ended_at": confirmed,
                }
                for wid, (status, member, org, created, confirmed, claimed) in zip(ids, plans, strict=True)
                if claimed
            ]
            if claims:
                session.execute(insert(WishClaim), claims)
    with session_scope(factory) as session:
        total = session.scalar(select(func.count()).select_from(Wish))
        sample = session.scalar(select(Wish.id).where(Wish.community_id == busiest).order_by(Wish.id.desc()).limit(1))
        in_busiest = session.scalar(select(func.count()).select_from(Wish).where(Wish.community_id == busiest))
    return {
        "users": users,
        "resident_id": resident_id,
        "busiest": busiest,
        "sample": sample,
        "total": total,
        "in_busiest": in_busiest,
        "jid": jid,
        "first_org": first_org,
    }


def login(client: TestClient, username: str) -> None:
    token = CSRF_RE.search(client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, f"login of {username} failed"


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm: templates compiled, caches filled
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def measure(settings: Settings, ctx: dict, runs: int) -> list[tuple[str, str, float, float, int]]:
    app = create_app(settings.model_copy(update={"public_jurisdiction": "bench"}))
    b = ctx["busiest"]
    pages = [
        (None, "/wishes", PAGE_LIMIT_MS),
        (None, f"/wishes?community={b}", PAGE_LIMIT_MS),
        (None, f"/wishes?community={b}&page=20", PAGE_LIMIT_MS),
        ("resident", "/me/wishes", PAGE_LIMIT_MS),
        ("bench-member", "/wishes/mine", PAGE_LIMIT_MS),
        ("staff", "/wishes/staff", PAGE_LIMIT_MS),
        ("staff", "/wishes/staff?status=published", PAGE_LIMIT_MS),
        ("staff", f"/wishes/staff/{ctx['sample']}", PAGE_LIMIT_MS),
        ("staff", "/api/v1/wishes?status=published", PAGE_LIMIT_MS),
        ("staff", f"/api/v1/wishes?community_id={b}&offset=500", PAGE_LIMIT_MS),
        ("leader", "/wishes/stats", PAGE_LIMIT_MS),
        ("leader", "/wishes/stats.xlsx", EXPORT_LIMIT_MS),
        ("leader", f"/wishes/org?org={ctx['first_org']}", PAGE_LIMIT_MS),
        ("leader", f"/wishes/org.xlsx?org={ctx['first_org']}", EXPORT_LIMIT_MS),
    ]
    results = []
    with TestClient(app) as client:
        current = "?"
        for who, path, limit in pages:
            if who != current:
                client.cookies.clear()
                if who == "resident":
                    signer = URLSafeTimedSerializer(settings.secret_key, salt="lianxin-resident")
                    client.cookies.set("lianxin_resident", signer.dumps(ctx["resident_id"]))
                elif who is not None:
                    login(client, ctx["users"].get(who, who))
                current = who

            def get(path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code, response.text[:300])

            median, p95 = timed(get, runs)
            results.append((who or "public", path, median, p95, limit))
    factory = make_sessionmaker(make_engine(settings), settings)
    for label, filters, n, limit in (
        ("台账 the busiest community", {"community_id": b}, runs, COMMUNITY_EXPORT_LIMIT_MS),
        ("台账 every wish", {}, 3, FULL_EXPORT_LIMIT_MS),
    ):

        def export(filters=filters):
            with session_scope(factory) as session:
                export_xlsx(session, ctx["jid"], **filters)

        median, p95 = timed(export, n)
        rows = ctx["in_busiest"] if filters else ctx["total"]
        results.append(("cli", f"lianxin wishes export ({label}, {rows:,} rows)", median, p95, limit))
    return results


def main() -> None:
    logging.disable(logging.INFO)  # no request log lines between the figures
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wishes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1/lianxin_bench")
    parser.add_argument(
        "--keep",
        type=Path,
        help="SQLite only: build into this file and keep it (with FILE.json); an existing FILE is measured again, "
        "not rebuilt (after `lianxin db upgrade` on it, to measure new indexes)",
    )
    args = parser.parse_args()
    if args.keep is not None:
        settings = Settings(
            database_url=f"sqlite:///{args.keep.resolve()}",
            upload_dir=args.keep.parent / "uploads",
            notify_sender="console",
        )
        saved = args.keep.with_suffix(".json")
        started = time.perf_counter()
        if args.keep.exists() and saved.exists():
            ctx, built = json.loads(saved.read_text()), 0.0
        else:
            ctx = prepare(settings, args.wishes)
            saved.write_text(json.dumps(ctx))
            built = time.perf_counter() - started
        results = measure(settings, ctx, args.runs)
    else:
        with database(args.db, args.pg_url) as (url, tmp):
            settings = Settings(database_url=url, upload_dir=tmp / "uploads", notify_sender="console")
            started = time.perf_counter()
            ctx = prepare(settings, args.wishes)
            built = time.perf_counter() - started
            results = measure(settings, ctx, args.runs)
    print(f"wish pages, {args.db}, {ctx['total']:,} wishes (built in {built:.0f} s), {args.runs} runs each (ms)")
    print(f"{'who':<14} {'median':>8} {'p95':>8} {'limit':>7}  page")
    for who, path, median, p95, limit in results:
        flag = "" if median <= limit else "  OVER"
        print(f"{who:<14} {median:8.1f} {p95:8.1f} {limit:7d}  {path}{flag}")
    over = [path for _, path, median, _, limit in results if median > limit]
    print(f"over the limit (median): {', '.join(over) if over else 'none'}")


if __name__ == "__main__":
    main()
