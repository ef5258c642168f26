"""The `abrazo match` file format: reading a problem, checking every entry, writing the answer.

Pure (no Django), so the benchmark and the tests use it as the command does.

Input::

    {"consultants": [{"id", "languages": [..], "counties": [..], "settings": [..], "capacity": int,
                      "previous_programs": [..] (optional)}],
     "requests": [{"id", "county", "setting", "language", "priority": "urgent"|"normal",
                   "program": (optional)}]}

Optional extras, ignored by nobody and required of nobody: a consultant's "region", "open_caseload"
and "specialisms"; a request's "region" and "specialisms"; "high" as a priority; and a top-level
"weights" object with any of continuity, balance, region, specialism.

Output::

    {"assignments": [{"request", "consultant", "cost", "reasons": [..]}],
     "unassigned": [{"request", "reason"}],
     "objective": {"urgent_assigned", "assigned", "cost"}}

Ids may be strings or integers; the output repeats them as given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from abrazo.matching.engine import (
    PRIORITIES,
    BatchResult,
    ConsultantIn,
    Reason,
    RequestIn,
    Weights,
    reason_text,
)


class ProblemError(ValueError):
    """A malformed problem; the message names the offending entry, e.g. `requests[3].language: missing`."""


@dataclass(frozen=True)
class Problem:
    consultants: list[ConsultantIn]
    requests: list[RequestIn]
    weights: Weights
    # engine id (always a string) -> the id as written in the file
    consultant_ids: dict[str, Any]
    request_ids: dict[str, Any]


_MISSING = object()


def _id(entry: dict[str, Any], where: str) -> str:
    value = entry.get("id", _MISSING)
    if value is _MISSING:
        raise ProblemError(f"{where}.id: missing")
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ProblemError(f"{where}.id: must be a non-empty string or an integer")
    return str(value)


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = entry.get(key, _MISSING)
    if value is _MISSING or (value is None and not required):
        if required:
            raise ProblemError(f"{where}.{key}: missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ProblemError(f"{where}.{key}: must be a non-empty string")
    return str(value)


def _texts(entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> list[str]:
    value = entry.get(key, _MISSING)
    if value is _MISSING:
        if required:
            raise ProblemError(f"{where}.{key}: missing")
        return []
    if not isinstance(value, list):
        raise ProblemError(f"{where}.{key}: must be a list")
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, str | int) or item == "":
            raise ProblemError(f"{where}.{key}[{i}]: must be a non-empty string")
    return [str(item) for item in value]


def _count(entry: dict[str, Any], key: str, where: str, *, default: int | None = None) -> int:
    value = entry.get(key, _MISSING)
    if value is _MISSING:
        if default is None:
            raise ProblemError(f"{where}.{key}: missing")
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProblemError(f"{where}.{key}: must be a whole number, 0 or more")
    return value


def _entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key, _MISSING)
    if value is _MISSING:
        raise ProblemError(f"{key}: missing")
    if not isinstance(value, list):
        raise ProblemError(f"{key}: must be a list")
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ProblemError(f"{key}[{i}]: must be an object")
    return value


def _weights(data: dict[str, Any]) -> Weights:
    value = data.get("weights", _MISSING)
    if value is _MISSING:
        return Weights()
    if not isinstance(value, dict):
        raise ProblemError("weights: must be an object")
    known = {f.name for f in fields(Weights)}
    values: dict[str, float] = {}
    for key, weight in value.items():
        if key not in known:
            raise ProblemError(f"weights.{key}: unknown weight (known: {', '.join(sorted(known))})")
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ProblemError(f"weights.{key}: must be a number")
        values[key] = float(weight)
    try:
        return Weights(**values)
    except ValueError as exc:
        raise ProblemError(f"weights: {exc}") from exc


def parse_problem(data: Any) -> Problem:
    """Check the whole problem and build engine inputs; raise ProblemError at the first bad entry."""
    if not isinstance(data, dict):
        raise ProblemError("the file must hold a JSON object with 'consultants' and 'requests'")
    consultant_ids: dict[str, Any] = {}
    consultants: list[ConsultantIn] = []
    first_seen: dict[str, str] = {}
    for i, entry in enumerate(_entries(data, "consultants")):
        where = f"consultants[{i}]"
        cid = _id(entry, where)
        if cid in first_seen:
            raise ProblemError(f"{where}.id: {entry['id']!r} repeats {first_seen[cid]}")
        first_seen[cid] = where
        consultant_ids[cid] = entry["id"]
        consultants.append(ConsultantIn(
            id=cid,
            languages=frozenset(_texts(entry, "languages", where)),
            counties=frozenset(_texts(entry, "counties", where)),
            settings=frozenset(_texts(entry, "settings", where)),
            capacity=_count(entry, "capacity", where),
            open_caseload=_count(entry, "open_caseload", where, default=0),
            region=_text(entry, "region", where, required=False),
            previous_programs=dict.fromkeys(_texts(entry, "previous_programs", where, required=False)),
            specialisms=frozenset(_texts(entry, "specialisms", where, required=False)),
        ))
    requests: list[RequestIn] = []
    request_ids: dict[str, Any] = {}
    first_seen = {}
    for i, entry in enumerate(_entries(data, "requests")):
        where = f"requests[{i}]"
        rid = _id(entry, where)
        if rid in first_seen:
            raise ProblemError(f"{where}.id: {entry['id']!r} repeats {first_seen[rid]}")
        first_seen[rid] = where
        request_ids[rid] = entry["id"]
        county = _text(entry, "county", where)
        setting = _text(entry, "setting", where)
        language = _text(entry, "language", where)
        priority = entry.get("priority", _MISSING)
        if priority is _MISSING:
            raise ProblemError(f"{where}.priority: missing")
        if priority not in PRIORITIES:
            raise ProblemError(f"{where}.priority: must be 'urgent', 'high' or 'normal', not {priority!r}")
        assert county is not None and setting is not None and language is not None  # required above
        requests.append(RequestIn(
            id=rid, county=county, setting=setting, language=language, priority=priority,
            program=_text(entry, "program", where, required=False),
            region=_text(entry, "region", where, required=False),
            specialisms=frozenset(_texts(entry, "specialisms", where, required=False)),
        ))
    return Problem(consultants, requests, _weights(data), consultant_ids, request_ids)


def render_result(
    result: BatchResult, problem: Problem, name: Callable[[str, str], str] | None = None
) -> dict[str, Any]:
    """The command's JSON answer: English reasons, ids as they were written."""

    def text(reason: Reason) -> str:
        return reason_text(reason, name)

    consultant_ids, request_ids = problem.consultant_ids, problem.request_ids
    return {
        "assignments": [
            {
                "request": request_ids[a.request],
                "consultant": consultant_ids[a.consultant],
                "cost": a.cost,
                "reasons": [text(reason) for reason in a.reasons],
            }
            for a in result.assignments
        ],
        "unassigned": [{"request": request_ids[u.request], "reason": text(u.reason)} for u in result.unassigned],
        "objective": {
            "urgent_assigned": result.objective.urgent_assigned,
            "assigned": result.objective.assigned,
            "cost": result.objective.cost,
        },
    }
