"""Demo workforce: three training cohorts, their applicants and participants, reflective supervision logs.

`load_workforce` runs as the last step of the directory demo's `Builder.run` and writes, from the day of
loading:

- three cohorts of nine monthly three-hour sessions: one finished last year in Los Angeles (graduates with
  certificates and, for most, a job in the field now), one in progress in the Central Valley (five sessions
  held), one taking applications in Los Angeles (opening in two months, applications close in three weeks).
  Each belongs to the region of a demo coordinator, so that both review applications, run participants and
  read their cohorts' training feedback (a network-wide cohort is run by administrators only);
- about fifty applications to each of the first two cohorts (about half accepted and enrolled) and some
  thirty so far to the recruiting one, from every region, recruited on purpose to look like the families
  served: about four in ten Latina/o, more than half speaking Spanish, a few leaving a demographic question
  blank (counted as "not reported");
- attendance that looks like real training (most present, a few partial, excused or absent), three
  required assignments per cohort, and a couple of withdrawals per cohort;
- for every consultant with a supervisor, a year of supervision: monthly individual reflective supervision
  and, for about half, monthly group reflective supervision, the odd administrative check-in, everything
  older than a month signed off and the rest waiting for the supervisor;
- competency self-assessments and supervisor ratings twice a year, feedback after trainings and a handful
  of curated "voices from the field", written for the demo and fictional.

Deterministic like the rest of the demo: one seeded stream per record kind, ids are `uuid5`s of natural keys.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from abrazo.directory.models import ConsultantProfile, Language, LicenseType, Network
from abrazo.workforce.models import (
    ApplicantGender,
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentCompletion,
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Participant,
    ParticipantStatus,
    SessionModality,
    SupervisionFormat,
    SupervisionKind,
    SupervisionLog,
    SupervisionStatus,
)

if TYPE_CHECKING:
    from abrazo.directory.demo import Builder

SESSION_HOURS = Decimal(3)
SESSIONS_PER_COHORT = 9
# Made-up session titles for the demo's curriculum (our words).
SESSION_TITLES = (
    ("Why consultation: the consultant's role with the adults around a child",
     "Por qué la consultoría: el papel del/de la consultor(a) con los adultos que rodean al niño"),
    ("Early relationships, attachment and regulation",
     "Relaciones tempranas, apego y regulación"),
    ("Equity, bias and the path to suspension and expulsion",
     "Equidad, sesgo y el camino hacia la suspensión y la expulsión"),
    ("Reflective practice and the consultative stance",
     "Práctica reflexiva y la postura consultiva"),
    ("Observing a classroom and talking about what we saw",
     "Observar un salón y conversar sobre lo que vimos"),
    ("Child- and family-focused consultation", "Consultoría centrada en el niño y la familia"),
    ("Programmatic consultation with directors", "Consultoría programática con directores(as)"),
    ("Working with families, home visitors and family child care",
     "Trabajar con familias, visitadores(as) y cuidado infantil en el hogar"),
    ("Closing well: endings, referrals and self-care",
     "Cerrar bien: despedidas, referencias y autocuidado"),
)
ASSIGNMENT_TITLES = ("Observation write-up", "Reflective journal (three entries)", "Case presentation")

RACE_WEIGHTS = {
    "hispanic_latino": 0.41, "white": 0.19, "black": 0.12, "asian": 0.13, "american_indian_alaska_native": 0.025,
    "native_hawaiian_pacific_islander": 0.01, "two_or_more": 0.055, "not_reported": 0.06,
}
GENDER_WEIGHTS = {"woman": 0.82, "man": 0.1, "nonbinary": 0.02, "not_reported": 0.06}
ROLES = (
    ("Preschool teacher", "Maestra de preescolar"), ("Family therapist", "Terapeuta familiar"),
    ("Home visitor", "Visitadora del hogar"), ("School counselor", "Consejera escolar"),
    ("Associate clinical social worker", "Trabajadora social clínica asociada"),
    ("Early intervention specialist", "Especialista en intervención temprana"),
)
MOTIVATIONS = (
    "I have seen too many little ones sent home for behavior, and I want to help teachers see what the child "
    "is telling them.",
    "Quiero apoyar a las maestras de mi comunidad en su propio idioma y cultura.",
    "After years as a therapist with older kids, I want to work where it matters most: the first five years.",
    "Families in my county wait months for help; I want to be part of the answer.",
    "Me encanta trabajar con proveedoras de cuidado infantil en el hogar y quiero aprender a acompañarlas mejor.",
)


@dataclass(frozen=True)
class CohortPlan:
    key: str
    name: str
    status: str
    starts: date
    applications: int
    accepted: int
    sessions_held: int
    region: str  # a directory demo region code; its demo coordinator leads the cohort
    lead: str  # the demo account that leads it


# Where a region's cohorts meet in person (the rest of the sessions are on video).
IN_PERSON_PLACE = {"central-valley": "Fresno", "los-angeles": "Los Angeles"}


def load_workforce(builder: Builder, network: Network, *, today: date | None = None) -> None:
    WorkforceLoader(builder, network, today=today).run()


def wipe_workforce(network: Network) -> None:
    """Remove the network's workforce records (cohorts cascade to applications, participants, sessions)."""
    from abrazo.workforce.competency_demo import wipe_competencies
    from abrazo.workforce.feedback_demo import wipe_feedback

    wipe_feedback(network)
    wipe_competencies(network)
    SupervisionLog.objects.filter(network=network).delete()
    Cohort.objects.filter(network=network).delete()


class WorkforceLoader:
    def __init__(self, builder: Builder, network: Network, *, today: date | None) -> None:
        self.builder = builder
        self.network = network
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.today = today or datetime.now(self.tz).date()
        self.counties: list[tuple[str, str]] = []
        self.county_region: dict[str, Any] = {}
        self.other_languages = set(Language.objects.values_list("code", flat=True)) - {"en", "es"}

    def run(self) -> None:
        self.load_region_lookup()
        plans = self.cohort_plans()
        for plan in plans:
            self.load_cohort(plan)
        self.load_supervision()
        from abrazo.workforce.competency_demo import load_competencies
        from abrazo.workforce.feedback_demo import load_feedback

        load_competencies(self.builder, self.network, today=self.today)
        load_feedback(self.builder, self.network, today=self.today)
        self.builder.progress(
            f"Workforce: {self.builder.counts.get('cohorts', 0)} cohorts, "
            f"{self.builder.counts.get('applications', 0)} applications, "
            f"{self.builder.counts.get('supervision logs', 0)} supervision logs"
        )

    def load_region_lookup(self) -> None:
        from abrazo.directory.models import NetworkCounty

        for row in NetworkCounty.objects.filter(network=self.network).values("county_id", "county__name",
                                                                              "region_id"):
            self.county_region[row["county_id"]] = row["region_id"]
            self.counties.append((row["county_id"], row["county__name"]))

    def cohort_plans(self) -> list[CohortPlan]:
        year = self.today.year
        return [
            CohortPlan("completed", f"Consultant Training Cohort {year - 2}-{(year - 1) % 100:02d}",
                       CohortStatus.COMPLETED, self.today - timedelta(days=610), 48, 24, SESSIONS_PER_COHORT,
                       "los-angeles", "coordinadora"),
            CohortPlan("in-progress", f"Consultant Training Cohort {year - 1}-{year % 100:02d}",
                       CohortStatus.IN_PROGRESS, self.today - timedelta(days=150), 52, 24, 5,
                       "central-valley", "coordinator"),
            CohortPlan("recruiting", f"Consultant Training Cohort {year}-{(year + 1) % 100:02d}",
                       CohortStatus.RECRUITING, self.today + timedelta(days=60), 30, 0, 0,
                       "los-angeles", "coordinadora"),
        ]

    # Cohorts -------------------------------------------------------------------------------------

    def load_cohort(self, plan: CohortPlan) -> None:
        builder, rng = self.builder, self.builder.rng("cohort", plan.key)
        cohort = Cohort(
            id=builder.uid("cohort", plan.key), network=self.network, name=plan.name, status=plan.status,
            region=builder.regions[plan.region],
            starts_on=plan.starts, ends_on=plan.starts + timedelta(days=30 * (SESSIONS_PER_COHORT - 1) + 1),
            capacity=24, coordinator=builder.users.get(plan.lead),
            applications_close_on=self.today + timedelta(days=21) if plan.status == CohortStatus.RECRUITING else None,
            description_en=(
                "Nine monthly sessions for mental health clinicians and early childhood professionals who want to "
                "become infant and early childhood mental health consultants. Sessions are on video, with two in "
                "person; every session earns three continuing-education hours."
            ),
            description_es=(
                "Nueve sesiones mensuales para clínicos(as) de salud mental y profesionales de la primera infancia "
                "que quieren ser consultores(as) de salud mental infantil. Las sesiones son por video, dos de ellas "
                "en persona; cada sesión otorga tres horas de educación continua."
            ),
        )
        builder.write(Cohort, [cohort], "cohorts")
        sessions = [
            CohortSession(
                id=builder.uid("cohort-session", f"{plan.key}/{n}"), cohort=cohort, number=n + 1,
                title=SESSION_TITLES[n][0], held_on=plan.starts + timedelta(days=30 * n), hours=SESSION_HOURS,
                modality=SessionModality.IN_PERSON if n in (0, SESSIONS_PER_COHORT - 1) else SessionModality.VIDEO,
                location=IN_PERSON_PLACE[plan.region] if n in (0, SESSIONS_PER_COHORT - 1) else "Zoom",
            )
            for n in range(SESSIONS_PER_COHORT)
        ]
        builder.write(CohortSession, sessions, "cohort sessions")
        assignments = [
            Assignment(
                id=builder.uid("assignment", f"{plan.key}/{n}"), cohort=cohort, title=title,
                due_on=plan.starts + timedelta(days=30 * (2 + 3 * n)),
            )
            for n, title in enumerate(ASSIGNMENT_TITLES)
        ]
        builder.write(Assignment, assignments, "assignments")
        applications = self.load_applications(plan, cohort, rng)
        accepted = [a for a in applications if a.status == ApplicationStatus.ACCEPTED]
        self.load_participants(plan, cohort, accepted, sessions, assignments, rng)

    def load_applications(self, plan: CohortPlan, cohort: Cohort, rng: random.Random) -> list[Application]:
        builder = self.builder
        rows: list[Application] = []
        language_rows = []
        decided = plan.status != CohortStatus.RECRUITING
        for n in range(plan.applications):
            race = _weighted(rng, RACE_WEIGHTS)
            spanish = rng.random() < (0.85 if race == "hispanic_latino" else 0.3)
            languages = ["en", "es"] if spanish else ["en"]
            if race == "asian" and rng.random() < 0.6 and self.other_languages:
                languages.append(rng.choice(sorted(self.other_languages & {"vi", "zh", "tl", "ko", "hmn", "km"})
                                            or sorted(self.other_languages)))
            if rng.random() < 0.05:
                languages = []  # left the question blank: not reported
            name = builder.unique_name(rng, languages or ["en"])
            given, _, family = name.partition(" ")
            fips, _county_name = rng.choice(self.counties)
            status = ApplicationStatus.SUBMITTED
            score = None
            if decided:
                status = ApplicationStatus.ACCEPTED if n < plan.accepted else rng.choice(
                    [ApplicationStatus.DECLINED, ApplicationStatus.DECLINED, ApplicationStatus.WAITLISTED,
                     ApplicationStatus.WITHDRAWN])
                score = rng.randint(72, 96) if status == ApplicationStatus.ACCEPTED else rng.randint(40, 80)
            elif n % 4 == 0:
                status, score = ApplicationStatus.IN_REVIEW, rng.randint(55, 95)
            role_en, _role_es = rng.choice(ROLES)
            application = Application(
                id=builder.uid("application", f"{plan.key}/{n}"), network=self.network, cohort=cohort,
                given_name=given, family_name=family or given,
                email=f"{_slug(name)}.{plan.key}{n}@applicants.{builder.scale.email_domain}",
                preferred_language="es" if spanish and rng.random() < 0.45 else "en",
                county_id=fips, region_id=self.county_region.get(fips),
                current_role=role_en, degree=rng.choice(["MSW", "MA, Marriage and Family Therapy", "PsyD",
                                                         "MA, Counseling", "BA, Child Development"]),
                license_type=rng.choice([LicenseType.LCSW, LicenseType.LMFT, LicenseType.LPCC, LicenseType.NONE]),
                years_experience_early_childhood=rng.randint(1, 18),
                motivation=rng.choice(MOTIVATIONS),
                race_ethnicity=race, gender=_weighted(rng, GENDER_WEIGHTS) if race != "not_reported" or rng.random()
                < 0.5 else ApplicantGender.NOT_REPORTED,
                status=status, review_score=score,
                reviewed_by=builder.users.get("admin") if score is not None else None,
                decided_at=timezone.make_aware(datetime.combine(plan.starts - timedelta(days=40), datetime.min.time()))
                if decided else None,
            )
            rows.append(application)
            language_rows += [
                Application.languages.through(application_id=application.pk, language_id=code) for code in languages
            ]
        builder.write(Application, rows, "applications")
        builder.write(Application.languages.through, language_rows)
        return rows

    def load_participants(
        self, plan: CohortPlan, cohort: Cohort, accepted: list[Application], sessions: list[CohortSession],
        assignments: list[Assignment], rng: random.Random,
    ) -> None:
        builder = self.builder
        if not accepted:
            return
        participants: list[Participant] = []
        attendance: list[Attendance] = []
        completions: list[AssignmentCompletion] = []
        counties: list[Any] = []
        held = [s for s in sessions if s.number <= plan.sessions_held]
        total_hours = SESSION_HOURS * len(sessions)
        withdrawn = set(rng.sample(range(len(accepted)), 2))
        for n, application in enumerate(accepted):
            participant = Participant(
                id=builder.uid("participant", f"{plan.key}/{n}"), network=self.network, cohort=cohort,
                application=application, full_name=application.full_name, email=application.email,
                preferred_language=application.preferred_language, status=ParticipantStatus.ENROLLED,
            )
            credited = Decimal(0)
            for session in held:
                if n in withdrawn and session.number > 3:
                    break
                status = _weighted(rng, {"present": 0.93, "partial": 0.03, "excused": 0.02, "absent": 0.02})
                hours = SESSION_HOURS if status == AttendanceStatus.PRESENT else (
                    Decimal("1.5") if status == AttendanceStatus.PARTIAL else Decimal(0))
                credited += hours
                attendance.append(Attendance(
                    id=builder.uid("attendance", f"{plan.key}/{n}/{session.number}"), session=session,
                    participant=participant, status=status, hours=hours,
                ))
            done_assignments = 0
            for assignment in assignments:
                if assignment.due_on and assignment.due_on < self.today and n not in withdrawn and rng.random() < 0.97:
                    done_assignments += 1
                    completions.append(AssignmentCompletion(
                        id=builder.uid("assignment-done", f"{plan.key}/{n}/{assignment.title}"),
                        assignment=assignment, participant=participant,
                        completed_on=min(assignment.due_on, self.today),
                    ))
            if n in withdrawn:
                participant.status = ParticipantStatus.WITHDRAWN
            elif (plan.status == CohortStatus.COMPLETED and credited >= total_hours * Decimal("0.8")
                  and done_assignments == len(assignments)):
                participant.status = ParticipantStatus.COMPLETED
                participant.completed_on = cohort.ends_on
                participant.certificate_number = f"ABZ-{cohort.ends_on.year}-{len(participants) + 1:04d}"
                # The secret behind the verification link is not kept; staff reissue a link when needed.
                participant.certificate_token_hash = hashlib.sha256(
                    builder.uid("certificate", f"{plan.key}/{n}").bytes).hexdigest()
                self.place_graduate(participant, rng, counties)
            participants.append(participant)
        builder.write(Participant, participants, "participants")
        participant_languages = Application.languages.through.objects.filter(application__in=accepted)
        by_application = {p.application_id: p.pk for p in participants}
        builder.write(Participant.languages.through, [
            Participant.languages.through(participant_id=by_application[row.application_id],
                                          language_id=row.language_id)
            for row in participant_languages
        ])
        builder.write(Participant.counties_served.through, counties)
        builder.write(Attendance, attendance, "attendance records")
        builder.write(AssignmentCompletion, completions)

    def place_graduate(self, participant: Participant, rng: random.Random, counties: list[Any]) -> None:
        """Where a graduate works now: most in the field, some in the county they applied from."""
        roll = rng.random()
        if roll < 0.62:
            participant.works_in_iecmhc = True
            participant.current_employer = rng.choice([agency.name for agency in self.builder.agencies])
        elif roll < 0.85:
            participant.works_in_iecmhc = False
            participant.current_employer = rng.choice(["County behavioral health", "School district",
                                                       "Head Start program", "Private practice"])
        else:
            return  # not heard from since graduating
        application = participant.application
        home = application.county_id if application else None
        served = {home} if home else set()
        if rng.random() < 0.5:
            served.add(rng.choice(self.counties)[0])
        counties += [
            Participant.counties_served.through(participant_id=participant.pk, county_id=fips) for fips in served
        ]

    # Supervision ---------------------------------------------------------------------------------

    def load_supervision(self) -> None:
        builder = self.builder
        rows: list[SupervisionLog] = []
        consultants = ConsultantProfile.objects.filter(network=self.network, supervisor__isnull=False).values_list(
            "pk", "user_id", "supervisor_id")
        start = self.today - timedelta(days=365)
        for profile_id, user_id, supervisor_id in consultants:
            rng = builder.rng("supervision", profile_id)
            group_member = rng.random() < 0.5
            for month in range(12):
                month_start = start + timedelta(days=30 * month)
                sessions = [(SupervisionKind.REFLECTIVE, SupervisionFormat.INDIVIDUAL, Decimal("1.5"))]
                if group_member:
                    sessions.append((SupervisionKind.REFLECTIVE, SupervisionFormat.GROUP, Decimal(2)))
                if month % 3 == 0:
                    sessions.append((SupervisionKind.ADMINISTRATIVE, SupervisionFormat.INDIVIDUAL, Decimal(1)))
                for k, (kind, fmt, hours) in enumerate(sessions):
                    if rng.random() < 0.12:
                        continue  # cancelled that month
                    held_on = month_start + timedelta(days=rng.randint(0, 25))
                    if held_on >= self.today:
                        continue
                    pending = held_on > self.today - timedelta(days=30)
                    rows.append(SupervisionLog(
                        id=builder.uid("supervision", f"{profile_id}/{month}/{k}"), network=self.network,
                        supervisee_id=profile_id, supervisor_id=supervisor_id, held_on=held_on, kind=kind,
                        format=fmt, hours=hours, group_size=rng.randint(3, 6) if fmt == SupervisionFormat.GROUP
                        else None, topics=rng.choice(SUPERVISION_TOPICS), logged_by_id=user_id,
                        status=SupervisionStatus.LOGGED if pending else SupervisionStatus.SIGNED_OFF,
                        signed_off_by_id=None if pending else supervisor_id,
                        signed_off_at=None if pending else timezone.make_aware(
                            datetime.combine(held_on + timedelta(days=rng.randint(2, 14)), datetime.min.time())),
                    ))
        builder.write(SupervisionLog, rows, "supervision logs")


SUPERVISION_TOPICS = (
    "Staying curious with a director who wants a quick fix",
    "My own reactions to a classroom that reminded me of my childhood",
    "Parallel process: supporting a teacher who feels unsupported",
    "Holding hope when a family is considering leaving the program",
    "Cultural humility with a family child care provider",
    "Caseload, documentation and scheduling",
    "Endings with a classroom after six months",
)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _slug(name: str) -> str:
    from abrazo.directory.demo import ascii_slug

    return ascii_slug(name)
