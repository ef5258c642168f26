"""`abrazo equity --children ... --incidents ...`: files in, the engine's figures out (JSON, CSV, table);
any problem in a file is listed on stderr and the run stops with status 2, printing nothing.

Expected figures are worked out here from DOMAIN.md §6's formulas, not by calling the engine.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from math import comb
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

FILES = Path(__file__).resolve().parent / "files"
PROJECT_DIR = Path(__file__).resolve().parents[3]

CHILD_HEADER = ["child_id", "program_id", "race_ethnicity", "gender", "iep", "dll"]
INCIDENT_HEADER = [
    "incident_id", "child_id", "date", "time", "problem_behavior", "activity", "others_involved",
    "possible_motivation", "strategy_response", "admin_follow_up",
]
SENT_HOME = "Sent home for remainder of day"  # an out-of-school suspension
CONTACT_FAMILY = "Contact family"  # an incident, but no exclusion
Z = NormalDist().inv_cdf(0.975)


# --- the formulas of DOMAIN.md §6, written out independently of the engine ------------------------------


def log_ci(a: int, n1: int, c: int, n2: int) -> tuple[float, float, float]:
    ratio = (a / n1) / (c / n2)
    half_width = Z * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return ratio, math.exp(math.log(ratio) - half_width), math.exp(math.log(ratio) + half_width)


def fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Sum of the probabilities of every table with the same margins no more likely than the one seen."""
    row, column, total = a + b, a + c, a + b + c + d

    def probability(x: int) -> float:
        return comb(row, x) * comb(total - row, column - x) / comb(total, column)

    seen = probability(a)
    tables = range(max(0, column - (total - row)), min(row, column) + 1)
    return sum(p for p in map(probability, tables) if p <= seen * (1 + 1e-7))


# --- writing files and running the command ----------------------------------------------------------------


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def child(child_id: str, program: str = "p1", race: str = "white", gender: str = "girl", iep: str = "no",
          dll: str = "no") -> list[str]:
    return [child_id, program, race, gender, iep, dll]


def incident(number: int, child_id: str, follow_up: str = SENT_HOME, *, strategy: str = "Time out",
             day: str = "2024-01-15", at: str = "10:30") -> list[Any]:
    return [number, child_id, day, at, "Physical aggression", "Meals", "Peers", "Avoid task", strategy, follow_up]


class Roster:
    """Builds a roster and its incidents: `add` enrols children of a group, some of them with OSS."""

    def __init__(self) -> None:
        self.children: list[list[str]] = []
        self.incidents: list[list[Any]] = []

    def add(self, *, program: str, race: str, enrolled: int, with_oss: int, twice: int = 0,
            other_incidents: int = 0) -> None:
        ids = [f"{program}-{race}-{i}" for i in range(enrolled)]
        self.children += [child(child_id, program, race) for child_id in ids]
        for child_id in ids[:with_oss] + ids[:twice]:  # the first `twice` children are sent home twice
            self.incidents.append(incident(len(self.incidents) + 1, child_id))
        for child_id in ids[with_oss:with_oss + other_incidents]:  # incidents that are not exclusions
            self.incidents.append(incident(len(self.incidents) + 1, child_id, CONTACT_FAMILY))

    def write(self, folder: Path) -> tuple[Path, Path]:
        return (write_csv(folder / "children.csv", CHILD_HEADER, self.children),
                write_csv(folder / "incidents.csv", INCIDENT_HEADER, self.incidents))


def run(children: Path, incidents: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("equity", "--children", str(children), "--incidents", str(incidents), *args, stdout=out,
                 stderr=err)
    return out.getvalue(), err.getvalue()


def run_json(children: Path, incidents: Path, *args: str) -> dict[str, Any]:
    out, _ = run(children, incidents, *args, "--format", "json")
    return json.loads(out)


def refused(children: Path, incidents: Path, *args: str) -> str:
    """Run a command that must fail; check status 2 and an empty stdout; return stderr and the message."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("equity", "--children", str(children), "--incidents", str(incidents), *args, stdout=out,
                     stderr=err)
    assert error.value.returncode == 2
    assert out.getvalue() == ""
    return err.getvalue() + str(error.value)


def by_group(analysis: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {group["group"]: group for group in analysis["groups"]}


@pytest.fixture
def worked_example(tmp_path: Path) -> tuple[Path, Path]:
    """DOMAIN.md §6: 40 of 200 Black children sent home vs 30 of 600 white children. Ten of the 40 and one
    of the 30 are sent home twice; 50 other incidents end with a call to the family (not exclusions)."""
    roster = Roster()
    roster.add(program="p1", race="black", enrolled=200, with_oss=40, twice=10, other_incidents=50)
    roster.add(program="p2", race="white", enrolled=600, with_oss=30, twice=1)
    return roster.write(tmp_path)


# --- the figures ----------------------------------------------------------------------------------------


def test_worked_example_risk_ratio_interval_p_and_profile(worked_example: tuple[Path, Path]) -> None:
    # given the worked example as files
    children, incidents = worked_example
    # when the command runs on out-of-school suspensions by race/ethnicity
    answer = run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")
    # then there is one analysis over all children, with the thresholds used
    assert {key: answer[key] for key in ("outcome", "dimension", "min_cell", "min_n")} == {
        "outcome": "oss", "dimension": "race_ethnicity", "min_cell": 10, "min_n": 30}
    [analysis] = answer["analyses"]
    assert (analysis["program_id"], analysis["enrolled"], analysis["children_with_outcome"], analysis["events"]) == (
        None, 800, 70, 81)
    black = by_group(analysis)["black"]
    # and the Black children's ratio is the worked example's: RR 4.0, CI 2.5620-6.2451, p 2.28e-9
    ratio, low, high = log_ci(40, 200, 30, 600)
    assert (black["enrolled"], black["children_with_outcome"], black["events"]) == (200, 40, 50)
    assert black["risk"] == pytest.approx(0.2)
    assert black["risk_ratio"] == pytest.approx(ratio) == pytest.approx(4.0)
    assert black["risk_ratio_method"] == "rr"
    assert black["not_calculated_reason"] is None
    assert (black["ci_low"], black["ci_high"]) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    assert (round(black["ci_low"], 4), round(black["ci_high"], 4)) == (2.5620, 6.2451)
    assert black["fisher_p"] == pytest.approx(fisher_two_sided(40, 160, 30, 570), rel=1e-6)
    assert black["fisher_p"] == pytest.approx(2.28e-9, rel=0.01)
    # and the BIRS profile counts events (50 and 31), not children
    assert black["event_rate"] == pytest.approx(50 / 200)
    assert black["event_ratio"] == pytest.approx((50 / 200) / (31 / 600))
    assert black["enrollment_share"] == pytest.approx(0.25)
    assert black["child_composition"] == pytest.approx(40 / 70)
    assert black["event_composition"] == pytest.approx(50 / 81)
    assert black["e_formula_upper"] == pytest.approx(0.25 + math.sqrt(0.25 * 0.75 / 70))
    assert black["alert"] is True
    white = by_group(analysis)["white"]
    assert white["risk_ratio"] == pytest.approx(0.25)
    assert white["alert"] is False


def test_any_incident_counts_the_calls_to_the_family_too(worked_example: tuple[Path, Path]) -> None:
    # given the worked example, where 50 more Black children had an incident that was not an exclusion
    children, incidents = worked_example
    # when the outcome is any incident, or any exclusion
    any_incident = by_group(run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "incident")[
        "analyses"][0])
    exclusion = by_group(run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "exclusion")[
        "analyses"][0])
    # then the first counts them and the second does not
    assert (any_incident["black"]["children_with_outcome"], any_incident["black"]["events"]) == (90, 100)
    assert (exclusion["black"]["children_with_outcome"], exclusion["black"]["events"]) == (40, 50)


def test_comparison_too_small_without_a_next_level(tmp_path: Path) -> None:
    # given 12 of 40 Black children sent home, but only 5 of 40 other children
    roster = Roster()
    roster.add(program="p1", race="black", enrolled=40, with_oss=12)
    roster.add(program="p1", race="white", enrolled=40, with_oss=5)
    children, incidents = roster.write(tmp_path)
    # when the whole file is one unit
    groups = by_group(run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")["analyses"][0])
    # then no ratio is shown: there is no level up to compare with
    assert groups["black"]["risk_ratio"] is None
    assert groups["black"]["risk_ratio_method"] is None
    assert groups["black"]["not_calculated_reason"] == "comparison_too_small"
    assert groups["black"]["ci_low"] is None and groups["black"]["fisher_p"] is None
    assert groups["black"]["risk"] == pytest.approx(0.3)  # risks are still given
    assert groups["white"]["not_calculated_reason"] == "group_below_min_cell"


def test_per_program_uses_the_alternate_ratio_against_every_child_in_the_file(tmp_path: Path) -> None:
    # given program p1 where 12 of 40 Black children but only 1 of 10 white children were sent home,
    # and program p2 where 3 of 30 Black and 15 of 300 white children were
    roster = Roster()
    roster.add(program="p2", race="white", enrolled=300, with_oss=15)
    roster.add(program="p2", race="black", enrolled=30, with_oss=3)
    roster.add(program="p1", race="white", enrolled=10, with_oss=1)
    roster.add(program="p1", race="black", enrolled=40, with_oss=12)
    children, incidents = roster.write(tmp_path)
    # when each program is analysed on its own
    answer = run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")
    # then there is one analysis per program, in order of program_id
    assert [(a["program_id"], a["enrolled"], a["children_with_outcome"]) for a in answer["analyses"]] == [
        ("p1", 50, 13), ("p2", 330, 18)]
    p1, p2 = (by_group(analysis) for analysis in answer["analyses"])
    # and p1's Black children are compared with every non-Black child in the file (16 of 310)
    ratio, low, high = log_ci(12, 40, 16, 310)
    assert p1["black"]["risk_ratio_method"] == "arr"
    assert p1["black"]["risk_ratio"] == pytest.approx(ratio) == pytest.approx(5.8125)
    assert (p1["black"]["ci_low"], p1["black"]["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert p1["black"]["fisher_p"] == pytest.approx(fisher_two_sided(12, 28, 16, 294), rel=1e-6)
    assert p1["black"]["event_ratio"] is None  # the event ratio has no alternate form
    assert p1["white"]["not_calculated_reason"] == "group_below_min_cell"
    # and p2's white children with the 15 of 70 Black children in the file
    assert p2["white"]["risk_ratio_method"] == "arr"
    assert p2["white"]["risk_ratio"] == pytest.approx((15 / 300) / (15 / 70))
    assert p2["black"]["risk_ratio"] is None
    # and over the whole file (no --per-program) the Black children are compared within the unit
    whole = by_group(run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")["analyses"][0])
    assert whole["black"]["risk_ratio_method"] == "rr"
    assert whole["black"]["risk_ratio"] == pytest.approx((15 / 70) / (16 / 310))


def test_thresholds_can_be_changed(tmp_path: Path) -> None:
    # given 5 of 20 children in one group sent home and 2 of 80 in the other (DOMAIN.md §6)
    roster = Roster()
    roster.add(program="p1", race="black", enrolled=20, with_oss=5)
    roster.add(program="p1", race="white", enrolled=80, with_oss=2)
    children, incidents = roster.write(tmp_path)
    # when run with the default thresholds, then with 1 and 1
    gated = by_group(run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")["analyses"][0])
    answer = run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--min-cell", "1",
                      "--min-n", "1")
    # then the ratio is gated at 10/30, and computed at 1/1: RR 10.0, CI 2.091-47.822, p 0.003259
    assert gated["black"]["not_calculated_reason"] == "group_below_min_cell"
    assert (answer["min_cell"], answer["min_n"]) == (1, 1)
    black = by_group(answer["analyses"][0])["black"]
    assert black["risk_ratio"] == pytest.approx(10.0)
    assert (round(black["ci_low"], 3), round(black["ci_high"], 3)) == (2.091, 47.822)
    assert black["fisher_p"] == pytest.approx(0.003259, abs=5e-7)


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("incident", {"black": (2, 2, 4), "hispanic_latino": (1, 1, 1), "white": (1, 1, 1)}),
        ("iss", {"black": (2, 1, 2), "hispanic_latino": (1, 0, 0), "white": (1, 0, 0)}),
        ("oss", {"black": (2, 1, 2), "hispanic_latino": (1, 0, 0), "white": (1, 0, 0)}),
        ("dismissal", {"black": (2, 0, 0), "hispanic_latino": (1, 0, 0), "white": (1, 1, 1)}),
        ("exclusion", {"black": (2, 2, 4), "hispanic_latino": (1, 0, 0), "white": (1, 1, 1)}),
    ],
)
def test_birs_labels_and_codes_mixed(outcome: str, expected: dict[str, tuple[int, int, int]]) -> None:
    # given a roster with headers as people write them ("Child ID", "Race/Ethnicity") and incidents that mix
    # BIRS labels, Abrazo codes, odd case and spacing, a curly apostrophe, US and ISO dates, 12- and 24-hour times
    children, incidents = FILES / "children_mixed.csv", FILES / "incidents_mixed.csv"
    # when the command counts each outcome
    answer = run_json(children, incidents, "--by", "race_ethnicity", "--outcome", outcome)
    # then each incident counts where BIRS says it does: (enrolled, children with the outcome, events)
    counted = {g["group"]: (g["enrolled"], g["children_with_outcome"], g["events"])
               for g in answer["analyses"][0]["groups"]}
    assert counted == expected


def test_extra_column_is_a_dimension_and_blank_is_not_reported(tmp_path: Path) -> None:
    # given a roster with a "Funding Stream" column, one child without a value
    children = write_csv(tmp_path / "children.csv", [*CHILD_HEADER, "Funding Stream"], [
        [*child("a"), "state_pre_k"], [*child("b"), "head_start"], [*child("c"), " "], [*child("d"), "head_start"],
    ])
    incidents = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, [incident(1, "b"), incident(2, "c")])
    # when grouped by it
    answer = run_json(children, incidents, "--by", "funding_stream", "--outcome", "oss")
    # then its values are the groups, in alphabetical order, the blank one as not_reported
    assert answer["dimension"] == "funding_stream"
    assert [(g["group"], g["enrolled"], g["children_with_outcome"]) for g in answer["analyses"][0]["groups"]] == [
        ("head_start", 2, 1), ("not_reported", 1, 1), ("state_pre_k", 1, 0)]


def test_iep_values_are_normalised_to_yes_and_no(tmp_path: Path) -> None:
    # given IEP written in six ways, and once left blank
    children = write_csv(tmp_path / "children.csv", CHILD_HEADER, [
        child("a", iep="Yes"), child("b", iep="TRUE"), child("c", iep="1"), child("d", iep="no"),
        child("e", iep="False"), child("f", iep="0"), child("g", iep=""),
    ])
    incidents = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, [incident(1, "b"), incident(2, "e")])
    # when grouped by IEP
    groups = run_json(children, incidents, "--by", "IEP", "--outcome", "oss")["analyses"][0]["groups"]
    # then there are three groups: no, not_reported, yes
    assert [(g["group"], g["enrolled"], g["children_with_outcome"]) for g in groups] == [
        ("no", 3, 1), ("not_reported", 1, 0), ("yes", 3, 1)]


def test_groups_are_in_alphabetical_order_and_programs_by_id(tmp_path: Path) -> None:
    # given groups and programs first seen in reverse order
    roster = Roster()
    for program in ("p9", "p10", "a1"):
        for race in ("white", "two_or_more", "hispanic_latino", "black", "asian"):
            roster.add(program=program, race=race, enrolled=2, with_oss=1)
    children, incidents = roster.write(tmp_path)
    # when analysed per program
    answer = run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")
    # then programs come in order of their id, and groups alphabetically in each
    assert [a["program_id"] for a in answer["analyses"]] == ["a1", "p10", "p9"]
    for analysis in answer["analyses"]:
        assert [g["group"] for g in analysis["groups"]] == [
            "asian", "black", "hispanic_latino", "two_or_more", "white"]


def test_a_program_lists_only_the_groups_it_enrols(tmp_path: Path) -> None:
    # given a program with no Asian child
    roster = Roster()
    roster.add(program="p1", race="white", enrolled=3, with_oss=1)
    roster.add(program="p2", race="asian", enrolled=3, with_oss=1)
    children, incidents = roster.write(tmp_path)
    # when analysed per program
    answer = run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")
    # then each program lists its own groups only
    assert [[g["group"] for g in a["groups"]] for a in answer["analyses"]] == [["white"], ["asian"]]


# --- the output formats -----------------------------------------------------------------------------------

JSON_GROUP_KEYS = [
    "group", "enrolled", "children_with_outcome", "events", "risk", "risk_ratio", "risk_ratio_method",
    "not_calculated_reason", "ci_low", "ci_high", "fisher_p", "event_rate", "event_ratio", "enrollment_share",
    "child_composition", "event_composition", "e_formula_upper", "alert",
]


def test_json_has_exactly_the_documented_keys_and_no_nan(tmp_path: Path) -> None:
    # given a group with no child sent home (so the event ratio of the other group divides by zero)
    roster = Roster()
    roster.add(program="p1", race="black", enrolled=40, with_oss=12)
    roster.add(program="p1", race="white", enrolled=40, with_oss=0)
    children, incidents = roster.write(tmp_path)
    # when printed as JSON
    out, err = run(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")
    # then it is strict JSON (no NaN or Infinity), with the documented keys in order
    answer = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    assert err == ""
    assert list(answer) == ["outcome", "dimension", "min_cell", "min_n", "analyses"]
    assert list(answer["analyses"][0]) == ["program_id", "enrolled", "children_with_outcome", "events", "groups"]
    for group in answer["analyses"][0]["groups"]:
        assert list(group) == JSON_GROUP_KEYS
    assert by_group(answer["analyses"][0])["white"]["event_composition"] == 0.0


def test_csv_has_one_row_per_program_and_group_and_is_formula_safe(tmp_path: Path) -> None:
    # given a program id and an extra-column value that a spreadsheet would run as formulas
    children = write_csv(tmp_path / "children.csv", [*CHILD_HEADER, "site"], [
        [*child("a", program="=HYPERLINK(1)"), "@evil"], [*child("b", program="p2"), "-1+1"],
        [*child("c", program="p2"), "plain"],
    ])
    incidents = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, [incident(1, "a")])
    # when printed as CSV per program
    out, _ = run(children, incidents, "--by", "site", "--outcome", "oss", "--per-program", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    # then the columns are program_id and the group keys, one row per (program, group)
    assert list(rows[0]) == ["program_id", *JSON_GROUP_KEYS]
    assert [(row["program_id"], row["group"]) for row in rows] == [
        ("'=HYPERLINK(1)", "'@evil"), ("p2", "'-1+1"), ("p2", "plain")]
    # and numbers, empty cells for nulls and booleans are plain text a spreadsheet reads
    first = rows[0]
    assert (first["enrolled"], first["children_with_outcome"], first["events"], first["risk"]) == ("1", "1", "1",
                                                                                                    "1.0")
    assert (first["risk_ratio"], first["not_calculated_reason"], first["alert"]) == (
        "", "group_below_min_cell", "false")


def test_table_is_aligned_and_says_why_a_ratio_is_missing(worked_example: tuple[Path, Path], tmp_path: Path) -> None:
    # given the worked example
    children, incidents = worked_example
    # when printed as a table
    out, _ = run(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--format", "table")
    lines = out.splitlines()
    # then it names the analysis and its totals, and each group's figures in aligned columns
    assert "All children: 800 enrolled, 70 with the outcome, 81 events" in lines
    header = next(line for line in lines if line.startswith("Group"))
    black = next(line for line in lines if line.startswith("black"))
    white = next(line for line in lines if line.startswith("white"))
    assert black.split()[:9] == ["black", "200", "40", "50", "0.2000", "4.00", "2.56-6.25", "2.28e-09", "0.2500"]
    assert "ALERT" in black and "ALERT" not in white
    assert header.index("Risk ratio") + len("Risk ratio") == black.index("4.00") + len("4.00")  # right-aligned
    # and a gated group says why in words
    roster = Roster()
    roster.add(program="p1", race="black", enrolled=20, with_oss=5)
    roster.add(program="p1", race="white", enrolled=80, with_oss=20)
    small = tmp_path / "small"
    small.mkdir()
    out, _ = run(*roster.write(small), "--by", "race_ethnicity", "--outcome", "oss", "--format", "table")
    black = next(line for line in out.splitlines() if line.startswith("black"))
    assert "n/c" in black and "too few children in the group with the outcome" in black


# --- problems in the files --------------------------------------------------------------------------------


@pytest.fixture
def good(tmp_path: Path) -> Roster:
    roster = Roster()
    roster.add(program="p1", race="black", enrolled=3, with_oss=1)
    return roster


def test_unknown_children_are_listed_with_their_lines(tmp_path: Path, good: Roster) -> None:
    # given two incidents naming children who are not on the roster
    good.incidents += [incident(8, "ghost-1"), incident(9, "ghost-2", CONTACT_FAMILY)]
    children, incidents = good.write(tmp_path)
    # when the command runs
    message = refused(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")
    # then each is listed with file, line, column and value, and nothing is calculated
    assert "incidents.csv, line 3, column child_id, value 'ghost-1': no child with this child_id" in message
    assert "incidents.csv, line 4, column child_id, value 'ghost-2': no child with this child_id" in message
    assert "2 problem(s) in the input files; nothing was calculated." in message


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("problem_behavior", "Biting", "column problem_behavior, value 'Biting': not a BIRS option"),
        ("admin_follow_up", "Sent home forever", "column admin_follow_up, value 'Sent home forever': not a BIRS"),
        ("strategy_response", "", "column strategy_response, value '': not a BIRS option"),
        ("date", "2024-02-30", "column date, value '2024-02-30': not a date"),
        ("date", "", "column date, value '': not a date"),
        ("date", "15/01/2024", "column date, value '15/01/2024': not a date"),
        ("time", "25:00", "column time, value '25:00': not a time"),
        ("child_id", "", "column child_id, value '': an incident needs a child_id"),
        ("incident_id", "1", "column incident_id, value '1': the incident_id is repeated (first on line 2)"),
    ],
)
def test_a_bad_value_in_an_incident_is_refused(tmp_path: Path, good: Roster, column: str, value: str,
                                               expected: str) -> None:
    # given one incident row with a bad value
    row = incident(2, "p1-black-1", CONTACT_FAMILY)
    row[INCIDENT_HEADER.index(column)] = value
    good.incidents.append(row)
    children, incidents = good.write(tmp_path)
    # when the command runs
    message = refused(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")
    # then the problem names the file, line and column
    assert f"incidents.csv, line 3, {expected}" in message


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (child("p1-black-0"),
         "line 5, column child_id, value 'p1-black-0': the child_id is repeated (first on line 2)"),
        (child("", race="asian"), "line 5, column child_id, value '': a child needs a child_id"),
        (child("z", program=""), "line 5, column program_id, value '': a child needs a program_id"),
    ],
)
def test_a_bad_roster_row_is_refused(tmp_path: Path, good: Roster, row: list[str], expected: str) -> None:
    # given a roster row with a repeated or missing id
    good.children.append(row)
    children, incidents = good.write(tmp_path)
    # when the command runs
    message = refused(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")
    # then the problem names the file, line and column
    assert f"children.csv, {expected}" in message


def test_an_iep_value_that_is_not_yes_or_no_is_refused(tmp_path: Path, good: Roster) -> None:
    # given a child whose IEP status is "maybe"
    good.children.append(child("z", iep="maybe"))
    children, incidents = good.write(tmp_path)
    # when grouped by IEP
    message = refused(children, incidents, "--by", "iep", "--outcome", "oss")
    # then the value is refused
    assert "children.csv, line 5, column iep, value 'maybe': must be yes or no (or blank)" in message


@pytest.mark.parametrize(
    ("which", "drop", "expected"),
    [
        ("children", "program_id", "children.csv, line 1, column program_id, value '': missing column"),
        ("children", "dll", "children.csv, line 1, column dll, value '': missing column"),
        ("incidents", "date", "incidents.csv, line 1, column date, value '': missing column"),
        ("incidents", "admin_follow_up", "incidents.csv, line 1, column admin_follow_up, value '': missing column"),
    ],
)
def test_a_missing_column_is_refused(tmp_path: Path, good: Roster, which: str, drop: str, expected: str) -> None:
    # given a file without one of its columns
    header, rows = (CHILD_HEADER, good.children) if which == "children" else (INCIDENT_HEADER, good.incidents)
    keep = [i for i, name in enumerate(header) if name != drop]
    write_csv(tmp_path / f"{which}.csv", [header[i] for i in keep], [[row[i] for i in keep] for row in rows])
    other = "incidents" if which == "children" else "children"
    other_header, other_rows = (INCIDENT_HEADER, good.incidents) if other == "incidents" else (CHILD_HEADER,
                                                                                               good.children)
    write_csv(tmp_path / f"{other}.csv", other_header, other_rows)
    # when the command runs
    message = refused(tmp_path / "children.csv", tmp_path / "incidents.csv", "--by", "race_ethnicity",
                      "--outcome", "oss")
    # then the missing column is named
    assert expected in message


def test_by_a_column_the_roster_does_not_have_or_an_id(tmp_path: Path, good: Roster) -> None:
    # given a good pair of files
    children, incidents = good.write(tmp_path)
    # when grouped by a column that is not there, or by an id
    missing = refused(children, incidents, "--by", "funding", "--outcome", "oss")
    by_id = refused(children, incidents, "--by", "child_id", "--outcome", "oss")
    # then both are refused
    assert "children.csv, line 1, column funding, value '': missing column" in missing
    assert "choose a column of the children file other than child_id and program_id" in by_id


def test_unreadable_files_are_refused(tmp_path: Path, good: Roster) -> None:
    # given a missing incidents file, and an empty roster file
    children, _ = good.write(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    # when the command runs on each
    missing = refused(children, tmp_path / "nowhere.csv", "--by", "race_ethnicity", "--outcome", "oss")
    blank = refused(empty, tmp_path / "incidents.csv", "--by", "race_ethnicity", "--outcome", "oss")
    # then both say what is wrong
    assert "nowhere.csv, value" in missing and "cannot read the file" in missing
    assert "empty.csv, line 1, value '': the file is empty" in blank


def test_every_problem_is_listed_at_once_up_to_a_limit(tmp_path: Path, good: Roster) -> None:
    # given 250 incidents with a bad date
    good.incidents += [incident(100 + i, "p1-black-0", day="soon") for i in range(250)]
    children, incidents = good.write(tmp_path)
    # when the command runs
    message = refused(children, incidents, "--by", "race_ethnicity", "--outcome", "oss")
    # then the first 200 are listed, and the rest counted
    assert message.count("not a date") == 200
    assert "... and 50 more problem(s) not listed." in message
    assert "250 problem(s) in the input files" in message


def test_windows_1252_and_byte_order_mark_are_read(tmp_path: Path) -> None:
    # given a roster saved by Excel as Windows-1252 with an accented group, and incidents with a UTF-8 BOM
    (tmp_path / "children.csv").write_bytes(
        ("child_id,program_id,race_ethnicity,gender,iep,dll,idioma\r\n"
         "a,p1,white,girl,no,no,español\r\nb,p1,white,boy,no,no,inglés\r\n").encode("cp1252"))
    write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, [incident(1, "a")])
    raw = (tmp_path / "incidents.csv").read_bytes()
    (tmp_path / "incidents.csv").write_bytes(b"\xef\xbb\xbf" + raw)
    # when grouped by that column
    groups = run_json(tmp_path / "children.csv", tmp_path / "incidents.csv", "--by", "idioma", "--outcome", "oss")[
        "analyses"][0]["groups"]
    # then both files are read as their authors wrote them
    assert [(g["group"], g["children_with_outcome"]) for g in groups] == [("español", 1), ("inglés", 0)]


# --- counting, checked against a plain count on random files ---------------------------------------------

RACES = ("asian", "black", "white", "")
FOLLOW_UPS = (SENT_HOME, "sent_home_days", CONTACT_FAMILY, "Dismissal from program", "not_applicable")


@settings(max_examples=30, deadline=None)
@given(
    roster=st.lists(st.tuples(st.sampled_from(("p1", "p2", "p3")), st.sampled_from(RACES)), min_size=1, max_size=40),
    events=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(FOLLOW_UPS)), max_size=80),
)
def test_counts_match_a_plain_count(roster: list[tuple[str, str]], events: list[tuple[int, str]]) -> None:
    # given random rosters and incidents
    events = [(index % len(roster), follow_up) for index, follow_up in events]
    with tempfile.TemporaryDirectory() as folder:
        children = write_csv(Path(folder) / "children.csv", CHILD_HEADER,
                             [child(f"c{i}", program, race) for i, (program, race) in enumerate(roster)])
        incidents = write_csv(Path(folder) / "incidents.csv", INCIDENT_HEADER,
                              [incident(n, f"c{i}", follow_up) for n, (i, follow_up) in enumerate(events)])
        # when counted per program
        answer = run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")
    # then every (program, group) cell matches a count done by hand
    sent_home = [i for i, follow_up in events if follow_up in (SENT_HOME, "sent_home_days")]
    expected = {}
    for i, (program, race) in enumerate(roster):
        enrolled, with_outcome, count = expected.get((program, race or "not_reported"), (0, 0, 0))
        hits = sent_home.count(i)
        expected[(program, race or "not_reported")] = (enrolled + 1, with_outcome + (hits > 0), count + hits)
    found = {(a["program_id"], g["group"]): (g["enrolled"], g["children_with_outcome"], g["events"])
             for a in answer["analyses"] for g in a["groups"]}
    assert found == expected


# --- the real command line ----------------------------------------------------------------------------------


def test_command_line_exit_status_and_streams(worked_example: tuple[Path, Path], tmp_path: Path) -> None:
    # given the worked example, and an incidents file naming an unknown child
    children, incidents = worked_example
    bad = write_csv(tmp_path / "bad.csv", INCIDENT_HEADER, [incident(1, "nobody")])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ABRAZO_VAR_DIR": str(tmp_path / "var")}

    def abrazo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "abrazo", "equity", "--by", "race_ethnicity", "--outcome", "oss", *args],
            env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120, check=False,
        )

    # when `abrazo equity` runs in a fresh process on each
    ok = abrazo("--children", str(children), "--incidents", str(incidents))
    failed = abrazo("--children", str(children), "--incidents", str(bad))
    # then the good run prints JSON and exits 0
    assert ok.returncode == 0, ok.stderr
    assert by_group(json.loads(ok.stdout)["analyses"][0])["black"]["risk_ratio"] == pytest.approx(4.0)
    # and the bad one exits 2 with the problem on stderr and nothing on stdout
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert "bad.csv, line 2, column child_id, value 'nobody': no child with this child_id" in failed.stderr


# --- the fast path gives the same answer as the careful reader -------------------------------------------


def test_spaces_around_ids_and_values_are_ignored(tmp_path: Path) -> None:
    # given ids and a program written with spaces around them, a trailing blank line and an empty row
    children = write_csv(tmp_path / "children.csv", CHILD_HEADER, [
        child(" a ", program=" p1"), child("b", program="p1", race=" black "), ["", "", "", "", "", ""],
    ])
    with children.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    incidents = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, [incident(1, "a"), incident(2, "b ")])
    # when counted per program
    answer = run_json(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")
    # then " p1" and "p1" are one program, "a " and "a" one child
    assert [(a["program_id"], a["enrolled"], a["children_with_outcome"]) for a in answer["analyses"]] == [
        ("p1", 2, 2)]
    assert [g["group"] for g in answer["analyses"][0]["groups"]] == ["black", "white"]


def test_two_processes_give_the_same_counts_and_catch_repeats_across_halves(
    tmp_path: Path, worked_example: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the worked example read by one process, then by two (every file is big enough to split)
    children, incidents = worked_example
    one = run(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")[0]
    monkeypatch.setattr("abrazo.equity.files.SPLIT_BYTES", 1)
    two = run(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")[0]
    # then the answers are the same
    assert json.loads(two) == json.loads(one)
    # and an incident_id of the first half repeated in the second half is still caught, with its lines
    roster = Roster()
    roster.add(program="p1", race="black", enrolled=4, with_oss=4)
    roster.incidents += [incident(1, "p1-black-0", CONTACT_FAMILY)]
    folder = tmp_path / "repeat"
    folder.mkdir()
    message = refused(*roster.write(folder), "--by", "race_ethnicity", "--outcome", "oss")
    assert "incidents.csv, line 6, column incident_id, value '1': the incident_id is repeated (first on line 2)" in (
        message)


def test_large_json_is_one_analysis_per_line_with_the_same_content(
    worked_example: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the worked example printed per program as pretty JSON
    children, incidents = worked_example
    pretty = run(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")[0]
    # when there are more groups than are worth indenting
    monkeypatch.setattr("abrazo.equity.management.commands.equity.PRETTY_JSON_GROUPS", 1)
    compact = run(children, incidents, "--by", "race_ethnicity", "--outcome", "oss", "--per-program")[0]
    # then each analysis is one line, and the document says the same
    assert json.loads(compact) == json.loads(pretty)
    assert len(compact.splitlines()) == 1 + 2 + 1  # the opening, one line per program, the closing
    assert compact.splitlines()[1].startswith('{"program_id": "p1"')
