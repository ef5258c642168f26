"""Demo library and site: about 150 published resources in English and Spanish (a few in Vietnamese and
Chinese), the network's topics (the defaults and two of its own), suggestions waiting in the curators' queue and
a few declined ones, and the site's default content pages.

`load_library` runs as a step of the directory demo's `Builder.run`; `wipe_library` runs first in
`wipe_network` (resources name the demo administrator as their curator, and that account is deleted later).
The content itself (titles and summaries written for the demo, sources with their real home pages) is plain
data in `demo_content.py`; this module dates it from the day of loading:

- each work was published on a day in the past two years (its translations up to a month later), curated by
  the demo administrator, and is due for review within the next eighteen months, except a handful that are
  past their review date already;
- the nightly link check has passed on most resources, flagged a few as broken, and not reached the newest
  ones yet;
- eight suggestions from the public form wait for review; three were declined with a reason; one older
  resource was withdrawn.

Deterministic like the rest of the demo: each work draws from its own seeded stream, ids are `uuid5`s of the
work's key and the language.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from abrazo.directory.models import Network
from abrazo.library import demo_content as content
from abrazo.library.default_topics import install_default_topics
from abrazo.library.models import (
    LinkStatus,
    Page,
    PlanResource,
    Resource,
    ResourceShare,
    ResourceStatus,
    ResourceWork,
    Topic,
    audience_bits_of,
)
from abrazo.library.search import index_resources
from abrazo.library.site_services import install_default_pages

if TYPE_CHECKING:
    from abrazo.accounts.models import User
    from abrazo.directory.demo import Builder

OVERDUE_REVIEWS = 6  # works whose review date has passed
RECENT_WORKS = 4  # works published in the last week, which the link check has not reached yet
BROKEN_LINKS = 5
LINK_ERRORS = ("404 Not Found", "410 Gone", "Connection timed out after 10 seconds", "500 Internal Server Error",
               "404 Not Found")


def load_library(builder: Builder, network: Network, *, today: date | None = None) -> None:
    LibraryLoader(builder, network, today=today).run()


def wipe_library(network: Network) -> None:
    """Remove the network's library and pages. Plan links and shares PROTECT the resources they name, so they
    go first; the search structures are told which resources went."""
    resources = Resource.objects.filter(network=network)
    ids = list(resources.values_list("pk", flat=True))
    files = [name for name in resources.exclude(file="").values_list("file", flat=True) if name]
    PlanResource.objects.filter(resource__network=network).delete()
    ResourceShare.objects.filter(resource__network=network).delete()
    Resource.topics.through.objects.filter(resource__network=network).delete()
    resources.delete()
    ResourceWork.objects.filter(network=network).delete()
    Topic.objects.filter(network=network).delete()
    Page.objects.filter(network=network).delete()
    if ids:
        index_resources(ids)
    if files:
        # Uploaded files go only once the rows are really gone (a failed reset keeps both).
        def delete_files() -> None:
            for name in files:
                default_storage.delete(name)

        transaction.on_commit(delete_files)


def install_topics(builder: Builder, network: Network) -> dict[str, Topic]:
    """The default topics every network starts with, then the ones the demo network's administrators added
    (with stable ids), keyed by topic key."""
    topics = {topic.key: topic for topic in install_default_topics(network)}
    start = max((topic.position for topic in topics.values()), default=0) + 1
    added = [
        Topic(id=builder.uid("library-topic", key), network=network, key=key, name_en=name_en, name_es=name_es,
              position=position)
        for position, (key, name_en, name_es) in enumerate(content.DEMO_TOPICS, start=start)
    ]
    builder.write(Topic, added)
    builder.count("library topics", len(topics) + len(added))
    return topics | {topic.key: topic for topic in added}


class LibraryLoader:
    def __init__(self, builder: Builder, network: Network, *, today: date | None) -> None:
        self.builder = builder
        self.network = network
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.today = today or datetime.now(self.tz).date()
        self.curator: User | None = builder.users.get("admin")
        self.resources: list[Resource] = []
        self.topic_links: list[tuple[Resource, str]] = []
        self.works: list[ResourceWork] = []
        self.received: dict[object, datetime] = {}  # suggestion id -> when it was sent

    def run(self) -> None:
        started = time.perf_counter()
        topics = install_topics(self.builder, self.network)
        self.published()
        self.suggestions()
        builder = self.builder
        builder.write(ResourceWork, self.works)
        builder.write(Resource, self.resources)
        builder.write(Resource.topics.through, [
            Resource.topics.through(resource_id=resource.pk, topic_id=topics[key].pk)
            for resource, key in self.topic_links
        ])
        # bulk_create stamps `created_at` with the moment of loading; the suggestion queue reads in the order
        # suggestions came in, so they get the day each was sent (published resources are dated by publication).
        suggestions = [resource for resource in self.resources if resource.pk in self.received]
        for resource in suggestions:
            resource.created_at = self.received[resource.pk]
        Resource.objects.bulk_update(suggestions, ["created_at"])
        index_resources([resource.pk for resource in self.resources])
        pages = install_default_pages(network=self.network)
        builder.count("site pages", len(pages))

        by_status: dict[str, int] = {}
        for resource in self.resources:
            by_status[resource.status] = by_status.get(resource.status, 0) + 1
        builder.count("library resources", by_status.get(ResourceStatus.PUBLISHED, 0))
        builder.count("resource suggestions", by_status.get(ResourceStatus.SUGGESTED, 0))
        languages = len({r.language for r in self.resources if r.status == ResourceStatus.PUBLISHED})
        builder.progress(
            f"Library: {by_status.get(ResourceStatus.PUBLISHED, 0)} published resources in {languages} languages, "
            f"{by_status.get(ResourceStatus.SUGGESTED, 0)} suggestions waiting "
            f"({time.perf_counter() - started:.2f} s)"
        )

    # Helpers ---------------------------------------------------------------------------------------

    def moment(self, days_ago: int, rng: random.Random, *, hours: tuple[int, int] = (9, 17)) -> datetime:
        day = self.today - timedelta(days=days_ago)
        return datetime.combine(day, clock(rng.randint(*hours), rng.randrange(0, 60, 5)), tzinfo=self.tz)

    def new_work(self, key: str) -> ResourceWork:
        work = ResourceWork(id=self.builder.uid("library-work", key), network=self.network)
        self.works.append(work)
        return work

    # Published works ---------------------------------------------------------------------------------

    def published(self) -> None:
        plan = self.builder.rng("library", "plan")
        keys = [w.key for w in content.WORKS]
        overdue = set(plan.sample(keys, OVERDUE_REVIEWS))
        recent = set(plan.sample([key for key in keys if key not in overdue], RECENT_WORKS))
        for spec in content.WORKS:
            rng = self.builder.rng("library", spec.key)
            if spec.key in overdue:
                days_ago = rng.randint(400, 730)
            elif spec.key in recent:
                days_ago = rng.randint(1, 6)
            else:
                days_ago = rng.randint(8, 730)
            self.add_work(spec, rng, days_ago=days_ago, overdue=spec.key in overdue)
        for spec in content.WITHDRAWN_WORKS:
            rng = self.builder.rng("library", spec.key)
            self.add_work(spec, rng, days_ago=rng.randint(600, 720), overdue=False,
                          status=ResourceStatus.WITHDRAWN)
        self.break_some_links()

    def add_work(self, spec: content.Work, rng: random.Random, *, days_ago: int, overdue: bool,
                 status: str = ResourceStatus.PUBLISHED) -> None:
        work = self.new_work(spec.key)
        organisation, url = content.SOURCES[spec.source]
        audiences = [content.AUDIENCE_LETTERS[letter] for letter in spec.audiences]
        first_day = self.today - timedelta(days=days_ago)
        for n, version in enumerate(spec.versions):
            # The first version opens the work; translations follow within a month (never in the future).
            version_days_ago = days_ago if n == 0 else max(1, days_ago - rng.randint(0, 30))
            published_at = self.moment(version_days_ago, rng)
            if overdue:
                review_on = first_day + timedelta(days=365)
            else:
                review_on = self.today + timedelta(days=rng.randint(30, 540))
            if version_days_ago < 8:
                link_status, checked_at = LinkStatus.UNCHECKED, None
            else:
                # The nightly check, some night this week.
                link_status, checked_at = LinkStatus.OK, self.moment(rng.randint(0, 6), rng, hours=(1, 4))
            resource = Resource(
                id=self.builder.uid("library-resource", f"{spec.key}/{version.language}"), network=self.network,
                work=work, language=version.language, title=version.title, summary=version.summary, kind=spec.kind,
                audience_bits=audience_bits_of(audiences), age_from_months=spec.ages[0],
                age_to_months=spec.ages[1], source_organisation=organisation, url=url, review_on=review_on,
                status=status, published_at=published_at, curated_by=self.curator, curated_at=published_at,
                link_status=link_status, link_checked_at=checked_at,
            )
            self.resources.append(resource)
            self.topic_links.extend((resource, key) for key in spec.topics)

    def break_some_links(self) -> None:
        checked = [r for r in self.resources if r.link_status == LinkStatus.OK and r.status == ResourceStatus.PUBLISHED]
        rng = self.builder.rng("library", "broken-links")
        for resource, error in zip(rng.sample(checked, BROKEN_LINKS), LINK_ERRORS, strict=True):
            resource.link_status = LinkStatus.BROKEN
            resource.link_error = error

    # Suggestions -----------------------------------------------------------------------------------

    def suggestions(self) -> None:
        for spec in content.SUGGESTIONS:
            rng = self.builder.rng("library", "suggestion", spec.key)
            suggested_at = self.moment(spec.days_ago, rng, hours=(7, 22))
            declined = bool(spec.decline_reason)
            curated_at = suggested_at + timedelta(days=rng.randint(2, 6)) if declined else None
            resource = Resource(
                id=self.builder.uid("library-suggestion", spec.key), network=self.network,
                work=self.new_work(f"suggestion/{spec.key}"), language=spec.language, title=spec.title,
                summary=spec.summary, kind=spec.kind,
                audience_bits=audience_bits_of([content.AUDIENCE_LETTERS[letter] for letter in spec.audiences]),
                source_organisation=spec.source, url=spec.url,
                status=ResourceStatus.DECLINED if declined else ResourceStatus.SUGGESTED,
                curated_by=self.curator if declined else None, curated_at=curated_at,
                decline_reason=spec.decline_reason, suggested_by_name=spec.name, suggested_by_email=spec.email,
                suggestion_note=spec.note,
                # The site speaks English and Spanish: whoever wrote in another language used it in English.
                suggester_language="es" if spec.language == "es" else "en",
            )
            self.resources.append(resource)
            self.received[resource.pk] = suggested_at
