"""A lower bound on a day's plan, pure (no database): no plan for the same input costs less.

The plan's penalised cost is what the desk pays and what it leaves behind: bus fares + van route costs (fixed
+ per km) + ``unassigned_penalty`` for every parcel left for the next plan. The bound is the optimum of a
relaxation of that problem, solved exactly as a min-cost flow (OR-Tools ``SimpleMinCostFlow``):

- a parcel may take any trip that reaches its stop in time (as in the plan), at the trip's fare; trips hold
  their spare parcel slots, and their weight and volume limits are dropped;
- or a van, if one can reach its point in time (as in the plan), at a price that no van route can beat per
  parcel: a route that serves point *p* drives at least to *p* and back, so it costs at least
  ``min fixed + min per-km × 2 × distance(hub, p)``, shared by at most the biggest van's load; the vans'
  time windows, the routing and their weight limits are dropped, only their total parcel capacity is kept;
- or stay unassigned at the penalty.

A van's fixed cost is not a price per parcel, so the relaxation is solved for two cases and the smaller
optimum kept: no van (the vans' arcs closed), or at least one van, which costs at least the larger of every
van parcel's full share above and one fixed cost plus every van parcel's distance share.

Every feasible plan is a feasible flow of the relaxation at no lower cost, so the flow's optimum is a lower
bound; the gap ``(plan − bound) / plan`` says how far from optimal the plan can at most be.
"""

from __future__ import annotations

import math

import numpy as np

from lianxin.logistics.optimiser import Params, ParcelIn, TripIn, VanIn, km_between


def van_floor(vans: list[VanIn], hub: tuple[float, float], point: tuple[float, float], *, fixed: bool = True) -> float:
    """Yuan per parcel that no van route serving ``point`` can undercut (``fixed=False``: its distance part
    only, for when the fixed cost is counted separately)."""
    if not vans:
        return math.inf
    load = max(v.capacity_parcels for v in vans)
    there_and_back = max(0.0, 2 * km_between(hub, point) - 0.002)  # the plan rounds each leg to the metre
    return (
        (min(v.fixed_cost for v in vans) if fixed else 0.0) + min(v.cost_per_km for v in vans) * there_and_back
    ) / max(1, load)


def _reachability(hub, points, vans: list[VanIn], params: Params):
    """``_van_reachable`` of the optimiser with the fleet's figures and each point's distance computed once."""
    if not vans:
        return lambda parcel: False
    start, fastest, end = min(v.start for v in vans), max(v.speed_kmh for v in vans), max(v.end for v in vans)
    minutes = {pid: km_between(hub, at) / fastest * 60 for pid, at in points.items()}

    def reachable(parcel: ParcelIn) -> bool:
        ready = parcel.ready + params.handling_min
        if ready > params.van_departure_latest:
            return False
        return max(start, ready) + minutes[parcel.point_id] <= min(parcel.due, end)

    return reachable


def lower_bound(
    parcels: list[ParcelIn],
    trips: list[TripIn],
    vans: list[VanIn],
    hub: tuple[float, float],
    points: dict[int, tuple[float, float]],
    params: Params | None = None,
) -> float:
    """The relaxation's optimum in yuan (rounded down to the fen), the smaller of two cases: no van at all
    (the vans' arcs closed), or at least one van, which costs at least one fixed cost plus every van parcel's
    distance share, and at least every van parcel's full share (the larger of the two holds)."""
    from ortools.graph.python import min_cost_flow

    params = params or Params()
    n, m = len(parcels), len(trips)
    if n == 0:
        return 0.0
    by_stop: dict[int, list[tuple[int, TripIn]]] = {}
    for j, t in enumerate(trips):
        for stop in t.arrivals:
            by_stop.setdefault(stop, []).append((j, t))
    first_trip = 1 + n
    van_node, none_node, sink = first_trip + m, first_trip + m + 1, first_trip + m + 2
    penalty = math.floor(params.unassigned_penalty * 100)
    floors: dict[int, tuple[int, int]] = {}
    reachable = _reachability(hub, points, vans, params)
    tails, heads, costs, distance_costs = [], [], [], []
    for i, p in enumerate(parcels):
        for j, t in by_stop.get(p.stop_id, ()) if p.stop_id is not None else ():
            if t.hub_departure >= p.ready + params.handling_min and t.arrivals[p.stop_id] <= p.due:
                tails.append(1 + i)
                heads.append(first_trip + j)
                costs.append(math.floor(t.cost_per_parcel * 100))
                distance_costs.append(costs[-1])
        if reachable(p):
            if p.point_id not in floors:
                at = points[p.point_id]
                floors[p.point_id] = (
                    math.floor(van_floor(vans, hub, at) * 100),
                    math.floor(van_floor(vans, hub, at, fixed=False) * 100),
                )
            tails.append(1 + i)
            heads.append(van_node)
            costs.append(floors[p.point_id][0])
            distance_costs.append(floors[p.point_id][1])
        tails.append(1 + i)
        heads.append(none_node)
        costs.append(penalty)
        distance_costs.append(penalty)
    arcs = (np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64))
    van_capacity = sum(v.capacity_parcels for v in vans)

    def optimum(unit_costs: list[int], vans_open: bool) -> tuple[int, int]:
        """(the optimum in fen, parcels sent by van)."""
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            np.zeros(n, dtype=np.int64),
            np.arange(1, n + 1, dtype=np.int64),
            np.ones(n, dtype=np.int64),
            np.zeros(n, dtype=np.int64),
        )
        flow.add_arcs_with_capacity_and_unit_cost(
            arcs[0], arcs[1], np.ones(len(tails), dtype=np.int64), np.array(unit_costs, dtype=np.int64)
        )
        outs = flow.add_arcs_with_capacity_and_unit_cost(
            np.array([first_trip + j for j in range(m)] + [van_node, none_node], dtype=np.int64),
            np.full(m + 2, sink, dtype=np.int64),
            np.array([max(0, t.slots) for t in trips] + [van_capacity if vans_open else 0, n], dtype=np.int64),
            np.zeros(m + 2, dtype=np.int64),
        )
        flow.set_nodes_supplies(np.array([0, sink], dtype=np.int64), np.array([n, -n], dtype=np.int64))
        status = flow.solve()
        if status != flow.OPTIMAL:  # pragma: no cover - the none arc makes every instance feasible
            raise RuntimeError(f"min-cost flow failed with status {status}")
        return flow.optimal_cost(), int(flow.flow(int(outs[m])))

    without_vans, _ = optimum(costs, False)
    if not floors:
        return without_vans / 100
    full, by_van = optimum(costs, True)
    if without_vans <= full:
        return without_vans / 100
    fixed = math.floor(min(v.fixed_cost for v in vans) * 100)
    # Each van parcel's full share is at least its distance share plus floor(fixed / load): once the full
    # optimum sends enough parcels by van to cover one fixed cost that way, fixed + distance optimum <= full.
    share = fixed // max(1, max(v.capacity_parcels for v in vans))
    if share and by_van * share >= fixed:
        return full / 100
    return min(without_vans, max(full, fixed + optimum(distance_costs, True)[0])) / 100


def penalised(cost: float, unassigned: int, params: Params | None = None) -> float:
    """The plan's cost with its unassigned parcels at the penalty: what the bound is compared with."""
    return round(cost + unassigned * (params or Params()).unassigned_penalty, 2)


def gap(plan: float, bound: float | None) -> float | None:
    """How far above the bound the plan is, as a share of the plan (0 when the plan is optimal)."""
    if bound is None or plan <= 0:
        return None
    return max(0.0, (plan - bound) / plan)
