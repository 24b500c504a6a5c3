"""The plan solver, pure (no database): parcels at the hub → bus trips with spare capacity, vans for the rest.

1. **Assignment by min-cost flow** (OR-Tools ``SimpleMinCostFlow``) over the day's trip network: a unit of flow
   is a parcel; a parcel may take a trip that calls at the hub after the parcel is ready (plus handling time)
   and at the parcel's village stop before it is due, at the trip's price per parcel plus a delay cost per hour
   of dwell; or the van pool at an estimated price per parcel; or stay unassigned at a penalty. Trips carry at
   most their spare parcel slots. The flow solve is exact; weight and volume (the compartment's other two
   dimensions) are enforced by tightening an overloaded trip's slot capacity and solving again.
2. **Van legs by capacitated vehicle routing** (OR-Tools routing): the van parcels, grouped per service point
   (split when larger than a van), are routed from the hub with capacity dimensions (parcels, kg), a time
   dimension (each point's earliest due time, the vans' working hours) and fixed plus per-km costs; a point no
   van can serve in time is dropped and its parcels stay unassigned.

All times are minutes after midnight of the service date (local time); money is yuan.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

MAX_ROUNDS = 8  # weight/volume tightening rounds of the flow
DROP_PENALTY = 10_000_000  # fen per parcel: the routing drops a point only when no van can serve it in time
ROAD_FACTOR = 1.3  # road distance ≈ 1.3 × great-circle in hilly rural counties


@dataclass(frozen=True)
class TripIn:
    id: int
    label: str
    hub_departure: int  # minutes
    arrivals: dict[int, int]  # stop id → arrival minute, stops after the hub only
    slots: int
    kg: float
    volume_l: float
    cost_per_parcel: float


@dataclass(frozen=True)
class ParcelIn:
    id: int
    point_id: int
    stop_id: int | None
    kg: float
    volume_l: float
    ready: int
    due: int


@dataclass(frozen=True)
class VanIn:
    id: int
    label: str
    capacity_parcels: int
    capacity_kg: float
    fixed_cost: float
    cost_per_km: float
    speed_kmh: float
    start: int
    end: int


@dataclass(frozen=True)
class Params:
    """The objective and constraints as data (stored with every plan run)."""

    van_cost_estimate: float = 8.0  # yuan per parcel, the assignment's price for "send it by van"
    delay_cost_per_hour: float = 0.2  # yuan per parcel per hour between ready and arrival
    unassigned_penalty: float = 200.0
    handling_min: int = 20  # sorting and loading at the hub before a departure
    van_departure_latest: int = 11 * 60  # a parcel ready after this misses the vans of the day
    stop_service_min: int = 8  # a van's stop at a service point
    van_time_limit_s: float = 1.0  # guided local search for the van routes (0: first solution only)

    @classmethod
    def from_dict(cls, data: dict | None) -> Params:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**{k: type(getattr(cls, k))(v) for k, v in known.items()})

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Assignment:
    parcel_id: int
    mode: str | None  # "bus", "van" or None (unassigned)
    trip_id: int | None = None
    van_id: int | None = None
    depart: int | None = None
    arrive: int | None = None
    cost: float = 0.0
    reason_zh: str = ""
    reason_en: str = ""


@dataclass
class Solution:
    assignments: dict[int, Assignment]
    trip_loads: dict[int, dict]
    van_routes: list[dict]
    bus_cost: float
    van_cost: float
    flow_cost: float | None  # the assignment stage's optimum (exact), in yuan
    solve_ms: int
    method: str = "ortools"
    flow_rounds: int = 0

    @property
    def cost(self) -> float:
        return round(self.bus_cost + self.van_cost, 2)

    @property
    def unassigned(self) -> list[int]:
        return [a.parcel_id for a in self.assignments.values() if a.mode is None]

    def count(self, mode: str) -> int:
        return sum(1 for a in self.assignments.values() if a.mode == mode)


def hhmm(minute: int | None) -> str:
    if minute is None:
        return "—"
    day, rest = divmod(int(minute), 1440)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return text + (f"(+{day})" if day > 0 else "")


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Road kilometres between two (lat, lng) points (haversine × ROAD_FACTOR)."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h)) * ROAD_FACTOR


def _feasible(parcel: ParcelIn, trip: TripIn, params: Params) -> int | None:
    """The trip's arrival at the parcel's stop if it can carry the parcel in time, else None."""
    if parcel.stop_id is None or trip.hub_departure < parcel.ready + params.handling_min:
        return None
    arrive = trip.arrivals.get(parcel.stop_id)
    if arrive is None or arrive > parcel.due:
        return None
    return arrive


def _van_reachable(parcel: ParcelIn, hub: tuple[float, float], points: dict, vans: list[VanIn], params: Params) -> bool:
    if not vans or parcel.ready + params.handling_min > params.van_departure_latest:
        return False
    start = max(min(v.start for v in vans), parcel.ready + params.handling_min)
    fastest = max(v.speed_kmh for v in vans)
    return start + km_between(hub, points[parcel.point_id]) / fastest * 60 <= min(parcel.due, max(v.end for v in vans))


def solve(
    parcels: list[ParcelIn],
    trips: list[TripIn],
    vans: list[VanIn],
    hub: tuple[float, float],
    points: dict[int, tuple[float, float]],
    params: Params | None = None,
) -> Solution:
    from ortools.graph.python import min_cost_flow

    params = params or Params()
    started = time.perf_counter()
    by_stop: dict[int, list[tuple[int, TripIn, int]]] = {}  # stop → (trip index, trip, arrival)
    for j, t in enumerate(trips):
        for stop, arrive in t.arrivals.items():
            by_stop.setdefault(stop, []).append((j, t, arrive))
    options: list[list[tuple[int, int, int]]] = []  # per parcel: (trip index, arrival, cost in fen)
    van_ok: list[bool] = []
    for p in parcels:
        row = []
        for j, t, arrive in by_stop.get(p.stop_id, ()) if p.stop_id is not None else ():
            if t.hub_departure >= p.ready + params.handling_min and arrive <= p.due:
                cost = t.cost_per_parcel + params.delay_cost_per_hour * max(0, arrive - p.ready) / 60
                row.append((j, arrive, round(cost * 100)))
        options.append(row)
        van_ok.append(_van_reachable(p, hub, points, vans, params))

    n, m = len(parcels), len(trips)
    source, first_trip = 0, 1 + n
    van_node, none_node, sink = first_trip + m, first_trip + m + 1, first_trip + m + 2
    caps = [t.slots for t in trips]
    van_capacity = sum(v.capacity_parcels for v in vans)
    van_fen = round(params.van_cost_estimate * 100)
    penalty = round(params.unassigned_penalty * 100)
    chosen: list[int] = [-1] * n  # trip index, -2 van, -1 none
    flow_cost = 0
    rounds = 0
    # Static arcs, built once: source → parcel, parcel → trip / van / none.
    tails, heads, costs = [], [], []
    for i, row in enumerate(options):
        for ti, _, cost in row:
            tails.append(1 + i)
            heads.append(first_trip + ti)
            costs.append(cost)
        if van_ok[i]:
            tails.append(1 + i)
            heads.append(van_node)
            costs.append(van_fen)
        tails.append(1 + i)
        heads.append(none_node)
        costs.append(penalty)
    parcel_arcs = (np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64), np.array(costs, dtype=np.int64))
    while True:
        rounds += 1
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            np.zeros(n, dtype=np.int64),
            np.arange(1, n + 1, dtype=np.int64),
            np.ones(n, dtype=np.int64),
            np.zeros(n, dtype=np.int64),
        )
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            parcel_arcs[0], parcel_arcs[1], np.ones(len(parcel_arcs[0]), dtype=np.int64), parcel_arcs[2]
        )
        flow.add_arcs_with_capacity_and_unit_cost(
            np.array([first_trip + j for j in range(m)] + [van_node, none_node], dtype=np.int64),
            np.full(m + 2, sink, dtype=np.int64),
            np.array([*caps, van_capacity, n], dtype=np.int64),
            np.zeros(m + 2, dtype=np.int64),
        )
        flow.set_nodes_supplies(np.array([source, sink], dtype=np.int64), np.array([n, -n], dtype=np.int64))
        status = flow.solve()
        if status != flow.OPTIMAL:  # pragma: no cover - the none arc makes every instance feasible
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flow_cost = flow.optimal_cost()
        flows = flow.flows(arcs)
        used = np.nonzero(flows)[0]
        chosen = [-1] * n
        for arc in used:
            parcel = int(parcel_arcs[0][arc]) - 1
            head = int(parcel_arcs[1][arc])
            chosen[parcel] = head - first_trip if head < van_node else (-2 if head == van_node else -1)
        # Weight and volume: tighten overloaded trips and solve again.
        kg = [0.0] * m
        vol = [0.0] * m
        count = [0] * m
        for i, c in enumerate(chosen):
            if c >= 0:
                kg[c] += parcels[i].kg
                vol[c] += parcels[i].volume_l
                count[c] += 1
        tightened = False
        for j, t in enumerate(trips):
            if count[j] and (kg[j] > t.kg + 1e-9 or vol[j] > t.volume_l + 1e-9):
                caps[j] = _fitting([parcels[i] for i, c in enumerate(chosen) if c == j], t)
                tightened = True
        if not tightened or rounds >= MAX_ROUNDS:
            break
    for j, t in enumerate(trips):  # still overloaded after the last round: the bulkiest wait
        on = sorted((i for i, c in enumerate(chosen) if c == j), key=lambda i: (parcels[i].volume_l, parcels[i].kg))
        keep = _fitting([parcels[i] for i in on], t)
        for i in on[keep:]:
            chosen[i] = -1

    _fill(parcels, trips, options, chosen)
    assignments: dict[int, Assignment] = {}
    trip_loads = {t.id: {"parcels": 0, "kg": 0.0, "volume_l": 0.0} for t in trips}
    bus_cost = 0.0
    van_parcels: list[ParcelIn] = []
    for i, p in enumerate(parcels):
        c = chosen[i]
        if c >= 0:
            t = trips[c]
            arrive = next(a for ti, a, _ in options[i] if ti == c)
            earlier = [trips[ti].label for ti, a, _ in options[i] if a < arrive]
            a = Assignment(p.id, "bus", trip_id=t.id, depart=t.hub_departure, arrive=arrive, cost=t.cost_per_parcel)
            if earlier:
                a.reason_zh = f"更早到达的班次（{'、'.join(earlier[:3])}）已满；{t.label} {hhmm(t.hub_departure)} 发车，{hhmm(arrive)} 到站，早于截止时间 {hhmm(p.due)}"
                a.reason_en = f"earlier trips ({', '.join(earlier[:3])}) were full; {t.label} leaves {hhmm(t.hub_departure)}, arrives {hhmm(arrive)}, before the due time {hhmm(p.due)}"
            else:
                a.reason_zh = f"最早能送达的班次：{t.label} {hhmm(t.hub_departure)} 发车，{hhmm(arrive)} 到站，早于截止时间 {hhmm(p.due)}，每件 {t.cost_per_parcel:.2f} 元"
                a.reason_en = f"the earliest trip that gets there: {t.label} leaves {hhmm(t.hub_departure)}, arrives {hhmm(arrive)}, before the due time {hhmm(p.due)}, {t.cost_per_parcel:.2f} yuan a parcel"
            load = trip_loads[t.id]
            load["parcels"] += 1
            load["kg"] = round(load["kg"] + p.kg, 3)
            load["volume_l"] = round(load["volume_l"] + p.volume_l, 3)
            bus_cost += t.cost_per_parcel
            assignments[p.id] = a
        elif c == -2:
            van_parcels.append(p)
        else:
            assignments[p.id] = _unassigned(p, options[i], van_ok[i])
    routes, van_cost = route_vans(
        van_parcels,
        vans,
        hub,
        points,
        params,
        assignments,
        options_of={p.id: options[i] for i, p in enumerate(parcels)},
    )
    return Solution(
        assignments=assignments,
        trip_loads=trip_loads,
        van_routes=routes,
        bus_cost=round(bus_cost, 2),
        van_cost=round(van_cost, 2),
        flow_cost=round(flow_cost / 100, 2),
        solve_ms=round((time.perf_counter() - started) * 1000),
        flow_rounds=rounds,
    )


def _fill(parcels: list[ParcelIn], trips: list[TripIn], options: list, chosen: list[int]) -> None:
    """Repair after the weight/volume tightening: a parcel left for a van or unassigned takes any feasible
    trip that still has room in all three dimensions (earliest arrival first)."""
    room = [[t.slots, t.kg, t.volume_l] for t in trips]
    for i, c in enumerate(chosen):
        if c >= 0:
            room[c][0] -= 1
            room[c][1] -= parcels[i].kg
            room[c][2] -= parcels[i].volume_l
    for i in sorted((i for i, c in enumerate(chosen) if c < 0), key=lambda i: parcels[i].due):
        p = parcels[i]
        for j, _, _ in sorted(options[i], key=lambda o: o[1]):
            r = room[j]
            if r[0] >= 1 and r[1] >= p.kg - 1e-9 and r[2] >= p.volume_l - 1e-9:
                r[0], r[1], r[2] = r[0] - 1, r[1] - p.kg, r[2] - p.volume_l
                chosen[i] = j
                break


def _fitting(group: list[ParcelIn], trip: TripIn) -> int:
    """How many of ``group`` fit the trip's weight and volume, smallest first."""
    kg = vol = 0.0
    fit = 0
    for p in sorted(group, key=lambda p: max(p.kg / max(trip.kg, 1e-9), p.volume_l / max(trip.volume_l, 1e-9))):
        kg, vol = kg + p.kg, vol + p.volume_l
        if kg > trip.kg + 1e-9 or vol > trip.volume_l + 1e-9:
            break
        fit += 1
    return fit


def _unassigned(p: ParcelIn, options: list, van_ok: bool) -> Assignment:
    if p.stop_id is None and not van_ok:
        zh, en = "服务点没有公交站，且货车当天无法送达", "the point has no bus stop and no van reaches it today"
    elif not options and not van_ok:
        zh, en = "今天没有能在截止前送达的班次或货车", "no trip or van gets it there before it is due today"
    elif options:
        zh, en = "能送达的班次都已满，货车也已满", "every trip that gets there is full, and so are the vans"
    else:
        zh, en = "没有班次能在截止前送达，货车已满", "no trip gets there in time, and the vans are full"
    return Assignment(p.id, None, reason_zh=zh + "，留待下一次排班", reason_en=en + "; it waits for the next plan")


def route_vans(
    van_parcels: list[ParcelIn],
    vans: list[VanIn],
    hub: tuple[float, float],
    points: dict[int, tuple[float, float]],
    params: Params,
    assignments: dict[int, Assignment],
    options_of: dict[int, list] | None = None,
) -> tuple[list[dict], float]:
    """CVRP with time windows for the van parcels; fills ``assignments`` and returns (routes, cost)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    if not van_parcels:
        return [], 0.0
    options_of = options_of or {}
    biggest = max(v.capacity_parcels for v in vans)
    heaviest = max(v.capacity_kg for v in vans)
    by_point: dict[int, list[ParcelIn]] = {}
    for p in sorted(van_parcels, key=lambda p: (p.point_id, p.due)):
        by_point.setdefault(p.point_id, []).append(p)
    nodes: list[tuple[int, list[ParcelIn]]] = []  # (point id, parcels); node 0 is the hub
    for point_id, group in by_point.items():
        chunk: list[ParcelIn] = []
        for p in group:
            if chunk and (len(chunk) >= biggest or sum(q.kg for q in chunk) + p.kg > heaviest):
                nodes.append((point_id, chunk))
                chunk = []
            chunk.append(p)
        nodes.append((point_id, chunk))
    coords = [hub] + [points[pid] for pid, _ in nodes]
    size = len(coords)
    metres = [[round(km_between(coords[a], coords[b]) * 1000) for b in range(size)] for a in range(size)]
    depart = max(min(v.start for v in vans), max(p.ready for p in van_parcels) + params.handling_min)
    manager = pywrapcp.RoutingIndexManager(size, len(vans), 0)
    routing = pywrapcp.RoutingModel(manager)
    for k, van in enumerate(vans):
        per_km = van.cost_per_km

        def arc_cost(i, j, per_km=per_km):
            return round(metres[manager.IndexToNode(i)][manager.IndexToNode(j)] * per_km / 10)  # fen

        routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitCallback(arc_cost), k)
        routing.SetFixedCostOfVehicle(round(van.fixed_cost * 100), k)
    counts = [0] + [len(g) for _, g in nodes]
    grams = [0] + [round(sum(p.kg for p in g) * 1000) for _, g in nodes]
    count_cb = routing.RegisterUnaryTransitCallback(lambda i: counts[manager.IndexToNode(i)])
    kg_cb = routing.RegisterUnaryTransitCallback(lambda i: grams[manager.IndexToNode(i)])
    routing.AddDimensionWithVehicleCapacity(count_cb, 0, [v.capacity_parcels for v in vans], True, "parcels")
    routing.AddDimensionWithVehicleCapacity(kg_cb, 0, [round(v.capacity_kg * 1000) for v in vans], True, "grams")
    speed = min(v.speed_kmh for v in vans)

    def minutes(i, j):
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return math.ceil(metres[a][b] / 1000 / speed * 60) + (params.stop_service_min if a else 0)

    time_cb = routing.RegisterTransitCallback(minutes)
    horizon = 3 * 1440
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    for k, van in enumerate(vans):
        start = max(van.start, depart)
        clock.CumulVar(routing.Start(k)).SetRange(min(start, van.end), van.end)
        clock.CumulVar(routing.End(k)).SetRange(0, van.end)
    for node in range(1, size):
        due = min(p.due for p in nodes[node - 1][1])
        index = manager.NodeToIndex(node)
        clock.CumulVar(index).SetRange(0, max(0, min(due, horizon)))
        routing.AddDisjunction([index], DROP_PENALTY * counts[node])  # serve it unless no van can
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    if params.van_time_limit_s > 0:
        search.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        search.time_limit.FromMilliseconds(round(params.van_time_limit_s * 1000))
    solution = routing.SolveWithParameters(search)
    routes: list[dict] = []
    total = 0.0
    served: set[int] = set()
    if solution is not None:
        for k, van in enumerate(vans):
            index = routing.Start(k)
            if routing.IsEnd(solution.Value(routing.NextVar(index))):
                continue
            stops, metres_run = [], 0
            start_min = solution.Value(clock.CumulVar(index))
            while not routing.IsEnd(index):
                nxt = solution.Value(routing.NextVar(index))
                metres_run += metres[manager.IndexToNode(index)][manager.IndexToNode(nxt)]
                node = manager.IndexToNode(nxt)
                if node:
                    arrive = solution.Value(clock.CumulVar(nxt))
                    point_id, group = nodes[node - 1]
                    served.add(node)
                    stops.append({"point_id": point_id, "arrive": arrive, "parcels": [p.id for p in group]})
                    for p in group:
                        zh = "没有公交班次能在截止前送达" if not options_of.get(p.id) else "能送达的公交班次已满"
                        en = (
                            "no bus trip gets there before it is due"
                            if not options_of.get(p.id)
                            else "the bus trips that get there are full"
                        )
                        assignments[p.id] = Assignment(
                            p.id,
                            "van",
                            van_id=van.id,
                            depart=start_min,
                            arrive=arrive,
                            reason_zh=f"{zh}，由货车 {van.label} 配送，{hhmm(start_min)} 出发，约 {hhmm(arrive)} 到站",
                            reason_en=f"{en}: van {van.label} leaves {hhmm(start_min)}, arrives about {hhmm(arrive)}",
                        )
                index = nxt
            km = metres_run / 1000
            cost = van.fixed_cost + km * van.cost_per_km
            total += cost
            share = cost / max(1, sum(len(s["parcels"]) for s in stops))
            for s in stops:
                for pid in s["parcels"]:
                    assignments[pid].cost = round(share, 2)
            routes.append(
                {
                    "van_id": van.id,
                    "label": van.label,
                    "start": start_min,
                    "end": solution.Value(clock.CumulVar(index)),
                    "km": round(km, 1),
                    "cost": round(cost, 2),
                    "stops": stops,
                }
            )
    for node in range(1, size):
        if node not in served:
            for p in nodes[node - 1][1]:
                assignments[p.id] = Assignment(
                    p.id,
                    None,
                    reason_zh="公交已满，货车在工作时间内无法在截止前送达，留待下一次排班",
                    reason_en="the buses are full and no van gets there in time within its hours; it waits for the next plan",
                )
    return routes, total


def greedy(
    parcels: list[ParcelIn],
    trips: list[TripIn],
    vans: list[VanIn],
    hub: tuple[float, float],
    points: dict[int, tuple[float, float]],
    params: Params | None = None,
) -> Solution:
    """The baseline a desk would do by hand: most urgent first, the earliest trip with room, else a van filled
    nearest-point-first; no optimisation. Used by the bench to measure what the solver gains."""
    params = params or Params()
    started = time.perf_counter()
    left = {t.id: [t.slots, t.kg, t.volume_l] for t in trips}
    assignments: dict[int, Assignment] = {}
    trip_loads = {t.id: {"parcels": 0, "kg": 0.0, "volume_l": 0.0} for t in trips}
    bus_cost = 0.0
    pending: list[ParcelIn] = []
    for p in sorted(parcels, key=lambda p: (p.due, p.id)):
        best = None
        for t in trips:
            arrive = _feasible(p, t, params)
            room = left[t.id]
            if arrive is not None and room[0] >= 1 and room[1] >= p.kg and room[2] >= p.volume_l:
                if best is None or arrive < best[1]:
                    best = (t, arrive)
        if best is None:
            pending.append(p)
            continue
        t, arrive = best
        room = left[t.id]
        room[0] -= 1
        room[1] -= p.kg
        room[2] -= p.volume_l
        trip_loads[t.id]["parcels"] += 1
        bus_cost += t.cost_per_parcel
        assignments[p.id] = Assignment(
            p.id, "bus", trip_id=t.id, depart=t.hub_departure, arrive=arrive, cost=t.cost_per_parcel
        )
    routes, van_cost = [], 0.0
    queue: dict[int, list[ParcelIn]] = {}
    for p in pending:
        if _van_reachable(p, hub, points, vans, params):
            queue.setdefault(p.point_id, []).append(p)
        else:
            assignments[p.id] = Assignment(p.id, None)
    for van in vans:
        if not queue:
            break
        ready = max(p.ready for group in queue.values() for p in group)
        here, clock, km, load, kg = hub, max(van.start, params.handling_min + ready), 0.0, 0, 0.0
        start, carried = clock, 0
        while queue:
            point = min(queue, key=lambda pid: km_between(here, points[pid]))
            leg = km_between(here, points[point])
            arrive = clock + leg / van.speed_kmh * 60
            took = 0
            for p in list(queue[point]):
                if load + 1 > van.capacity_parcels or kg + p.kg > van.capacity_kg or arrive > min(p.due, van.end):
                    continue
                queue[point].remove(p)
                load, kg, took = load + 1, kg + p.kg, took + 1
                assignments[p.id] = Assignment(p.id, "van", van_id=van.id, depart=start, arrive=round(arrive))
            if not queue[point]:
                del queue[point]
            if not took:
                break
            clock, km, here, carried = arrive + params.stop_service_min, km + leg, points[point], carried + took
        if carried:
            km += km_between(here, hub)
            cost = van.fixed_cost + km * van.cost_per_km
            van_cost += cost
            routes.append({"van_id": van.id, "km": round(km, 1), "cost": round(cost, 2), "parcels": carried})
    for group in queue.values():
        for p in group:
            assignments[p.id] = Assignment(p.id, None)
    return Solution(
        assignments,
        trip_loads,
        routes,
        round(bus_cost, 2),
        round(van_cost, 2),
        None,
        round((time.perf_counter() - started) * 1000),
        method="greedy",
    )
