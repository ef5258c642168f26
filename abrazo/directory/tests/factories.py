from __future__ import annotations

import factory

from abrazo.accounts.tests.factories import UserFactory
from abrazo.directory.models import (
    AgeGroup,
    Agency,
    Auspice,
    Classroom,
    ConsultantProfile,
    County,
    LicenseType,
    Network,
    NetworkCounty,
    Program,
    ProgramStaff,
    Region,
    SettingType,
    StaffPosition,
)


def county(fips: str = "06019") -> County:
    """Counties are reference data loaded by migration; tests pick one by FIPS code (default Fresno).

    Transactional tests (browser tests) empty every table between tests, migration data included,
    so the reference data is loaded again when it is missing."""
    found = County.objects.filter(fips=fips).first()
    if found is None:
        from abrazo.directory.models import Language
        from abrazo.directory.reference import DATA_DIR, load_counties, load_languages

        load_counties(County, DATA_DIR / "counties_ca.csv")
        load_languages(Language, DATA_DIR / "languages.csv")
        found = County.objects.get(fips=fips)
    return found


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test Network {n}")
    slug = factory.Sequence(lambda n: f"test-network-{n}")
    state_code = "CA"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Region {n}")
    code = factory.Sequence(lambda n: f"region-{n}")


class NetworkCountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkCounty

    region = factory.SubFactory(RegionFactory)
    network = factory.SelfAttribute("region.network")
    county = factory.LazyFunction(county)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Agency {n}")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    region = factory.SubFactory(RegionFactory)
    network = factory.SelfAttribute("region.network")
    name = factory.Sequence(lambda n: f"Little Sprouts {n}")
    setting_type = SettingType.CENTER
    auspice = Auspice.NON_PROFIT
    license_number = factory.Sequence(lambda n: f"10{n:07d}")
    address_line1 = factory.Sequence(lambda n: f"{100 + n} Example Street")
    city = "Fresno"
    postal_code = "93701"
    county = factory.LazyFunction(county)
    serves_preschoolers = True


class ClassroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classroom

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    age_group = AgeGroup.PRESCHOOL
    capacity = 20


class ProgramStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramStaff

    program = factory.SubFactory(ProgramFactory)
    full_name = factory.Faker("name")
    position = StaffPosition.TEACHER


class ConsultantProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultantProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    region = factory.SubFactory(RegionFactory)
    network = factory.SelfAttribute("region.network")
    agency = factory.SubFactory(AgencyFactory, network=factory.SelfAttribute("..network"))
    license_type = LicenseType.LMFT
    setting_expertise = factory.LazyFunction(lambda: ["preschool"])

    @factory.post_generation
    def counties(self, create: bool, extracted: list[County] | None, **kwargs: object) -> None:
        if create:
            self.counties.set(extracted if extracted is not None else [county()])
