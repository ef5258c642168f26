"""The public face of a network: its content pages and its bilingual resource library.

- `Page`: a public content page (what consultation is, how to ask for it, equity...), title and body in English
  and Spanish, edited by the network's administrators with a preview; never hard-coded in templates.
- `Resource`: one language version of a resource. Versions of the same resource in other languages share a
  `ResourceWork`, so a visitor reading the English tip sheet is offered the Spanish one and the other way round.
- `Topic`: the network's list of topics (a default list is installed, administrators may add to it).
- Suggestions are resources in status "suggested" (anyone may send one from the public form); staff review them
  in a queue and approve (published, with who curated it and when) or decline them.
- `PlanResource` links a resource to an episode's action plan; `ResourceShare` records each time a consultant
  sent a resource to a family member or a teacher by email.

Search structures (the PostgreSQL text-search column and index, the SQLite FTS5 table) are not model fields:
they belong to `library/search.py`, which keeps them in step with these rows, one interface over both databases.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from abrazo.core.models import BaseModel, VersionedModel
from abrazo.directory.models import Network
from abrazo.library.search_fields import SearchDocumentField


class ResourceKind(models.TextChoices):
    VIDEO = "video", _("Video")
    TIP_SHEET = "tip_sheet", _("Tip sheet")
    INTERACTIVE_BOOK = "interactive_book", _("Interactive book")
    RESEARCH_SYNTHESIS = "research_synthesis", _("Research synthesis")
    TRAINING_MODULE = "training_module", _("Training module")
    WEBSITE = "website", _("Website")
    PDF = "pdf", _("PDF document")


class Audience(models.TextChoices):
    """Who a resource is for. Stored as bits of `Resource.audience_bits` (a resource has one or several), in
    this order: the position of each choice is its bit, so never reorder; add new ones at the end."""

    FAMILIES = "families", _("Families")
    PROVIDERS = "providers", _("Child care providers and teachers")
    CONSULTANTS = "consultants", _("Consultants")
    ADMINISTRATORS = "administrators", _("Program administrators")
    POLICY_MAKERS = "policy_makers", _("Policy makers")


def audience_bit(audience: str) -> int:
    return 1 << list(Audience.values).index(audience)


def audience_bits_of(audiences: list[str] | tuple[str, ...] | set[str]) -> int:
    bits = 0
    for audience in audiences:
        bits |= audience_bit(audience)
    return bits


def audiences_of(bits: int) -> list[str]:
    return [value for position, value in enumerate(Audience.values) if bits & (1 << position)]


class AgeBand(models.TextChoices):
    """The ages a visitor filters by; a resource covers every band its month range overlaps."""

    INFANTS = "infants", _("Infants (birth to 12 months)")
    TODDLERS = "toddlers", _("Toddlers (1 to 3 years)")
    PRESCHOOL = "preschool", _("Preschoolers (3 to 5 years)")


# Months from (inclusive) and to (exclusive) of each age band.
AGE_BAND_MONTHS: dict[str, tuple[int, int]] = {
    AgeBand.INFANTS: (0, 12),
    AgeBand.TODDLERS: (12, 36),
    AgeBand.PRESCHOOL: (36, 72),
}


class ResourceStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested, waiting for review")
    PUBLISHED = "published", _("Published")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class LinkStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked yet")
    OK = "ok", _("Working")
    BROKEN = "broken", _("Broken")


class Topic(VersionedModel):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="library_topics")
    key = models.SlugField(_("key"), max_length=60)
    name_en = models.CharField(_("name in English"), max_length=120)
    name_es = models.CharField(_("name in Spanish"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["network", "position", "name_en"]
        constraints = [models.UniqueConstraint(fields=["network", "key"], name="library_topic_key_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_es if (get_language() or "en").startswith("es") and self.name_es else self.name_en


class ResourceWork(BaseModel):
    """One resource whatever its language: its language versions are translations of one another."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="library_works")

    class Meta:
        ordering = ["created_at"]


def resource_upload_to(resource: Resource, filename: str) -> str:
    # The stored name is the resource's id, never the uploader's file name (which may hold a person's name).
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"library/{resource.network_id}/{resource.pk}.{suffix}"


class ResourceQuerySet(models.QuerySet["Resource"]):
    def published(self) -> ResourceQuerySet:
        return self.filter(status=ResourceStatus.PUBLISHED)

    def for_audience(self, audience: str) -> ResourceQuerySet:
        bit = audience_bit(audience)
        return self.annotate(_audience_hit=models.F("audience_bits").bitand(bit)).filter(_audience_hit__gt=0)

    def for_age_band(self, band: str) -> ResourceQuerySet:
        start, end = AGE_BAND_MONTHS[band]
        return self.filter(age_from_months__lt=end, age_to_months__gt=start)


class Resource(VersionedModel):
    """One language version of a resource. Public once published; the suggester's contact details never are."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="library_resources")
    work = models.ForeignKey(ResourceWork, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=8, help_text=_("The language the resource is in."))
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=3000)
    kind = models.CharField(_("type"), max_length=24, choices=ResourceKind.choices)
    audience_bits = models.PositiveSmallIntegerField(_("audiences"), default=0)
    topics = models.ManyToManyField(Topic, related_name="resources", blank=True, verbose_name=_("topics"))
    age_from_months = models.PositiveSmallIntegerField(_("from age (months)"), default=0)
    age_to_months = models.PositiveSmallIntegerField(_("to age (months)"), default=72,
                                                     help_text=_("Up to, not including; 72 is the sixth birthday."))
    source_organisation = models.CharField(_("source organisation"), max_length=200, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to=resource_upload_to, blank=True, max_length=300)
    review_on = models.DateField(_("review by"), null=True, blank=True,
                                 help_text=_("When staff should check that the resource is still accurate."))
    status = models.CharField(_("status"), max_length=12, choices=ResourceStatus.choices,
                              default=ResourceStatus.SUGGESTED)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Curation: who approved it (shown publicly as the curator) and when.
    curated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    curated_at = models.DateTimeField(_("curated"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # A suggestion's sender: seen by staff only, so they can say thank you or ask a question.
    suggested_by_name = models.CharField(_("your name"), max_length=200, blank=True)
    suggested_by_email = models.EmailField(_("your email"), blank=True)
    suggestion_note = models.TextField(_("why you recommend it"), blank=True, max_length=2000)
    # The language the suggester used the site in: their acknowledgement and the curators' answer are written in it.
    suggester_language = models.CharField(_("suggester's language"), max_length=8, blank=True)
    # The periodic link check.
    link_status = models.CharField(_("link"), max_length=10, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED)
    link_checked_at = models.DateTimeField(_("link checked"), null=True, blank=True)
    link_error = models.CharField(_("link problem"), max_length=300, blank=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        indexes = [
            models.Index(fields=["network", "status", "language"], name="library_res_status_lang"),
            models.Index(fields=["network", "status", "kind"], name="library_res_status_kind"),
            models.Index(fields=["work", "language"], name="library_res_work_lang"),
            models.Index(fields=["status", "review_on"], name="library_res_review"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(age_from_months__lt=models.F("age_to_months")),
                                   name="library_resource_ages_in_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def web_url(self) -> str:
        """The link when it is a web address, else "": a page links only these, never a javascript: or data: URL
        that an import or an old row could hold (the form's URLField refuses them; the page must not rely on it)."""
        return self.url if self.url.lower().startswith(("https://", "http://")) else ""

    def get_absolute_url(self) -> str:
        return reverse("library:resource-detail", args=[self.pk])

    @property
    def audiences(self) -> list[str]:
        return audiences_of(self.audience_bits)

    @property
    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels[value]) for value in self.audiences]


class PageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Page(VersionedModel):
    """A public content page, in English and Spanish. The body is written in a small, safe subset of Markdown
    (paragraphs, headings, lists, links, emphasis); no HTML from the editor reaches the page."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="site_pages")
    slug = models.SlugField(_("address"), max_length=80)
    title_en = models.CharField(_("title in English"), max_length=200)
    title_es = models.CharField(_("title in Spanish"), max_length=200)
    description_en = models.CharField(_("description in English"), max_length=300, blank=True,
                                      help_text=_("One sentence shown by search engines."))
    description_es = models.CharField(_("description in Spanish"), max_length=300, blank=True)
    body_en = models.TextField(_("text in English"))
    body_es = models.TextField(_("text in Spanish"))
    status = models.CharField(_("status"), max_length=10, choices=PageStatus.choices, default=PageStatus.DRAFT)
    position = models.PositiveSmallIntegerField(_("position in the menu"), default=0)
    in_menu = models.BooleanField(_("show in the site menu"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["network", "position", "slug"]
        constraints = [models.UniqueConstraint(fields=["network", "slug"], name="site_page_slug_unique")]

    def __str__(self) -> str:
        return self.title_en

    def in_language(self, language: str) -> tuple[str, str, str]:
        """(title, description, body) in the language, falling back to English where Spanish is empty."""
        if language.startswith("es"):
            return (self.title_es or self.title_en, self.description_es or self.description_en,
                    self.body_es or self.body_en)
        return self.title_en, self.description_en, self.body_en


class PlanResource(BaseModel):
    """A resource a consultant attached to an episode's action plan."""

    plan = models.ForeignKey("consultations.ActionPlan", on_delete=models.CASCADE, related_name="resource_links")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="plan_links")
    note = models.CharField(_("why it helps"), max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["plan", "resource"], name="library_plan_resource_unique")]


class ResourceShare(BaseModel):
    """A resource sent by email from an episode, in the recipient's language: the record of what was sent to whom
    (the email address stays with the episode's record, like a contact log)."""

    episode = models.ForeignKey("consultations.Episode", on_delete=models.CASCADE, related_name="resource_shares")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="shares")
    recipient_name = models.CharField(_("recipient's name"), max_length=200)
    recipient_email = models.EmailField(_("recipient's email"))
    language = models.CharField(_("language"), max_length=8)
    message = models.TextField(_("a note"), blank=True, max_length=2000)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]


class ResourceSearchEntry(models.Model):
    """A row of the search index (`search.index_resources` writes them, `search.apply_search` reads them through
    `Resource.search_entries`). Each resource has two: its title row and its full row (see
    `search_text.IndexRow`: the rowid orders the results).

    The table is the database's own: an FTS5 virtual table on SQLite, a table with a GIN-indexed tsvector on
    PostgreSQL (created by the migrations). There is no foreign-key constraint (an FTS5 table cannot have one):
    the rows of a deleted resource join nothing until `index_resources` or `abrazo reindex_library` removes them.
    """

    rowid = models.BigIntegerField(primary_key=True)
    resource = models.ForeignKey(Resource, on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="search_entries")
    # Named like the table: on SQLite that is the FTS5 column MATCH takes.
    document = SearchDocumentField(db_column="library_resource_search", editable=False)

    class Meta:
        db_table = "library_resource_search"
        ordering = ["-rowid"]

    def __str__(self) -> str:
        return f"search row {self.rowid} of {self.resource_id}"
