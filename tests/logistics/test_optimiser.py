"""The solver on hand-made instances: the flow fills the earliest trips, respects all three capacity
dimensions and the due times, sends the rest by van (CVRP) and explains each choice."""

from lianxin.logistics.optimiser import Params, ParcelIn, TripIn, VanIn, greedy, hhmm, km_between, solve

HUB = (29.29, 121.43)
POINTS = {1: (29.33, 121.48), 2: (29.36, 121.52), 3: (29.45, 121.62)}


def trip(id, dep, slots=2, kg=100.0, vol=400.0, stops=(10, 20)):
    return TripIn(id, f"1路 T{id}", dep, {s: dep + 20 * (k + 1) for k, s in enumerate(stops)}, slots, kg, vol, 1.5)


def parcel(id, point=1, stop=10, kg=1.0, vol=5.0, ready=360, due=2000):
    return ParcelIn(id, point, stop, kg, vol, ready, due)


VAN = VanIn(1, "V1", 10, 500.0, 100.0, 2.0, 40.0, 480, 1080)
QUICK = Params(van_time_limit_s=0)


def test_earliest_trip_first_then_the_next_with_reasons():
    trips = [trip(1, 420), trip(2, 780)]
    parcels = [parcel(i) for i in range(1, 5)]
    s = solve(parcels, trips, [VAN], HUB, POINTS, QUICK)
    assert s.count("bus") == 4 and s.trip_loads[1]["parcels"] == 2 and s.trip_loads[2]["parcels"] == 2
    late = [a for a in s.assignments.values() if a.trip_id == 2]
    assert all("已满" in a.reason_zh and "full" in a.reason_en for a in late)
    early = [a for a in s.assignments.values() if a.trip_id == 1]
    assert all("最早" in a.reason_zh and a.arrive == 440 for a in early)
    assert s.cost == 6.0 and s.flow_cost is not None and s.unassigned == []


def test_due_times_and_handling_time_rule_trips_out():
    trips = [trip(1, 420), trip(2, 780)]
    s = solve([parcel(1, ready=410), parcel(2, due=450), parcel(3, due=430)], trips, [], HUB, POINTS, QUICK)
    assert s.assignments[1].trip_id == 2  # ready 06:50 + 20 min handling misses the 07:00 trip
    assert s.assignments[2].trip_id == 1
    assert s.assignments[3].mode is None and "no trip or van" in s.assignments[3].reason_en


def test_weight_and_volume_bind_before_slots():
    trips = [trip(1, 420, slots=10, kg=10.0, vol=30.0)]
    parcels = [parcel(i, kg=4.0, vol=10.0) for i in range(1, 6)]
    s = solve(parcels, trips, [], HUB, POINTS, QUICK)
    load = s.trip_loads[1]
    assert load["parcels"] == 2 and load["kg"] <= 10.0 and load["volume_l"] <= 30.0
    assert len(s.unassigned) == 3 and s.flow_rounds >= 2


def test_vans_carry_what_buses_cannot_and_drop_what_they_cannot_reach():
    trips = [trip(1, 420, slots=1)]
    parcels = [parcel(1), parcel(2), parcel(3, point=3, stop=None), parcel(4, point=3, stop=None, due=500)]
    s = solve(parcels, trips, [VAN], HUB, POINTS, Params(van_time_limit_s=0.2))
    assert s.count("bus") == 1 and s.count("van") == 2
    van = [a for a in s.assignments.values() if a.mode == "van"]
    assert all(a.van_id == 1 and a.arrive > a.depart and "货车" in a.reason_zh for a in van)
    assert s.assignments[4].mode is None  # due 08:20, the van starts at 08:00 and needs longer
    assert s.van_routes[0]["km"] > 0 and s.van_cost == s.van_routes[0]["cost"]


def test_van_capacity_splits_a_point_and_leaves_the_overflow():
    parcels = [parcel(i, point=2, stop=None) for i in range(1, 14)]
    s = solve(parcels, [], [VAN], HUB, POINTS, QUICK)
    assert s.count("van") == 10 and len(s.unassigned) == 3
    assert "full" in s.assignments[s.unassigned[0]].reason_en or "van" in s.assignments[s.unassigned[0]].reason_en


def test_the_greedy_baseline_and_helpers():
    trips = [trip(1, 420), trip(2, 780)]
    parcels = [parcel(i) for i in range(1, 5)] + [
        parcel(9, point=3, stop=None),
        parcel(10, point=3, stop=None, ready=900),
    ]
    g = greedy(parcels, trips, [VAN], HUB, POINTS, QUICK)
    assert g.count("bus") == 4 and g.count("van") == 1 and g.unassigned == [10] and g.method == "greedy"
    assert hhmm(None) == "—" and hhmm(1500) == "01:00(+1)" and 0 < km_between(HUB, POINTS[1]) < 10
    assert Params.from_dict({"van_cost_estimate": "5", "junk": 1}).van_cost_estimate == 5.0
