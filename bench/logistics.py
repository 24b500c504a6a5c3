"""客货邮 plan quality and solve time: the OR-Tools plan against a greedy baseline, 1,000 / 10,000 / 50,000 parcels a day.

    python bench/logistics.py [--parcels 1000 10000 50000] [--seed 7] [--van-seconds 1.0]

No database: the pure solver (``lianxin.logistics.optimiser``) on the demo county's shape — the hub, 8 radial
bus routes with 30 villages (``lianxin.logistics.demo.demo_feed``) — with the timetable and the fleet scaled to
the day's volume: hourly trips 06:00–19:00 whose compartments together hold about 85 % of the parcels (each
trip 8 kg and 20 l per slot), and one 150-parcel van per 1,000 parcels (at least three). Parcels: sizes
70/25/5 % small/medium/large, 0.2–12 kg, ready 05:00–15:00, due 24/36/48 h later, destinations weighted 3:1
towards the 集士驿站. Each row prints, for the solver and the greedy baseline (most urgent first onto the
earliest trip with room, then vans nearest-point-first): solve seconds beside the limit, cost (bus fares +
van fixed and per-km costs), cost per delivered parcel, share by bus, unassigned, median hours from ready to
arrival, and beside the plan's penalised cost (cost + 200 yuan per unassigned parcel) a lower bound that no
plan of the same input can beat (``lianxin.logistics.bound``: the exact optimum of a min-cost-flow relaxation)
and the gap between them, the most the plan can be above the optimum.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lianxin.logistics.bound import gap, lower_bound, penalised  # noqa: E402
from lianxin.logistics.demo import demo_feed  # noqa: E402
from lianxin.logistics.gtfs import read_feed  # noqa: E402
from lianxin.logistics.models import SIZE_VOLUME_L, ParcelSize  # noqa: E402
from lianxin.logistics.optimiser import Params, ParcelIn, TripIn, VanIn, greedy, solve  # noqa: E402

LIMITS = {1000: 5.0, 10000: 20.0, 50000: 90.0}  # seconds: a re-plan the desk waits for


def county(n: int, rng: random.Random):
    feed = read_feed(demo_feed(rng))
    stops = {row["stop_id"]: (float(row["stop_lat"]), float(row["stop_lon"])) for row in feed["stops.txt"]}
    hub = stops.pop("HUB")
    ids = {code: i for i, code in enumerate(sorted(stops), 1)}
    routes: dict[str, list[tuple[str, int]]] = {}
    first = {}
    for row in feed["stop_times.txt"]:
        trip = row["trip_id"]
        if trip.endswith("WK1"):
            h, m, _ = map(int, row["arrival_time"].split(":"))
            first.setdefault(trip, h * 60 + m)
            if row["stop_id"] != "HUB":
                routes.setdefault(trip, []).append((row["stop_id"], h * 60 + m - first[trip]))
    departures = list(range(6 * 60, 19 * 60 + 1, 60))
    slots = max(1, round(0.85 * n / (len(routes) * len(departures))))
    trips, tid = [], 0
    for name, offsets in sorted(routes.items()):
        for dep in departures:
            tid += 1
            arrivals = {ids[s]: dep + off for s, off in offsets}
            trips.append(
                TripIn(tid, f"{name[:-4]}@{dep // 60:02d}", dep, arrivals, slots, 8.0 * slots, 20.0 * slots, 1.5)
            )
    vans = [VanIn(k + 1, f"V{k + 1}", 150, 800.0, 120.0, 2.0, 35.0, 8 * 60, 18 * 60) for k in range(max(3, n // 1000))]
    points = {ids[code]: latlng for code, latlng in stops.items()}
    weights = [3 if (i - 1) % 3 == 0 else 1 for i in sorted(points)]
    parcels = []
    for pid in range(1, n + 1):
        point = rng.choices(sorted(points), weights)[0]
        size = rng.choices(list(ParcelSize), (70, 25, 5))[0]
        ready = rng.randint(5 * 60, 15 * 60)
        kg = round(rng.uniform(0.2, 3 if size == ParcelSize.S else 12), 1)
        parcels.append(
            ParcelIn(pid, point, point, kg, SIZE_VOLUME_L[size], ready, ready + 60 * rng.choice((24, 36, 48)))
        )
    return parcels, trips, vans, hub, points


def figures(solution, parcels) -> dict:
    ready = {p.id: p.ready for p in parcels}
    delivered = [a for a in solution.assignments.values() if a.mode]
    hours = [(a.arrive - ready[a.parcel_id]) / 60 for a in delivered if a.arrive is not None]
    return {
        "cost": solution.cost,
        "per": solution.cost / len(delivered) if delivered else float("nan"),
        "bus": solution.count("bus") / len(parcels),
        "unassigned": len(solution.unassigned),
        "hours": statistics.median(hours) if hours else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parcels", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--van-seconds", type=float, default=1.0, help="guided local search time for the van routes")
    args = parser.parse_args()
    print(f"{'parcels':>8} {'method':>7} {'seconds':>8} {'limit':>9} {'cost':>11} {'¥/parcel':>9} {'by bus':>7} "
          f"{'unassigned':>10} {'median h':>8} {'penalised':>11} {'lower bound':>11} {'gap':>6}")  # fmt: skip
    for n in args.parcels:
        parcels, trips, vans, hub, points = county(n, random.Random(args.seed))
        limit = LIMITS.get(n, n / 500)
        started = time.perf_counter()
        floor = lower_bound(parcels, trips, vans, hub, points)
        bound_seconds = time.perf_counter() - started
        for method in ("ortools", "greedy"):
            started = time.perf_counter()
            if method == "ortools":
                solution = solve(parcels, trips, vans, hub, points, Params(van_time_limit_s=args.van_seconds))
            else:
                solution = greedy(parcels, trips, vans, hub, points)
            seconds = time.perf_counter() - started
            f = figures(solution, parcels)
            plan = penalised(solution.cost, f["unassigned"])
            verdict = "ok" if seconds <= limit else "OVER"
            print(f"{n:>8} {method:>7} {seconds:>8.2f} {limit:>4.0f} {verdict:<4} {f['cost']:>11,.2f} {f['per']:>9.2f} "
                  f"{f['bus']:>7.1%} {f['unassigned']:>10} {f['hours']:>8.1f} {plan:>11,.2f} {floor:>11,.2f} "
                  f"{gap(plan, floor):>6.1%}")  # fmt: skip
        print(f"{'':>8} trips {len(trips)} × {trips[0].slots} slots, vans {len(vans)}, points {len(points)}; "
              f"the bound took {bound_seconds:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
