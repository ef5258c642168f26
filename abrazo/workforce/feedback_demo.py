"""Demo feedback from the field: training feedback after cohort sessions, feedback after a few groups, and a
handful of curated "voices from the field". Every comment below was written for the demo and is fictional.

`load_feedback` runs after the demo's cohorts exist (WorkforceLoader.run calls it last); `wipe_feedback` runs
before cohorts and administrations are deleted (voices and feedback requests point at administrations, which
the measures wipe deletes set-based, without Django's cascades).

What it writes, from the day of loading:

- for each cohort with sessions held, a survey to every participant who came to session 2 and session 5, and
  for the finished cohort one about the whole cohort at its end; about two in three answer (mostly agree or
  strongly agree, "does not apply" for materials now and then), in the participant's language; about four in
  ten write a comment, and most of those agree to share it;
- for the first four active groups, a survey to six to nine people (by address only), in the group's language;
- six voices from consenting comments (three English, three Spanish), five published and one draft, with
  attributions that give a role and a place, never a name.

Deterministic like the rest of the demo: one seeded stream per record kind, ids are `uuid5`s of natural keys.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from abrazo.consultations.models import Group, GroupAudience
from abrazo.directory.models import Network
from abrazo.measures import specs
from abrazo.measures.demo import stored_scores
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    AnswerSource,
    Instrument,
    Respondent,
    Timepoint,
)
from abrazo.measures.shipped import DOES_NOT_APPLY, SHARE_COMMENT_YES, TRAINING_RATED_ITEMS
from abrazo.workforce.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    FeedbackContext,
    FeedbackRequest,
    Participant,
    ParticipantStatus,
    Voice,
    VoiceStatus,
)

if TYPE_CHECKING:
    from abrazo.directory.demo import Builder

TRAINING_KEY = "abrazo_training_feedback"
RESPONSE_RATE = 0.65
COMMENT_RATE = 0.4
SHARE_RATE = 0.7
SESSIONS_ASKED = (2, 5)
GROUPS_ASKED = 4

# Written for the demo; fictional.
COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "trn_most_useful": {
        "en": (
            "Practising the reflective questions with a partner made them real for me.",
            "Hearing how other consultants stay curious with a director who wants a quick fix.",
            "The observation exercise: I noticed things I had walked past for years.",
            "Talking openly about bias and about who gets sent home. I am still thinking about it.",
            "Having time to slow down and wonder about a child before deciding what to do.",
            "Role-playing a first visit with a family child care provider.",
        ),
        "es": (
            "Practicar las preguntas reflexivas en parejas me ayudó a entenderlas de verdad.",
            "Escuchar a otras proveedoras que viven lo mismo que yo. Ya no me siento sola con esto.",
            "Las ideas para las transiciones: las usé al día siguiente con mis niños.",
            "Que pudimos hablar en español y con ejemplos de nuestra propia comunidad.",
            "Aprender a mirar la conducta como un mensaje y no como un problema.",
        ),
    },
    "trn_suggestions": {
        "en": (
            "More time for practice in small groups, less lecture.",
            "Please send the slides a few days before the session.",
            "A short break halfway through a three-hour video session would help.",
            "More examples from family child care homes, not only centers.",
        ),
        "es": (
            "Más tiempo para practicar en grupos pequeños.",
            "Tener los materiales impresos en español desde el principio.",
            "Un horario por la tarde para quienes cuidamos niños en casa durante el día.",
        ),
    },
}

TRAINING_ATTRIBUTION = {
    "en": "a new consultant in the network's consultant training",
    "es": "un(a) participante de la formación de consultores(as) de la red",
}
GROUP_ROLES: dict[str, tuple[str, str]] = {
    GroupAudience.TEACHERS: ("a preschool teacher", "un(a) maestro(a) de preescolar"),
    GroupAudience.FCC_PROVIDERS: ("a family child care provider", "un(a) proveedor(a) de cuidado infantil en el hogar"),
    GroupAudience.FFN_CAREGIVERS: ("a family, friend and neighbor caregiver", "un(a) cuidador(a) de la familia o del "
                                                                              "vecindario"),
    GroupAudience.HOME_VISITORS: ("a home visitor", "un(a) visitador(a) del hogar"),
    GroupAudience.DIRECTORS: ("a program director", "un(a) director(a) de programa"),
    GroupAudience.MIXED: ("a member of a community of support", "un(a) integrante de una comunidad de apoyo"),
}


@dataclass
class Made:
    administrations: list[Administration] = field(default_factory=list)
    requests: list[FeedbackRequest] = field(default_factory=list)
    # (administration, comment key, attribution in its language) for comments whose author agreed to share
    shareable: list[tuple[Administration, str, str]] = field(default_factory=list)


def load_feedback(builder: Builder, network: Network, *, today: date) -> None:
    FeedbackLoader(builder, network, today=today).run()


def wipe_feedback(network: Network) -> None:
    """Remove the network's voices and feedback requests (before the administrations they point at go)."""
    Voice.objects.filter(network=network).delete()
    FeedbackRequest.objects.filter(network=network).delete()


class FeedbackLoader:
    def __init__(self, builder: Builder, network: Network, *, today: date) -> None:
        self.builder = builder
        self.network = network
        self.today = today
        self.instrument = Instrument.objects.get(network__isnull=True, key=TRAINING_KEY)
        self.made = Made()

    def run(self) -> None:
        cohorts = Cohort.objects.filter(network=self.network).exclude(status__in=[CohortStatus.PLANNED,
                                                                                  CohortStatus.RECRUITING])
        for cohort in cohorts.order_by("starts_on"):
            self.cohort(cohort)
        groups = Group.objects.filter(network=self.network, is_active=True).select_related("region")
        for group in groups.order_by("name", "id")[:GROUPS_ASKED]:
            self.group(group)
        self.write()
        self.voices()
        self.builder.progress(f"Feedback: {len(self.made.administrations)} surveys asked, "
                              f"{self.builder.counts.get('voices', 0)} voices from the field")

    # Surveys -----------------------------------------------------------------------------------------

    def survey(self, rng: random.Random, key: str, *, language: str, asked_on: date, context: str,
               attribution: str, **about: Any) -> None:
        """One person asked: an administration (answered or still waiting) and its FeedbackRequest."""
        # Answered by yesterday at the latest, like the measures demo's surveys.
        yesterday = self.today - timedelta(days=1)
        answered = rng.random() < RESPONSE_RATE and asked_on <= yesterday
        done = min(yesterday, asked_on + timedelta(days=rng.randint(0, 9))) if answered else None
        administration = Administration(
            id=self.builder.uid("feedback-survey", key), network=self.network, instrument=self.instrument,
            respondent_role=Respondent.OTHER, timepoint=Timepoint.POST, due_on=asked_on + timedelta(days=14),
            status=AdministrationStatus.COMPLETED if answered else AdministrationStatus.SCHEDULED,
            completed_on=done, language=language, answers=self.answers(rng, language) if answered else {},
            source=AnswerSource.LINK if answered else AnswerSource.FORM,
            respondent_consent=True if answered else None,
        )
        self.made.administrations.append(administration)
        self.made.requests.append(FeedbackRequest(
            id=self.builder.uid("feedback-request", key), network=self.network, administration=administration,
            context=context, **about,
        ))
        if answered and administration.answers.get("trn_share_comment") == SHARE_COMMENT_YES:
            for item in ("trn_most_useful", "trn_suggestions"):
                if item in administration.answers:
                    self.made.shareable.append((administration, item, attribution))

    def answers(self, rng: random.Random, language: str) -> dict[str, str]:
        liking = rng.gauss(4.4, 0.45)
        answers = {item: str(int(min(5, max(1, round(liking + rng.gauss(0, 0.5)))))) for item in TRAINING_RATED_ITEMS}
        if rng.random() < 0.12:
            answers["trn_materials"] = DOES_NOT_APPLY
        if rng.random() < 0.04:
            del answers[rng.choice(TRAINING_RATED_ITEMS)]  # skipped one
        if rng.random() < COMMENT_RATE:
            answers["trn_most_useful"] = rng.choice(COMMENTS["trn_most_useful"][language])
            if rng.random() < 0.35:
                answers["trn_suggestions"] = rng.choice(COMMENTS["trn_suggestions"][language])
            answers["trn_share_comment"] = SHARE_COMMENT_YES if rng.random() < SHARE_RATE else "0"
        return answers

    def cohort(self, cohort: Cohort) -> None:
        rng = self.builder.rng("feedback", cohort.pk)
        participants = {p.pk: p for p in Participant.objects.filter(cohort=cohort).exclude(
            status=ParticipantStatus.WITHDRAWN)}
        sessions = {s.number: s for s in CohortSession.objects.filter(cohort=cohort, held_on__lt=self.today)}
        came = Attendance.objects.filter(
            session__cohort=cohort, status__in=[AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL],
        ).values_list("session__number", "participant_id")
        by_session: dict[int, list[Any]] = {}
        for number, participant_id in came:
            by_session.setdefault(number, []).append(participant_id)
        asked: list[tuple[CohortSession | None, date, list[Any]]] = [
            (sessions[number], sessions[number].held_on, sorted(by_session.get(number, []), key=str))
            for number in SESSIONS_ASKED if number in sessions
        ]
        if cohort.status == CohortStatus.COMPLETED:
            asked.append((None, cohort.ends_on, sorted(participants, key=str)))
        for session, asked_on, participant_ids in asked:
            for participant_id in participant_ids:
                participant = participants.get(participant_id)
                if participant is None:
                    continue
                language = participant.preferred_language if participant.preferred_language in ("en", "es") else "en"
                self.survey(
                    rng, f"{cohort.pk}/{session.number if session else 'all'}/{participant.pk}", language=language,
                    asked_on=asked_on, context=FeedbackContext.TRAINING, attribution=TRAINING_ATTRIBUTION[language],
                    cohort=cohort, session=session, participant=participant,
                )

    def group(self, group: Group) -> None:
        rng = self.builder.rng("feedback-group", group.pk)
        language = group.language_id if group.language_id in ("en", "es") else "en"
        english, spanish = GROUP_ROLES.get(group.audience, GROUP_ROLES[GroupAudience.MIXED])
        where = group.region.name
        attribution = f"{english} in {where}" if language == "en" else f"{spanish} de {where}"
        asked_on = self.today - timedelta(days=rng.randint(10, 60))
        for n in range(rng.randint(6, 9)):
            self.survey(rng, f"{group.pk}/{n}", language=language, asked_on=asked_on,
                        context=FeedbackContext.GROUP, attribution=attribution, group=group)

    def write(self) -> None:
        completed = [row for row in self.made.administrations if row.status == AdministrationStatus.COMPLETED]
        if completed:
            batch = specs.score_administrations(self.instrument, [row.answers for row in completed])
            for index, row in enumerate(completed):
                row.scores = stored_scores(batch.row(index))
        self.builder.write(Administration, self.made.administrations, "feedback surveys")
        self.builder.write(FeedbackRequest, self.made.requests)

    # Voices --------------------------------------------------------------------------------------

    def voices(self) -> None:
        """Three English and three Spanish quotes from consenting comments, the most useful part first, each text
        once; the last one left as a draft for the curator to review."""
        chosen: list[tuple[Administration, str, str]] = []
        for language in ("en", "es"):
            seen: set[str] = set()
            candidates = sorted(self.made.shareable, key=lambda found: (found[1] != "trn_most_useful",
                                                                         str(found[0].pk)))
            for administration, item, attribution in candidates:
                text = administration.answers[item]
                if administration.language != language or text in seen:
                    continue
                seen.add(text)
                chosen.append((administration, item, attribution))
                if len(seen) == 3:
                    break
        published_at = timezone.make_aware(datetime.combine(self.today, datetime.min.time()))
        context = {request.administration.pk: request.context for request in self.made.requests}
        rows = [
            Voice(
                id=self.builder.uid("voice", f"{administration.pk}/{item}"), network=self.network,
                administration=administration, item_key=item, context=context[administration.pk],
                text=administration.answers[item], language=administration.language, attribution=attribution,
                status=VoiceStatus.DRAFT if position == len(chosen) else VoiceStatus.PUBLISHED,
                position=position, curated_by=self.builder.users.get("admin"),
                published_at=None if position == len(chosen) else published_at,
            )
            for position, (administration, item, attribution) in enumerate(chosen, start=1)
        ]
        self.builder.write(Voice, rows, "voices")
