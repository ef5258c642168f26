"""Matching consultants to requests for consultation: plain data in, plain data out, no Django.

Hard constraints (a consultant is *eligible* for a request only if all hold): they speak the
requested language, serve the request's county, have expertise in its setting, and have an open
slot (`capacity` counts the slots still open, not the whole caseload).

Soft preferences are costs in points, each between 0 and its weight, added up:

- continuity: the request names a program the consultant has not worked with (0 if they have, and
  0 for everyone when the request names no program);
- balance: the consultant's caseload utilisation once this request is added, (open + 1) / total;
  in a batch the k-th new request of a consultant costs (open + k) / total, so a consultant who
  takes more requests pays more for each one and work spreads out;
- region: the consultant's home region differs from the request's region (0 when the request has
  no region);
- specialisms: the share of the request's tags the consultant does not list (0 without tags).

Costs are computed in integer milli-points (`SCALE`), so sums are exact and ties are real ties.

`solve_batch` finds an assignment that is optimal for the lexicographic objective
(1) most urgent requests assigned, (2) most requests assigned, (3) lowest total cost. It expands each
consultant into one column per usable slot and solves one sparse minimum-weight bipartite matching
(LAPJVsp, `scipy.sparse.csgraph.min_weight_full_bipartite_matching`) in which every request also has
a private "unassigned" column with a penalty of M, 2M or 3M (normal, high, urgent). Why that gives
the lexicographic optimum, with no staging:

The sets of requests that can be served together are the independent sets of a transversal matroid
(requests on one side, consultant slots on the other). In a matroid the greedy basis (urgent first,
then high, then normal) is Gale-optimal: one matching serves at the same time the most urgent
requests, the most urgent-or-high requests, and the most requests possible. So the three counts
never pull against each other. Writing the objective as M·(assigned) + M·(urgent or high assigned)
+ M·(urgent assigned) - cost, any solution that misses one of these maxima loses at least M, while
costs can differ by at most D = n·(max cost per request + 1). With M = D + 1 the minimum-weight
matching therefore reaches all three maxima and, among such matchings, the lowest cost. Values stay
below 2^53, so float64 arithmetic inside the solver is exact on these integers.

Ties are broken deterministically: inputs are put in a canonical order (by id) before solving, so the
result does not depend on the order in which consultants are listed; among interchangeable requests
(same needs, priority, program, region and tags) the ones listed first are served first.

Reasons are data: (code, params) pairs, e.g. ("speaks", {"language": "es"}). `reason_text` renders
them in English for the command line; the web service translates them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

SCALE = 1000  # costs are integers in thousandths of a point
MAX_WEIGHT = 100.0  # keeps every integer the solver sees far below 2^53
# Which side of the matching the solver walks from. Either gives the same optimum; measured on the
# benchmark's problems (bench/matching.py), starting from the slots is faster until there are about
# half again as many slots as requests.
SLOTS_AS_ROWS_UP_TO = 1.5

URGENT, HIGH, NORMAL = "urgent", "high", "normal"
PRIORITIES = (URGENT, HIGH, NORMAL)
# Penalty multiples of M for leaving a request unassigned (see the module docstring).
_PENALTY_MULTIPLE = {URGENT: 3, HIGH: 2, NORMAL: 1}

# The setting-expertise codes a request's `setting` and a consultant's `settings` use.
SETTING_EXPERTISE = ("infant_toddler", "preschool", "fcc", "ffn", "home_visiting")
_SETTING_WORDS = {
    "infant_toddler": "infant/toddler care",
    "preschool": "preschool",
    "fcc": "family child care",
    "ffn": "family, friend and neighbor care",
    "home_visiting": "home visiting",
}


class Reason(NamedTuple):
    """Why a consultant fits (or why nobody does): a code and the values the sentence needs."""

    code: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Weights:
    """Points each soft preference can cost at most. All zero means "any eligible consultant"."""

    continuity: float = 3.0
    balance: float = 2.0
    region: float = 1.0
    specialism: float = 1.0

    def __post_init__(self) -> None:
        for name in ("continuity", "balance", "region", "specialism"):
            value = getattr(self, name)
            if not (0 <= value <= MAX_WEIGHT):
                raise ValueError(f"weight {name} must be between 0 and {MAX_WEIGHT:g}, not {value!r}")

    def scaled(self) -> tuple[int, int, int, int]:
        return (
            round(self.continuity * SCALE), round(self.balance * SCALE),
            round(self.region * SCALE), round(self.specialism * SCALE),
        )


@dataclass(frozen=True)
class ConsultantIn:
    id: str
    languages: frozenset[str]
    counties: frozenset[str]
    settings: frozenset[str]
    capacity: int  # open slots left
    open_caseload: int = 0  # episodes already open; with `capacity`, gives utilisation
    region: str | None = None
    # program id -> the last year the consultant worked with it (None when unknown)
    previous_programs: Mapping[str, int | None] = field(default_factory=dict)
    specialisms: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.capacity < 0 or self.open_caseload < 0:
            raise ValueError(f"consultant {self.id}: capacity and open caseload cannot be negative")


@dataclass(frozen=True)
class RequestIn:
    id: str
    county: str
    setting: str  # a setting-expertise code
    language: str
    priority: str = NORMAL
    program: str | None = None
    region: str | None = None
    specialisms: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise ValueError(f"request {self.id}: priority must be one of {', '.join(PRIORITIES)}")


@dataclass(frozen=True)
class Suggestion:
    consultant: str
    cost: float  # points; lower is better
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Assignment:
    request: str
    consultant: str
    cost: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Unassigned:
    request: str
    reason: Reason


@dataclass(frozen=True)
class Objective:
    urgent_assigned: int
    assigned: int
    cost: float
    high_assigned: int = 0


@dataclass(frozen=True)
class BatchResult:
    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]
    objective: Objective

    def consultant_of(self, request_id: str) -> str | None:
        for assignment in self.assignments:
            if assignment.request == request_id:
                return assignment.consultant
        return None


# --- costs ----------------------------------------------------------------------------------------


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers (the vectorised code does the same)."""
    return (2 * numerator + denominator) // (2 * denominator)


def is_eligible(request: RequestIn, consultant: ConsultantIn) -> bool:
    """The hard constraints, including an open slot."""
    return (
        consultant.capacity > 0
        and request.language in consultant.languages
        and request.county in consultant.counties
        and request.setting in consultant.settings
    )


def pair_cost(request: RequestIn, consultant: ConsultantIn, weights: Weights, *, slot: int = 0) -> int:
    """Cost in milli-points of giving `request` to `consultant` as their (slot + 1)-th new request."""
    w_continuity, w_balance, w_region, w_specialism = weights.scaled()
    cost = 0
    if request.program is not None and request.program not in consultant.previous_programs:
        cost += w_continuity
    total = consultant.open_caseload + consultant.capacity
    if total > 0:
        cost += _round_div(w_balance * (consultant.open_caseload + slot + 1), total)
    if request.region is not None and consultant.region != request.region:
        cost += w_region
    if request.specialisms:
        missing = len(request.specialisms - consultant.specialisms)
        cost += _round_div(w_specialism * missing, len(request.specialisms))
    return cost


def _max_pair_cost(weights: Weights) -> int:
    return sum(weights.scaled())


def match_reasons(request: RequestIn, consultant: ConsultantIn) -> tuple[Reason, ...]:
    """Plain reasons a consultant fits: the hard constraints met, then the preferences met."""
    reasons = [
        Reason("speaks", {"language": request.language}),
        Reason("serves_county", {"county": request.county}),
        Reason("setting_expertise", {"setting": request.setting}),
        Reason("open_slots", {"slots": consultant.capacity}),
    ]
    if request.program is not None and request.program in consultant.previous_programs:
        reasons.append(
            Reason("worked_with_program", {"program": request.program,
                                           "year": consultant.previous_programs[request.program]})
        )
    if request.region is not None and consultant.region == request.region:
        reasons.append(Reason("same_region", {"region": request.region}))
    if request.specialisms:
        shared = sorted(request.specialisms & consultant.specialisms)
        if shared:
            reasons.append(Reason("specialisms", {"specialisms": shared}))
    return tuple(reasons)


# --- one request ----------------------------------------------------------------------------------


def suggest(
    request: RequestIn, consultants: Iterable[ConsultantIn], weights: Weights, *, limit: int = 5
) -> list[Suggestion]:
    """The eligible consultants for one request, cheapest first (ties: more open slots, then id)."""
    ranked = sorted(
        ((pair_cost(request, c, weights), -c.capacity, c.id, c) for c in consultants if is_eligible(request, c)),
        key=lambda row: row[:3],
    )
    return [
        Suggestion(consultant=c.id, cost=cost / SCALE, reasons=match_reasons(request, c))
        for cost, _slots, _id, c in ranked[: max(limit, 0)]
    ]


def why_unmatched(request: RequestIn, consultants: Iterable[ConsultantIn]) -> Reason:
    """The first hard constraint that nobody meets, or that every eligible consultant is full."""
    speakers = [c for c in consultants if request.language in c.languages]
    if not speakers:
        return Reason("no_language", {"language": request.language})
    local = [c for c in speakers if request.county in c.counties]
    if not local:
        return Reason("no_language_in_county", {"language": request.language, "county": request.county})
    qualified = [c for c in local if request.setting in c.settings]
    if not qualified:
        return Reason(
            "no_setting_expertise",
            {"language": request.language, "county": request.county, "setting": request.setting},
        )
    return Reason("all_full", {"eligible": len(qualified)})


# --- a batch --------------------------------------------------------------------------------------


def _check_unique(ids: Sequence[str], kind: str) -> None:
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        for item in ids:
            if item in seen:
                raise ValueError(f"duplicate {kind} id {item!r}")
            seen.add(item)


def _indexer(values: Iterable[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for value in values:
        index.setdefault(value, len(index))
    return index


def _membership(rows: Sequence[Iterable[str]], index: Mapping[str, int]) -> np.ndarray:
    """Boolean (len(rows), len(index) + 1) matrix; the last column, always False, stands for unknown values."""
    matrix = np.zeros((len(rows), len(index) + 1), dtype=bool)
    for i, values in enumerate(rows):
        for value in values:
            matrix[i, index[value]] = True
    return matrix


def solve_batch(
    requests: Sequence[RequestIn], consultants: Sequence[ConsultantIn], weights: Weights
) -> BatchResult:
    """An assignment optimal for (most urgent assigned, most assigned, lowest cost); see the module doc."""
    _check_unique([r.id for r in requests], "request")
    _check_unique([c.id for c in consultants], "consultant")
    if not requests:
        return BatchResult((), (), Objective(0, 0, 0.0))
    reqs = sorted(requests, key=lambda r: r.id)
    cons = sorted(consultants, key=lambda c: c.id)
    n_req, n_con = len(reqs), len(cons)

    # Attribute values to column indexes; a request value no consultant has maps to the "unknown" column.
    lang_ix = _indexer(v for c in cons for v in sorted(c.languages))
    county_ix = _indexer(v for c in cons for v in sorted(c.counties))
    setting_ix = _indexer(v for c in cons for v in sorted(c.settings))
    c_lang = _membership([c.languages for c in cons], lang_ix)
    c_county = _membership([c.counties for c in cons], county_ix)
    c_setting = _membership([c.settings for c in cons], setting_ix)
    capacity = np.array([c.capacity for c in cons], dtype=np.int64)
    open_load = np.array([c.open_caseload for c in cons], dtype=np.int64)

    r_lang = np.array([lang_ix.get(r.language, len(lang_ix)) for r in reqs], dtype=np.int64)
    r_county = np.array([county_ix.get(r.county, len(county_ix)) for r in reqs], dtype=np.int64)
    r_setting = np.array([setting_ix.get(r.setting, len(setting_ix)) for r in reqs], dtype=np.int64)

    # Requests sharing (language, county, setting) share their eligible consultants: compute each key once.
    keys = r_lang * ((len(county_ix) + 1) * (len(setting_ix) + 1)) + r_county * (len(setting_ix) + 1) + r_setting
    key_of_request, first = _unique_keys(keys)
    k_lang, k_county, k_setting = r_lang[first], r_county[first], r_setting[first]
    speaks = c_lang[:, k_lang].T  # keys x consultants
    local = speaks & c_county[:, k_county].T
    qualified = local & c_setting[:, k_setting].T
    eligible_k = qualified & (capacity > 0)[None, :]
    eligible = csr_matrix(eligible_k)[key_of_request]  # requests x consultants, sorted indices per row
    eligible.sort_indices()
    rr = np.repeat(np.arange(n_req), np.diff(eligible.indptr))
    cc = eligible.indices.astype(np.int64)

    # Per-edge cost without the balance term (which depends on the slot).
    w_continuity, w_balance, w_region, w_specialism = weights.scaled()
    base = np.zeros(rr.size, dtype=np.int64)
    program_ix = _indexer(r.program for r in reqs if r.program is not None)
    if program_ix and w_continuity:
        r_program = np.array([program_ix.get(r.program, -1) if r.program else -1 for r in reqs], dtype=np.int64)
        worked = np.array(
            sorted(
                ci * len(program_ix) + program_ix[p]
                for ci, c in enumerate(cons) for p in c.previous_programs if p in program_ix
            ),
            dtype=np.int64,
        )
        has_program = r_program[rr] >= 0
        pair = cc * len(program_ix) + r_program[rr]
        base += np.where(has_program & ~np.isin(pair, worked), w_continuity, 0)
    if w_region:
        region_ix = _indexer(v for v in [*(r.region for r in reqs), *(c.region for c in cons)] if v is not None)
        r_region = np.array([region_ix[r.region] if r.region is not None else -1 for r in reqs], dtype=np.int64)
        c_region = np.array([region_ix[c.region] if c.region is not None else -2 for c in cons], dtype=np.int64)
        base += np.where((r_region[rr] >= 0) & (r_region[rr] != c_region[cc]), w_region, 0)
    if w_specialism and any(r.specialisms for r in reqs):
        tag_ix = _indexer(t for r in reqs for t in sorted(r.specialisms))
        r_tags = _membership([r.specialisms for r in reqs], tag_ix)
        c_tags = _membership([[t for t in c.specialisms if t in tag_ix] for c in cons], tag_ix)
        wanted = r_tags.sum(axis=1).astype(np.int64)
        missing = (r_tags[rr] & ~c_tags[cc]).sum(axis=1).astype(np.int64)
        has_tags = wanted[rr] > 0
        safe = np.maximum(wanted[rr], 1)
        base += np.where(has_tags, (2 * w_specialism * missing + safe) // (2 * safe), 0)

    # A consultant never uses more slots than it has open, nor more than it has eligible requests.
    slots = np.minimum(capacity, np.bincount(cc, minlength=n_con))
    # Every assigned request adds 1 so that no stored weight is zero (a zero would read as "no edge").
    big_m = n_req * (_max_pair_cost(weights) + 1) + 1
    penalty = np.array([_PENALTY_MULTIPLE[r.priority] for r in reqs], dtype=np.int64) * big_m
    chosen = _match(rr, cc, base, slots, open_load + capacity, open_load, w_balance, penalty)
    _serve_in_input_order(requests, reqs, chosen)
    return _result(requests, reqs, cons, chosen, weights, speaks, local, qualified, key_of_request, capacity)


def _match(
    rr: np.ndarray,
    cc: np.ndarray,
    base: np.ndarray,
    slots: np.ndarray,
    total: np.ndarray,
    open_load: np.ndarray,
    w_balance: int,
    penalty: np.ndarray,
) -> np.ndarray:
    """Solve the slot-expanded matching; return each request's consultant index, or -1."""
    n_req, n_con = penalty.size, slots.size
    slot_start = np.concatenate(([0], np.cumsum(slots)[:-1]))
    n_slots = int(slots.sum())
    reps = slots[cc]
    edge_of = np.repeat(np.arange(rr.size), reps)
    slot_k = np.arange(edge_of.size) - np.repeat(np.cumsum(reps) - reps, reps)
    e_con = cc[edge_of]
    # The k-th new request of a consultant costs the balance term at utilisation (open + k + 1) / total.
    slot_cost = (2 * w_balance * (open_load[e_con] + slot_k + 1) + total[e_con]) // (2 * np.maximum(total[e_con], 1))
    edge_weight = base[edge_of] + slot_cost + 1
    edge_row, edge_col = rr[edge_of], slot_start[e_con] + slot_k
    slot_owner = np.repeat(np.arange(n_con), slots)
    chosen = np.full(n_req, -1, dtype=np.int64)
    if n_slots == 0:
        return chosen
    if n_slots > SLOTS_AS_ROWS_UP_TO * n_req:
        # Requests are rows; each may fall back on its own "unassigned" column at its penalty.
        rows = np.concatenate((edge_row, np.arange(n_req)))
        cols = np.concatenate((edge_col, n_slots + np.arange(n_req)))
        data = np.concatenate((edge_weight, penalty)).astype(np.float64)
        graph = csr_matrix((data, (rows, cols)), shape=(n_req, n_slots + n_req))
        _rows, col_of_request = min_weight_full_bipartite_matching(graph)
        matched = col_of_request < n_slots
        chosen[matched] = slot_owner[col_of_request[matched]]
    else:
        # Slots are rows, and each may stay empty through its own column.
        # Serving r earns its penalty back (weight - penalty), shifted by one constant for every row
        # so that weights stay positive; every row is matched once, so the shift changes no choice.
        shift = int(penalty.max()) + 1
        rows = np.concatenate((edge_col, np.arange(n_slots)))
        cols = np.concatenate((edge_row, n_req + np.arange(n_slots)))
        data = np.concatenate((edge_weight - penalty[edge_row] + shift, np.full(n_slots, shift)))
        graph = csr_matrix((data.astype(np.float64), (rows, cols)), shape=(n_slots, n_req + n_slots))
        _rows, col_of_slot = min_weight_full_bipartite_matching(graph)
        used = col_of_slot < n_req
        chosen[col_of_slot[used]] = slot_owner[np.flatnonzero(used)]
    return chosen


def _serve_in_input_order(original: Sequence[RequestIn], reqs: Sequence[RequestIn], chosen: np.ndarray) -> None:
    """Among interchangeable requests (same needs, priority, program, region and tags), serve the ones
    listed first: swapping them changes no count and no cost, and first come, first served is fair."""
    position = {r.id: i for i, r in enumerate(original)}
    groups: dict[tuple[Any, ...], list[int]] = {}
    for ri, r in enumerate(reqs):
        signature = (r.language, r.county, r.setting, r.priority, r.program, r.region, r.specialisms)
        groups.setdefault(signature, []).append(ri)
    for members in groups.values():
        if len(members) < 2 or all(chosen[ri] >= 0 for ri in members):
            continue
        consultants = sorted(int(chosen[ri]) for ri in members if chosen[ri] >= 0)
        in_order = sorted(members, key=lambda ri: position[reqs[ri].id])
        for ri in members:
            chosen[ri] = -1
        for ri, ci in zip(in_order, consultants, strict=False):
            chosen[ri] = ci


def _unique_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each request the index of its key, and for each key its first request."""
    _unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return inverse.ravel(), first


def _result(
    original: Sequence[RequestIn],
    reqs: Sequence[RequestIn],
    cons: Sequence[ConsultantIn],
    chosen: np.ndarray,
    weights: Weights,
    speaks: np.ndarray,
    local: np.ndarray,
    qualified: np.ndarray,
    key_of_request: np.ndarray,
    capacity: np.ndarray,
) -> BatchResult:
    """Costs, reasons and the objective; slots of a consultant go to its requests in id order."""
    by_id: dict[str, Assignment] = {}
    next_slot = [0] * len(cons)
    urgent = high = 0
    total_cost = 0
    taken_by_urgent = np.zeros(len(cons), dtype=np.int64)
    for ri, request in enumerate(reqs):
        ci = int(chosen[ri])
        if ci < 0:
            continue
        consultant = cons[ci]
        cost = pair_cost(request, consultant, weights, slot=next_slot[ci])
        next_slot[ci] += 1
        total_cost += cost
        urgent += request.priority == URGENT
        high += request.priority == HIGH
        taken_by_urgent[ci] += request.priority == URGENT
        by_id[request.id] = Assignment(request.id, consultant.id, cost / SCALE, match_reasons(request, consultant))

    unassigned: list[Unassigned] = []
    positions = {r.id: i for i, r in enumerate(reqs)}
    for request in original:
        if request.id in by_id:
            continue
        key = key_of_request[positions[request.id]]
        unassigned.append(Unassigned(request.id, _batch_reason(
            request, speaks[key], local[key], qualified[key], capacity, taken_by_urgent
        )))
    assignments = tuple(by_id[r.id] for r in original if r.id in by_id)
    return BatchResult(
        assignments, tuple(unassigned),
        Objective(urgent_assigned=urgent, assigned=len(assignments), cost=total_cost / SCALE, high_assigned=high),
    )


def _batch_reason(
    request: RequestIn,
    speaks: np.ndarray,
    local: np.ndarray,
    qualified: np.ndarray,
    capacity: np.ndarray,
    taken_by_urgent: np.ndarray,
) -> Reason:
    if not speaks.any():
        return Reason("no_language", {"language": request.language})
    if not local.any():
        return Reason("no_language_in_county", {"language": request.language, "county": request.county})
    if not qualified.any():
        return Reason(
            "no_setting_expertise",
            {"language": request.language, "county": request.county, "setting": request.setting},
        )
    eligible = int(qualified.sum())
    slots = int(capacity[qualified].sum())
    if slots == 0:
        return Reason("all_full", {"eligible": eligible})
    return Reason(
        "slots_taken",
        {"eligible": eligible, "slots": slots, "urgent": int(taken_by_urgent[qualified].sum())},
    )


# --- English sentences ----------------------------------------------------------------------------


def _plural(n: int, one: str, many: str) -> str:
    return one.format(n=n) if n == 1 else many.format(n=n)


def reason_text(reason: Reason, name: Callable[[str, str], str] | None = None) -> str:
    """An English sentence for a reason. `name(kind, code)` turns language/county/region codes into names."""
    label = name or (lambda _kind, code: code)
    p = reason.params
    code = reason.code
    if code == "speaks":
        return f"speaks {label('language', p['language'])}"
    if code == "serves_county":
        return f"serves {label('county', p['county'])}"
    if code == "setting_expertise":
        return f"works in {_SETTING_WORDS.get(p['setting'], p['setting'])}"
    if code == "open_slots":
        return _plural(p["slots"], "{n} open slot", "{n} open slots")
    if code == "worked_with_program":
        year = p.get("year")
        return f"worked with this program in {year}" if year else "worked with this program before"
    if code == "same_region":
        return f"based in the same region ({label('region', p['region'])})"
    if code == "specialisms":
        return "specialises in " + ", ".join(p["specialisms"])
    if code == "no_language":
        return f"no consultant speaks {label('language', p['language'])}"
    if code == "no_language_in_county":
        return f"no consultant who speaks {label('language', p['language'])} serves {label('county', p['county'])}"
    if code == "no_setting_expertise":
        return (
            f"no consultant who speaks {label('language', p['language'])} in {label('county', p['county'])} "
            f"works in {_SETTING_WORDS.get(p['setting'], p['setting'])}"
        )
    if code == "all_full":
        return _plural(
            p["eligible"], "the only eligible consultant is full", "all {n} eligible consultants are full"
        )
    if code == "slots_taken":
        slots, eligible, urgent = p["slots"], p["eligible"], p.get("urgent", 0)
        text = "the only open slot" if slots == 1 else f"the {slots} open slots"
        text += " of its eligible consultant" if eligible == 1 else f" of its {eligible} eligible consultants"
        if slots == 1:
            return text + " went to another request" + (" (an urgent one)" if urgent else "")
        return text + " went to other requests" + (f" ({urgent} of them urgent)" if urgent else "")
    raise ValueError(f"unknown reason code {code!r}")
