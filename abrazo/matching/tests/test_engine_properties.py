"""Properties of the matching engine on random problems (hypothesis), and optimality by brute force."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from abrazo.matching.engine import (
    HIGH,
    PRIORITIES,
    SCALE,
    URGENT,
    BatchResult,
    ConsultantIn,
    RequestIn,
    Weights,
    is_eligible,
    pair_cost,
    solve_batch,
    suggest,
    why_unmatched,
)

LANGUAGES = ["en", "es", "vi"]
COUNTIES = ["A", "B", "C"]
SETTINGS = ["preschool", "fcc"]
REGIONS = ["north", "south", None]
PROGRAMS = ["p1", "p2", "p3", None]
TAGS = ["trauma", "autism"]


def subset(values: Sequence[str], *, min_size: int = 0) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(values), min_size=min_size)


@st.composite
def consultants(draw: st.DrawFn, *, max_size: int, max_capacity: int) -> list[ConsultantIn]:
    count = draw(st.integers(0, max_size))
    return [
        ConsultantIn(
            id=f"c{i}",
            languages=draw(subset(LANGUAGES, min_size=1)),
            counties=draw(subset(COUNTIES, min_size=1)),
            settings=draw(subset(SETTINGS, min_size=1)),
            capacity=draw(st.integers(0, max_capacity)),
            open_caseload=draw(st.integers(0, 3)),
            region=draw(st.sampled_from(REGIONS)),
            previous_programs=dict.fromkeys(draw(subset(["p1", "p2", "p3"])), 2025),
            specialisms=draw(subset(TAGS)),
        )
        for i in range(count)
    ]


@st.composite
def requests(draw: st.DrawFn, *, max_size: int) -> list[RequestIn]:
    count = draw(st.integers(0, max_size))
    return [
        RequestIn(
            id=f"r{i}",
            county=draw(st.sampled_from(COUNTIES)),
            setting=draw(st.sampled_from(SETTINGS)),
            language=draw(st.sampled_from(LANGUAGES)),
            priority=draw(st.sampled_from(PRIORITIES)),
            program=draw(st.sampled_from(PROGRAMS)),
            region=draw(st.sampled_from(REGIONS)),
            specialisms=draw(subset(TAGS)),
        )
        for i in range(count)
    ]


weights_strategy = st.builds(
    Weights,
    continuity=st.integers(0, 50).map(lambda n: n / 10),
    balance=st.integers(0, 50).map(lambda n: n / 10),
    region=st.integers(0, 50).map(lambda n: n / 10),
    specialism=st.integers(0, 50).map(lambda n: n / 10),
)


def total_cost(
    chosen: dict[str, str], reqs: Sequence[RequestIn], cons: Sequence[ConsultantIn], weights: Weights
) -> int:
    """Cost of an assignment: the k-th request of a consultant pays the k-th slot's balance term."""
    by_id = {c.id: c for c in cons}
    slot: Counter[str] = Counter()
    cost = 0
    for r in reqs:
        if r.id in chosen:
            cid = chosen[r.id]
            cost += pair_cost(r, by_id[cid], weights, slot=slot[cid])
            slot[cid] += 1
    return cost


def brute_force_best(
    reqs: Sequence[RequestIn], cons: Sequence[ConsultantIn], weights: Weights
) -> tuple[int, int, int, int]:
    """(urgent assigned, assigned, high assigned, -cost) of the best assignment, by trying them all."""
    best: tuple[int, int, int, int] | None = None
    left = {c.id: c.capacity for c in cons}
    chosen: dict[str, str] = {}

    def walk(i: int) -> None:
        nonlocal best
        if i == len(reqs):
            served = [r for r in reqs if r.id in chosen]
            key = (
                sum(r.priority == URGENT for r in served), len(served), sum(r.priority == HIGH for r in served),
                -total_cost(chosen, reqs, cons, weights),
            )
            best = key if best is None or key > best else best
            return
        walk(i + 1)  # leave request i unassigned
        for c in cons:
            if left[c.id] > 0 and is_eligible(reqs[i], c):
                left[c.id] -= 1
                chosen[reqs[i].id] = c.id
                walk(i + 1)
                del chosen[reqs[i].id]
                left[c.id] += 1

    walk(0)
    assert best is not None
    return best


def assert_feasible(result: BatchResult, reqs: Sequence[RequestIn], cons: Sequence[ConsultantIn]) -> None:
    by_request = {r.id: r for r in reqs}
    by_consultant = {c.id: c for c in cons}
    # every request is answered exactly once
    answered = [a.request for a in result.assignments] + [u.request for u in result.unassigned]
    assert sorted(answered) == sorted(by_request)
    # hard constraints: language, county, setting, and never more than the open slots
    for a in result.assignments:
        assert is_eligible(by_request[a.request], by_consultant[a.consultant])
        assert a.reasons, "every assignment says why"
    load = Counter(a.consultant for a in result.assignments)
    assert all(load[cid] <= c.capacity for cid, c in by_consultant.items())


@settings(max_examples=200, deadline=None)
@given(
    reqs=requests(max_size=5),
    cons=consultants(max_size=3, max_capacity=2),
    weights=weights_strategy,
)
def test_batch_is_lexicographically_optimal_against_brute_force(
    reqs: list[RequestIn], cons: list[ConsultantIn], weights: Weights
) -> None:
    # given a small random problem
    # when the engine solves it
    result = solve_batch(reqs, cons, weights)
    # then it is feasible, its reported cost is the cost of what it chose,
    assert_feasible(result, reqs, cons)
    chosen = {a.request: a.consultant for a in result.assignments}
    cost = total_cost(chosen, reqs, cons, weights)
    assert round(result.objective.cost * SCALE) == cost
    assert sum(round(a.cost * SCALE) for a in result.assignments) == cost
    # and no assignment at all does better on (urgent, assigned, high priority, cost)
    engine_key = (
        result.objective.urgent_assigned, result.objective.assigned, result.objective.high_assigned, -cost,
    )
    assert engine_key == brute_force_best(reqs, cons, weights)


@settings(max_examples=150, deadline=None)
@given(
    reqs=requests(max_size=40),
    cons=consultants(max_size=10, max_capacity=4),
    weights=weights_strategy,
)
def test_hard_constraints_hold_and_every_unassigned_request_is_explained(
    reqs: list[RequestIn], cons: list[ConsultantIn], weights: Weights
) -> None:
    # given a larger random problem, when solved
    result = solve_batch(reqs, cons, weights)
    # then no hard constraint is broken
    assert_feasible(result, reqs, cons)
    load = Counter(a.consultant for a in result.assignments)
    by_request = {r.id: r for r in reqs}
    # and each waiting request's reason is true
    for waiting in result.unassigned:
        r = by_request[waiting.request]
        code, params = waiting.reason
        speakers = [c for c in cons if r.language in c.languages]
        local = [c for c in speakers if r.county in c.counties]
        qualified = [c for c in local if r.setting in c.settings]
        if code == "no_language":
            assert not speakers
        elif code == "no_language_in_county":
            assert speakers and not local
        elif code == "no_setting_expertise":
            assert local and not qualified
        elif code == "all_full":
            assert qualified and all(c.capacity == 0 for c in qualified)
            assert params["eligible"] == len(qualified)
        else:
            assert code == "slots_taken"
            # an open slot left with an eligible consultant would have been used
            assert all(load[c.id] == c.capacity for c in qualified)
            assert params["slots"] == sum(c.capacity for c in qualified) > 0


@settings(max_examples=100, deadline=None)
@given(reqs=requests(max_size=1), cons=consultants(max_size=8, max_capacity=3), weights=weights_strategy)
def test_suggestions_are_eligible_sorted_and_explained(
    reqs: list[RequestIn], cons: list[ConsultantIn], weights: Weights
) -> None:
    for r in reqs:
        # when suggestions are asked for one request
        suggestions = suggest(r, cons, weights, limit=3)
        by_id = {c.id: c for c in cons}
        eligible = [c for c in cons if is_eligible(r, c)]
        # then they are the cheapest eligible consultants, cheapest first, each with its reasons
        assert len(suggestions) == min(3, len(eligible))
        assert all(is_eligible(r, by_id[s.consultant]) for s in suggestions)
        assert [s.cost for s in suggestions] == sorted(s.cost for s in suggestions)
        cheapest = sorted(pair_cost(r, c, weights) for c in eligible)[: len(suggestions)]
        assert [round(s.cost * SCALE) for s in suggestions] == cheapest
        assert all({"speaks", "serves_county", "setting_expertise", "open_slots"} <= {x.code for x in s.reasons}
                   for s in suggestions)
        # and when nobody fits, the reason is a true one
        if not suggestions:
            assert why_unmatched(r, cons).code in {
                "no_language", "no_language_in_county", "no_setting_expertise", "all_full",
            }


@settings(max_examples=60, deadline=None)
@given(reqs=requests(max_size=25), cons=consultants(max_size=8, max_capacity=3), seed=st.randoms())
def test_shuffling_the_input_changes_nothing_that_matters(
    reqs: list[RequestIn], cons: list[ConsultantIn], seed: object
) -> None:
    # given a problem and the same problem listed in another order
    shuffled_reqs, shuffled_cons = reqs[:], cons[:]
    seed.shuffle(shuffled_reqs)  # type: ignore[attr-defined]
    seed.shuffle(shuffled_cons)  # type: ignore[attr-defined]
    # when both are solved
    first = solve_batch(reqs, cons, Weights())
    second = solve_batch(shuffled_reqs, shuffled_cons, Weights())
    # then the objective is the same, and so is the assignment up to swapping interchangeable requests
    assert first.objective == second.objective

    def needs(result: BatchResult) -> Counter[tuple[object, ...]]:
        by_id = {r.id: r for r in reqs}
        return Counter(
            (a.consultant, by_id[a.request].language, by_id[a.request].county, by_id[a.request].setting,
             by_id[a.request].priority, by_id[a.request].program, by_id[a.request].region,
             by_id[a.request].specialisms)
            for a in result.assignments
        )

    assert needs(first) == needs(second)
