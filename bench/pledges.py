"""Server time of the 办实事 public pages with a very large published list (Chifeng published 7,209 items).

    python bench/pledges.py [--items 10000] [--n 40] [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]

Builds a city (``tests.factories.build_city``) in a scratch database -- a temporary SQLite file, or with
``--pg-url`` a throwaway PostgreSQL database ``<name>_<pid>`` dropped at the end -- and one list of
``--items`` items nested county → street → village → item (10 × 10 × 10 × rest), with a target on every
fifth item, two milestones on every third, a third of the leaves completed and rated, published through
the real ``publish_list`` verb, then changed and published again (so the change history has two
versions). Then it sends each public page ``--n`` times (after 3 untimed warm-ups) through the ASGI app
in-process and prints server time p50 / p95 / max in ms beside the 500 ms limit, and the body size.
Server time runs from the call until the last body byte is sent (session cookie, the database work,
the template, the commit); no network.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from bench.pages import ServerTimer, percentile, scratch_postgres  # noqa: E402
from lianxin.app import create_app  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from lianxin.orgs.models import User  # noqa: E402
from lianxin.pledges import service, versions, work  # noqa: E402
from lianxin.pledges.models import PledgeItem, PledgeMilestone, PledgeRating, PledgeTarget  # noqa: E402
from lianxin.pledges.status import ItemStatus, RatingKind  # noqa: E402

LIMIT_MS = 500.0


def build(settings: Settings, n_items: int) -> tuple[int, int, float]:
    """The city and one published list of ``n_items``; returns (list id, a leaf item id, seconds)."""
    from tests.factories import build_city

    started = time.perf_counter()
    upgrade(settings)
    with session_scope(make_sessionmaker(make_engine(settings), settings)) as session:
        city = build_city(session, "bench")
        leader, jid = city.users["leader"], city.jid
        units = [city.units[k] for k in ("street", "street2", "community", "urban", "housing")]
        plist = versions.create_list(
            session,
            actor=leader,
            title="2026年民生实事清单（压力测试）",
            year=2026,
            owner_unit_id=city.units["city"].id,
        )
        today = service.local_today()
        parents: list[int | None] = [None]
        next_id = (session.scalar(text("SELECT max(id) FROM pledge_items")) or 0) + 1
        item_rows, target_rows, milestone_rows, rating_rows = [], [], [], []
        levels = [10, 10, 10]  # county, street, village; the rest are leaves under the villages
        for depth, fan in enumerate(levels):
            children = []
            for parent in parents:
                for k in range(fan):
                    if next_id - 1 >= n_items:
                        break
                    item_rows.append(_row(jid, plist.id, next_id, parent, f"L{depth}-{next_id}", k, units, today))
                    children.append(next_id)
                    next_id += 1
            parents = children or parents
        leaves = []
        while len(item_rows) < n_items:
            parent = parents[len(leaves) % len(parents)]
            row = _row(jid, plist.id, next_id, parent, f"实事项目 {next_id}", len(leaves), units, today)
            n = len(leaves)
            if n % 3 == 0:
                row.update(status=ItemStatus.COMPLETED, progress=100, completed_on=today - timedelta(days=n % 60))
                rating_rows.append(_rating(jid, next_id, RatingKind.SELF, "self", 90))
                rating_rows.append(_rating(jid, next_id, RatingKind.PUBLIC, f"p{next_id}", 80))
            elif n % 3 == 1:
                row.update(status=ItemStatus.IN_PROGRESS, progress=n % 90 + 5)
            item_rows.append(row)
            if n % 5 == 0:
                target_rows.append(
                    dict(jurisdiction_id=jid, item_id=next_id, name="受益群众", unit="人", target=1000.0, actual=420.0)
                )
            if n % 3 == 0:
                for m in range(2):
                    milestone_rows.append(
                        dict(
                            jurisdiction_id=jid,
                            item_id=next_id,
                            dated=today - timedelta(days=30 - 10 * m),
                            title=f"节点 {m + 1}：完成施工并验收" if m else "节点 1：完成设计与招标",
                            text="现场照片已上传。",
                            progress=50 + 50 * m,
                        )
                    )
            leaves.append(next_id)
            next_id += 1
        for table, rows in (
            (PledgeItem, item_rows),
            (PledgeTarget, target_rows),
            (PledgeMilestone, milestone_rows),
            (PledgeRating, rating_rows),
        ):
            for start in range(0, len(rows), 2000):
                session.execute(insert(table), rows[start : start + 2000])
        session.flush()
        session.expire_all()
        versions.approve_list(session, plist, actor=leader)
        versions.publish_list(session, plist, actor=leader)
        for item_id in leaves[1:40:4]:
            service.update_item(
                session, session.get(PledgeItem, item_id), actor=leader, due_on=today + timedelta(days=90)
            )
        versions.publish_list(session, plist, actor=leader, note="十项事项完成时限顺延")
        list_id, leaf = plist.id, leaves[0]
    return list_id, leaf, time.perf_counter() - started


def _row(jid, list_id, item_id, parent, title, k, units, today: date) -> dict:
    return dict(
        id=item_id,
        jurisdiction_id=jid,
        list_id=list_id,
        parent_id=parent,
        title=title,
        position=k,
        owner_unit_id=units[item_id % len(units)].id,
        co_unit_ids=[],
        lead_official="副区长",
        category="民生保障",
        area="和平街道",
        start_on=date(today.year, 1, 15),
        due_on=date(today.year, 12, 20) if item_id % 7 else today - timedelta(days=5),
        budget_planned=12.5,
        weight=1.0,
        progress=0,
        status=ItemStatus.PLANNED,
    )


def _rating(jid, item_id, kind, key, score) -> dict:
    return dict(jurisdiction_id=jid, item_id=item_id, kind=kind, rater_key=key, score=score)


def measure(timer: ServerTimer, n: int, request) -> tuple[list[float], int, int]:
    for _ in range(3):
        request()
    times, size, status = [], 0, 0
    for _ in range(n):
        response = request()
        times.append(timer.last * 1000)
        size, status = len(response.content), response.status_code
    return times, size, status


def page_table(settings: Settings, list_id: int, leaf: int, n: int, n_items: int) -> list[float]:
    app = create_app(settings)
    timer = ServerTimer(app)
    client = TestClient(timer)
    pages = {
        "GET /pledges                 (lists)": "/pledges",
        "GET /pledges/lists/{id}      (public ledger)": f"/pledges/lists/{list_id}",
        "GET /pledges/lists/{id}  after a change": None,
        "GET /pledges/lists/{id}?page=40": f"/pledges/lists/{list_id}?page=40",
        "GET /pledges/lists/{id}?status=completed": f"/pledges/lists/{list_id}?status=completed",
        "GET /pledges/items/{id}      (item page)": f"/pledges/items/{leaf}",
        "GET /api/v1/commitments/{id}": f"/api/v1/commitments/{list_id}",
    }
    sessions = make_sessionmaker(make_engine(settings), settings)
    moved = iter(range(10**6))

    def change_then_get():
        """A handler reports progress on another item first (its own transaction), so the page's
        whole-list figures are recomputed: the worst case, a page view right after any change."""
        with session_scope(sessions) as session:
            item = session.get(PledgeItem, in_progress[next(moved) % len(in_progress)])
            leader = session.get(User, leader_id)
            work.report_progress(session, item, actor=leader, progress=(item.progress + 1) % 99 or 1)
        return client.get(f"/pledges/lists/{list_id}")

    with session_scope(sessions) as session:
        in_progress = list(
            session.scalars(
                select(PledgeItem.id).where(PledgeItem.list_id == list_id, PledgeItem.status == ItemStatus.IN_PROGRESS)
            )
        )
        leader_id = session.scalar(select(User.id).where(User.username == "bench-leader"))
    print(f"\nserver time per page, {n} requests each, list of {n_items} items (ms; limit {LIMIT_MS:.0f})")
    print(f"{'page':44} {'p50':>7} {'p95':>7} {'max':>7} {'limit':>6} {'bytes':>8}  status")
    p95s = []
    with client:
        for name, path in pages.items():
            request = change_then_get if path is None else (lambda path=path: client.get(path))
            times, size, status = measure(timer, n, request)
            p95 = percentile(times, 95)
            p95s.append(p95)
            verdict = "ok" if p95 <= LIMIT_MS else "OVER"
            print(
                f"{name:44} {statistics.median(times):7.1f} {p95:7.1f} {max(times):7.1f} {LIMIT_MS:6.0f} "
                f"{size:8d}  {status} {verdict}"
            )
    return p95s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--pg-url", default=None, help="run on PostgreSQL (a throwaway database next to this one)")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the request log would drown the table
    with tempfile.TemporaryDirectory() as tmp:
        admin = name = None
        if args.pg_url:
            admin, name, url = scratch_postgres(args.pg_url)
        else:
            url = f"sqlite:///{tmp}/pledges.db"
        settings = Settings(database_url=url, upload_dir=Path(tmp) / "uploads", notify_sender="console")
        try:
            list_id, leaf, seconds = build(settings, args.items)
            print(f"list of {args.items} items on {url.split(':')[0]} built and published twice in {seconds:.1f} s")
            page_table(settings, list_id, leaf, args.n, args.items)
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
