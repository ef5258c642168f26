from __future__ import annotations

import factory
from django.utils import timezone

from abrazo.directory.models import Language, SettingType
from abrazo.directory.tests.factories import county
from abrazo.intake.models import Priority, Request, RequesterRole, RequestStatus


def language(code: str = "en") -> Language:
    """Languages are reference data loaded by migration (reloaded by county() when a test emptied them)."""
    county()
    return Language.objects.get(code=code)


class RequestFactory(factory.django.DjangoModelFactory):
    """A request in the world's region A (Fresno County) unless told otherwise."""

    class Meta:
        model = Request
        skip_postgeneration_save = True

    network = factory.SelfAttribute("region.network")
    region = factory.SubFactory("abrazo.directory.tests.factories.RegionFactory")
    reference = factory.Sequence(lambda n: f"R-99-{n:06d}")
    status = RequestStatus.NEW
    priority = Priority.NORMAL
    computed_priority = factory.SelfAttribute("priority")
    requester_name = factory.Faker("name")
    requester_email = factory.Sequence(lambda n: f"requester{n}@example.org")
    requester_role = RequesterRole.DIRECTOR
    preferred_language = factory.LazyFunction(language)
    program_name = factory.Sequence(lambda n: f"Happy Days {n}")
    address_line1 = factory.Sequence(lambda n: f"{200 + n} Olive Avenue")
    city = "Fresno"
    postal_code = "93701"
    county = factory.LazyFunction(county)
    setting_type = SettingType.CENTER
    concern_categories = factory.LazyFunction(lambda: ["behavior"])
    concern_text = "Several toddlers bite during transitions."
    submitted_at = factory.LazyFunction(timezone.now)
