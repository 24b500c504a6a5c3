"""The lower bound: never above the plan's penalised cost (on random instances of every shape), equal to it
when the plan is optimal, and it prices a van parcel at what no route can undercut."""

import random

import pytest

from lianxin.logistics.bound import gap, lower_bound, penalised, van_floor
from lianxin.logistics.optimiser import Params, ParcelIn, TripIn, VanIn, km_between, solve
from tests.logistics.test_optimiser import HUB, POINTS, QUICK, VAN, parcel, trip


def test_a_bus_only_plan_is_optimal_and_the_bound_says_so():
    trips = [trip(1, 420), trip(2, 780)]
    parcels = [parcel(i) for i in range(1, 5)] + [parcel(9, due=430)]  # the last one no trip reaches in time
    s = solve(parcels, trips, [], HUB, POINTS, QUICK)
    plan = penalised(s.cost, len(s.unassigned), QUICK)
    assert plan == 6.0 + 200.0
    assert lower_bound(parcels, trips, [], HUB, POINTS, QUICK) == plan and gap(plan, plan) == 0.0


def test_the_van_price_no_route_can_undercut():
    floor = van_floor([VAN], HUB, POINTS[3])
    assert floor == pytest.approx((100.0 + 2.0 * (2 * km_between(HUB, POINTS[3]) - 0.002)) / 10)
    parcels = [parcel(i, point=3, stop=None) for i in range(1, 11)]  # one full van to point 3 and back
    s = solve(parcels, [], [VAN], HUB, POINTS, Params(van_time_limit_s=0.2))
    bound = lower_bound(parcels, [], [VAN], HUB, POINTS, QUICK)
    assert s.count("van") == 10 and bound == pytest.approx(s.cost, abs=0.11)  # optimal: the bound is tight
    assert van_floor([], HUB, POINTS[3]) == float("inf") and lower_bound([], [], [], HUB, POINTS) == 0.0
    assert gap(100.0, None) is None and gap(0.0, 0.0) is None and gap(100.0, 90.0) == pytest.approx(0.1)


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_never_exceeds_the_plan(seed):
    rng = random.Random(seed)
    stops = {1: 10, 2: 20, 3: None}
    trips = [
        TripIn(j, f"T{j}", dep, {10: dep + 20, 20: dep + 45}, rng.randint(0, 4), rng.choice([6.0, 40.0]), 60.0, 1.5)
        for j, dep in enumerate(rng.sample(range(360, 1080, 30), 4), 1)
    ]
    vans = [VanIn(k, f"V{k}", rng.randint(2, 8), 60.0, rng.choice([60.0, 120.0]), 2.0, 35.0, 480, 1080) for k in (1, 2)]
    parcels = []
    for i in range(1, rng.randint(5, 30)):
        point = rng.choice([1, 2, 3])
        ready = rng.randint(300, 900)
        kg = rng.choice([0.5, 2.0, 9.0])
        parcels.append(
            ParcelIn(i, point, stops[point], kg, rng.choice([5.0, 20.0]), ready, ready + rng.choice([60, 300, 1440]))
        )
    params = Params(van_time_limit_s=0)
    fleet = vans[: rng.randint(0, 2)]
    s = solve(parcels, trips, fleet, HUB, POINTS, params)
    bound = lower_bound(parcels, trips, fleet, HUB, POINTS, params)
    plan = penalised(s.cost, len(s.unassigned), params)
    assert bound <= plan + 1e-6
    assert 0.0 <= gap(plan, bound) <= 1.0


def test_a_van_fixed_cost_is_not_spread_over_parcels_it_would_never_carry():
    """One parcel, a trip and a van: a van parcel's full share (fixed cost over a full van) is below the bus
    fare, but a van carrying one parcel costs its whole fixed cost, so the bus plan is optimal."""
    cheap_van = VanIn(1, "V1", 150, 800.0, 120.0, 0.1, 40.0, 480, 1080)
    assert van_floor([cheap_van], HUB, POINTS[1]) < 1.5
    parcels, trips = [parcel(1)], [trip(1, 540)]
    s = solve(parcels, trips, [cheap_van], HUB, POINTS, QUICK)
    assert s.count("bus") == 1 and s.cost == 1.5
    assert lower_bound(parcels, trips, [cheap_van], HUB, POINTS, QUICK) == 1.5
