"""Branching logic in a browser: on the staff entry form and on the public survey, a question whose "show
only if" logic is false is hidden (out of sight, out of the accessibility tree, its inputs not sent) and shows
again as soon as an answer makes it true; what is then saved is what the person saw.

The last tests hold measures/static/measures/branching.js to branching.py: the same generated logic and
answers give the same value in Chromium as in Python, and the same questions show.
"""

from __future__ import annotations

import json
import math
import random
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.measures import branching, links
from abrazo.measures.administrations import shown_items
from abrazo.measures.models import Administration, AdministrationStatus, Respondent
from abrazo.measures.tests.factories import AdministrationFactory, InstrumentFactory, ItemFactory, ScaleFactory
from tests.browser.conftest import Pages
from tests.browser.test_service_loop import sign_in_as

SCRIPT = Path(__file__).resolve().parents[2] / "abrazo" / "measures" / "static" / "measures" / "branching.js"
PHONE = {"width": 390, "height": 844}

NO_LOGIC = ""
# key -> (field type, label, logic); the order is the form's order
QUESTIONS: dict[str, tuple[str, str, str]] = {
    "stress_1": ("radio", "I feel calm at work", NO_LOGIC),
    "stress_2": ("radio", "I feel tense at the end of the day", "[stress_1] >= 3"),  # a matrix row
    "conflict": ("yesno", "Any conflict with a family this month?", NO_LOGIC),
    "conflict_detail": ("notes", "Describe the conflict", "[conflict] = '1'"),
    "conflict_help": ("yesno", "Would you like help with it?", "[conflict_detail] <> ''"),  # hidden with its parent
    "supports": ("checkbox", "Supports you use", NO_LOGIC),
    "other_support": ("text", "Which other support?", "[supports(9)] = '1'"),
    "years": ("text", "Years teaching", NO_LOGIC),
    "new_teacher": ("yesno", "Do you have a mentor?", "[years] < 2"),  # a blank never orders: hidden when blank
}


def branching_instrument(network: Any) -> Any:
    """Two 0-4 stress items in a matrix (the second asked only of a calm teacher), a yes/no 'conflict' that
    shows a required description, which in turn asks about help; supports whose 'Other' (code 9) asks which;
    and years of teaching that ask new teachers about a mentor."""
    instrument = InstrumentFactory(network=network, name_en="Teacher check-in", name_es="Chequeo docente",
                                   languages=["en", "es"])
    for position, (key, (kind, label, logic)) in enumerate(QUESTIONS.items()):
        extra: dict[str, Any] = {}
        if kind != "radio":
            extra = {"choices": [], "score_min": None, "score_max": None}
        if kind == "radio":
            extra = {"matrix_group": "stress", "required": True}
        if kind == "checkbox":
            extra["choices"] = [["1", "Coaching", "Coaching"], ["2", "Training", "Capacitación"],
                                ["9", "Other", "Otro"]]
        if key == "conflict_detail":
            extra["required"] = True
        if key == "years":
            extra.update(validation="integer", validation_min="0", validation_max="60")
        if key == "conflict":
            extra["section_header"] = "Families"
        ItemFactory(instrument=instrument, key=key, position=position, field_type=kind, label_en=label,
                    label_es=label, branching_logic=logic, **extra)
    ScaleFactory(instrument=instrument, key="stress", name_en="Stress", items=["stress_1", "stress_2"])
    return instrument


def question(page: Any, key: str) -> Any:
    return page.locator(f"[data-branching-item='{key}']")


def shown(page: Any) -> list[str]:
    """The questions a person can see, in order."""
    return page.eval_on_selector_all(
        "[data-branching-item]",
        "items => items.filter(item => item.checkVisibility()).map(item => item.dataset.branchingItem)")


def assert_hidden_properly(page: Any, key: str) -> None:
    """Hidden for everyone: not drawn, not in the accessibility tree, and nothing of it sent with the form."""
    element = question(page, key)
    assert element.get_attribute("hidden") is not None, key
    assert not element.is_visible(), key
    controls = element.locator("input, select, textarea")
    assert controls.count() > 0
    for index in range(controls.count()):
        assert controls.nth(index).is_disabled(), (key, index)
    label = QUESTIONS[key][1]
    assert page.get_by_role("textbox", name=label).count() == 0
    assert page.get_by_role("radiogroup", name=label).count() == 0
    assert page.get_by_role("group", name=label).count() == 0


def answer_the_branches(page: Any, pages: Pages, form: Any) -> None:
    """Walk every branch of the check-in on `form`, checking what shows after each answer."""
    everything_else = ["stress_1", "conflict", "supports", "years"]
    assert "JSON" not in form.inner_text()  # the partial's comment stays a comment
    # given the form as it opens: no answers yet, so only the questions without logic show
    assert shown(page) == everything_else
    for key in ("stress_2", "conflict_detail", "conflict_help", "other_support", "new_teacher"):
        assert_hidden_properly(page, key)
    # the "Families" section keeps its header: "conflict" has no logic

    # when the teacher is calm (3 on a 0-4 scale), the matrix's second row appears
    form.locator("input[name=answer__stress_1][value='3']").check()
    assert shown(page) == ["stress_1", "stress_2", "conflict", "supports", "years"]
    assert not question(page, "stress_2").locator("input").first.is_disabled()
    # and goes again at 2, a number compared as a number
    form.locator("input[name=answer__stress_1][value='2']").check()
    assert "stress_2" not in shown(page)
    form.locator("input[name=answer__stress_1][value='4']").check()
    form.locator("input[name=answer__stress_2][value='1']").check()

    # when they say there was a conflict, the description shows, but not the help question (it waits for text)
    question(page, "conflict").get_by_label("Yes").check()
    assert shown(page) == ["stress_1", "stress_2", "conflict", "conflict_detail", "supports", "years"]
    page.get_by_role("textbox", name="Describe the conflict").fill("A parent was upset at pickup")
    assert "conflict_help" in shown(page)
    question(page, "conflict_help").get_by_label("No").check()
    pages.screenshot("conflict-open")
    # and when they change their mind, the description and the question that hung on it both go:
    # the hidden description's text no longer counts
    question(page, "conflict").get_by_label("No").check()
    assert_hidden_properly(page, "conflict_detail")
    assert_hidden_properly(page, "conflict_help")
    # (what they typed stays in the page, in case they change their mind again)
    assert question(page, "conflict_detail").locator("textarea").input_value() == "A parent was upset at pickup"

    # when they tick "Other" among the supports, they are asked which; unticking hides it again
    question(page, "supports").get_by_label("Other").check()
    assert "other_support" in shown(page)
    page.get_by_role("textbox", name="Which other support?").fill("Peer circle")
    question(page, "supports").get_by_label("Other").uncheck()
    assert_hidden_properly(page, "other_support")
    question(page, "supports").get_by_label("Coaching").check()

    # when they type their years of teaching, the mentor question follows the number as they type
    years = page.get_by_role("textbox", name="Years teaching")
    years.fill("1")
    assert "new_teacher" in shown(page)
    years.fill("12")  # 12 > 2 as numbers (as text "12" < "2")
    assert "new_teacher" not in shown(page)
    years.fill("")
    assert "new_teacher" not in shown(page)
    years.fill(" 0 ")
    assert "new_teacher" in shown(page)
    question(page, "new_teacher").get_by_label("Yes").check()
    assert shown(page) == ["stress_1", "stress_2", "conflict", "supports", "years", "new_teacher"]


SAVED = {"stress_1": "4", "stress_2": "1", "conflict": "0", "supports": ["1"], "years": "0", "new_teacher": "1"}


@pytest.mark.django_db(transaction=True)
def test_the_staff_entry_form_shows_and_hides_questions_as_they_are_answered(live_server, page, pages, world):
    consultant = world.people["consultant"]
    episode = EpisodeFactory(program=world.program_a, consultant=ConsultantProfile.objects.get(user=consultant))
    administration = AdministrationFactory(episode=episode, instrument=branching_instrument(world.network),
                                           respondent_role=Respondent.TEACHER)

    # given the consultant on the entry form
    sign_in_as(page, live_server, consultant)
    page.goto(live_server.url + reverse("measures:administration-enter", args=[administration.pk]))
    pages.visit_step("entry-opened")
    form = page.locator("main form.entry-form")

    # when they answer, each dependent question appears and disappears with the answers
    answer_the_branches(page, pages, form)
    pages.visit_step("entry-answered")

    # when they save (the hidden required description, typed then hidden, does not block the save)
    form.locator("[name=respondent_consent]").check()
    form.get_by_role("button", name="Save the answers").click()
    page.wait_for_load_state()

    # then exactly what was shown is kept
    administration.refresh_from_db()
    assert administration.status == AdministrationStatus.COMPLETED, page.locator("main").inner_text()
    assert administration.answers == SAVED
    pages.visit_step("entry-saved")

    # and opening the form again to correct it draws the same questions from the stored answers
    page.goto(live_server.url + reverse("measures:administration-enter", args=[administration.pk]))
    assert shown(page) == ["stress_1", "stress_2", "conflict", "supports", "years", "new_teacher"]
    assert_hidden_properly(page, "conflict_detail")


@pytest.mark.django_db(transaction=True)
def test_without_javascript_every_question_shows_and_the_server_still_drops_hidden_answers(live_server, browser,
                                                                                            world):
    consultant = world.people["consultant"]
    episode = EpisodeFactory(program=world.program_a, consultant=ConsultantProfile.objects.get(user=consultant))
    administration = AdministrationFactory(episode=episode, instrument=branching_instrument(world.network),
                                           respondent_role=Respondent.CONSULTANT)
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in_as(page, live_server, consultant)
        # given the entry form in a browser without JavaScript
        page.goto(live_server.url + reverse("measures:administration-enter", args=[administration.pk]))
        # then every question shows
        assert shown(page) == list(QUESTIONS)
        # when the consultant answers "no conflict" but describes one anyway, and saves
        form = page.locator("main form.entry-form")
        form.locator("input[name=answer__stress_1][value='1']").check()
        form.locator("input[name=answer__stress_2][value='3']").check()
        question(page, "conflict").get_by_label("No").check()
        page.get_by_role("textbox", name="Describe the conflict").fill("Typed anyway")
        form.get_by_role("button", name="Save the answers").click()
        page.wait_for_load_state()
        # then the server kept only what the logic shows (stress_2 needs stress_1 >= 3)
        administration.refresh_from_db()
        assert administration.status == AdministrationStatus.COMPLETED, page.locator("main").inner_text()
        assert administration.answers == {"stress_1": "1", "conflict": "0"}
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_the_survey_link_shows_and_hides_questions_on_a_phone(live_server, browser, world):
    consultant = world.people["consultant"]
    episode = EpisodeFactory(program=world.program_a, consultant=ConsultantProfile.objects.get(user=consultant))
    administration = AdministrationFactory(episode=episode, instrument=branching_instrument(world.network),
                                           respondent_role=Respondent.TEACHER)
    issued = links.link_create(actor=consultant, administration=administration, email="maestra@example.org",
                               language="en", days_valid=7)

    # given the teacher opening the link on a phone, where matrix rows are laid out as blocks
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        phone_pages = Pages(phone, "test_branching_survey_on_a_phone")
        phone.goto(live_server.url + reverse("measures:survey", kwargs={"token": issued.token}))
        phone_pages.visit_step("survey-opened")
        form = phone.locator("main form.entry-form")

        # when they answer, the questions follow their answers as on the staff form
        answer_the_branches(phone, phone_pages, form)
        phone_pages.visit_step("survey-answered")

        # when they agree and send
        form.locator("[name=respondent_consent]").check()
        form.get_by_role("button", name="Send my answers").click()
        phone.wait_for_load_state()

        # then they are thanked, and exactly what was shown is kept
        administration = Administration.objects.get(pk=administration.pk)
        assert administration.status == AdministrationStatus.COMPLETED, phone.locator("main").inner_text()
        assert administration.answers == SAVED
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_section_header_and_a_matrix_hide_when_all_their_questions_are_hidden(live_server, page, pages, world):
    consultant = world.people["consultant"]
    episode = EpisodeFactory(program=world.program_a, consultant=ConsultantProfile.objects.get(user=consultant))
    instrument = InstrumentFactory(network=world.network, name_en="Follow-up", languages=["en"])
    ItemFactory(instrument=instrument, key="any_concern", position=0, field_type="yesno", choices=[],
                score_min=None, score_max=None, label_en="Any concern?")
    for position, key in enumerate(["worry_1", "worry_2"], start=1):
        ItemFactory(instrument=instrument, key=key, position=position, matrix_group="worries",
                    label_en=f"Worry {position}", branching_logic="[any_concern] = '1'",
                    section_header="Your concerns" if position == 1 else "")
    ScaleFactory(instrument=instrument, key="total", name_en="Total", items=["worry_1", "worry_2"])
    administration = AdministrationFactory(episode=episode, instrument=instrument,
                                           respondent_role=Respondent.CONSULTANT)

    # given the form with no concern answered
    sign_in_as(page, live_server, consultant)
    page.goto(live_server.url + reverse("measures:administration-enter", args=[administration.pk]))
    header = page.get_by_role("heading", name="Your concerns")
    matrix = page.locator("fieldset.entry-matrix")
    # then the section's header and the matrix are hidden with their questions
    assert header.count() == 0 and not matrix.is_visible()
    # when a concern is answered "yes", they show
    question(page, "any_concern").get_by_label("Yes").check()
    assert header.is_visible() and matrix.is_visible()
    assert shown(page) == ["any_concern", "worry_1", "worry_2"]
    pages.visit_step("section-shown")


# --- the browser's evaluator against branching.py ---------------------------------------------------

TODAY = datetime(2025, 6, 1, 12, 30, 0)
TODAY_MS = int((TODAY - datetime(1970, 1, 1)).total_seconds() * 1000)  # a naive time read as UTC, as the JS does
VALUES = ["", "0", "1", "2", "10", "-1", "2.5", "01", "abc", "b", " 3 ", "1e3", "\u0663", "1.", ".5", "-0", "Straße",
          "ABC", "2024-01-05", "2024-1-5", "2025-02-29", "2024-02-29 13:05", "2024-02-29 7:5:9", "today", "1e308",
          "0.1", "-7.5", "1e-7", "100000000000000000", "\u00a05", "x\x1c", "\U0001f600", "\uffff"]
LITERALS = ["1", "0", "2", "0.5", "-3", "'1'", "''", "'abc'", "'2024-03-01'", "1e20", "0.1", "'d'", "'y'", "'M'",
            "true", "false", "2.5", "'B'", "'ss'"]
REFERENCES = ["[a]", "[b]", "[c]", "[cb(1)]", "[cb(x)]", "[cb]", "[missing]"]
ARITY = {"if": 3, "sum": 0, "mean": 0, "min": 0, "max": 0, "round": 2, "roundup": 2, "rounddown": 2, "abs": 1,
         "sqrt": 1, "isnumber": 1, "contains": 2}
# Chromium's pow() may differ from the C library's in the last binary digit for other exponents (2 ^ 6.5),
# so generated powers use exponents both compute exactly: x*x, sqrt(x), 1/x, x and 1.
EXPONENTS = ["2", "0.5", "-1", "1", "0"]


def generated_logic(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth <= 0 or roll < 0.3:
        return rng.choice(LITERALS + REFERENCES * 2)
    if roll < 0.45:
        op = rng.choice(["=", "==", "<>", "!=", "<", ">", "<=", ">="])
        return f"({generated_logic(rng, depth - 1)} {op} {generated_logic(rng, depth - 1)})"
    if roll < 0.58:
        op = rng.choice(["+", "-", "*", "/", "^"])
        right = rng.choice(EXPONENTS) if op == "^" else generated_logic(rng, depth - 1)
        return f"({generated_logic(rng, depth - 1)} {op} {right})"
    if roll < 0.7:
        op = rng.choice(["and", "or", "AND", "Or"])
        return f"({generated_logic(rng, depth - 1)} {op} {generated_logic(rng, depth - 1)})"
    if roll < 0.75:
        return f"-{generated_logic(rng, depth - 1)}"
    if roll < 0.82:
        unit = rng.choice(["'d'", "'y'", "'M'", "'h'", "'m'", "'s'", "'x'", generated_logic(rng, depth - 1)])
        tail = rng.choice(["", ", 'ymd'", ", 'ymd', true", ", 'ymd', " + generated_logic(rng, depth - 1)])
        return f"datediff({generated_logic(rng, depth - 1)}, {generated_logic(rng, depth - 1)}, {unit}{tail})"
    name = rng.choice(list(ARITY))
    count = ARITY[name] or rng.randint(1, 4)
    if name.startswith("round"):
        count = rng.randint(1, 2)
    return f"{name}({', '.join(generated_logic(rng, depth - 1) for _ in range(count))})"


def python_outcome(tree: branching.Node, answers: dict[str, Any]) -> list[Any]:
    """[kind, value as text, shows?] as the JS side reports it; an error on either side is only "error"."""
    try:
        value = branching.evaluate_value(tree, answers, TODAY)
    except (ArithmeticError, ValueError):
        return ["error", None, None]
    kind = "boolean" if isinstance(value, bool) else "number" if isinstance(value, float) else "string"
    text = None if isinstance(value, float) and math.isnan(value) else branching.as_text(value)
    return [kind, text, branching.truthy(value)]


JS_OUTCOMES = """([cases, today]) => {
  const B = window.AbrazoBranching;
  return cases.map(([tree, answers]) => {
    const map = new Map(Object.entries(answers));
    try {
      const value = B.evaluateValue(tree, map, today);
      const kind = typeof value;
      const text = kind === "number" && Number.isNaN(value) ? null : B.asText(value);
      return [kind, text, B.evaluate(tree, map, today)];
    } catch (error) {
      return ["error", null, null];
    }
  });
}"""


def load_evaluator(page: Any) -> None:
    page.goto("about:blank")
    page.add_script_tag(content=SCRIPT.read_text(encoding="utf-8"))
    assert page.evaluate("typeof window.AbrazoBranching.evaluate") == "function"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_browser_evaluates_generated_logic_exactly_as_the_server(page, seed):
    # given a few thousand generated expressions over awkward answers (blank, padded, Unicode digits, dates,
    # huge and tiny numbers, text that sorts differently by code point than by UTF-16)
    rng = random.Random(seed)
    cases, expected, texts = [], [], []
    for _ in range(2500):
        text = generated_logic(rng, 4)
        tree = branching.parse(text)
        answers: dict[str, Any] = {key: rng.choice(VALUES) for key in "abc"}
        ticked = rng.sample(["1", "2", "x", "X"], rng.randint(0, 3))
        cases.append([branching.to_json(tree), {**answers, "cb": ticked}])
        expected.append(python_outcome(tree, {**answers, "cb": frozenset(ticked)}))
        texts.append(text)
    load_evaluator(page)
    # when Chromium evaluates the same JSON trees
    found = page.evaluate(JS_OUTCOMES, [cases, TODAY_MS])
    # then every value (to the last digit of its text) and every show/hide agrees
    wrong = [(text, case[1], want, got) for text, case, want, got in zip(texts, cases, expected, found, strict=True)
             if want != got]
    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {wrong[:5]}"
    # and the generated logic exercised every kind of outcome
    assert {outcome[0] for outcome in expected} == {"boolean", "number", "string", "error"}


def test_the_browser_works_out_shown_questions_as_the_server_does(page):
    # given generated forms of eight questions whose logic reads each other (chains, and answers of questions
    # hidden by earlier ones) and generated answers
    rng = random.Random(7)
    keys = [f"q{index}" for index in range(8)]
    forms, expected = [], []
    for _ in range(400):
        logic = {}
        for key in keys:
            if rng.random() < 0.3:
                logic[key] = ""
                continue
            other, another = rng.choice(keys), rng.choice(keys)
            logic[key] = rng.choice([
                f"[{other}] = '1'", f"[{other}] <> ''", f"[{other}] > 1 or [{another}] = '1'",
                f"[{other}] = '' and [{another}] <> '0'", f"[{other}(1)] = '1'", f"[{other}] >",  # unreadable
            ])
        answers: dict[str, Any] = {key: rng.choice(["", "0", "1", "2"]) for key in keys[:6]}
        answers |= {key: rng.sample(["1", "2"], rng.randint(0, 2)) for key in keys[6:]}
        items = [SimpleNamespace(key=key, branching_logic=logic[key]) for key in keys]
        forms.append([[{"key": key, "tree": json.loads(branching.logic_json(logic[key]) or "null")} for key in keys],
                      answers])
        expected.append(sorted(shown_items(items, answers)))  # type: ignore[arg-type]
    load_evaluator(page)
    # when Chromium works out which questions show
    found = page.evaluate("""([forms, today]) => forms.map(([items, answers]) =>
        Array.from(window.AbrazoBranching.shownItems(items, new Map(Object.entries(answers)), today)).sort())""",
                          [forms, TODAY_MS])
    # then it shows the same questions as the server for every form
    assert found == expected
    assert any(len(keys_shown) < len(keys) for keys_shown in expected)  # some forms hide questions
