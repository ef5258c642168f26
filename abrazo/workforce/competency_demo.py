"""Demo competency ratings: the default framework, and for every active consultant with a supervisor a
self-assessment twice a year over the past year (three in all, the last within the month) each followed by
their supervisor's rating a week or two later. Every note below was written for the demo and is fictional.

Ratings grow as they do in real supervision: most domains start at "emerging" or "developing" and move up a
level or stay put from one rating to the next, never beyond "able to teach others"; newer consultants tend to
rate themselves a little higher than their supervisor does at first, and the two views draw closer with time.

`load_competencies` runs after the directory's consultants exist (the workforce demo calls it);
`wipe_competencies` runs before people are deleted (an assessment protects the person who rated).
Deterministic like the rest of the demo: one seeded stream per consultant, ids are `uuid5`s of natural keys.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from abrazo.directory.models import ConsultantProfile, Network
from abrazo.workforce.competency_selectors import competency_framework_for, install_default_framework
from abrazo.workforce.models import CompetencyAssessment, CompetencyDomain, CompetencyRating, RaterKind

if TYPE_CHECKING:
    from abrazo.directory.demo import Builder

ROUNDS_DAYS_AGO = (360, 180, 12)  # self-assessments; the supervisor rates 5-14 days after each
SELF_NOTES = (
    "I am getting better at slowing down before I suggest anything. Endings are still hard for me.",
    "I want to practise talking about bias with directors without losing the relationship.",
    "Feeling more confident in classrooms; I still rush family meetings.",
    "Quiero seguir trabajando en cómo acompañar a las proveedoras que cuidan niños en casa.",
    "More curious, less fixing. I would like more support with programmatic work.",
    "",
)
SUPERVISOR_NOTES = (
    "Strong, warm presence in classrooms. Next: bring the same curiosity to conversations with directors.",
    "Reflects well in supervision; let's work on naming equity concerns in the room, not only afterwards.",
    "Good growth in child- and family-focused work. Ready to co-facilitate a community of support.",
    "Muy buena relación con las familias. Próximo paso: planes de acción más concretos con los equipos.",
    "",
)


def load_competencies(builder: Builder, network: Network, *, today: date) -> None:
    if not CompetencyDomain.objects.filter(network=network).exists():
        install_default_framework(network, ids=lambda key: builder.uid("competency domain", key))
    domains = competency_framework_for(network)
    consultants = (ConsultantProfile.objects.filter(network=network, is_active=True, supervisor__isnull=False)
                   .order_by("pk").values_list("pk", "user_id", "supervisor_id"))
    assessments: list[CompetencyAssessment] = []
    ratings: list[CompetencyRating] = []
    for profile_id, user_id, supervisor_id in consultants:
        rng = builder.rng("competency", profile_id)
        own = {domain.key: rng.choice((1, 1, 2, 2, 3)) for domain in domains}
        # The supervisor starts a level below on a few domains and catches up as the consultant grows.
        lower = {domain.key for domain in domains if own[domain.key] > 1 and rng.random() < 0.4}
        for round_number, days_ago in enumerate(ROUNDS_DAYS_AGO):
            if round_number:
                for key in own:
                    if own[key] < 4 and rng.random() < 0.55:
                        own[key] += 1
                lower = {key for key in lower if rng.random() < 0.5}
            assessed_on = today - timedelta(days=days_ago)
            supervised_on = min(assessed_on + timedelta(days=rng.randint(5, 14)), today)
            for kind, rater_id, on, levels, notes in (
                (RaterKind.SELF, user_id, assessed_on, dict(own), rng.choice(SELF_NOTES)),
                (RaterKind.SUPERVISOR, supervisor_id, supervised_on,
                 {key: level - 1 if key in lower else level for key, level in own.items()},
                 rng.choice(SUPERVISOR_NOTES)),
            ):
                assessment = CompetencyAssessment(
                    id=builder.uid("competency", f"{profile_id}/{round_number}/{kind}"), network=network,
                    consultant_id=profile_id, rater_id=rater_id, rater_kind=kind, assessed_on=on, notes=notes,
                )
                assessments.append(assessment)
                ratings += [CompetencyRating(assessment=assessment, domain=domain, level=levels[domain.key])
                            for domain in domains]
    builder.write(CompetencyAssessment, assessments, "competency assessments")
    builder.write(CompetencyRating, ratings)


def wipe_competencies(network: Network) -> None:
    """Remove the network's ratings (they protect the people who rated) and its framework."""
    CompetencyAssessment.objects.filter(network=network).delete()
    CompetencyDomain.objects.filter(network=network).delete()
