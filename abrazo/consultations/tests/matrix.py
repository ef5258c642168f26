"""Episode records for the permission matrix (tests/security/matrix.py): what each episode URL's id names,
and one episode (with a consent and its signed form, a goal and a referral) inside and outside each scope."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from abrazo.accounts.access import Scope
from abrazo.consultations.tests.factories import ConsentFactory, EpisodeFactory, GoalFactory, ReferralFactory

URL_OBJECTS: dict[str, str] = {
    "consultations:episode-detail": "episode",
    "consultations:contact-new": "episode",
    "consultations:consent-new": "episode",
    "consultations:consent-exception": "episode",
    "consultations:agreement": "episode",
    "consultations:goal-new": "episode",
    "consultations:referral-new": "episode",
    "consultations:episode-advance": "episode",
    "consultations:episode-close": "episode",
    "consultations:followup": "episode",
    "consultations:consent-revoke": "consent",
    "consultations:consent-form": "consent",
    "consultations:goal-rate": "goal",
    "consultations:goal-signoff": "goal",
    "consultations:referral-edit": "referral",
}

# episode_a: program A (region A), the world's consultant, whom the world's supervisor supervises;
# episode_b: program B (region B), another consultant; other_episode: the other network. Consents, goals and
# referrals hang off them and follow the same placement.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    kind: {
        scope: (f"{kind}_a", f"other_{kind}" if scope == Scope.NETWORK else f"{kind}_b")
        for scope in (Scope.NETWORK, Scope.REGION, Scope.PROGRAM, Scope.SELF, Scope.SUPERVISEES)
    }
    for kind in ("episode", "consent", "goal", "referral")
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    """Child-specific episodes at programs A, B and the other network's, each with what its URLs name."""
    made: dict[str, Any] = {}
    for suffix, program, consultant in (
        ("a", "program_a", "consultant_a"), ("b", "program_b", "consultant_b"),
        ("other", "other_program", "other_consultant"),
    ):
        def name(kind: str, suffix: str = suffix) -> str:
            return f"other_{kind}" if suffix == "other" else f"{kind}_{suffix}"

        episode = EpisodeFactory(program=objects[program], consultant=objects[consultant], child=True)
        made[name("episode")] = episode
        made[name("consent")] = ConsentFactory(
            episode=episode, form=ContentFile(b"%PDF-1.4\n%%EOF\n", name="form.pdf"),
            form_content_type="application/pdf",
        )
        made[name("goal")] = GoalFactory(plan__episode=episode, for_child=True)
        made[name("referral")] = ReferralFactory(episode=episode)
    return made
