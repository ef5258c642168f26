"""Demo administrations: pre/post measures on the demo network's episodes, with modest, realistic change.

`load_measures` runs as the last step of the directory demo's `Builder.run` (after the service loop and the
rosters, so episodes exist and child episodes know their roster child) and writes:

- two scores-only instruments of the demo network, described by structure only under neutral made-up names
  (licence holder "Example Publisher (demo)"): a child social-emotional rating (three T-score-like scales,
  20-80, whole numbers, one where lower is better) and a classroom practice observation (three 1-7 scales,
  entered to the quarter point). Neither resembles a real tool's title or wording;
- for child/family episodes the child rating (tied to the roster child where the rosters step linked one,
  `Request.child`), for classroom episodes the classroom observation: a pre administration in the first
  weeks, a post near closure (about a fifth missing: never done, or cancelled) and for some a follow-up
  about three months after closure. Changes are drawn so that Cohen's d_z lands around 0.3-0.6 per scale:
  most children and classrooms improve a little, a sizeable minority get worse;
- the satisfaction survey at closure for most closed episodes, answered by the program's teacher or director
  (Spanish when the respondent speaks Spanish and consultation was in Spanish, or they have no English), most
  through a survey link (a used, expired `SurveyLink` row is kept for those), the rest entered in Abrazo; about
  a third leave a comment, and most of those agree to its being shared as a voice from the field;
- the program readiness check at the start of programmatic episodes, answered by the director;
- each consultant's consultative-stance self-reflection twice a year (pre in the first weeks of their first
  episode, post six months later, still scheduled when that is in the future), attached to that episode so
  the pair can be followed and grouped like any other;
- on open episodes only the pre side: completed for most, some scheduled and due in the coming weeks, some
  overdue (with a reminder sent); episodes in review have their post and satisfaction survey scheduled. The
  demo consultant always has something due this fortnight and something overdue.

Scores are never invented: every completed administration's answers (REDCap's shape, codes as text) are
scored by the real engine (`specs.score_administrations`, one batch per instrument) and stored as it
returns them. Deterministic like the rest of the demo (one seeded stream per episode and consultant, ids are
`uuid5`s of natural keys, dates laid out from the day of loading), written with one prepared INSERT per chunk.

Sizes and timings (SQLite, a busy shared two-core machine): tiny ~130 administrations (~60 episodes, 12
consultants) in under 0.1 s; default ~1,300 administrations and ~210 survey links in ~0.4 s. State scale is
estimated by proportion (~33,000 episodes): ~75,000 administrations in about half a minute, written every
`FLUSH_ROWS` rows so memory stays flat. Realised at default scale, pre/post pairs and d_z in the good
direction: child rating 168 pairs (0.41-0.58), classroom observation 95 (0.33-0.40), stance 47 (overall
0.6), with about 30 % of pairs worse on any one scale; ~37 % of satisfaction surveys in Spanish.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from abrazo.consultations.models import FINISHED_PHASES, Episode, EpisodeType, Phase
from abrazo.directory.models import ConsultantProfile, ProgramStaff, StaffPosition
from abrazo.incidents.demo import insert_rows
from abrazo.measures import scoring, specs
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    AnswerSource,
    Instrument,
    Item,
    Level,
    NormTable,
    Respondent,
    Scale,
    ScaleKind,
    ScaleMethod,
    Source,
    SurveyLink,
    Timepoint,
)
from abrazo.measures.shipped import (
    DOES_NOT_APPLY,
    READINESS_CHECK,
    SATISFACTION,
    SHARE_COMMENT_YES,
    STANCE,
    STANCE_SUBSCALES,
)

if TYPE_CHECKING:
    from abrazo.directory.demo import Builder
    from abrazo.directory.models import Network

# --- The demo network's own scores-only instruments ----------------------------------------------------

LICENCE_HOLDER = "Example Publisher (demo)"
LICENCE_NOTE = (
    "Made up for the demo: a licensed tool described by structure and scores only. The network enters the "
    "scale scores the publisher's own scoring gives; no item wording is stored."
)
CHILD_RATING_KEY = "demo_child_social_emotional"
CLASSROOM_OBSERVATION_KEY = "demo_classroom_practice"


def _band(key: str, low: float, high: float, english: str, spanish: str) -> dict[str, Any]:
    return {"key": key, "low": low, "high": high, "label_en": english, "label_es": spanish}


_T_BANDS = [
    _band("below", 20, 40, "Below the typical range", "Por debajo del rango típico"),
    _band("typical", 41, 59, "Typical range", "Rango típico"),
    _band("above", 60, 80, "Above the typical range", "Por encima del rango típico"),
]
_CONCERN_BANDS = [
    _band("typical", 20, 59, "Typical range", "Rango típico"),
    _band("elevated", 60, 80, "Elevated", "Elevado"),
]
_PRACTICE_BANDS = [
    _band("low", 1, 2.75, "Low", "Bajo"),
    _band("middle", 3, 5.25, "Middle", "Medio"),
    _band("high", 5.5, 7, "High", "Alto"),
]


@dataclass(frozen=True)
class DemoScale:
    """An entered scale of a demo instrument, and how the demo draws its scores."""

    key: str
    name_en: str
    name_es: str
    low: float
    high: float
    bands: list[dict[str, Any]]
    reliability: float
    higher_is_better: bool
    # The population at entry (mean, SD) and the change to closure (mean, SD) in the scale's units and sign:
    # d_z = change mean / change SD, between 0.3 and 0.6 in the oriented direction.
    pre_mean: float
    pre_sd: float
    change_mean: float
    change_sd: float
    step: float  # entered to this precision (1 for whole numbers)


@dataclass(frozen=True)
class DemoInstrument:
    key: str
    name_en: str
    name_es: str
    description_en: str
    description_es: str
    level: str
    respondent: str
    languages: list[str]
    minutes: int
    scales: tuple[DemoScale, ...]


CHILD_RATING = DemoInstrument(
    key=CHILD_RATING_KEY,
    name_en="Child social-emotional rating (scores only)",
    name_es="Valoración socioemocional del niño (solo puntajes)",
    description_en=(
        "Demo instrument. A teacher's rating of one child, scored by the publisher's own method into three "
        "standard scores (mean 50, SD 10): social connection, emotion regulation and behavior concerns (where "
        "lower is better). Only the three scores are entered."
    ),
    description_es=(
        "Instrumento de demostración. La valoración de un niño por su maestro(a), calificada con el método de "
        "la editorial en tres puntajes estándar (media 50, DE 10): conexión social, regulación emocional y "
        "preocupaciones de conducta (donde más bajo es mejor). Solo se ingresan los tres puntajes."
    ),
    level=Level.CHILD, respondent=Respondent.TEACHER, languages=["en", "es"], minutes=15,
    scales=(
        DemoScale("social_connection", "Social connection", "Conexión social", 20, 80, _T_BANDS, 0.86, True,
                  pre_mean=44, pre_sd=8, change_mean=3.2, change_sd=7.0, step=1),
        DemoScale("emotion_regulation", "Emotion regulation", "Regulación emocional", 20, 80, _T_BANDS, 0.88, True,
                  pre_mean=42, pre_sd=8, change_mean=3.8, change_sd=7.5, step=1),
        DemoScale("behavior_concerns", "Behavior concerns", "Preocupaciones de conducta", 20, 80, _CONCERN_BANDS,
                  0.84, False, pre_mean=60, pre_sd=8, change_mean=-2.6, change_sd=7.5, step=1),
    ),
)
CLASSROOM_OBSERVATION = DemoInstrument(
    key=CLASSROOM_OBSERVATION_KEY,
    name_en="Classroom practice observation (scores only)",
    name_es="Observación de prácticas en el salón (solo puntajes)",
    description_en=(
        "Demo instrument. A trained observer's morning in one classroom, scored by the publisher's own method "
        "into three scales from 1 to 7: warm and responsive interactions, guidance of behavior, and predictable "
        "routines and transitions. Only the three scores are entered."
    ),
    description_es=(
        "Instrumento de demostración. Una mañana de observación en un salón, calificada con el método de la "
        "editorial en tres escalas del 1 al 7: interacciones cálidas y receptivas, guía de la conducta, y rutinas "
        "y transiciones predecibles. Solo se ingresan los tres puntajes."
    ),
    level=Level.CLASSROOM, respondent=Respondent.OBSERVER, languages=["en"], minutes=180,
    scales=(
        DemoScale("warm_interactions", "Warm and responsive interactions", "Interacciones cálidas y receptivas",
                  1, 7, _PRACTICE_BANDS, 0.85, True, pre_mean=4.6, pre_sd=0.8, change_mean=0.35, change_sd=0.7,
                  step=0.25),
        DemoScale("behavior_guidance", "Guidance of behavior", "Guía de la conducta", 1, 7, _PRACTICE_BANDS, 0.82,
                  True, pre_mean=4.1, pre_sd=0.9, change_mean=0.4, change_sd=0.75, step=0.25),
        DemoScale("routines_transitions", "Predictable routines and transitions", "Rutinas y transiciones "
                  "predecibles", 1, 7, _PRACTICE_BANDS, 0.8, True, pre_mean=4.4, pre_sd=0.85, change_mean=0.3,
                  change_sd=0.75, step=0.25),
    ),
)
DEMO_INSTRUMENTS = (CHILD_RATING, CLASSROOM_OBSERVATION)

# --- How the demo fills them in -----------------------------------------------------------------------

POST_MISSING = 0.2  # attrition: closed episodes whose post never came
POST_CANCELLED = 0.4  # of those, the share with a cancelled administration on record (the rest: none)
PRE_MISSING = 0.04
FOLLOW_UP_SHARE = 0.3  # of completed posts more than three months old
SATISFACTION_RESPONSE = 0.8
SATISFACTION_BY_LINK = 0.65
# Of the respondents who wrote a comment, those who agree to its being shared (without their name) as a voice
# from the field; the others say no. Nobody who wrote nothing is asked.
SHARE_COMMENT_RATE = 0.75
SHARE_COMMENT_NO = "0"
OPEN_PRE_OVERDUE = 0.15  # of open episodes past their pre's due date: still not done
PRE_DUE_DAYS = 21
STANCE_INTERVAL_DAYS = 182
FLUSH_ROWS = 20_000  # administrations scored and written at once

SATISFACTION_ITEMS = [item["key"] for item in SATISFACTION["items"] if item["field_type"] == "radio"]
CONFIDENCE_ITEMS = next(scale["items"] for scale in SATISFACTION["scales"] if scale["key"] == "confidence")
READINESS_ITEMS = next(scale["items"] for scale in READINESS_CHECK["scales"])
STANCE_ITEMS = [key for _en, _es, items in STANCE_SUBSCALES.values() for key in items]

# Words a respondent might leave in the optional questions (written for the demo, en and es).
COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "sat_most_helpful": {
        "en": ("Having someone to think with about the hard mornings.", "The visual schedule we made together.",
               "Talking about what the behavior might mean.", "She came back every week, even when it was rough."),
        "es": ("Tener con quién pensar en las mañanas difíciles.", "El horario con dibujos que hicimos juntas.",
               "Hablar de lo que la conducta podría significar.", "Volvía cada semana, aun cuando todo iba mal."),
    },
    "sat_could_be_better": {
        "en": ("More visits at nap time, when we have time to talk.", "Materials for the families at home."),
        "es": ("Más visitas a la hora de la siesta, cuando tenemos tiempo.", "Materiales para las familias."),
    },
    "stance_for_supervision": {
        "en": ("How I react when a director wants the child gone.", "Pacing: I offer ideas too soon."),
        "es": ("Cómo reacciono cuando un(a) director(a) quiere que el niño se vaya.", "Ofrezco ideas muy pronto."),
    },
}


@dataclass(frozen=True, slots=True)
class EpisodeInfo:
    id: uuid.UUID
    episode_type: str
    phase: str
    opened: date
    closed: date | None
    consultant_id: uuid.UUID
    consultant_user_id: uuid.UUID | None
    program_id: uuid.UUID
    classroom_id: uuid.UUID | None
    child_id: uuid.UUID | None
    language: str

    @property
    def is_open(self) -> bool:
        return self.phase not in FINISHED_PHASES


@dataclass(frozen=True, slots=True)
class StaffInfo:
    id: uuid.UUID
    position: str
    classrooms: frozenset[uuid.UUID]
    languages: frozenset[str]


@dataclass(frozen=True, slots=True)
class Who:
    """Who an administration is about and who answers it (shared by an episode's pre, post and follow-up)."""

    respondent: StaffInfo | None = None
    role: str = ""  # a Respondent value; the instrument's own respondent when empty
    language: str = "en"
    entered_by: uuid.UUID | None = None  # the consultant who typed it in (answers entered in Abrazo)
    consent: bool | None = None
    child_id: uuid.UUID | None = None


@dataclass
class Pending:
    """Rows waiting to be scored and written: completed administrations by instrument key."""

    administrations: list[dict[str, Any]] = field(default_factory=list)
    completed: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    links: list[dict[str, Any]] = field(default_factory=list)


# --- Entry points -------------------------------------------------------------------------------------


def load_measures(builder: Builder, network: Network, *, today: date | None = None) -> None:
    """Write the demo network's instruments and the administrations of measures on its episodes."""
    MeasuresLoader(builder, network, today=today).run()


def wipe_measures(network: Network) -> None:
    """Delete the network's survey links, administrations and own instruments, set-based (administrations
    PROTECT their instruments; at state scale there are about a hundred thousand of them)."""
    for queryset in (
        SurveyLink.objects.filter(administration__network=network),
        Administration.objects.filter(network=network),
        NormTable.objects.filter(scale__instrument__network=network),
        Scale.objects.filter(instrument__network=network),
        Item.objects.filter(instrument__network=network),
        Instrument.objects.filter(network=network),
    ):
        _raw_delete(queryset)


def _raw_delete(queryset: QuerySet[Any]) -> None:
    queryset._raw_delete(queryset.db)


def stored_scores(scores: scoring.Scores) -> dict[str, dict[str, Any]]:
    """The engine's scores as `Administration.scores` keeps them (scale key -> its numbers)."""
    return {
        scale.key: {
            "raw": scale.raw, "band": scale.band, "standard_score": scale.standard_score,
            "percentile": scale.percentile, "prorated": scale.prorated, "answered": scale.answered,
            "missing": scale.missing, "reason": scale.reason,
        }
        for scale in scores.scales
    }


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _entered(value: float, scale: DemoScale) -> str:
    """A score as it would be typed from the publisher's report: on the scale's step, inside its range."""
    stepped = round(_clip(value, scale.low, scale.high) / scale.step) * scale.step
    return str(int(stepped)) if scale.step >= 1 else f"{stepped:.2f}"


class MeasuresLoader:
    def __init__(self, builder: Builder, network: Network, *, today: date | None) -> None:
        self.b = builder
        self.network = network
        self.tz = ZoneInfo(settings.TIME_ZONE)
        # As the other demo steps: what happened ends yesterday; only due dates lie ahead.
        self.today = today or datetime.now(self.tz).date()
        self.last_day = self.today - timedelta(days=1)
        self.pending = Pending()
        self.demo_consultant_id = builder.uid("consultant", 0)

    # Context ---------------------------------------------------------------------------------------

    def run(self) -> None:
        started = time.perf_counter()
        self.instruments = self.write_instruments()
        episodes = self.load_episodes()
        self.staff = self.load_staff()
        # The demo consultant's episodes first, so that her showcase is settled before anything is written;
        # then everyone else's, written every FLUSH_ROWS rows so that memory stays flat at state scale.
        mine = [episode for episode in episodes if episode.consultant_id == self.demo_consultant_id]
        for episode in mine:
            self.episode(episode)
        self.showcase(mine)
        self.flush()
        for episode in episodes:
            if episode.consultant_id != self.demo_consultant_id:
                self.episode(episode)
                if len(self.pending.administrations) >= FLUSH_ROWS:
                    self.flush()
        self.stance(episodes)
        self.flush()
        self.b.progress(f"Measures: {time.perf_counter() - started:.1f} s")

    def write_instruments(self) -> dict[str, Instrument]:
        instruments: dict[str, Instrument] = {
            instrument.key: instrument
            for instrument in Instrument.objects.filter(network__isnull=True, key__in=[
                SATISFACTION["key"], STANCE["key"], READINESS_CHECK["key"]])
        }
        rows: list[Instrument] = []
        scales: list[Scale] = []
        for demo in DEMO_INSTRUMENTS:
            instrument = Instrument(
                id=self.b.uid("instrument", demo.key), network=self.network, key=demo.key, name_en=demo.name_en,
                name_es=demo.name_es, description_en=demo.description_en, description_es=demo.description_es,
                level=demo.level, respondent=demo.respondent, languages=demo.languages, minutes=demo.minutes,
                public_domain=False, licence_holder=LICENCE_HOLDER, licence_note=LICENCE_NOTE, scores_only=True,
                source=Source.LICENSED,
            )
            rows.append(instrument)
            instruments[demo.key] = instrument
            scales.extend(
                Scale(
                    id=self.b.uid("scale", f"{demo.key}/{scale.key}"), instrument=instrument, key=scale.key,
                    position=position, name_en=scale.name_en, name_es=scale.name_es, kind=ScaleKind.ENTERED,
                    method=ScaleMethod.SUM, score_min=scale.low, score_max=scale.high,
                    whole_numbers=scale.step >= 1, bands=scale.bands, higher_is_better=scale.higher_is_better,
                    reliability=scale.reliability,
                )
                for position, scale in enumerate(demo.scales)
            )
        self.b.write(Instrument, rows, "instruments")
        self.b.write(Scale, scales, "instrument scales")
        missing = {SATISFACTION["key"], STANCE["key"], READINESS_CHECK["key"]} - set(instruments)
        if missing:
            from abrazo.directory.demo import DemoError

            raise DemoError(f"Shipped instruments missing from the database: {', '.join(sorted(missing))}")
        return instruments

    def load_episodes(self) -> list[EpisodeInfo]:
        episodes = []
        for (pk, kind, phase, opened_at, closed_at, consultant_id, user_id, program_id, classroom_id, child_id,
             language) in Episode.objects.filter(network=self.network).order_by("opened_at", "id").values_list(
                "id", "episode_type", "phase", "opened_at", "closed_at", "consultant_id", "consultant__user_id",
                "program_id", "classroom_id", "request__child_id", "language_id"):
            episodes.append(EpisodeInfo(
                id=pk, episode_type=kind, phase=phase, opened=opened_at.astimezone(self.tz).date(),
                closed=closed_at.astimezone(self.tz).date() if closed_at else None, consultant_id=consultant_id,
                consultant_user_id=user_id, program_id=program_id, classroom_id=classroom_id, child_id=child_id,
                language=language or "en",
            ))
        return episodes

    def load_staff(self) -> dict[uuid.UUID, list[StaffInfo]]:
        """The staff of the programs with an episode, who answer the teacher and director measures."""
        programs = Episode.objects.filter(network=self.network).values("program_id")
        staff = ProgramStaff.objects.filter(program_id__in=programs, is_active=True)
        rooms: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for staff_id, room_id in ProgramStaff.classrooms.through.objects.filter(
                programstaff__in=staff).values_list("programstaff_id", "classroom_id"):
            rooms[staff_id].add(room_id)
        languages: dict[uuid.UUID, set[str]] = defaultdict(set)
        for staff_id, code in ProgramStaff.languages.through.objects.filter(
                programstaff__in=staff, language_id__in=("en", "es")).values_list("programstaff_id", "language_id"):
            languages[staff_id].add(code)
        by_program: dict[uuid.UUID, list[StaffInfo]] = defaultdict(list)
        for staff_id, program_id, position in staff.order_by("program_id", "id").values_list(
                "id", "program_id", "position"):
            by_program[program_id].append(StaffInfo(
                staff_id, position, frozenset(rooms.get(staff_id, ())), frozenset(languages.get(staff_id, ()))))
        return by_program

    # Who answers ---------------------------------------------------------------------------------------

    def teacher(self, episode: EpisodeInfo) -> StaffInfo | None:
        """The person closest to the child or classroom: the room's lead teacher (or provider), else any
        non-director staff member, else the director."""
        staff = self.staff.get(episode.program_id, [])
        in_room = [s for s in staff if episode.classroom_id in s.classrooms] if episode.classroom_id else []
        for pool in (in_room, staff):
            for position in (StaffPosition.TEACHER, StaffPosition.FCC_PROVIDER, StaffPosition.FFN_CAREGIVER,
                             StaffPosition.HOME_VISITOR, StaffPosition.ASSISTANT_TEACHER):
                for person in pool:
                    if person.position == position:
                        return person
        return staff[0] if staff else None

    def director(self, episode: EpisodeInfo) -> StaffInfo | None:
        staff = self.staff.get(episode.program_id, [])
        return next((s for s in staff if s.position == StaffPosition.DIRECTOR), None) or self.teacher(episode)

    @staticmethod
    def role_of(person: StaffInfo | None) -> str:
        return Respondent.DIRECTOR if person and person.position == StaffPosition.DIRECTOR else Respondent.TEACHER

    @staticmethod
    def language_of(rng: random.Random, person: StaffInfo | None, episode: EpisodeInfo) -> str:
        """Spanish for a Spanish speaker with no English, or one consulted in Spanish (most of them)."""
        if person is None or "es" not in person.languages:
            return "es" if episode.language == "es" and rng.random() < 0.8 else "en"
        if "en" not in person.languages or (episode.language == "es" and rng.random() < 0.9):
            return "es"
        return "es" if rng.random() < 0.15 else "en"

    # Rows ----------------------------------------------------------------------------------------------

    def add(self, episode: EpisodeInfo | None, key: str, timepoint: str, who: Who, *, due: date,
            done: date | None = None, answers: dict[str, str] | None = None, status: str | None = None,
            source: str = AnswerSource.FORM, natural_key: str = "") -> dict[str, Any]:
        """One administration row; completed ones go to the scoring batch of their instrument."""
        instrument = self.instruments[key]
        completed = done is not None
        row: dict[str, Any] = {
            "id": self.b.uid("administration", natural_key or f"{episode.id if episode else ''}/{key}/{timepoint}"),
            "network_id": self.network.pk, "instrument_id": instrument.pk,
            "episode_id": episode.id if episode else None,
            "program_id": episode.program_id if episode else None, "child_id": who.child_id,
            "respondent_staff_id": who.respondent.id if who.respondent else None,
            "respondent_role": who.role or instrument.respondent, "timepoint": timepoint, "due_on": due,
            "status": status or (AdministrationStatus.COMPLETED if completed else AdministrationStatus.SCHEDULED),
            "completed_on": done, "language": who.language, "answers": (answers or {}) if completed else {},
            "scores": {}, "source": source, "respondent_consent": who.consent if completed else None,
            "entered_by_id": who.entered_by if completed and source == AnswerSource.FORM else None,
        }
        if not completed and row["status"] == AdministrationStatus.SCHEDULED and due < self.today:
            # Overdue: the reminder went out a few days after the due date.
            reminded = due + timedelta(days=3)
            row["reminded_at"] = datetime(reminded.year, reminded.month, reminded.day, 8, 0, tzinfo=self.tz)
        self.pending.administrations.append(row)
        if completed:
            self.pending.completed[key].append(row)
        return row

    def link(self, row: dict[str, Any], sent: date, used: date) -> None:
        """The used, expired survey link a respondent answered through. Only a hash is ever stored; the
        token it hashes is derived from the row's id and never handed to anyone."""
        token = self.b.uid("survey-token", row["id"]).hex
        self.pending.links.append({
            "id": self.b.uid("survey-link", row["id"]), "administration_id": row["id"],
            "token_hash": hashlib.sha256(token.encode()).hexdigest(), "language": row["language"],
            "expires_at": datetime(sent.year, sent.month, sent.day, 23, 59, tzinfo=self.tz) + timedelta(days=14),
            "used_at": datetime(used.year, used.month, used.day, 19, 30, tzinfo=self.tz),
        })

    # One episode ---------------------------------------------------------------------------------------

    def episode(self, episode: EpisodeInfo) -> None:
        rng = self.b.rng("measures", episode.id)
        if episode.episode_type == EpisodeType.CHILD_FAMILY:
            self.outcome(rng, episode, CHILD_RATING, respondent=self.teacher(episode), child_id=episode.child_id)
        elif episode.episode_type == EpisodeType.CLASSROOM:
            self.outcome(rng, episode, CLASSROOM_OBSERVATION, respondent=None)
        elif episode.episode_type == EpisodeType.PROGRAMMATIC:
            self.readiness(rng, episode)
        self.satisfaction(rng, episode)

    def pre_date(self, rng: random.Random, episode: EpisodeInfo) -> date | None:
        """When the pre was done: in the first weeks, before closure; None when it is not done (yet)."""
        done = episode.opened + timedelta(days=rng.randint(2, 20))
        if episode.closed is not None:
            done = min(done, episode.closed - timedelta(days=1))
            return done if episode.opened <= done <= self.last_day else None
        if done > self.last_day or rng.random() < OPEN_PRE_OVERDUE:
            return None
        return done

    def outcome(self, rng: random.Random, episode: EpisodeInfo, demo: DemoInstrument, *,
                respondent: StaffInfo | None, child_id: uuid.UUID | None = None) -> None:
        """Pre, post and follow-up of a child rating or a classroom observation."""
        role = Respondent.OBSERVER if respondent is None else self.role_of(respondent)
        language = "en" if respondent is None else self.language_of(rng, respondent, episode)
        who = Who(respondent, role, language, episode.consultant_user_id, True if respondent else None, child_id)
        due = episode.opened + timedelta(days=PRE_DUE_DAYS)
        if episode.closed is not None and rng.random() < PRE_MISSING:
            return
        pre_on = self.pre_date(rng, episode)
        if pre_on is None and episode.closed is not None:
            return
        # One latent level per child or classroom, shared by its scales (they correlate), and a change.
        level = rng.gauss(0, 1)
        pre_values = {s.key: s.pre_mean + s.pre_sd * (0.6 * level * (1 if s.higher_is_better else -1)
                                                      + 0.8 * rng.gauss(0, 1)) for s in demo.scales}
        growth = rng.gauss(0, 1)
        post_values = {s.key: pre_values[s.key] + s.change_mean + s.change_sd * (0.5 * growth * (
            1 if s.higher_is_better else -1) + 0.866 * rng.gauss(0, 1)) for s in demo.scales}
        answers = {s.key: _entered(pre_values[s.key], s) for s in demo.scales}
        self.add(episode, demo.key, Timepoint.PRE, who, due=due, done=pre_on, answers=answers)
        if episode.closed is None:
            if pre_on is not None and episode.phase == Phase.REVIEW:
                self.add(episode, demo.key, Timepoint.POST, who, due=self.today + timedelta(days=rng.randint(3, 21)))
            return
        if rng.random() < POST_MISSING:
            if rng.random() < POST_CANCELLED:
                self.add(episode, demo.key, Timepoint.POST, who, due=episode.closed,
                         status=AdministrationStatus.CANCELLED)
            return
        assert pre_on is not None
        post_on = min(self.last_day, episode.closed + timedelta(days=rng.randint(-10, 5)))
        if post_on <= pre_on:
            post_on = min(self.last_day, pre_on + timedelta(days=rng.randint(7, 14)))
            if post_on <= pre_on:
                return
        answers = {s.key: _entered(post_values[s.key], s) for s in demo.scales}
        self.add(episode, demo.key, Timepoint.POST, who, due=episode.closed, done=post_on, answers=answers)
        follow_on = episode.closed + timedelta(days=rng.randint(80, 100))
        if follow_on <= self.last_day and rng.random() < FOLLOW_UP_SHARE:
            # Gains mostly hold three months on, with some drift either way.
            answers = {s.key: _entered(post_values[s.key] + s.change_sd * rng.gauss(0, 0.5), s) for s in demo.scales}
            self.add(episode, demo.key, Timepoint.FOLLOW_UP, who, due=episode.closed + timedelta(days=90),
                     done=follow_on, answers=answers)

    def readiness(self, rng: random.Random, episode: EpisodeInfo) -> None:
        director = self.director(episode)
        pre_on = self.pre_date(rng, episode)
        if pre_on is None and episode.closed is not None:
            return
        # Programs asking for programmatic consultation are mostly getting ready: 2 = yes, 1 = partly, 0 = no.
        level = rng.gauss(0, 0.45)
        answers = {key: str(int(_clip(round(1.25 + level + rng.gauss(0, 0.6)), 0, 2))) for key in READINESS_ITEMS}
        if rng.random() < 0.06:
            answers[rng.choice(READINESS_ITEMS)] = ""  # one left blank: prorated
        who = Who(director, Respondent.DIRECTOR, self.language_of(rng, director, episode), episode.consultant_user_id,
                  consent=True)
        self.add(episode, READINESS_CHECK["key"], Timepoint.PRE, who, due=episode.opened + timedelta(days=14),
                 done=pre_on, answers=answers)

    def satisfaction(self, rng: random.Random, episode: EpisodeInfo) -> None:
        key = SATISFACTION["key"]
        respondent = (self.director(episode) if episode.episode_type in (
            EpisodeType.PROGRAMMATIC, EpisodeType.GROUP_REFLECTIVE) else self.teacher(episode))
        language = self.language_of(rng, respondent, episode)
        who = Who(respondent, self.role_of(respondent), language, episode.consultant_user_id, consent=True)
        if episode.closed is None:
            if episode.phase == Phase.REVIEW:
                self.add(episode, key, Timepoint.POST, who, due=self.today + timedelta(days=rng.randint(5, 20)))
            return
        if rng.random() >= SATISFACTION_RESPONSE:
            return
        sent = episode.closed
        done = min(self.last_day, sent + timedelta(days=rng.randint(0, 10)))
        # Consultees are mostly satisfied; confidence gains are more varied.
        liking = rng.gauss(4.3, 0.5)
        confidence = rng.gauss(3.9, 0.6)
        answers = {item: str(int(_clip(round(liking + rng.gauss(0, 0.55)), 1, 5))) for item in SATISFACTION_ITEMS}
        for item in CONFIDENCE_ITEMS:
            answers[item] = str(int(_clip(round(confidence + rng.gauss(0, 0.55)), 1, 5)))
        if rng.random() < (0.35 if episode.episode_type == EpisodeType.CHILD_FAMILY else 0.6):
            answers["sat_referrals"] = DOES_NOT_APPLY
        if rng.random() < 0.05:
            answers[rng.choice(SATISFACTION_ITEMS)] = ""
        for item, pool in (("sat_most_helpful", 0.3), ("sat_could_be_better", 0.12)):
            if rng.random() < pool:
                answers[item] = rng.choice(COMMENTS[item][language])
        by_link = rng.random() < SATISFACTION_BY_LINK
        # Drawn last, and only for those who wrote something, so that every other value the stream gives (in
        # this survey and in the demo's other records) is what it was before the question was asked.
        if "sat_most_helpful" in answers or "sat_could_be_better" in answers:
            answers["sat_share_comment"] = SHARE_COMMENT_YES if rng.random() < SHARE_COMMENT_RATE else SHARE_COMMENT_NO
        row = self.add(episode, key, Timepoint.POST, who, due=sent + timedelta(days=14), done=done, answers=answers,
                       source=AnswerSource.LINK if by_link else AnswerSource.FORM)
        if by_link:
            self.link(row, sent, done)

    # Consultants -----------------------------------------------------------------------------------

    def stance(self, episodes: Sequence[EpisodeInfo]) -> None:
        """Each consultant's self-reflection twice a year: on their first episode of the demo year, so that the
        pair is grouped with their work; a consultant with no episode yet answers at the start of the year."""
        first: dict[uuid.UUID, EpisodeInfo] = {}
        for opened in episodes:  # oldest first
            first.setdefault(opened.consultant_id, opened)
        key = STANCE["key"]
        year_start = self.today - timedelta(days=365)
        consultants = ConsultantProfile.objects.filter(network=self.network).order_by("id").values_list(
            "id", "user_id")
        for consultant_id, user_id in consultants:
            episode = first.get(consultant_id)
            rng = self.b.rng("measures-stance", consultant_id)
            # Most consultants see themselves a little further along six months on; a few less so.
            level = rng.uniform(1.7, 2.6)
            growth = rng.gauss(0.2, 0.2)
            pre_on = (episode.opened if episode else year_start) + timedelta(days=rng.randint(3, 20))
            post_due = pre_on + timedelta(days=STANCE_INTERVAL_DAYS + rng.randint(-7, 7))
            language = "es" if episode and episode.language == "es" and rng.random() < 0.5 else "en"
            for timepoint, due, mean in ((Timepoint.PRE, pre_on, level), (Timepoint.POST, post_due, level + growth)):
                finished = due if due <= self.last_day else None
                answers = {item: str(int(_clip(round(mean + rng.gauss(0, 0.4)), 1, 3))) for item in STANCE_ITEMS}
                if rng.random() < 0.2:
                    answers["stance_for_supervision"] = rng.choice(COMMENTS["stance_for_supervision"][language])
                who = Who(role=Respondent.CONSULTANT, language=language, entered_by=user_id)
                self.add(episode, key, timepoint, who, due=due, done=finished, answers=answers,
                         natural_key=f"stance/{consultant_id}/{timepoint}")

    def showcase(self, episodes: Sequence[EpisodeInfo]) -> None:
        """The demo consultant's page shows a measure due this fortnight and an overdue one, whatever chance
        gave: up to two of her open episodes get their pre back to scheduled (the newest ones, and for the
        overdue one an episode opened well before the due date)."""
        mine = [e for e in episodes if e.is_open
                and e.episode_type in (EpisodeType.CHILD_FAMILY, EpisodeType.CLASSROOM, EpisodeType.PROGRAMMATIC)]
        scheduled = [row for row in self.pending.administrations
                     if row["status"] == AdministrationStatus.SCHEDULED and row["episode_id"] in {e.id for e in mine}]
        soon = any(self.today <= row["due_on"] <= self.today + timedelta(days=14) for row in scheduled)
        late = any(row["due_on"] < self.today for row in scheduled)
        wanted = [due for due, have in ((self.today + timedelta(days=6), soon), (self.today - timedelta(days=9), late))
                  if not have]
        by_episode = {row["episode_id"]: row for row in self.pending.administrations
                      if row["timepoint"] == Timepoint.PRE and row["episode_id"] in {e.id for e in mine}
                      and row["status"] == AdministrationStatus.COMPLETED and row["instrument_id"] != self.instruments[
                          STANCE["key"]].pk}
        candidates = [e for e in reversed(mine) if e.id in by_episode]
        for due in wanted:
            episode = next((e for e in candidates if e.opened <= due - timedelta(days=PRE_DUE_DAYS)), None)
            if episode is not None:
                candidates.remove(episode)
                self.unschedule(by_episode[episode.id], due)

    def unschedule(self, row: dict[str, Any], due: date) -> None:
        """Turn a completed row back into one still to do, due on `due`."""
        row.update(status=AdministrationStatus.SCHEDULED, due_on=due, completed_on=None, answers={},
                   respondent_consent=None, entered_by_id=None)
        if due < self.today:
            reminded = due + timedelta(days=3)
            row["reminded_at"] = datetime(reminded.year, reminded.month, reminded.day, 8, 0, tzinfo=self.tz)
        for rows in self.pending.completed.values():
            if any(other is row for other in rows):
                rows[:] = [other for other in rows if other is not row]

    # Scoring and writing ---------------------------------------------------------------------------

    def flush(self) -> None:
        """Score each instrument's completed administrations in one batch with the real engine, then write."""
        for key, rows in self.pending.completed.items():
            if not rows:
                continue
            instrument = self.instruments[key]
            batch = specs.score_administrations(instrument, [row["answers"] for row in rows])
            for index, row in enumerate(rows):
                row["scores"] = stored_scores(batch.row(index))
        insert_rows(Administration, self.pending.administrations)
        insert_rows(SurveyLink, self.pending.links)
        self.b.count("administrations", len(self.pending.administrations))
        self.b.count("survey links", len(self.pending.links))
        self.pending = Pending()


# Kept for readers checking the effect sizes the scales are drawn with (used by the tests).
def drawn_effect_size(scale: DemoScale) -> float:
    """The d_z a scale's change is drawn with, in its good direction, before rounding and clipping."""
    sign = 1 if scale.higher_is_better else -1
    return sign * scale.change_mean / scale.change_sd if scale.change_sd else math.nan
