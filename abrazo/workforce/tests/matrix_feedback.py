"""Records for the permission matrix (tests/security/matrix.py) for the workforce feedback pages: what each URL's
id names, and one record inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "workforce:feedback-send-cohort": "feedback_cohort",  # asking a cohort (cohort.manage)
    "workforce:feedback-send-group": "group",  # asking a group (group.manage), the consultations table's groups
    "workforce:voice-new": "feedback_administration",  # a voice from one survey's comment (feedback.curate)
    "workforce:voice-edit": "feedback_voice",
    "workforce:voice-publish": "feedback_voice",
    "workforce:voices-network": "network",  # the public page of one network, named by its slug: 200 for everyone
}

# feedback_cohort_a: region A; feedback_cohort_b: region B; other_feedback_cohort: the other network.
# feedback_administration_*: a completed training feedback survey, whose author agreed to publication, about the
# cohort of the same letter. feedback_voice_a / other_feedback_voice: a published voice of each network.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "feedback_cohort": {
        Scope.NETWORK: ("feedback_cohort_a", "other_feedback_cohort"),
        Scope.REGION: ("feedback_cohort_a", "feedback_cohort_b"),
    },
    "feedback_administration": {Scope.NETWORK: ("feedback_administration_a", "other_feedback_administration")},
    "feedback_voice": {Scope.NETWORK: ("feedback_voice_a", "other_feedback_voice")},
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    from abrazo.workforce.tests.factories_feedback import FeedbackCohortFactory, VoiceFactory, training_feedback

    made: dict[str, Any] = {
        "feedback_cohort_a": FeedbackCohortFactory(network=objects["network"], region=objects["region_a"]),
        "feedback_cohort_b": FeedbackCohortFactory(network=objects["network"], region=objects["region_b"]),
        "other_feedback_cohort": FeedbackCohortFactory(network=objects["other_network"],
                                                       region=objects["other_region"]),
    }
    made["feedback_administration_a"] = training_feedback(cohort=made["feedback_cohort_a"])
    made["other_feedback_administration"] = training_feedback(cohort=made["other_feedback_cohort"])
    made["feedback_voice_a"] = VoiceFactory(network=objects["network"])
    made["other_feedback_voice"] = VoiceFactory(network=objects["other_network"])
    return made
