"""Volunteer service and points on SQLite (a temporary file, the app's engine): how long the module's demo
takes, and redemptions per second at the 爱心超市 (one transaction each: points entry + stock moves), with
the ledger check (sum zero, cached balances = entries) and 账物相符 at the end.

    .venv/bin/python bench/volunteers.py [--n 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.factories

from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from lianxin.points import service as points  # noqa: E402
from lianxin.volunteers import market  # noqa: E402
from lianxin.volunteers.demo import build_demo  # noqa: E402
from lianxin.volunteers.models import Good  # noqa: E402
from lianxin.wishes.models import Member  # noqa: E402
from lianxin.wishes.people import create_member  # noqa: E402
from tests.factories import build_city  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300, help="redemptions to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(settings)
        factory = make_sessionmaker(make_engine(settings, immediate=True), settings)
        with session_scope(factory) as s:
            city = build_city(s, code="bench")
            people = [
                create_member(s, jurisdiction_id=city.jid, name=f"志愿者{i}", phone=f"1370000{i:04d}", kind="volunteer")
                for i in range(40)
            ]
            jid, community = city.jid, city.units["community"].id
            started = time.perf_counter()
            report = build_demo(s, jid, random.Random(2026), communities=1)
            demo_s = time.perf_counter() - started
            for m in people:
                points.grant(s, member=m, amount=10 * args.n, memo="bench", actor=None)
            good = market.add_good(s, jurisdiction_id=jid, community_id=community, name="bench 毛巾", price_points=1)
            market.donate(s, good, quantity=args.n * 2, donor_kind="enterprise", donor_name="bench", actor=None)
            ids, good_id = [m.id for m in people], good.id
        started = time.perf_counter()
        for i in range(args.n):
            with session_scope(factory) as s:
                market.redeem(s, s.get(Member, ids[i % len(ids)]), [(s.get(Good, good_id), 1)], actor=None)
        per_s = args.n / (time.perf_counter() - started)
        with session_scope(factory) as s:
            started = time.perf_counter()
            check = points.check_ledger(s, jid)
            check_ms = (time.perf_counter() - started) * 1000
            mismatches = market.register_mismatches(s, jid)
        print(f"demo (one community): {demo_s:.2f} s — {report}")
        print(f"redemptions: {per_s:.0f}/s over {args.n} (SQLite, one transaction each)")
        print(
            f"ledger check: {check.entries} entries, {check.accounts} accounts, sum {check.total}, "
            f"balanced {check.balanced}, {check_ms:.0f} ms; stock = register: {not mismatches}"
        )


if __name__ == "__main__":
    main()
