"""REDCap branching logic: parsing real fixture logic, REDCap's comparison rules, and a property test of the
evaluator against a deliberately plain reference implementation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from abrazo.measures import branching, links
from abrazo.measures.branching import BranchingError, UnsupportedLogic, evaluate, evaluate_value, parse, unparse
from abrazo.measures.redcap import read_dictionary
from abrazo.measures.tests.factories import ItemFactory, ScaleFactory
from abrazo.measures.tests.test_links import make_administration

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "redcap"
if not FIXTURES.is_dir():  # the checkout may sit elsewhere; the fixtures live beside it in /work/shared
    FIXTURES = Path("/work/shared/fixtures/redcap")

# file -> (fields with branching logic: parsed, warned), (calc fields: parsed, warned)
LOGIC_COUNTS = {
    "reproschema_hbn_dictionary.csv": ((331, 0), (16, 20)),  # 20 "calcs" are jQuery snippets, not formulas
    "redcapapi_test_dictionary.csv": ((7, 0), (2, 0)),
    "redcapapi_metadata_api_headers.csv": ((7, 0), (2, 0)),
    "redcapr_simple_dictionary.csv": ((0, 0), (1, 0)),
    "redcapr_validation_types_dictionary.csv": ((0, 0), (1, 0)),
}


@pytest.mark.parametrize("name", sorted(LOGIC_COUNTS))
def test_every_fixture_logic_either_parses_or_is_a_warning(name):
    dictionary = read_dictionary((FIXTURES / name).read_bytes())
    logic_warnings = {(problem.line, problem.column) for problem in dictionary.warnings
                      if problem.code in ("logic_invalid", "logic_unsupported")}

    with_logic = [item for item in dictionary.fields if item.branching_logic.strip()]
    calcs = [item for item in dictionary.fields if item.field_type == "calc"]
    logic_parsed = sum(item.branching is not None for item in with_logic)
    logic_warned = sum((item.line, "Branching Logic (Show field only if...)") in logic_warnings
                       or (item.line, "branching_logic") in logic_warnings for item in with_logic)
    calc_warned = sum(any(line == item.line for line, _column in logic_warnings) for item in calcs)

    assert ((logic_parsed, logic_warned), (len(calcs) - calc_warned, calc_warned)) == LOGIC_COUNTS[name]
    assert logic_parsed + logic_warned == len(with_logic)


def test_the_fixture_examples_evaluate_as_redcap_would():
    # Logic from redcapapi_test_dictionary.csv, with answers chosen by hand.
    answers = {"prereq_radio": "2", "prereq_yesno": "0", "prereq_checkbox": {"ABC", "4"}, "prereq_number": "-3",
               "prereq_date": "2024-03-05"}

    assert evaluate("[prereq_radio] = '1'", answers) is False
    assert evaluate("[prereq_checkbox(ABC)] = '1'", answers) is True
    assert evaluate("[prereq_yesno] = '0' and [prereq_radio] = 'ABC'", answers) is False
    assert evaluate("[prereq_yesno] = '1' or [prereq_date] > '2024-01-01'", answers) is True
    assert evaluate("[prereq_checkbox(1)] = '1' or [prereq_number] = '5'", answers) is False
    assert evaluate("([prereq_radio] = '2' and [prereq_yesno] = '0') or [prereq_checkbox(2)] = '1'", answers) is True
    assert evaluate("[prereq_number] < 0", answers) is True


def test_and_binds_tighter_than_or_and_keywords_ignore_case():
    answers = {"a": "1", "b": "0", "c": "0"}

    assert evaluate("[a] = 1 OR [b] = 1 AND [c] = 1", answers) is True  # a or (b and c)
    assert evaluate("([a] = 1 Or [b] = 1) aNd [c] = 1", answers) is False


def test_numbers_compare_as_numbers_and_text_as_text():
    assert evaluate("[n] > 10", {"n": "9"}) is False  # not "9" > "10" as text
    assert evaluate("[n] = '01'", {"n": "1"}) is True
    assert evaluate("[n] = 1.0", {"n": "1"}) is True
    assert evaluate("[s] < 'b'", {"s": "abc"}) is True
    assert evaluate("[s] <> \"x\"", {"s": "y"}) is True
    assert evaluate("[s] != 'y'", {"s": "y"}) is False


def test_blank_is_the_empty_string_and_never_orders():
    assert evaluate("[missing] = ''", {}) is True
    assert evaluate('[missing] = ""', {"missing": ""}) is True
    assert evaluate("[missing] <> ''", {}) is False
    assert evaluate("[missing] >= 1", {}) is False
    assert evaluate("[missing] < 1", {}) is False


def test_checkbox_codes_read_sets_or_flat_export_columns():
    assert evaluate("[cb(2)] = '1'", {"cb": {"2"}}) is True
    assert evaluate("[cb(2)] = '0'", {"cb": set()}) is True
    assert evaluate("[cb(ABC)] = '1'", {"cb___abc": "1"}) is True  # record exports lower-case the code
    assert evaluate("[cb(3)] = '1'", {"cb___3": "0"}) is False


def test_event_prefixed_references_read_the_same_record():
    node = parse("[screening_arm_1][recruitment_period] ='1'")

    assert node == branching.Binary("=", branching.Ref("recruitment_period", event="screening_arm_1"),
                                    branching.Text("1"))
    assert evaluate(node, {"recruitment_period": "1"}) is True
    assert evaluate("[event-name] = 'v04_arm_1'", {"redcap_event_name": "v04_arm_1"}) is True


def test_common_functions_are_evaluated():
    today = datetime(2025, 6, 1)

    assert evaluate_value(parse("round(([weight]*10000)/(([height])^(2)),1)"),
                          {"weight": "70", "height": "175"}) == pytest.approx(22.9)
    assert evaluate_value(parse("datediff([dob], 'today', 'y')"), {"dob": "2023-06-01"}, today) == pytest.approx(
        2.0, abs=0.01)
    later_first = {"a": "2025-01-10", "b": "2025-01-01"}
    assert evaluate_value(parse("datediff([a], [b], 'd', 'ymd', true)"), later_first) == -9  # signed when asked
    assert evaluate_value(parse("datediff([a], [b], 'd')"), later_first) == 9
    assert evaluate_value(parse("datediff([a], [b], 'd')"), {"a": "2025-01-10"}) == ""  # blank date: blank
    assert evaluate_value(parse("if([x] > 0 AND [x] < 777, 1, 0)"), {"x": "5"}) == 1
    assert evaluate_value(parse("if([x] > 0 AND [x] < 777, 1, 0)"), {"x": "777"}) == 0
    assert evaluate_value(parse("sum([a], [b], [c])"), {"a": "1", "b": "", "c": "2.5"}) == 3.5
    assert evaluate_value(parse("[a] + [b]"), {"a": "1", "b": ""}) == ""  # blank in arithmetic is blank


def test_empty_logic_always_shows_the_field():
    assert evaluate("", {}) is True
    assert evaluate("   ", {}) is True


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[age] >", BranchingError),
        ("[age = 1", BranchingError),
        ("[age] = 'open", BranchingError),
        ("([age] = 1", BranchingError),
        ("[age] = 1 and", BranchingError),
        ("and [age] = 1", BranchingError),
        ("[age] = 1 ; drop", BranchingError),
        ("__import__('os').system('true')", BranchingError),
        ("__import__('os')", UnsupportedLogic),
        ("frobnicate([age]) = 1", UnsupportedLogic),
        ("$('#x').hide()", BranchingError),
    ],
)
def test_bad_or_foreign_logic_raises_instead_of_running(text, error):
    with pytest.raises(error) as raised:
        parse(text)

    assert raised.value.position >= 0


def test_unsupported_logic_is_a_branching_error_so_callers_catch_one_type():
    assert issubclass(UnsupportedLogic, BranchingError)


def test_references_list_the_fields_in_order():
    node = parse("[a] = 1 or ([b(2)] = '1' and [ev][c] > 3)")

    assert [ref.field for ref in branching.references(node)] == ["a", "b", "c"]


def test_every_fixture_logic_survives_unparse_and_parse():
    for path in [*sorted(FIXTURES.glob("*dictionary*.csv")), FIXTURES / "redcapapi_metadata_api_headers.csv"]:
        for item in read_dictionary(path.read_bytes()).fields:
            if item.branching is not None:
                assert parse(unparse(item.branching)) == item.branching, item.name


# --- property test against a plain reference ------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str
    literal: str
    quoted: bool


@dataclass(frozen=True)
class Checked:
    field: str
    code: str
    wanted: str  # "1" or "0"


@dataclass(frozen=True)
class Junction:
    op: str
    parts: tuple


FIELDS = ["a", "b", "c"]
VALUES = ["", "0", "1", "2", "10", "-1", "2.5", "01", "abc", "b"]
OPERATORS = ["=", "==", "<>", "!=", "<", ">", "<=", ">="]


def reference_compare(op: str, left: str, right: str) -> bool:
    op = {"==": "=", "!=": "<>"}.get(op, op)
    try:
        a, b = float(left), float(right)
    except ValueError:
        a, b = left, right
        if op not in ("=", "<>") and "" in (left, right):
            return False
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def reference(node, answers: dict) -> bool:
    if isinstance(node, Comparison):
        return reference_compare(node.op, answers.get(node.field, ""), node.literal)
    if isinstance(node, Checked):
        ticked = "1" if node.code in answers.get(node.field + "_boxes", set()) else "0"
        return ticked == node.wanted
    results = [reference(part, answers) for part in node.parts]
    return all(results) if node.op == "and" else any(results)


def render(node, draw_case, parenthesise) -> str:
    if isinstance(node, Comparison):
        literal = f"'{node.literal}'" if node.quoted or not node.literal or not is_plain_number(node.literal) \
            else node.literal
        return f"[{node.field}] {node.op} {literal}"
    if isinstance(node, Checked):
        return f"[{node.field}_boxes({node.code})] = \"{node.wanted}\""
    texts = []
    for part in node.parts:
        text = render(part, draw_case, parenthesise)
        if isinstance(part, Junction) or parenthesise():
            text = f"({text})"
        texts.append(text)
    return f" {draw_case(node.op)} ".join(texts)


def is_plain_number(text: str) -> bool:
    return text.lstrip("-").replace(".", "", 1).isdigit() and not text.startswith("-")


comparisons = st.builds(Comparison, st.sampled_from(FIELDS), st.sampled_from(OPERATORS), st.sampled_from(VALUES),
                        st.booleans())
checks = st.builds(Checked, st.sampled_from(FIELDS), st.sampled_from(["1", "2", "x"]), st.sampled_from(["0", "1"]))
expressions = st.recursive(
    comparisons | checks,
    lambda children: st.builds(Junction, st.sampled_from(["and", "or"]),
                               st.lists(children, min_size=2, max_size=4).map(tuple)),
    max_leaves=12,
)
answer_sets = st.fixed_dictionaries(
    {name: st.sampled_from(VALUES) for name in FIELDS}
    | {name + "_boxes": st.sets(st.sampled_from(["1", "2", "x"])) for name in FIELDS}
)


@settings(max_examples=400, deadline=None)
@given(tree=expressions, answers=answer_sets, data=st.data())
def test_the_evaluator_agrees_with_a_plain_reference_on_generated_logic(tree, answers, data):
    def draw_case(word: str) -> str:
        return data.draw(st.sampled_from([word, word.upper(), word.capitalize()]))

    def parenthesise() -> bool:
        return data.draw(st.booleans())

    text = render(tree, draw_case, parenthesise)

    assert evaluate(text, answers) is reference(tree, answers), text


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="[]()'\"=<>!andor 0123456789abc_,+-*/^", max_size=40))
def test_arbitrary_text_either_parses_or_raises_a_branching_error(text):
    try:
        node = parse(text)
    except BranchingError:
        return
    assert isinstance(evaluate(node, {}), bool)


# --- the JSON tree the browser evaluates -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("[age] >= 3", [">=", ["ref", "age"], ["num", 3.0]]),
        ("[lang] == 'es'", ["=", ["ref", "lang"], ["str", "es"]]),
        ("[lang] != \"es\"", ["<>", ["ref", "lang"], ["str", "es"]]),
        ("[cb(2)] = '1'", ["=", ["ref", "cb", "2"], ["str", "1"]]),
        # events and repeat instances read the same record, so the tree leaves them out
        ("[visit_1_arm_1][cb( ABC )][2] = 1", ["=", ["ref", "cb", "ABC"], ["num", 1.0]]),
        ("[a] = 1 or [b] = 1 and [c] = 1",
         ["or", ["=", ["ref", "a"], ["num", 1.0]],
          ["and", ["=", ["ref", "b"], ["num", 1.0]], ["=", ["ref", "c"], ["num", 1.0]]]]),
        ("([a] = 1 OR [b] = 1) AND [c] <> ''",
         ["and", ["or", ["=", ["ref", "a"], ["num", 1.0]], ["=", ["ref", "b"], ["num", 1.0]]],
          ["<>", ["ref", "c"], ["str", ""]]]),
        ("-[n] + 2 * 3 ^ 2 / 4 - 1",
         ["-", ["+", ["neg", ["ref", "n"]],
                ["/", ["*", ["num", 2.0], ["^", ["num", 3.0], ["num", 2.0]]], ["num", 4.0]]],
          ["num", 1.0]]),
        ("if([x] > 0, 'yes', 'no') = 'yes'",
         ["=", ["call", "if", [">", ["ref", "x"], ["num", 0.0]], ["str", "yes"], ["str", "no"]], ["str", "yes"]]),
        ("datediff([dob], 'today', 'M', 'ymd', true) < 36",
         ["<", ["call", "datediff", ["ref", "dob"], ["str", "today"], ["str", "M"], ["str", "ymd"], ["num", 1.0]],
          ["num", 36.0]]),
        ("[big] < 1e999", ["<", ["ref", "big"], ["num", "Infinity"]]),  # JSON has no infinity; Number() reads this
    ],
)
def test_the_json_tree_spells_out_the_parsed_logic(text, tree):
    assert branching.to_json(parse(text)) == tree
    assert json.loads(branching.logic_json(text)) == tree


def test_logic_that_always_shows_has_no_tree_so_the_browser_never_hides_it():
    # blank logic, and logic the server cannot read either (it shows such an item: the safe side)
    assert branching.logic_json("") == ""
    assert branching.logic_json("   ") == ""
    assert branching.logic_json("[age] >") == ""
    assert branching.logic_json("frobnicate([age]) = 1") == ""


def test_the_json_tree_is_compact_valid_json_with_text_kept_as_written():
    assert branching.logic_json("[lang] = 'español' and [n] > 2.5") == (
        '["and",["=",["ref","lang"],["str","español"]],[">",["ref","n"],["num",2.5]]]')


def test_every_fixture_logic_has_a_json_tree():
    trees = 0
    for path in [*sorted(FIXTURES.glob("*dictionary*.csv")), FIXTURES / "redcapapi_metadata_api_headers.csv"]:
        for item in read_dictionary(path.read_bytes()).fields:
            if item.branching is not None:
                text = branching.logic_json(item.branching_logic)
                assert json.loads(text) == branching.to_json(item.branching), item.name
                trees += 1
    assert trees == 331 + 7 + 7


# --- the pages carry the trees ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_entry_form_and_the_survey_carry_each_items_tree_and_load_the_script(client, world):
    # given a survey whose second item shows only when the first is 3 or more, and a third with logic
    # nobody can read (the server shows it, so the page must not hide it)
    administration = make_administration(world)
    instrument = administration.instrument
    instrument.items.filter(key="stress_2").update(branching_logic="[stress_1] >= 3")
    ItemFactory(instrument=instrument, key="note", position=3, field_type="text", choices=[], score_min=None,
                score_max=None, branching_logic="[stress_1] >")
    ScaleFactory(instrument=instrument, key="other", items=["stress_1"])
    issued = links.link_create(actor=world.people["consultant"], administration=administration,
                               email="maestra@example.org", language="en", days_valid=7)
    client.force_login(world.people["consultant"])

    pages = {
        "staff": client.get(reverse("measures:administration-enter", args=[administration.pk])),
        "survey": Client().get(reverse("measures:survey", kwargs={"token": issued.token})),
    }

    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        # then the dependent item carries its tree (escaped for the attribute), the others only their key
        assert ('data-branching-item="stress_2" data-branching="[&quot;&gt;=&quot;,[&quot;ref&quot;,'
                '&quot;stress_1&quot;],[&quot;num&quot;,3.0]]"') in html, name
        assert 'data-branching-item="stress_1">' in html, name
        assert 'data-branching-item="note">' in html, name
        assert "data-branching-section" in html, name  # "How you feel" hides when all its items do
        # and the page loads the evaluator as a file (no inline script), deferred
        assert 'src="/static/measures/branching.js" defer' in html, name
