"""`abrazo match --input problem.json`: the file format in, JSON out, exit status 2 on a malformed file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

PROJECT_DIR = Path(__file__).resolve().parents[3]

PROBLEM: dict[str, Any] = {
    "consultants": [
        {"id": "ana", "languages": ["es", "en"], "counties": ["06019"], "settings": ["preschool"], "capacity": 3,
         "previous_programs": ["sunrise"]},
        {"id": "ben", "languages": ["en"], "counties": ["06019", "06037"], "settings": ["preschool", "fcc"],
         "capacity": 1},
    ],
    "requests": [
        {"id": 1, "county": "06019", "setting": "preschool", "language": "es", "priority": "urgent",
         "program": "sunrise"},
        {"id": 2, "county": "06037", "setting": "fcc", "language": "en", "priority": "normal"},
        {"id": 3, "county": "06037", "setting": "fcc", "language": "en", "priority": "normal"},
        {"id": 4, "county": "06001", "setting": "fcc", "language": "vi", "priority": "normal"},
    ],
}

EXPECTED = {
    "assignments": [
        {"request": 1, "consultant": "ana", "cost": 0.667, "reasons": [
            "speaks Spanish", "serves Fresno County", "works in preschool", "3 open slots",
            "worked with this program before",
        ]},
        {"request": 2, "consultant": "ben", "cost": 2.0, "reasons": [
            "speaks English", "serves Los Angeles County", "works in family child care", "1 open slot",
        ]},
    ],
    "unassigned": [
        {"request": 3, "reason": "the only open slot of its eligible consultant went to another request"},
        {"request": 4, "reason": "no consultant speaks Vietnamese"},
    ],
    "objective": {"urgent_assigned": 1, "assigned": 2, "cost": 2.667},
}


def write(tmp_path: Path, content: Any, name: str = "problem.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def run_match(path: Path | str) -> dict[str, Any]:
    out = StringIO()
    call_command("match", "--input", str(path), stdout=out)
    return json.loads(out.getvalue())


def test_match_prints_assignments_unassigned_and_objective(tmp_path: Path) -> None:
    # given a problem file in the documented format
    path = write(tmp_path, PROBLEM)
    # when the command runs
    answer = run_match(path)
    # then it prints the assignment with English reasons, each waiting request's reason and the objective
    assert answer == EXPECTED


def test_match_accepts_optional_extras_and_weights(tmp_path: Path) -> None:
    # given regions, tags, an open caseload and custom weights (continuity off)
    problem = json.loads(json.dumps(PROBLEM))
    problem["weights"] = {"continuity": 0, "balance": 1}
    problem["consultants"][0].update(region="central", open_caseload=3, specialisms=["trauma"])
    problem["requests"][0].update(region="central", specialisms=["trauma"])
    # when the command runs
    answer = run_match(write(tmp_path, problem))
    # then the cost is the balance term alone: 1·(3 + 1)/6, and the reasons mention region and tags
    first = answer["assignments"][0]
    assert first["cost"] == 0.667
    assert first["reasons"][-2:] == ["based in the same region (central)", "specialises in trauma"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["requests"][3].pop("language"), "requests[3].language: missing"),
        (lambda p: p["requests"][1].update(priority="soon"),
         "requests[1].priority: must be 'urgent', 'high' or 'normal', not 'soon'"),
        (lambda p: p["consultants"][1].update(capacity=-1), "consultants[1].capacity: must be a whole number"),
        (lambda p: p["consultants"][0].update(languages="es"), "consultants[0].languages: must be a list"),
        (lambda p: p["consultants"][0].update(counties=["06019", None]),
         "consultants[0].counties[1]: must be a non-empty string"),
        (lambda p: p["requests"][2].update(id=1), "requests[2].id: 1 repeats requests[0]"),
        (lambda p: p.pop("consultants"), "consultants: missing"),
        (lambda p: p["requests"].append("r9"), "requests[4]: must be an object"),
        (lambda p: p.update(weights={"speed": 1}), "weights.speed: unknown weight"),
        (lambda p: p.update(weights={"balance": 500}), "weights: weight balance must be between 0 and 100"),
    ],
)
def test_malformed_problem_names_the_offending_entry(tmp_path: Path, mutate: Any, message: str) -> None:
    # given a problem with one bad entry
    problem = json.loads(json.dumps(PROBLEM))
    mutate(problem)
    path = write(tmp_path, problem)
    # when the command runs
    with pytest.raises(CommandError) as error:
        run_match(path)
    # then it names the entry and exits with status 2
    assert f"{path}: {message}" in str(error.value)
    assert error.value.returncode == 2


def test_invalid_json_and_missing_file_exit_with_status_2(tmp_path: Path) -> None:
    # given a file that is not JSON, and a path with no file
    broken = write(tmp_path, '{"consultants": [}')
    # when / then each is refused with a clear message and status 2
    with pytest.raises(CommandError, match=r"not valid JSON \(line 1, column 18") as error:
        run_match(broken)
    assert error.value.returncode == 2
    with pytest.raises(CommandError, match="cannot read the file") as error:
        run_match(tmp_path / "nowhere.json")
    assert error.value.returncode == 2


def run_abrazo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ABRAZO_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "abrazo", *args], env=env, cwd=PROJECT_DIR, capture_output=True, text=True,
        timeout=120, check=False,
    )


def test_command_line_prints_json_and_exits_2_on_a_malformed_file(tmp_path: Path) -> None:
    # given a good file and a file whose fourth request has no language
    good = write(tmp_path, PROBLEM)
    problem = json.loads(json.dumps(PROBLEM))
    del problem["requests"][3]["language"]
    bad = write(tmp_path, problem, "bad.json")
    # when `abrazo match` runs on each in a fresh process
    ok = run_abrazo(tmp_path, "match", "--input", str(good))
    refused = run_abrazo(tmp_path, "match", "--input", str(bad))
    # then the good one prints the answer and exits 0
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == EXPECTED
    # and the bad one names the entry on stderr and exits 2, printing nothing on stdout
    assert refused.returncode == 2
    assert "requests[3].language: missing" in refused.stderr
    assert refused.stdout == ""
