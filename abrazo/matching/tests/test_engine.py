"""The matching engine on worked examples: costs, suggestions, reasons, priorities, ties."""

from __future__ import annotations

import random

import pytest

from abrazo.matching.engine import (
    SCALE,
    ConsultantIn,
    Reason,
    RequestIn,
    Weights,
    pair_cost,
    reason_text,
    solve_batch,
    suggest,
    why_unmatched,
)

FRESNO, LA = "06019", "06037"


def consultant(cid: str, **kw: object) -> ConsultantIn:
    values: dict[str, object] = {
        "languages": frozenset({"en"}), "counties": frozenset({FRESNO}), "settings": frozenset({"preschool"}),
        "capacity": 2, "open_caseload": 0, "region": "central",
    }
    values.update(kw)
    return ConsultantIn(id=cid, **values)  # type: ignore[arg-type]


def request(rid: str, **kw: object) -> RequestIn:
    values: dict[str, object] = {"county": FRESNO, "setting": "preschool", "language": "en", "region": "central"}
    values.update(kw)
    return RequestIn(id=rid, **values)  # type: ignore[arg-type]


# --- costs ----------------------------------------------------------------------------------------


def test_cost_adds_each_unmet_preference_in_milli_points() -> None:
    # given default weights (continuity 3, balance 2, region 1, specialism 1)
    weights = Weights()
    # and a consultant with 3 of 12 caseload places taken, in another region, who never saw the program
    c = consultant("c", open_caseload=3, capacity=9, region="south", specialisms=frozenset({"trauma"}))
    r = request("r", program="p1", specialisms=frozenset({"trauma", "autism"}))
    # when the request is costed as their first new request
    cost = pair_cost(r, c, weights)
    # then: continuity 3 + balance 2·4/12 + region 1 + specialism 1·1/2 = 5.1667 points
    assert cost == 3000 + 667 + 1000 + 500


def test_cost_is_only_the_balance_term_for_a_perfect_fit() -> None:
    # given a consultant who worked with the program, in the same region, with every tag
    c = consultant("c", open_caseload=0, capacity=4, previous_programs={"p1": 2025},
                   specialisms=frozenset({"trauma"}))
    r = request("r", program="p1", specialisms=frozenset({"trauma"}))
    # when costed as the first and then the second new request
    first, second = pair_cost(r, c, Weights()), pair_cost(r, c, Weights(), slot=1)
    # then only utilisation counts, and it grows with each request: 2·1/4, 2·2/4
    assert (first, second) == (500, 1000)


def test_missing_information_costs_nothing() -> None:
    # given a request with no program, region or tags
    r = request("r", region=None)
    # when costed against consultants who differ only in region and history
    costs = {
        pair_cost(r, consultant("a", region="north", previous_programs={"x": None}), Weights()),
        pair_cost(r, consultant("b", region=None), Weights()),
    }
    # then they cost the same (the balance term only)
    assert costs == {1000}


def test_weights_must_stay_within_bounds() -> None:
    # given / when / then a negative or huge weight is refused
    with pytest.raises(ValueError, match="continuity"):
        Weights(continuity=-1)
    with pytest.raises(ValueError, match="balance"):
        Weights(balance=1000)


# --- one request ----------------------------------------------------------------------------------


def test_suggest_ranks_eligible_consultants_cheapest_first_with_reasons() -> None:
    # given three eligible consultants (one who knows the program), one full, one without Spanish
    consultants = [
        consultant("ana", languages=frozenset({"es", "en"}), previous_programs={"sunrise": 2025}, capacity=3),
        consultant("bea", languages=frozenset({"es"}), capacity=3),
        consultant("cruz", languages=frozenset({"es"}), capacity=6, region="south"),
        consultant("dan", languages=frozenset({"es"}), capacity=0),
        consultant("eve", languages=frozenset({"en"}), capacity=5),
    ]
    r = request("r1", language="es", program="sunrise")
    # when suggestions are asked for
    suggestions = suggest(r, consultants, Weights())
    # then the continuity consultant comes first and only eligible people with room are listed
    assert [s.consultant for s in suggestions] == ["ana", "bea", "cruz"]
    assert suggestions[0].cost == pytest.approx(0.667)
    # and the reasons say, in plain words, why
    assert suggestions[0].reasons == (
        Reason("speaks", {"language": "es"}),
        Reason("serves_county", {"county": FRESNO}),
        Reason("setting_expertise", {"setting": "preschool"}),
        Reason("open_slots", {"slots": 3}),
        Reason("worked_with_program", {"program": "sunrise", "year": 2025}),
        Reason("same_region", {"region": "central"}),
    )
    names = {"es": "Spanish", FRESNO: "Fresno County", "central": "Central Valley"}
    sentence = "; ".join(reason_text(reason, lambda _kind, code: names[code]) for reason in suggestions[0].reasons)
    assert sentence == (
        "speaks Spanish; serves Fresno County; works in preschool; 3 open slots; "
        "worked with this program in 2025; based in the same region (Central Valley)"
    )


def test_suggest_breaks_ties_by_open_slots_then_id_and_respects_the_limit() -> None:
    # given consultants who cost the same (weights zero)
    consultants = [consultant(cid, capacity=cap) for cid, cap in [("b", 2), ("a", 2), ("c", 5), ("d", 1)]]
    weights = Weights(continuity=0, balance=0, region=0, specialism=0)
    # when the top three are asked for, twice, in two orders
    first = suggest(request("r"), consultants, weights, limit=3)
    second = suggest(request("r"), list(reversed(consultants)), weights, limit=3)
    # then the order is fixed: most open slots, then id
    assert [s.consultant for s in first] == ["c", "a", "b"] == [s.consultant for s in second]


@pytest.mark.parametrize(
    ("consultants", "expected"),
    [
        ([], Reason("no_language", {"language": "es"})),
        ([consultant("a", languages=frozenset({"es"}), counties=frozenset({LA}))],
         Reason("no_language_in_county", {"language": "es", "county": FRESNO})),
        ([consultant("a", languages=frozenset({"es"}), settings=frozenset({"fcc"}))],
         Reason("no_setting_expertise", {"language": "es", "county": FRESNO, "setting": "preschool"})),
        ([consultant("a", languages=frozenset({"es"}), capacity=0)], Reason("all_full", {"eligible": 1})),
    ],
)
def test_why_unmatched_names_the_constraint_nobody_meets(consultants: list[ConsultantIn], expected: Reason) -> None:
    # given a Spanish-speaking request and consultants who fall short in one way
    r = request("r", language="es")
    # when there is no suggestion, then the reason says which constraint failed
    assert suggest(r, consultants, Weights()) == []
    assert why_unmatched(r, consultants) == expected


def test_reason_sentences_in_english() -> None:
    # given reasons of every kind, when rendered without a name lookup, then the sentences read plainly
    assert reason_text(Reason("open_slots", {"slots": 1})) == "1 open slot"
    assert reason_text(Reason("worked_with_program", {"program": "p", "year": None})) == (
        "worked with this program before"
    )
    assert reason_text(Reason("specialisms", {"specialisms": ["autism", "trauma"]})) == (
        "specialises in autism, trauma"
    )
    assert reason_text(Reason("no_language_in_county", {"language": "hmn", "county": "06019"})) == (
        "no consultant who speaks hmn serves 06019"
    )
    assert reason_text(Reason("no_setting_expertise", {"language": "es", "county": "X", "setting": "ffn"})) == (
        "no consultant who speaks es in X works in family, friend and neighbor care"
    )
    assert reason_text(Reason("all_full", {"eligible": 3})) == "all 3 eligible consultants are full"
    assert reason_text(Reason("all_full", {"eligible": 1})) == "the only eligible consultant is full"
    assert reason_text(Reason("slots_taken", {"eligible": 2, "slots": 3, "urgent": 2})) == (
        "the 3 open slots of its 2 eligible consultants went to other requests (2 of them urgent)"
    )
    assert reason_text(Reason("slots_taken", {"eligible": 1, "slots": 1, "urgent": 0})) == (
        "the only open slot of its eligible consultant went to another request"
    )
    with pytest.raises(ValueError, match="unknown reason"):
        reason_text(Reason("bogus", {}))


# --- a batch --------------------------------------------------------------------------------------


def test_urgent_request_beats_two_cheaper_normal_ones_for_the_last_slot() -> None:
    # given one consultant with one open slot, who knows two normal requests' program,
    # and an urgent request from an unknown program in another region
    c = consultant("only", capacity=1, previous_programs={"p": 2025})
    requests = [
        request("n1", program="p"),
        request("n2", program="p"),
        request("u", program="elsewhere", region="south", priority="urgent"),
    ]
    # when the batch is solved
    result = solve_batch(requests, [c], Weights())
    # then the urgent request takes the slot, and both others are told why they wait
    assert [(a.request, a.consultant) for a in result.assignments] == [("u", "only")]
    assert {u.request: u.reason for u in result.unassigned} == {
        "n1": Reason("slots_taken", {"eligible": 1, "slots": 1, "urgent": 1}),
        "n2": Reason("slots_taken", {"eligible": 1, "slots": 1, "urgent": 1}),
    }
    assert (result.objective.urgent_assigned, result.objective.assigned) == (1, 1)


def test_more_requests_beat_lower_cost() -> None:
    # given a Spanish request only Ana can take, and an English one both can take,
    # where Ana is the cheaper choice for the English one (she knows the program)
    ana = consultant("ana", languages=frozenset({"es", "en"}), capacity=1, previous_programs={"p": None})
    ben = consultant("ben", capacity=1, region="south")
    requests = [request("en", program="p"), request("es", language="es")]
    # when solved
    result = solve_batch(requests, [ana, ben], Weights())
    # then both are served, though the English request costs more with Ben
    assert {a.request: a.consultant for a in result.assignments} == {"en": "ben", "es": "ana"}
    assert result.objective.assigned == 2


def test_lowest_cost_among_assignments_serving_everyone() -> None:
    # given two requests and two consultants, each consultant knowing one of the programs
    a = consultant("a", capacity=1, previous_programs={"pa": 2024})
    b = consultant("b", capacity=1, previous_programs={"pb": 2024})
    requests = [request("ra", program="pa"), request("rb", program="pb")]
    # when solved
    result = solve_batch(requests, [b, a], Weights())
    # then each goes to the consultant who knows it, and the cost adds up the balance terms
    assert {x.request: x.consultant for x in result.assignments} == {"ra": "a", "rb": "b"}
    assert result.objective.cost == pytest.approx(4.0)
    assert result.assignments[0].reasons[-2] == Reason("worked_with_program", {"program": "pa", "year": 2024})


def test_balance_spreads_requests_across_consultants() -> None:
    # given two identical consultants with room for four each, and four identical requests
    consultants = [consultant("a", capacity=4), consultant("b", capacity=4)]
    requests = [request(f"r{i}") for i in range(4)]
    # when solved
    result = solve_batch(requests, consultants, Weights())
    # then each takes two: 2·(1/4 + 2/4) = 1.5 points each, 3 in all, rather than 2·(1+2+3+4)/4 = 5 for one
    taken = [a.consultant for a in result.assignments]
    assert sorted(taken.count(c) for c in ("a", "b")) == [2, 2]
    assert result.objective.cost == pytest.approx(3.0)


def test_batch_explains_every_unassigned_request() -> None:
    # given requests that fail in each possible way
    consultants = [
        consultant("a", languages=frozenset({"es"}), capacity=1),
        consultant("b", languages=frozenset({"en"}), capacity=0),
    ]
    requests = [
        request("served", language="es"),
        request("taken", language="es"),
        request("full", language="en"),
        request("vietnamese", language="vi"),
        request("county", language="es", county=LA),
        request("setting", language="es", setting="ffn"),
    ]
    # when solved
    result = solve_batch(requests, consultants, Weights())
    # then each waiting request has its own reason, in input order
    assert [(u.request, u.reason.code) for u in result.unassigned] == [
        ("taken", "slots_taken"), ("full", "all_full"), ("vietnamese", "no_language"),
        ("county", "no_language_in_county"), ("setting", "no_setting_expertise"),
    ]


def test_interchangeable_requests_are_served_first_come_first_served() -> None:
    # given one slot and three identical requests
    requests = [request(rid) for rid in ("r3", "r1", "r2")]
    # when solved
    result = solve_batch(requests, [consultant("a", capacity=1)], Weights())
    # then the first listed is served
    assert [a.request for a in result.assignments] == ["r3"]
    assert [u.request for u in result.unassigned] == ["r1", "r2"]


def test_result_does_not_depend_on_the_order_of_consultants_and_is_repeatable() -> None:
    # given a random problem
    rng = random.Random(7)
    consultants = [
        consultant(f"c{i}", languages=frozenset(rng.sample(["en", "es", "vi"], 2)),
                   counties=frozenset(rng.sample([FRESNO, LA, "06001"], 2)), capacity=rng.randint(0, 3),
                   open_caseload=rng.randint(0, 4), region=rng.choice(["central", "south"]))
        for i in range(12)
    ]
    requests = [
        request(f"r{i}", language=rng.choice(["en", "es", "vi"]), county=rng.choice([FRESNO, LA, "06001"]),
                priority=rng.choice(["urgent", "normal"]), program=f"p{i}")
        for i in range(30)
    ]
    # when solved twice, with the consultants shuffled the second time
    first = solve_batch(requests, consultants, Weights())
    shuffled = consultants[:]
    rng.shuffle(shuffled)
    second = solve_batch(requests, shuffled, Weights())
    # then the answers are identical
    assert first == second == solve_batch(requests, consultants, Weights())


def test_duplicate_ids_are_refused_and_an_empty_batch_is_trivial() -> None:
    # given / when / then
    with pytest.raises(ValueError, match="duplicate request id 'r'"):
        solve_batch([request("r"), request("r")], [], Weights())
    with pytest.raises(ValueError, match="duplicate consultant id 'c'"):
        solve_batch([request("r")], [consultant("c"), consultant("c")], Weights())
    empty = solve_batch([], [consultant("c")], Weights())
    assert (empty.assignments, empty.unassigned, empty.objective.assigned) == ((), (), 0)


def test_batch_costs_are_exact_milli_points() -> None:
    # given a consultant with three open places out of 3 and three requests
    result = solve_batch([request(f"r{i}") for i in range(3)], [consultant("a", capacity=3)], Weights())
    # then the k-th new request costs 2·k/3 points, rounded to thousandths, and the total adds them exactly
    assert [a.cost for a in result.assignments] == [0.667, 1.333, 2.0]
    assert round(result.objective.cost * SCALE) == 667 + 1333 + 2000
