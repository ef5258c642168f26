#!/usr/bin/env python
"""Benchmark: the matching engine against a greedy baseline (quality) and a general LP solver (time).

One seeded random problem at state scale (5,000 requests, 500 consultants by default) is solved by:

- the engine, `abrazo.matching.engine.solve_batch` (timed end to end, from its inputs to its answer);
- a greedy baseline: urgent requests first, then high, then normal (by id), each given the cheapest
  eligible consultant who still has an open slot;
- HiGHS through `scipy.optimize.linprog(method="highs")` on the min-cost-flow formulation of the same
  problem (request -> consultant arcs, one arc per consultant slot with its balance cost, one
  "unassigned" arc per request with the same lexicographic penalties). Only the solver call is timed
  (median of --lp-repeat runs); building the constraint matrix is not counted against it.

It prints the objectives side by side, the engine/greedy ratios (urgent assigned, assigned, cost per
request assigned) and the LP/engine time ratio, and checks that the engine and the LP reach the same
objective.

    .venv/bin/python bench/matching.py [--requests 5000] [--consultants 500] [--seed 1] [--repeat 5]
                                       [--capacity-factor 1.0] [--regions 8] [--counties-per-region 6] [--no-lp]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from abrazo.matching.engine import (  # noqa: E402 - after the path is set
    HIGH,
    SCALE,
    SETTING_EXPERTISE,
    URGENT,
    ConsultantIn,
    RequestIn,
    Weights,
    is_eligible,
    pair_cost,
    solve_batch,
)

REGIONS = 8
COUNTIES_PER_REGION = 6
LANGUAGES = [("en", 0.92, 0.60), ("es", 0.45, 0.30), ("vi", 0.05, 0.04), ("zh", 0.05, 0.03), ("hmn", 0.03, 0.02),
             ("tl", 0.04, 0.01)]  # (code, share of consultants who speak it, share of requests in it)
SETTING_SHARE = {"infant_toddler": 0.25, "preschool": 0.45, "fcc": 0.15, "ffn": 0.08, "home_visiting": 0.07}
PRIORITY_SHARE = {"urgent": 0.15, "high": 0.10, "normal": 0.75}


def generate(
    n_requests: int, n_consultants: int, seed: int, capacity_factor: float = 1.0,
    n_regions: int = REGIONS, counties_per_region: int = COUNTIES_PER_REGION,
) -> tuple[list[RequestIn], list[ConsultantIn]]:
    """A network shaped like a state's: consultants work mostly in their home region's counties.
    `capacity_factor` multiplies every consultant's open slots (1: about half as many slots as requests);
    fewer regions and counties mean more eligible consultants per request (a denser problem)."""
    rng = random.Random(seed)
    regions = [f"region-{i}" for i in range(n_regions)]
    counties = [[f"{i:02d}{j:03d}" for j in range(counties_per_region)] for i in range(n_regions)]
    programs = [f"program-{i}" for i in range(n_requests // 2)]
    program_home = {p: rng.randrange(n_regions) for p in programs}
    consultants = []
    for i in range(n_consultants):
        home = rng.randrange(n_regions)
        served = set(rng.sample(counties[home], rng.randint(min(2, counties_per_region), counties_per_region)))
        if rng.random() < 0.2:  # some also cover a neighbouring region
            served |= set(rng.sample(counties[(home + 1) % n_regions], min(2, counties_per_region)))
        languages = {code for code, share, _ in LANGUAGES if rng.random() < share} or {"en"}
        settings = set(rng.sample(SETTING_EXPERTISE, rng.randint(1, 3)))
        total = rng.choice([8, 10, 12, 12, 14])
        open_now = rng.randint(0, total)
        local_programs = [p for p in rng.sample(programs, min(200, len(programs))) if program_home[p] == home][:12]
        consultants.append(ConsultantIn(
            id=f"consultant-{i:04d}", languages=frozenset(languages), counties=frozenset(served),
            settings=frozenset(settings), capacity=round((total - open_now) * capacity_factor),
            open_caseload=open_now,
            region=regions[home], previous_programs={p: rng.choice([2024, 2025]) for p in local_programs},
        ))
    requests = []
    for i in range(n_requests):
        program = rng.choice(programs)
        home = program_home[program]
        requests.append(RequestIn(
            id=f"request-{i:05d}", county=rng.choice(counties[home]),
            setting=rng.choices(list(SETTING_SHARE), list(SETTING_SHARE.values()))[0],
            language=rng.choices([c for c, _, _ in LANGUAGES], [s for _, _, s in LANGUAGES])[0],
            priority=rng.choices(list(PRIORITY_SHARE), list(PRIORITY_SHARE.values()))[0],
            program=program, region=regions[home],
        ))
    return requests, consultants


def eligible_lists(requests: list[RequestIn], consultants: list[ConsultantIn]) -> list[list[int]]:
    """For each request the consultants (by index) who meet every hard constraint, computed once per need."""
    by_need: dict[tuple[str, str, str], list[int]] = {}
    result = []
    for r in requests:
        need = (r.language, r.county, r.setting)
        if need not in by_need:
            by_need[need] = [i for i, c in enumerate(consultants) if is_eligible(r, c)]
        result.append(by_need[need])
    return result


def evaluate(
    chosen: dict[str, int], requests: list[RequestIn], consultants: list[ConsultantIn], weights: Weights
) -> tuple[int, int, int]:
    """(urgent assigned, assigned, cost in milli-points); a consultant's k-th request pays the k-th slot."""
    slot: Counter[int] = Counter()
    cost = urgent = 0
    for r in sorted(requests, key=lambda r: r.id):
        if r.id in chosen:
            ci = chosen[r.id]
            assert is_eligible(r, consultants[ci]) and slot[ci] < consultants[ci].capacity
            cost += pair_cost(r, consultants[ci], weights, slot=slot[ci])
            slot[ci] += 1
            urgent += r.priority == URGENT
    return urgent, len(chosen), cost


def greedy(
    requests: list[RequestIn], consultants: list[ConsultantIn], weights: Weights, eligible: list[list[int]]
) -> dict[str, int]:
    """Urgent first: each request takes the cheapest eligible consultant with an open slot."""
    rank = {URGENT: 0, HIGH: 1}
    used: Counter[int] = Counter()
    chosen: dict[str, int] = {}
    order = sorted(range(len(requests)), key=lambda i: (rank.get(requests[i].priority, 2), requests[i].id))
    for i in order:
        r = requests[i]
        options = [
            (pair_cost(r, consultants[ci], weights, slot=used[ci]), consultants[ci].id, ci)
            for ci in eligible[i] if used[ci] < consultants[ci].capacity
        ]
        if options:
            ci = min(options)[2]
            chosen[r.id] = ci
            used[ci] += 1
    return chosen


def lp(
    requests: list[RequestIn], consultants: list[ConsultantIn], weights: Weights, eligible: list[list[int]]
) -> tuple[dict[str, int], float, float]:
    """The same problem as a min-cost flow LP for HiGHS. Returns the assignment, solve seconds, objective."""
    n_req, n_con = len(requests), len(consultants)
    plain = RequestIn(id="-", county="-", setting="-", language="-")  # costs only the balance term
    edge_req, edge_con, edge_cost = [], [], []
    for i, r in enumerate(requests):
        for ci in eligible[i]:
            c = consultants[ci]
            edge_req.append(i)
            edge_con.append(ci)
            edge_cost.append(pair_cost(r, c, weights) - pair_cost(plain, c, weights) + 1)
    slot_con, slot_cost = [], []
    degree = Counter(edge_con)
    for ci, c in enumerate(consultants):
        for k in range(min(c.capacity, degree[ci])):
            slot_con.append(ci)
            slot_cost.append(pair_cost(plain, c, weights, slot=k))
    # The engine's penalties: M, 2M, 3M with M above any difference in total cost.
    big_m = n_req * (sum(weights.scaled()) + 1) + 1
    multiple = {URGENT: 3, HIGH: 2}
    penalty = [multiple.get(r.priority, 1) * big_m for r in requests]

    n_edge, n_slot = len(edge_req), len(slot_con)
    cost = np.concatenate([edge_cost, slot_cost, penalty]).astype(float)
    # rows 0..n_req-1: each request is assigned once or left; rows n_req..: flow into a consultant = flow out
    rows = np.concatenate([edge_req, np.arange(n_req), n_req + np.array(edge_con), n_req + np.array(slot_con)])
    cols = np.concatenate([np.arange(n_edge), n_edge + n_slot + np.arange(n_req), np.arange(n_edge),
                           n_edge + np.arange(n_slot)])
    vals = np.concatenate([np.ones(n_edge), np.ones(n_req), np.ones(n_edge), -np.ones(n_slot)])
    a_eq = coo_matrix((vals, (rows, cols)), shape=(n_req + n_con, n_edge + n_slot + n_req)).tocsr()
    b_eq = np.concatenate([np.ones(n_req), np.zeros(n_con)])
    started = time.perf_counter()
    solution = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, 1), method="highs")
    seconds = time.perf_counter() - started
    assert solution.status == 0, solution.message
    x = solution.x[:n_edge]
    assert np.all(np.minimum(np.abs(x), np.abs(1 - x)) < 1e-6), "the flow LP's vertex should be integral"
    chosen = {requests[edge_req[e]].id: edge_con[e] for e in np.flatnonzero(x > 0.5)}
    return chosen, seconds, float(solution.fun)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--consultants", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--capacity-factor", type=float, default=1.0, help="multiplies every consultant's open slots")
    parser.add_argument("--regions", type=int, default=REGIONS)
    parser.add_argument("--counties-per-region", type=int, default=COUNTIES_PER_REGION)
    parser.add_argument("--repeat", type=int, default=5, help="engine runs; the median is reported")
    parser.add_argument("--lp-repeat", type=int, default=3, help="LP runs; the median is reported")
    parser.add_argument("--no-lp", action="store_true", help="skip the LP solver")
    args = parser.parse_args()

    weights = Weights()
    requests, consultants = generate(
        args.requests, args.consultants, args.seed, args.capacity_factor, args.regions, args.counties_per_region
    )
    eligible = eligible_lists(requests, consultants)
    slots = sum(c.capacity for c in consultants)
    print(f"problem: {len(requests)} requests ({sum(r.priority == URGENT for r in requests)} urgent), "
          f"{len(consultants)} consultants, {slots} open slots, "
          f"{sum(map(len, eligible)) / len(requests):.1f} eligible consultants per request (seed {args.seed})")

    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = solve_batch(requests, consultants, weights)
        times.append(time.perf_counter() - started)
    index = {c.id: i for i, c in enumerate(consultants)}
    engine_choice = {a.request: index[a.consultant] for a in result.assignments}
    engine = evaluate(engine_choice, requests, consultants, weights)
    assert engine == (result.objective.urgent_assigned, result.objective.assigned,
                      round(result.objective.cost * SCALE))
    engine_time = statistics.median(times)

    started = time.perf_counter()
    greedy_choice = greedy(requests, consultants, weights, eligible)
    greedy_time = time.perf_counter() - started
    base = evaluate(greedy_choice, requests, consultants, weights)

    def line(name: str, objective: tuple[int, int, int], seconds: float) -> None:
        urgent, assigned, cost = objective
        print(f"{name:<8} urgent assigned {urgent:>5}  assigned {assigned:>5}  cost {cost / SCALE:>10.3f}  "
              f"cost/assigned {cost / SCALE / max(assigned, 1):.3f}  time {seconds:.3f} s")

    print(f"engine time: median {engine_time:.3f} s, max {max(times):.3f} s over {args.repeat} runs")
    line("engine", engine, engine_time)
    line("greedy", base, greedy_time)
    per_assigned = (engine[2] / max(engine[1], 1)) / max(base[2] / max(base[1], 1), 1e-9)
    print(f"engine/greedy: urgent assigned {engine[0] / max(base[0], 1):.4f}, "
          f"assigned {engine[1] / max(base[1], 1):.4f}, cost per assigned {per_assigned:.4f}")

    if not args.no_lp:
        lp_times = []
        for _ in range(max(args.lp_repeat, 1)):
            lp_choice, seconds, _value = lp(requests, consultants, weights, eligible)
            lp_times.append(seconds)
        lp_time = statistics.median(lp_times)
        lp_objective = evaluate(lp_choice, requests, consultants, weights)
        line("LP", lp_objective, lp_time)
        agree = lp_objective == engine
        print(f"LP/engine time: {lp_time / engine_time:.1f}x; objectives agree: {'yes' if agree else 'NO'}")
        if not agree:
            sys.exit(1)


if __name__ == "__main__":
    main()
