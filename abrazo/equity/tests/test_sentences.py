"""Plain-language findings: the exact English sentences."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from abrazo.equity import sentences
from abrazo.equity.sentences import alert_sentence, findings, group_phrase, ratio_sentence, times


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("ratio, expected", [
    (2.6667, "Black children were 2.7 times as likely as other children to be sent home at least once."),
    (2.04, "Black children were twice as likely as other children to be sent home at least once."),
    (1.03, "Black children were about as likely as other children to be sent home at least once."),
    (0.52, "Black children were half as likely as other children to be sent home at least once."),
    (0.42, "Black children were 0.4 times as likely as other children to be sent home at least once."),
    (0.043, "Black children were 0.04 times as likely as other children to be sent home at least once."),
    (12.4, "Black children were 12 times as likely as other children to be sent home at least once."),
])
def test_ratio_sentences_say_how_many_times_as_likely(ratio, expected):
    assert ratio_sentence(group="Black children", ratio=ratio, method="rr", outcome="oss") == expected


@pytest.mark.parametrize("outcome, expected", [
    ("incident", "Boys were 4.5 times as likely as other children to have at least one behavior incident."),
    ("iss", "Boys were 4.5 times as likely as other children to be given an in-school suspension at least once."),
    ("dismissal", "Boys were 4.5 times as likely as other children to be dismissed from the program."),
    ("exclusion", "Boys were 4.5 times as likely as other children to be suspended or dismissed at least once."),
])
def test_each_outcome_has_its_own_verb_phrase(outcome, expected):
    assert ratio_sentence(group="Boys", ratio=4.5, method="rr", outcome=outcome) == expected


def test_the_alternate_ratio_names_the_level_it_compares_with():
    # given a program's group compared with the rest of its region, and a region's with the network
    program = ratio_sentence(group="Girls", ratio=0.3, method="arr", outcome="oss", next_level_kind="region")
    region = ratio_sentence(group="Girls", ratio=3.1, method="arr", outcome="oss", next_level_kind="network")
    # then
    assert program == ("Girls were 0.3 times as likely as other children across the region to be sent home at "
                       "least once.")
    assert region == ("Girls were 3.1 times as likely as other children across the network to be sent home at "
                      "least once.")


@pytest.mark.parametrize("dimension, code, label, expected", [
    ("race_ethnicity", "black", "Black or African American", "Black children"),
    ("race_ethnicity", "two_or_more", "Two or more races", "Children of two or more races"),
    ("race_ethnicity", "not_reported", "Not reported", "Children whose race or ethnicity was not reported"),
    ("gender", "girl", "Girl", "Girls"),
    ("iep", "yes", "With an IEP or IFSP", "Children with an IEP or IFSP"),
    ("iep", "no", "No IEP or IFSP", "Children without an IEP or IFSP"),
    ("dll", "yes", "Dual-language learner", "Dual-language learners"),
    ("home_language", "es", "Spanish", "Children whose home language is Spanish"),
    ("extra:funding", "state_preschool", "state_preschool", "Children with funding “state_preschool”"),
])
def test_groups_are_named_as_the_subject_of_a_sentence(dimension, code, label, expected):
    assert group_phrase(dimension, code, label) == expected


def test_an_alert_sentence_compares_composition_with_enrolment():
    sentence = alert_sentence(group="Black children", child_composition=0.47, enrollment_share=0.19, outcome="oss")
    assert sentence == ("Black children were 47% of the children sent home at least once but 19% of the children "
                        "enrolled.")


def row(code, label, ratio=None, method=None, alert=False, composition=None, share=None):
    return SimpleNamespace(code=code, label=label, ratio=ratio, ratio_method=method, alert=alert,
                           child_composition=composition, enrollment_share=share)


def test_findings_cover_calculated_ratios_only_then_alerts():
    # given a dimension with a calculated group in alert, a gated group and a suppressed group (no ratio)
    report = SimpleNamespace(dimension="race_ethnicity", next_level_kind="region", rows=[
        row("black", "Black or African American", ratio=2.6667, method="rr", alert=True, composition=0.4, share=0.2),
        row("white", "White"),
        row("asian", "Asian", alert=None),
    ])
    # when findings are written
    written = findings(report, "oss")
    # then one sentence for the ratio and one for the alert, nothing about the others
    assert written == [
        "Black children were 2.7 times as likely as other children to be sent home at least once.",
        "Black children were 40% of the children sent home at least once but 20% of the children enrolled.",
    ]


def test_numbers_follow_the_language():
    with translation.override("es"):
        assert times(2.6667) == "2,7"
    assert times(2.6667) == "2.7"


def test_every_outcome_has_phrases():
    from abrazo.incidents.birs import Outcome

    assert set(sentences.OUTCOME_VERB_PHRASES) == set(Outcome.values) == set(sentences.OUTCOME_CHILDREN)
