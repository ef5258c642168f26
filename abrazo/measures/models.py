"""Instruments: what a measure is, its items, scales and scoring rules (issue 5).

An instrument with no network is one Abrazo ships (written by us, free to use everywhere); a network's
own instruments come from REDCap dictionaries, from a licensee's scores-only definition, or are built
in Abrazo. Licensed instruments are described by structure and scores only: the network enters item
wording only where it holds the right to use it, and Abrazo never ships anyone else's wording.
The scoring rules stored here become the pure engine's specification in `measures.specs`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import BaseModel, VersionedModel


class Level(models.TextChoices):
    CHILD = "child", _("Child")
    TEACHER = "teacher", _("Teacher or caregiver")
    CLASSROOM = "classroom", pgettext_lazy("measure level", "Classroom")
    PROGRAM = "program", _("Program")
    CONSULTANT = "consultant", _("Consultant")
    FAMILY = "family", _("Family")


class Respondent(models.TextChoices):
    TEACHER = "teacher", _("Teacher or caregiver")
    DIRECTOR = "director", _("Program director")
    PARENT = "parent", _("Parent or family member")
    CONSULTANT = "consultant", _("Consultant")
    OBSERVER = "observer", _("Trained observer")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    SHIPPED = "shipped", _("Written by Abrazo")
    REDCAP = "redcap", _("Imported from a REDCap dictionary")
    LICENSED = "licensed", _("Licensed instrument (scores only)")
    CUSTOM = "custom", _("Built by the network")


def _in_language(english: str, spanish: str) -> str:
    """The Spanish text for a Spanish reader when there is one; English otherwise."""
    return spanish if spanish and (get_language() or "en").startswith("es") else english


class Instrument(VersionedModel):
    network = models.ForeignKey(
        "directory.Network", null=True, blank=True, on_delete=models.CASCADE, related_name="instruments",
        help_text=_("Empty for the instruments Abrazo ships to every network."),
    )
    key = models.SlugField(_("short name"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    respondent = models.CharField(_("respondent"), max_length=16, choices=Respondent.choices)
    languages = models.JSONField(_("languages"), default=list, help_text=_("Language codes, e.g. [\"en\", \"es\"]."))
    minutes = models.PositiveSmallIntegerField(_("minutes to complete"), null=True, blank=True)
    public_domain = models.BooleanField(_("in the public domain"), default=False)
    licence_holder = models.CharField(_("licence holder"), max_length=200, blank=True)
    licence_note = models.TextField(
        _("licence note"), blank=True, help_text=_("What the network's licence allows, e.g. scores only."),
    )
    scores_only = models.BooleanField(
        _("scores only"), default=False,
        help_text=_("Only subscale and total scores are entered; the items are not stored."),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.CUSTOM)
    redcap_form = models.CharField(_("REDCap form name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.UniqueConstraint(fields=["network", "key"], name="instrument_key_unique_in_network"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(network__isnull=True), name="shipped_instrument_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_en, self.name_es)

    @property
    def description(self) -> str:
        return _in_language(self.description_en, self.description_es)


class Item(BaseModel):
    """One field of an instrument, with everything a REDCap dictionary row says about it."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(_("variable name"), max_length=100)
    position = models.PositiveIntegerField(_("position"))
    field_type = models.CharField(_("field type"), max_length=16)  # REDCap's: text, radio, checkbox, calc...
    section_header = models.TextField(_("section header"), blank=True)
    label_en = models.TextField(_("wording (English)"), blank=True)
    label_es = models.TextField(_("wording (Spanish)"), blank=True)
    field_note = models.TextField(_("field note"), blank=True)
    # [[code, English label, Spanish label], ...] for radio, dropdown, checkbox, yesno, truefalse.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    calculation = models.TextField(_("calculation"), blank=True)
    slider_labels = models.JSONField(_("slider labels"), default=list, blank=True)
    validation = models.CharField(_("validation type"), max_length=40, blank=True)
    validation_min = models.CharField(_("minimum"), max_length=200, blank=True)
    validation_max = models.CharField(_("maximum"), max_length=200, blank=True)
    identifier = models.BooleanField(_("identifies a person"), default=False)
    branching_logic = models.TextField(_("show only if"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    custom_alignment = models.CharField(_("alignment"), max_length=8, blank=True)
    question_number = models.CharField(_("question number"), max_length=20, blank=True)
    matrix_group = models.CharField(_("matrix group"), max_length=100, blank=True)
    matrix_ranking = models.BooleanField(_("matrix ranking"), default=False)
    annotation = models.TextField(_("annotation"), blank=True)
    # Scoring: the range a scored answer may take, reverse scoring, and codes that mean "no answer".
    score_min = models.FloatField(_("lowest score"), null=True, blank=True)
    score_max = models.FloatField(_("highest score"), null=True, blank=True)
    reverse_scored = models.BooleanField(_("reverse-scored"), default=False)
    missing_codes = models.JSONField(_("codes meaning no answer"), default=list, blank=True)

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [models.UniqueConstraint(fields=["instrument", "key"], name="item_key_unique_in_instrument")]

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        return _in_language(self.label_en, self.label_es)


class ScaleKind(models.TextChoices):
    ITEMS = "items", _("Scored from items")
    ENTERED = "entered", _("Entered as a score")
    COMPOSITE = "composite", _("Combines other scales")


class ScaleMethod(models.TextChoices):
    SUM = "sum", _("Sum")
    MEAN = "mean", _("Mean")


class Scale(BaseModel):
    """A subscale or total: how it is scored, its bands, and which direction is better."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="scales")
    key = models.CharField(_("key"), max_length=64)
    position = models.PositiveIntegerField(_("position"))
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ScaleKind.choices, default=ScaleKind.ITEMS)
    method = models.CharField(_("method"), max_length=8, choices=ScaleMethod.choices, default=ScaleMethod.SUM)
    items = models.JSONField(
        _("items"), default=list, blank=True, help_text=_("Item keys, for a scale scored from items."),
    )
    parts = models.JSONField(_("parts"), default=list, blank=True, help_text=_("Scale keys, for a combined scale."))
    # A licensed tool's total is typed in like its subscales, but it is their sum: the entry form adds it up
    # when it is left blank and refuses a typed total that disagrees. Unlike a combined scale, the total is
    # still entered (and kept) as the licensee's scoring gave it.
    sum_of = models.JSONField(
        _("sum of"), default=list, blank=True,
        help_text=_("Keys of the entered scores this entered total is the sum of."),
    )
    max_missing_share = models.FloatField(
        _("largest share of missing items still scored (prorated)"), default=0.0,
    )
    score_min = models.FloatField(_("lowest score"), null=True, blank=True)  # entered scores
    score_max = models.FloatField(_("highest score"), null=True, blank=True)
    # Entered scores such as T-scores are whole numbers; others (CLASS dimension means) are not.
    whole_numbers = models.BooleanField(_("whole numbers only"), default=False)
    # [{"label_en", "label_es", "low", "high"}] with inclusive edges, lowest first.
    bands = models.JSONField(_("bands"), default=list, blank=True)
    higher_is_better = models.BooleanField(_("a higher score is better"), default=True)
    reliability = models.FloatField(
        _("reliability"), null=True, blank=True, help_text=_("e.g. Cronbach's alpha, for the reliable change index."),
    )

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [models.UniqueConstraint(fields=["instrument", "key"], name="scale_key_unique_in_instrument")]

    def __str__(self) -> str:
        return self.key

    @property
    def name(self) -> str:
        return _in_language(self.name_en, self.name_es)


class NormTable(BaseModel):
    """A licensee's lookup from raw to standard scores or percentiles, uploaded by the network."""

    scale = models.OneToOneField(Scale, on_delete=models.CASCADE, related_name="norm_table")
    source = models.CharField(_("source"), max_length=300, help_text=_("e.g. the manual's edition and table."))
    # [{"min_months", "max_months", "raw_low", "raw_high", "standard_score", "percentile"}]
    rows = models.JSONField(_("rows"), default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.source


class Timepoint(models.TextChoices):
    PRE = "pre", _("Before (at entry)")
    POST = "post", _("After (at closure)")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OTHER = "other", _("Other")


class AdministrationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class AnswerSource(models.TextChoices):
    FORM = "form", _("Entered in Abrazo")
    LINK = "link", _("Answered through a survey link")
    REDCAP = "redcap", _("Imported from REDCap")


class Administration(VersionedModel):
    """One time one instrument is given (or due) for an episode: its answers and its scores.

    Answers are kept as REDCap would export them (item key -> text, or a list of codes for a checkbox),
    so that imports, exports and scoring all read the same shape; scores are derived on save.
    """

    network = models.ForeignKey("directory.Network", on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="administrations")
    episode = models.ForeignKey(
        "consultations.Episode", null=True, blank=True, on_delete=models.CASCADE, related_name="administrations",
    )
    program = models.ForeignKey(
        "directory.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
    )
    child = models.ForeignKey(
        "incidents.Child", null=True, blank=True, on_delete=models.SET_NULL, related_name="administrations",
    )
    # Who answers: a program staff member (teacher, director), the consultant, or a family member named
    # only by relationship. No free-text names of children.
    respondent_staff = models.ForeignKey(
        "directory.ProgramStaff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("respondent"),
    )
    respondent_role = models.CharField(_("respondent"), max_length=16, choices=Respondent.choices)
    timepoint = models.CharField(_("time point"), max_length=16, choices=Timepoint.choices)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AdministrationStatus.choices, default=AdministrationStatus.SCHEDULED,
    )
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    scores = models.JSONField(_("scores"), default=dict, blank=True)  # scale key -> {raw, band, ...}
    source = models.CharField(_("source"), max_length=8, choices=AnswerSource.choices, default=AnswerSource.FORM)
    respondent_consent = models.BooleanField(_("the respondent agreed to answer"), null=True, blank=True)
    redcap_record = models.CharField(_("REDCap record id"), max_length=100, blank=True)
    redcap_event = models.CharField(_("REDCap event"), max_length=100, blank=True)
    redcap_instance = models.PositiveIntegerField(_("REDCap repeat instance"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-due_on", "-created_at"]
        indexes = [
            models.Index(fields=["network", "instrument", "timepoint"]),
            models.Index(fields=["episode", "timepoint"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} · {self.get_timepoint_display()}"


class SurveyLink(BaseModel):
    """A private link that lets one respondent answer one administration without an account.

    Only a hash of the token is stored; the link expires and works once.
    """

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    sent_to = models.EmailField(_("sent to"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.administration_id} link"
