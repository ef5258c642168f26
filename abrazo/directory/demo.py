"""The demo network: a deterministic, plainly fictional IECMHC network shaped like California's.

Everything here is generated from seeded `random.Random` streams and every primary key is a
`uuid5` of a natural key, so two runs on two machines produce the same rows with the same ids.
People, programs and addresses are invented (streets are all "Example ... Ave"; phone numbers sit in
the 555-01xx range reserved for fiction); counties, their cities and the size of their populations
are real, because a realistic shape is the point of a demo.

The loader writes with `bulk_create` in batches. At state scale (DOMAIN.md §11) programs, classrooms
and staff are generated and written one batch at a time, so memory stays flat however large the
scale; only the small directory (regions, agencies, consultants) is held whole.

Later issues extend the demo with their own data by adding steps to `Builder.run`.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from abrazo.accounts.models import Membership, Role, User
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
    QualityRating,
    Region,
    SettingExpertise,
    SettingType,
    StaffPosition,
)

# Fixed forever: changing it changes every id the demo has ever produced.
NAMESPACE = uuid.UUID("6cfaff3b-427f-4b83-9f0a-c2815b1c9390")

# Long enough for the 12-character validator, and not a common password. Printed on purpose.
DEMO_PASSWORD = "abrazo-demo-2026"  # noqa: S105 (a published demo password, not a secret)
# A fixed salt keeps the stored hash identical from run to run; the password is public anyway.
DEMO_PASSWORD_SALT = "abrazodemosalt2026"  # noqa: S105
# The accounts are dated, not stamped with the moment of loading, so rows compare equal across runs.
DEMO_DATE = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)
DEMO_MFA_NOTE = "In demo mode (`make demo` sets ABRAZO_DEMO_MFA_CODE) the code 000000 is accepted for every account."


class DemoError(Exception):
    """The database is missing something the demo needs (for example California's counties)."""


@dataclass(frozen=True)
class Scale:
    name: str
    slug: str
    network_name: str
    email_domain: str
    agencies: int
    consultants: int
    programs: int
    batch_size: int
    seed: int


SCALES: dict[str, Scale] = {
    # Only the test suite uses `tiny`: the same code paths (several batches included) in a second.
    "tiny": Scale(
        name="tiny", slug="california-tiny", network_name="California IECMHC Network (tiny test)",
        email_domain="tiny.abrazo.example", agencies=4, consultants=12, programs=90, batch_size=25, seed=11,
    ),
    "default": Scale(
        name="default", slug="california-demo", network_name="California IECMHC Network (demo)",
        email_domain="abrazo.example", agencies=12, consultants=60, programs=800, batch_size=2000, seed=2026,
    ),
    # DOMAIN.md §11: 1,000 consultants and 40,000 programs (the directory part of the data set).
    "state": Scale(
        name="state", slug="california-state-scale", network_name="California IECMHC Network (state scale)",
        email_domain="state.abrazo.example", agencies=120, consultants=1000, programs=40000, batch_size=2000,
        seed=1000,
    ),
}


# --- Geography ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegionSpec:
    code: str
    name: str
    area_code: str
    neighbours: tuple[str, ...]
    # Share of staff and consultants who speak Spanish, and the other languages heard in the region.
    spanish: float
    other_languages: tuple[str, ...]


REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("superior", "Northern & Superior", "530", ("sacramento",), 0.35, ("hmn", "pa")),
    RegionSpec("sacramento", "Greater Sacramento", "916", ("superior", "sierra", "bay-area", "central-valley"),
               0.45, ("hmn", "ru", "pa", "vi", "fa")),
    RegionSpec("bay-area", "Bay Area", "510", ("sacramento", "central-coast", "central-valley"),
               0.5, ("zh", "vi", "tl", "hi", "fa")),
    RegionSpec("central-valley", "Central Valley", "559", ("sierra", "sacramento", "central-coast", "los-angeles"),
               0.75, ("hmn", "pa", "mxt", "km")),
    RegionSpec("sierra", "Sierra Foothills & Eastern Sierra", "209", ("central-valley", "sacramento"), 0.35, ()),
    RegionSpec("central-coast", "Central Coast", "831", ("bay-area", "central-valley", "los-angeles"),
               0.72, ("mxt", "zap", "tl")),
    RegionSpec("los-angeles", "Los Angeles", "213", ("orange", "inland-empire", "central-coast"),
               0.72, ("ko", "hy", "zh", "fa", "km", "tl", "ja")),
    RegionSpec("orange", "Orange County", "714", ("los-angeles", "inland-empire", "san-diego-imperial"),
               0.6, ("vi", "ko", "ar")),
    RegionSpec("inland-empire", "Inland Empire", "951", ("los-angeles", "orange", "san-diego-imperial"),
               0.72, ("tl", "ar", "ko")),
    RegionSpec("san-diego-imperial", "San Diego & Imperial", "619", ("orange", "inland-empire"),
               0.68, ("tl", "vi", "ar", "asl")),
)
REGION_BY_CODE = {spec.code: spec for spec in REGIONS}


@dataclass(frozen=True)
class CountySpec:
    name: str
    region: str
    population_k: int  # 2020 census, thousands (rounded): drives how many programs a county gets
    underserved: bool
    cities: tuple[tuple[str, str], ...]  # (real city, first three ZIP digits)


def _county(name: str, region: str, population_k: int, cities: str, *, underserved: bool = False) -> CountySpec:
    pairs = tuple((part.rsplit(":", 1)[0], part.rsplit(":", 1)[1]) for part in cities.split("|"))
    return CountySpec(name, region, population_k, underserved, pairs)


CALIFORNIA: tuple[CountySpec, ...] = (
    _county("Alameda", "bay-area", 1682, "Oakland:946|Fremont:945|Hayward:945|Berkeley:947|San Leandro:945"),
    _county("Alpine", "sierra", 1, "Markleeville:961"),
    _county("Amador", "sierra", 40, "Jackson:956|Ione:956|Sutter Creek:956"),
    _county("Butte", "superior", 212, "Chico:959|Oroville:959|Paradise:959|Gridley:959"),
    _county("Calaveras", "sierra", 46, "San Andreas:952|Angels Camp:952|Valley Springs:952"),
    _county("Colusa", "superior", 22, "Colusa:959|Williams:959|Arbuckle:959"),
    _county("Contra Costa", "bay-area", 1166, "Concord:945|Richmond:948|Antioch:945|Pittsburg:945|San Pablo:948"),
    _county("Del Norte", "superior", 28, "Crescent City:955|Smith River:955", underserved=True),
    _county("El Dorado", "sacramento", 192, "Placerville:956|South Lake Tahoe:961|Cameron Park:956"),
    _county("Fresno", "central-valley", 1009, "Fresno:937|Clovis:936|Reedley:936|Sanger:936|Selma:936|Mendota:936"),
    _county("Glenn", "superior", 29, "Willows:959|Orland:959|Hamilton City:959"),
    _county("Humboldt", "superior", 136, "Eureka:955|Arcata:955|Fortuna:955|McKinleyville:955"),
    _county("Imperial", "san-diego-imperial", 179, "El Centro:922|Calexico:922|Brawley:922|Imperial:922",
            underserved=True),
    _county("Inyo", "sierra", 19, "Bishop:935|Lone Pine:935|Big Pine:935", underserved=True),
    _county("Kern", "central-valley", 909, "Bakersfield:933|Delano:932|Arvin:932|Shafter:932|Ridgecrest:935"),
    _county("Kings", "central-valley", 153, "Hanford:932|Lemoore:932|Corcoran:932|Avenal:932"),
    _county("Lake", "superior", 68, "Clearlake:954|Lakeport:954|Kelseyville:954", underserved=True),
    _county("Lassen", "superior", 33, "Susanville:961|Westwood:961"),
    _county("Los Angeles", "los-angeles", 10014,
            "Los Angeles:900|Long Beach:908|Pasadena:911|Pomona:917|Lancaster:935|Palmdale:935|El Monte:917"
            "|Compton:902|Inglewood:903|Glendale:912|Santa Clarita:913|Downey:902|Norwalk:906|Whittier:906"),
    _county("Madera", "central-valley", 157, "Madera:936|Chowchilla:936|Oakhurst:936", underserved=True),
    _county("Marin", "bay-area", 262, "San Rafael:949|Novato:949|Mill Valley:949"),
    _county("Mariposa", "sierra", 17, "Mariposa:953"),
    _county("Mendocino", "superior", 91, "Ukiah:954|Fort Bragg:954|Willits:954"),
    _county("Merced", "central-valley", 281, "Merced:953|Los Banos:936|Atwater:953|Livingston:953"),
    _county("Modoc", "superior", 9, "Alturas:961", underserved=True),
    _county("Mono", "sierra", 13, "Mammoth Lakes:935|Bridgeport:935"),
    _county("Monterey", "central-coast", 439, "Salinas:939|Monterey:939|Seaside:939|Greenfield:939|Soledad:939"
            "|King City:939"),
    _county("Napa", "bay-area", 138, "Napa:945|American Canyon:945|Calistoga:945"),
    _county("Nevada", "superior", 103, "Grass Valley:959|Nevada City:959|Truckee:961"),
    _county("Orange", "orange", 3186, "Santa Ana:927|Anaheim:928|Irvine:926|Garden Grove:928|Westminster:926"
            "|Fullerton:928|Costa Mesa:926|Huntington Beach:926"),
    _county("Placer", "sacramento", 404, "Roseville:956|Rocklin:956|Auburn:956|Lincoln:956"),
    _county("Plumas", "superior", 20, "Quincy:959|Portola:961|Chester:960"),
    _county("Riverside", "inland-empire", 2418, "Riverside:925|Moreno Valley:925|Corona:928|Temecula:925"
            "|Indio:922|Coachella:922|Perris:925|Hemet:925"),
    _county("Sacramento", "sacramento", 1585, "Sacramento:958|Elk Grove:957|Citrus Heights:956"
            "|Rancho Cordova:956|Folsom:956"),
    _county("San Benito", "central-coast", 64, "Hollister:950|San Juan Bautista:950"),
    _county("San Bernardino", "inland-empire", 2181, "San Bernardino:924|Fontana:923|Ontario:917|Rialto:923"
            "|Victorville:923|Hesperia:923|Chino:917|Barstow:923"),
    _county("San Diego", "san-diego-imperial", 3298, "San Diego:921|Chula Vista:919|Escondido:920"
            "|Oceanside:920|El Cajon:920|National City:919|Vista:920"),
    _county("San Francisco", "bay-area", 874, "San Francisco:941"),
    _county("San Joaquin", "central-valley", 779, "Stockton:952|Tracy:953|Manteca:953|Lodi:952"),
    _county("San Luis Obispo", "central-coast", 283, "San Luis Obispo:934|Paso Robles:934|Atascadero:934"
            "|Arroyo Grande:934"),
    _county("San Mateo", "bay-area", 764, "San Mateo:944|Daly City:940|Redwood City:940|East Palo Alto:943"
            "|South San Francisco:940"),
    _county("Santa Barbara", "central-coast", 449, "Santa Barbara:931|Santa Maria:934|Lompoc:934|Guadalupe:934"),
    _county("Santa Clara", "bay-area", 1936, "San Jose:951|Santa Clara:950|Sunnyvale:940|Gilroy:950"
            "|Mountain View:940|Morgan Hill:950"),
    _county("Santa Cruz", "central-coast", 270, "Santa Cruz:950|Watsonville:950|Capitola:950"),
    _county("Shasta", "superior", 182, "Redding:960|Anderson:960|Shasta Lake:960"),
    _county("Sierra", "superior", 3, "Downieville:959|Loyalton:961"),
    _county("Siskiyou", "superior", 44, "Yreka:960|Mount Shasta:960|Weed:960"),
    _county("Solano", "bay-area", 453, "Vallejo:945|Fairfield:945|Vacaville:956|Dixon:956"),
    _county("Sonoma", "bay-area", 489, "Santa Rosa:954|Petaluma:949|Rohnert Park:949|Healdsburg:954"),
    _county("Stanislaus", "central-valley", 552, "Modesto:953|Turlock:953|Ceres:953|Patterson:953"),
    _county("Sutter", "sacramento", 99, "Yuba City:959|Live Oak:959"),
    _county("Tehama", "superior", 65, "Red Bluff:960|Corning:960"),
    _county("Trinity", "superior", 16, "Weaverville:960|Hayfork:960", underserved=True),
    _county("Tulare", "central-valley", 473, "Visalia:932|Tulare:932|Porterville:932|Dinuba:936|Lindsay:932",
            underserved=True),
    _county("Tuolumne", "sierra", 55, "Sonora:953|Jamestown:953"),
    _county("Ventura", "central-coast", 843, "Oxnard:930|Ventura:930|Simi Valley:930|Thousand Oaks:913"
            "|Santa Paula:930"),
    _county("Yolo", "sacramento", 217, "Woodland:956|Davis:956|West Sacramento:956"),
    _county("Yuba", "sacramento", 81, "Marysville:959|Olivehurst:959"),
)


def rural_share(population_k: int) -> float:
    """How many of a county's programs are rural: most in the small counties, few in the metros."""
    if population_k < 100:
        return 0.85
    if population_k < 300:
        return 0.5
    if population_k < 1000:
        return 0.22
    return 0.05


# --- People's names -----------------------------------------------------------------------------
# Pools by language community, so that a Hmong-speaking teacher in Fresno is likely to carry a Hmong
# name and a Spanish speaker a Spanish one; English-only people draw from every pool.

NAME_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "general": (
        ("Emily", "Sarah", "Michael", "Jessica", "David", "Jennifer", "Ryan", "Megan", "Heather", "Kevin",
         "Lauren", "Brian", "Amanda", "Katherine", "Rachel", "Samuel", "Olivia", "Noah", "Hannah", "Ethan",
         "Keisha", "Jamal", "Aaliyah", "Marcus", "Tasha", "Andre", "Imani", "Darnell", "Monique", "Terrence",
         "Claire", "Nathan", "Bethany", "Colin", "Dana", "Shannon", "Tyler", "Erin", "Jordan", "Caitlin"),
        ("Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas",
         "Moore", "Jackson", "White", "Harris", "Thompson", "Robinson", "Walker", "Young", "Allen", "King",
         "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
         "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Murphy", "Brooks"),
    ),
    "es": (
        ("María", "José", "Guadalupe", "Juan", "Rosa", "Luis", "Carmen", "Carlos", "Ana", "Miguel", "Sofía",
         "Alejandro", "Gabriela", "Jorge", "Valeria", "Ricardo", "Elena", "Fernando", "Adriana", "Francisco",
         "Leticia", "Rafael", "Yesenia", "Héctor", "Ximena", "Arturo", "Paola", "Ramón", "Daniela", "Esteban",
         "Marisela", "Tomás", "Beatriz", "Iván", "Lorena", "Joaquín", "Araceli", "Diego", "Maricela", "Emiliano"),
        ("García", "Hernández", "López", "Martínez", "González", "Rodríguez", "Pérez", "Sánchez", "Ramírez",
         "Flores", "Torres", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes", "Gutiérrez", "Ortiz",
         "Chávez", "Ruiz", "Mendoza", "Vásquez", "Castillo", "Jiménez", "Romero", "Herrera", "Medina", "Aguilar",
         "Vargas", "Castro", "Salazar", "Navarro", "Delgado", "Cervantes", "Robles", "Zamora", "Ochoa",
         "Villanueva", "Fuentes"),
    ),
    "vi": (("Linh", "Minh", "Thanh", "Mai", "Huong", "Tuan", "Lan", "Duc", "Thu", "Quang", "Ngoc", "Hieu"),
           ("Nguyen", "Tran", "Le", "Pham", "Huynh", "Vo", "Phan", "Dang", "Bui", "Do")),
    "zh": (("Wei", "Mei", "Jun", "Hui", "Xiaoling", "Jian", "Lihua", "Ming", "Yan", "Hao", "Shu", "Ling"),
           ("Chen", "Wang", "Li", "Zhang", "Wong", "Liu", "Huang", "Lin", "Zhou", "Wu")),
    "ko": (("Ji-woo", "Min-jun", "Seo-yeon", "Hyun", "Eun-ji", "Sung-min", "Ha-eun", "Jae-won", "Soo-ah"),
           ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Yoon", "Cho", "Shin")),
    "hmn": (("Pa Nhia", "Mai Yer", "Tou", "Xee", "Kou", "Chue", "Nou", "Pheng", "Bao", "Yeng", "Kia", "Shoua"),
            ("Vang", "Xiong", "Thao", "Yang", "Lor", "Moua", "Her", "Lee", "Vue", "Khang")),
    "tl": (("Maricel", "Rowena", "Jericho", "Analyn", "Ronaldo", "Marivic", "Jun-jun", "Lorna", "Rodel", "Cristina"),
           ("Santos", "Bautista", "Dela Cruz", "Ramos", "Aquino", "Villareal", "Mercado", "Pascual", "Tolentino")),
    "pa": (("Harpreet", "Gurpreet", "Manjit", "Jaspreet", "Amrit", "Baljit", "Simran", "Navdeep", "Rajinder"),
           ("Singh", "Kaur", "Sandhu", "Gill", "Dhillon", "Sidhu", "Grewal", "Bains")),
    "hy": (("Anahit", "Armen", "Lusine", "Tigran", "Narine", "Aram", "Ani", "Vartan", "Siran"),
           ("Petrosyan", "Hakobyan", "Sarkisian", "Manukyan", "Avetisyan", "Grigoryan", "Harutyunyan")),
    "fa": (("Shirin", "Dariush", "Leila", "Maryam", "Kourosh", "Nasrin", "Parisa", "Babak"),
           ("Rahimi", "Tehrani", "Karimi", "Hosseini", "Moradi", "Jafari")),
    "ar": (("Yasmin", "Omar", "Layla", "Karim", "Rania", "Tariq", "Nadia", "Sami"),
           ("Haddad", "Khalil", "Saleh", "Nasser", "Mansour", "Hamdan")),
    "km": (("Sophea", "Dara", "Chanthou", "Vuthy", "Sreymom", "Sokha"),
           ("Sok", "Chea", "Keo", "Chhun", "Meas", "Prak")),
    "ja": (("Yuki", "Haruto", "Aiko", "Kenji", "Naomi", "Takeshi"),
           ("Tanaka", "Nakamura", "Yamamoto", "Sato", "Watanabe", "Kobayashi")),
    "hi": (("Priya", "Arjun", "Anjali", "Rohan", "Kavita", "Vikram"),
           ("Patel", "Sharma", "Iyer", "Reddy", "Gupta", "Rao")),
    "ru": (("Natalia", "Dmitri", "Olga", "Sergei", "Irina", "Pavel"),
           ("Ivanova", "Petrov", "Kuznetsova", "Sokolov", "Volkova", "Morozov")),
}
# Mixtec, Zapotec and Sign Language speakers carry names from the Spanish and general pools.
NAME_POOL_FOR_LANGUAGE = {"mxt": "es", "zap": "es", "asl": "general"}


def person_name(rng: random.Random, languages: Sequence[str]) -> str:
    """A fictional full name that fits the languages the person speaks."""
    community = next((code for code in languages if code not in ("en", "es")), None)
    if community is not None:
        pool = NAME_POOL_FOR_LANGUAGE.get(community, community)
    elif "es" in languages:
        pool = "es"
    else:
        # English-only Californians come from every community.
        pool = rng.choices(("general", "es", "vi", "zh", "tl", "ko", "hi"), weights=(60, 18, 5, 6, 5, 3, 3))[0]
    firsts, lasts = NAME_POOLS[pool]
    first = rng.choice(firsts)
    if pool == "es" and rng.random() < 0.15:  # second generation: "Jessica Hernández"
        first = rng.choice(NAME_POOLS["general"][0])
    last = rng.choice(lasts)
    if pool == "es" and rng.random() < 0.2:  # both family names, as many Latin American families use
        last = f"{last} {rng.choice(lasts)}"
    return f"{first} {last}"


def ascii_slug(text: str) -> str:
    """'Lucía De la Cruz' -> 'lucia.delacruz' for fictional email addresses."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = ["".join(ch for ch in word if ch.isalnum()) for word in plain.split(" ", 1)]
    return ".".join(word for word in words if word)


# --- Addresses and program names ------------------------------------------------------------------

STREET_WORDS = (
    "Oak", "Willow", "Sycamore", "Poppy", "Manzanita", "Juniper", "Mesa", "Canyon", "Orchard", "Almond",
    "Sequoia", "Cypress", "Laurel", "Madrone", "Buckeye", "Sage", "Meadow", "Harvest", "Vineyard", "Citrus",
    "Redwood", "Olive", "Pepper Tree", "Lupine", "Quail", "Heron", "Granite", "River", "Vista", "Pinecone",
)
STREET_SUFFIXES = ("Ave", "St", "Way", "Ln", "Rd", "Dr", "Ct", "Blvd")
PROGRAM_WORDS = (
    "Sunflower", "Little Acorns", "Rainbow Bridge", "Tiny Steps", "Golden Poppy", "Mariposa", "Arcoíris",
    "Semillitas", "Busy Bees", "Hummingbird", "Sequoia", "Oak Grove", "Little Sprouts", "Starlight",
    "Open Arms", "Growing Roots", "Kindred", "Los Pequeños", "Corazón", "Blue Heron", "Willow Tree",
    "Sunrise", "Estrellitas", "Tree House", "Wonder Years", "Casita Feliz", "Pinwheel", "Little Harbor",
    "Meadowlark", "First Steps",
)
CLASSROOM_NAMES = (
    "Ladybugs", "Caterpillars", "Butterflies", "Bluebirds", "Hummingbirds", "Sunflowers", "Dolphins", "Owls",
    "Bears", "Mariposas", "Estrellitas", "Ositos", "Turtles", "Foxes", "Robins", "Sea Otters",
)
FAITH_WORDS = ("Grace", "Shalom", "St. Anne", "Good Shepherd", "Trinity", "Nuestra Señora", "Bethel", "Hope")

AGENCIES_CURATED: tuple[tuple[str, str], ...] = (
    ("Valle Central Family Institute", "central-valley"),
    ("Golden Gate Early Relationships Center", "bay-area"),
    ("Angeles Children's Wellness Collaborative", "los-angeles"),
    ("Raíces Child & Family Services", "central-valley"),
    ("Inland Valleys Early Childhood Partners", "inland-empire"),
    ("Harbor & Mesa Children's Services", "san-diego-imperial"),
    ("Citrus Grove Family Center", "orange"),
    ("River City Child Guidance", "sacramento"),
    ("Coastal Oaks Family Services", "central-coast"),
    ("Shasta Pines Behavioral Health", "superior"),
    ("Puente Family Counseling", "los-angeles"),
    ("Bayside Infant-Family Clinic", "bay-area"),
)
AGENCY_PREFIXES = (
    "Sierra Vista", "Tierra Buena", "Cedar Hollow", "Horizonte", "Willow Creek", "Poppy Fields", "Nido",
    "Bright Water", "Puente Norte", "Manzanita", "Open Door", "Lighthouse", "Semilla", "Canyon Oaks",
    "Three Rivers", "Arroyo", "Summit", "Pacific Crest", "Valley Oak", "Luz del Valle", "Cornerstone",
    "Harvest Moon", "Redwood Coast", "Golden Hills", "Bayview", "Desert Bloom", "Mission Bell", "Almond Row",
)
AGENCY_KINDS = (
    "Family Services", "Children's Center", "Behavioral Health", "Child & Family Institute", "Counseling Center",
    "Infant-Family Clinic", "Early Childhood Partners", "Community Wellness",
)

# --- Weights ------------------------------------------------------------------------------------

SETTING_WEIGHTS: dict[str, float] = {
    SettingType.CENTER: 26, SettingType.FCC_SMALL: 21, SettingType.FCC_LARGE: 13, SettingType.FFN: 6,
    SettingType.HEAD_START: 8, SettingType.EARLY_HEAD_START: 5, SettingType.STATE_PRESCHOOL: 11,
    SettingType.PRIVATE_PRESCHOOL: 7, SettingType.HOME_VISITING: 3,
}
# Rural programs are more often homes and Head Start, less often private preschools.
RURAL_SETTING_FACTOR: dict[str, float] = {
    SettingType.FCC_SMALL: 1.4, SettingType.FCC_LARGE: 1.2, SettingType.FFN: 1.8, SettingType.HEAD_START: 1.3,
    SettingType.PRIVATE_PRESCHOOL: 0.4, SettingType.CENTER: 0.8,
}
AUSPICE_WEIGHTS: dict[str, dict[str, float]] = {
    SettingType.CENTER: {Auspice.NON_PROFIT: 45, Auspice.FOR_PROFIT: 33, Auspice.FAITH_BASED: 12,
                         Auspice.GOVERNMENT: 6, Auspice.TRIBAL: 2, Auspice.PUBLIC_SCHOOL: 2},
    # A family child care home is a small business.
    SettingType.FCC_SMALL: {Auspice.FOR_PROFIT: 97, Auspice.TRIBAL: 3},
    SettingType.FCC_LARGE: {Auspice.FOR_PROFIT: 97, Auspice.TRIBAL: 3},
    # License-exempt care by a relative or neighbour is a private arrangement; "for-profit" is the
    # closest auspice on the list (the caregiver is usually paid, often through a subsidy).
    SettingType.FFN: {Auspice.FOR_PROFIT: 96, Auspice.TRIBAL: 4},
    SettingType.HEAD_START: {Auspice.HEAD_START: 82, Auspice.PUBLIC_SCHOOL: 10, Auspice.TRIBAL: 4,
                             Auspice.NON_PROFIT: 4},
    SettingType.EARLY_HEAD_START: {Auspice.HEAD_START: 85, Auspice.NON_PROFIT: 10, Auspice.TRIBAL: 5},
    SettingType.STATE_PRESCHOOL: {Auspice.PUBLIC_SCHOOL: 70, Auspice.NON_PROFIT: 20, Auspice.GOVERNMENT: 10},
    SettingType.PRIVATE_PRESCHOOL: {Auspice.FOR_PROFIT: 40, Auspice.FAITH_BASED: 35, Auspice.NON_PROFIT: 25},
    SettingType.HOME_VISITING: {Auspice.GOVERNMENT: 50, Auspice.NON_PROFIT: 40, Auspice.TRIBAL: 10},
}
QUALITY_WEIGHTS: dict[str, float] = {
    QualityRating.NOT_PARTICIPATING: 30, QualityRating.PARTICIPATING: 15, QualityRating.TIER_1: 3,
    QualityRating.TIER_2: 10, QualityRating.TIER_3: 17, QualityRating.TIER_4: 15, QualityRating.TIER_5: 10,
}
# The chance that a program of each setting serves infants, toddlers and preschoolers.
AGE_CHANCES: dict[str, tuple[float, float, float]] = {
    SettingType.CENTER: (0.4, 0.75, 0.95), SettingType.FCC_SMALL: (0.7, 0.9, 0.85),
    SettingType.FCC_LARGE: (0.7, 0.9, 0.9), SettingType.FFN: (0.5, 0.8, 0.6),
    SettingType.HEAD_START: (0.0, 0.0, 1.0), SettingType.EARLY_HEAD_START: (0.9, 1.0, 0.0),
    SettingType.STATE_PRESCHOOL: (0.0, 0.05, 1.0), SettingType.PRIVATE_PRESCHOOL: (0.0, 0.35, 1.0),
    SettingType.HOME_VISITING: (1.0, 1.0, 0.3),
}
# Children per room: small rooms for infants (ratio 1:4), larger ones for preschoolers.
CAPACITY_RANGE: dict[str, tuple[int, int]] = {
    AgeGroup.INFANT: (8, 12), AgeGroup.TODDLER: (12, 16), AgeGroup.PRESCHOOL: (17, 24),
}
# Settings with no facility licence: care in the family's or a relative's home, and home visiting.
LICENSE_EXEMPT = frozenset({SettingType.FFN, SettingType.HOME_VISITING})
LICENSE_WEIGHTS: dict[str, float] = {
    LicenseType.LMFT: 40, LicenseType.LCSW: 24, LicenseType.LPCC: 8, LicenseType.PSYCHOLOGIST: 7,
    LicenseType.LEP: 2, LicenseType.NONE: 19,
}
DEGREES: dict[str, tuple[str, ...]] = {
    LicenseType.LMFT: ("MA, Marriage and Family Therapy", "MS, Counseling Psychology"),
    LicenseType.LCSW: ("MSW",),
    LicenseType.LPCC: ("MA, Clinical Counseling",),
    LicenseType.PSYCHOLOGIST: ("PhD, Clinical Psychology", "PsyD"),
    LicenseType.LEP: ("MA, Educational Psychology",),
    LicenseType.NONE: ("MA, Counseling Psychology", "MSW", "MA, Clinical Counseling"),
}
# The registration an associate holds while working toward licensure, by degree.
ASSOCIATE_PREFIX = {"MSW": "ASW", "MA, Clinical Counseling": "APCC"}
ENDORSEMENTS = (
    "", "", "Infant-Family and Early Childhood Mental Health Specialist",
    "Infant-Family and Early Childhood Mental Health Specialist", "Reflective Practice Facilitator I",
    "Reflective Practice Facilitator II", "Transdisciplinary Mental Health Practitioner",
)


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def totp_secret(email: str) -> str:
    """A fixed base32 TOTP secret per demo account, so that the printed table never changes."""
    return base64.b32encode(hashlib.sha256(f"abrazo-demo-totp:{email}".encode()).digest()[:20]).decode("ascii")


def license_number(index: int, seed: int) -> str:
    """Nine digits like a state facility number, unique by construction.

    Multiplying by a prime that shares no factor with 900,000,000 is a bijection modulo it, so
    distinct program indexes can never collide, however many programs a scale has.
    """
    return str(100_000_000 + (index * 104_729 + seed * 7_919 + 35_711) % 900_000_000)


def allocate(total: int, weights: Sequence[float], *, minimum: int) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), each share at least `minimum`."""
    if total < minimum * len(weights):
        minimum = 0
    spare = total - minimum * len(weights)
    weight_sum = sum(weights)
    exact = [spare * w / weight_sum for w in weights]
    shares = [minimum + int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


# --- Demo accounts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoAccount:
    key: str  # the part of the email before the @
    full_name: str
    role: str
    scope: str  # what the account sees, for the printed table
    region: str | None = None
    preferred_language: str = "en"


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "Dana Whitfield", Role.NETWORK_ADMIN, "whole network, Django admin"),
    DemoAccount("coordinator", "Marisol Ortega", Role.REGIONAL_COORDINATOR, "Central Valley", region="central-valley"),
    DemoAccount("supervisor", "Grace Nakamura", Role.SUPERVISOR, f"{AGENCIES_CURATED[0][0]}"),
    DemoAccount("consultant", "Lucía Hernández", Role.CONSULTANT, "Central Valley, English and Spanish"),
    DemoAccount("director", "Keisha Brooks", Role.PROGRAM_STAFF, "director of a Fresno County centre"),
    DemoAccount("evaluator", "Owen Lindqvist", Role.EVALUATOR, "de-identified reports"),
    DemoAccount("coordinadora", "Rocío Valenzuela", Role.REGIONAL_COORDINATOR, "Los Angeles, prefers Spanish",
                region="los-angeles", preferred_language="es"),
)
# The demo consultant's home, and the county whose first program the demo director runs.
DEMO_REGION = "central-valley"
DEMO_COUNTY = "Fresno"


@dataclass(frozen=True)
class AccountRow:
    email: str
    role: str
    password: str
    totp_secret: str


def demo_accounts(scale_name: str = "default") -> list[AccountRow]:
    """The sign-in details of a scale's demo accounts (computed, so no database read is needed)."""
    domain = SCALES[scale_name].email_domain
    labels = dict(Role.choices)
    rows = []
    for account in DEMO_ACCOUNTS:
        email = f"{account.key}@{domain}"
        role = f"{labels[account.role]} ({account.scope})"
        rows.append(AccountRow(email, role, DEMO_PASSWORD, totp_secret(email)))
    return rows


def format_accounts(rows: Sequence[AccountRow]) -> str:
    headers = ("Email", "Role", "Password", "TOTP secret")
    table = [headers, *((r.email, r.role, r.password, r.totp_secret) for r in rows)]
    widths = [max(len(line[col]) for line in table) for col in range(4)]
    lines = ["  ".join(cell.ljust(widths[col]) for col, cell in enumerate(line)).rstrip() for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


# --- The loader ---------------------------------------------------------------------------------

@dataclass
class DemoResult:
    network: Network
    created: bool
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


def load_demo(scale_name: str = "default", *, reset: bool = False, progress: Progress = _quiet) -> DemoResult:
    """Load the demo network of a scale; a no-op when it is already there (unless `reset`)."""
    started = time.perf_counter()
    scale = SCALES[scale_name]
    existing = Network.objects.filter(slug=scale.slug).first()
    if existing is not None and not reset:
        return DemoResult(network=existing, created=False, seconds=time.perf_counter() - started)
    # One transaction: a run that fails half-way leaves nothing behind that would look "loaded".
    with transaction.atomic():
        if existing is not None:
            progress(f"Removing the existing {scale.slug} network...")
            wipe_network(existing)
            progress(f"Removed in {time.perf_counter() - started:.1f} s")
        builder = Builder(scale, progress)
        network = builder.run()
    # Planner statistics: after a bulk load they still describe empty tables, and PostgreSQL would
    # then pick plans for ten rows (hash-joining all 40,000 programs to show fifty).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return DemoResult(network=network, created=True, seconds=time.perf_counter() - started, counts=builder.counts)


def wipe_network(network: Network) -> None:
    """Delete a network with everything and everyone the demo made for it, children before parents.

    Through the ORM's collector on purpose: rows that later apps hang on programs or people with
    CASCADE go too, and PROTECT stops the reset instead of orphaning them (state scale: ~40 s).
    """
    from abrazo.consultations.demo import wipe_service_loop
    from abrazo.incidents.demo import wipe_incidents
    from abrazo.library.demo import wipe_library
    from abrazo.measures.demo import wipe_measures
    from abrazo.workforce.demo import wipe_workforce

    wipe_library(network)  # resources and pages name the demo administrator (PROTECT)
    wipe_workforce(network)  # supervision logs protect supervisors; cohorts cascade
    wipe_measures(network)  # administrations hang on episodes and instruments (PROTECT)

    wipe_incidents(network)  # children and incidents hang on programs; faster than the collector
    wipe_service_loop(network)  # requests and episodes PROTECT the programs and consultants deleted below
    member_ids = set(Membership.objects.filter(network=network).values_list("user_id", flat=True))
    member_ids |= set(ConsultantProfile.objects.filter(network=network).values_list("user_id", flat=True))
    elsewhere = set(
        Membership.objects.filter(user_id__in=member_ids).exclude(network=network).values_list("user_id", flat=True)
    )
    ProgramStaff.classrooms.through.objects.filter(programstaff__program__network=network).delete()
    ProgramStaff.languages.through.objects.filter(programstaff__program__network=network).delete()
    ProgramStaff.objects.filter(program__network=network).delete()
    Classroom.objects.filter(program__network=network).delete()
    Program.languages.through.objects.filter(program__network=network).delete()
    Membership.objects.filter(network=network).delete()
    Program.objects.filter(network=network).delete()
    ConsultantProfile.languages.through.objects.filter(consultantprofile__network=network).delete()
    ConsultantProfile.counties.through.objects.filter(consultantprofile__network=network).delete()
    ConsultantProfile.objects.filter(network=network).delete()
    User.objects.filter(pk__in=sorted(member_ids - elsewhere)).delete()
    network.delete()


@dataclass
class PlannedConsultant:
    index: int
    user: User
    profile: ConsultantProfile
    languages: list[str]
    counties: list[str]  # FIPS codes


class Builder:
    """Writes one scale's network. Every agency, person and program draws from its own seeded stream
    (keyed by scale and index), so adding a draw to one kind of record leaves the others unchanged."""

    def __init__(self, scale: Scale, progress: Progress) -> None:
        self.scale = scale
        self.progress = progress
        self.counts: dict[str, int] = {}
        self.password_hash = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
        self.users: dict[str, User] = {}  # demo accounts by key
        self.regions: dict[str, Region] = {}
        self.county_fips: dict[str, str] = {}  # county name -> FIPS
        self.agencies: list[Agency] = []
        self.agency_supervisor: dict[uuid.UUID, User] = {}
        self.names_taken = {account.full_name for account in DEMO_ACCOUNTS}

    # Helpers ---------------------------------------------------------------------------------

    def uid(self, kind: str, key: object) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"{self.scale.slug}/{kind}/{key}")

    def rng(self, *key: object) -> random.Random:
        return random.Random("/".join(str(part) for part in (self.scale.seed, *key)))

    def count(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n

    def write(self, model: type[models.Model], rows: Sequence[models.Model], label: str | None = None) -> None:
        if rows:
            model._default_manager.bulk_create(rows, batch_size=1000)
        if label:
            self.count(label, len(rows))

    def new_user(self, key: object, *, email: str, full_name: str, **fields: Any) -> User:
        """A directory person. Generated people cannot sign in: their password is marked unusable
        (a fixed unusable marker rather than Django's random one, so the rows stay deterministic)."""
        fields.setdefault("password", f"!demo-{self.uid('nologin', key).hex}")
        return User(id=self.uid("user", key), email=email.lower(), full_name=full_name, date_joined=DEMO_DATE, **fields)

    def unique_name(self, rng: random.Random, languages: Sequence[str]) -> str:
        """A name no other network person has yet, where the pools allow: two "Chanthou Prak"s in one
        small directory would confuse whoever tries the demo."""
        name = person_name(rng, languages)
        for _attempt in range(8):
            if name not in self.names_taken:
                break
            name = person_name(rng, languages)
        self.names_taken.add(name)
        return name

    def languages_for(self, rng: random.Random, region: RegionSpec, *, spanish: float, other: float) -> list[str]:
        langs = ["en"]
        if rng.random() < spanish:
            langs.append("es")
            if rng.random() < 0.12:  # a few monolingual Spanish speakers among program staff
                langs.remove("en")
        for code in region.other_languages:
            if rng.random() < other:
                langs.append(code)
                break
        return langs

    # Steps -----------------------------------------------------------------------------------

    def run(self) -> Network:
        t0 = time.perf_counter()
        network = self.load_geography()
        self.load_agencies(network)
        self.load_people(network)
        self.progress(f"Directory of {self.scale.network_name}: {time.perf_counter() - t0:.1f} s")
        self.load_programs(network)
        # Issue 3's step: a year of requests, episodes, groups and helpline calls on top of the directory.
        from abrazo.consultations.demo import load_service_loop

        load_service_loop(self, network)
        # Issue 4's step: rosters, incidents and exclusions calibrated to DOMAIN.md §5.
        from abrazo.incidents.demo import load_incidents

        load_incidents(self, network)
        # Issue 5's step: pre/post administrations of measures on the episodes.
        from abrazo.measures.demo import load_measures

        load_measures(self, network)
        # Issue 6's step: training cohorts, applicants, supervision, competencies and feedback.
        from abrazo.workforce.demo import load_workforce

        load_workforce(self, network)
        # Issue 7's step: the resource library (published resources, suggestions) and the site's pages.
        from abrazo.library.demo import load_library

        load_library(self, network)
        return network

    def load_geography(self) -> Network:
        scale = self.scale
        fips_by_name = dict(County.objects.filter(state_code="CA").values_list("name", "fips"))
        missing = [spec.name for spec in CALIFORNIA if spec.name not in fips_by_name]
        if missing:
            raise DemoError(f"California counties missing from the database: {', '.join(missing)}")
        network = Network(
            id=self.uid("network", scale.slug), name=scale.network_name, slug=scale.slug, state_code="CA",
            contact_email=f"hello@{scale.email_domain}", contact_phone="(916) 555-0100",
        )
        network.save()
        self.count("networks", 1)
        regions = [
            Region(id=self.uid("region", spec.code), network=network, name=spec.name, code=spec.code)
            for spec in REGIONS
        ]
        self.write(Region, regions, "regions")
        self.regions = {region.code: region for region in regions}
        links = []
        for spec in CALIFORNIA:
            fips = fips_by_name[spec.name]
            self.county_fips[spec.name] = fips
            links.append(NetworkCounty(
                id=self.uid("network-county", fips), network=network, region=self.regions[spec.region],
                county_id=fips, underserved=spec.underserved,
            ))
        self.write(NetworkCounty, links, "network counties")
        return network

    def load_agencies(self, network: Network) -> None:
        rng = self.rng("agencies")
        specs = list(AGENCIES_CURATED[: self.scale.agencies])
        if self.scale.agencies > len(specs):
            # Further agencies go to regions in proportion to their population, each region one first.
            region_pop = {spec.code: 0 for spec in REGIONS}
            for county in CALIFORNIA:
                region_pop[county.region] += county.population_k
            names = [f"{prefix} {kind}" for prefix in AGENCY_PREFIXES for kind in AGENCY_KINDS]
            rng.shuffle(names)
            extra = self.scale.agencies - len(specs)
            shares = allocate(extra, [region_pop[spec.code] ** 0.8 for spec in REGIONS], minimum=1)
            taken = {name for name, _ in specs}
            pool = iter(name for name in names if name not in taken)
            for spec, share in zip(REGIONS, shares, strict=True):
                specs.extend((next(pool), spec.code) for _ in range(share))
        agencies = []
        for n, (name, region_code) in enumerate(specs):
            region = REGION_BY_CODE[region_code]
            county = rng.choice([c for c in CALIFORNIA if c.region == region_code])
            city, _zip3 = county.cities[0]
            agencies.append(Agency(
                id=self.uid("agency", name), network=network, name=name, region=self.regions[region_code],
                contract_number=f"IECMHC-{2024 + n % 3}-{n + 1:03d}",
                address=f"{rng.randint(100, 9899)} Example {rng.choice(STREET_WORDS)} "
                        f"{rng.choice(STREET_SUFFIXES)}, {city}, CA",
                phone=f"({region.area_code}) 555-01{rng.randint(0, 99):02d}",
                email=f"intake@agency{n + 1}.{self.scale.email_domain}",
            ))
        self.write(Agency, agencies, "agencies")
        self.agencies = agencies

    def load_people(self, network: Network) -> None:
        scale = self.scale
        users: list[User] = []
        memberships: list[Membership] = []

        def member(user: User, role: str, **scope: Any) -> None:
            memberships.append(Membership(
                id=self.uid("membership", f"{user.email}/{role}"), user=user, network=network, role=role, **scope
            ))

        # The demo accounts, who can sign in.
        for account in DEMO_ACCOUNTS:
            user = self.new_user(
                f"demo/{account.key}", email=f"{account.key}@{scale.email_domain}", full_name=account.full_name,
                preferred_language=account.preferred_language, password=self.password_hash,
                # The Django admin is for network administrators; superuser so that its pages list models.
                is_staff=account.role == Role.NETWORK_ADMIN, is_superuser=account.role == Role.NETWORK_ADMIN,
            )
            self.users[account.key] = user
            users.append(user)

        demo_agency = next(a for a in self.agencies if a.region_id == self.regions[DEMO_REGION].pk)
        # One supervisor per agency (the demo supervisor for the demo consultant's agency).
        for n, agency in enumerate(self.agencies):
            if agency.pk == demo_agency.pk:
                supervisor = self.users["supervisor"]
            else:
                rng = self.rng("supervisor", n)
                region = REGION_BY_CODE[self.region_code(agency.region_id)]
                name = self.unique_name(rng, self.languages_for(rng, region, spanish=region.spanish, other=0.1))
                supervisor = self.new_user(
                    f"supervisor/{n}", email=f"{ascii_slug(name)}.s{n + 1}@people.{scale.email_domain}",
                    full_name=name,
                )
                users.append(supervisor)
            self.agency_supervisor[agency.pk] = supervisor
            member(supervisor, Role.SUPERVISOR, agency=agency)

        # One regional coordinator per region; two of them are demo accounts.
        demo_coordinators = {a.region: self.users[a.key] for a in DEMO_ACCOUNTS if a.region}
        for spec in REGIONS:
            coordinator = demo_coordinators.get(spec.code)
            if coordinator is None:
                rng = self.rng("coordinator", spec.code)
                name = self.unique_name(rng, self.languages_for(rng, spec, spanish=spec.spanish, other=0.1))
                coordinator = self.new_user(
                    f"coordinator/{spec.code}", email=f"{ascii_slug(name)}.{spec.code}@people.{scale.email_domain}",
                    full_name=name,
                )
                users.append(coordinator)
            member(coordinator, Role.REGIONAL_COORDINATOR, region=self.regions[spec.code])

        member(self.users["admin"], Role.NETWORK_ADMIN)
        member(self.users["evaluator"], Role.EVALUATOR)

        planned = self.plan_consultants(demo_agency)
        for plan in planned:
            if plan.index > 0:
                users.append(plan.user)
            member(plan.user, Role.CONSULTANT, agency=plan.profile.agency)

        self.write(User, users, "users")
        self.write(EmailAddress, [
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        ])
        self.write(Membership, memberships, "memberships")
        self.write(ConsultantProfile, [plan.profile for plan in planned], "consultants")
        self.write(ConsultantProfile.languages.through, [
            ConsultantProfile.languages.through(consultantprofile_id=plan.profile.pk, language_id=code)
            for plan in planned for code in plan.languages
        ])
        self.write(ConsultantProfile.counties.through, [
            ConsultantProfile.counties.through(consultantprofile_id=plan.profile.pk, county_id=fips)
            for plan in planned for fips in plan.counties
        ])
        for account in DEMO_ACCOUNTS:
            TOTP.activate(self.users[account.key], totp_secret(self.users[account.key].email))
        # The director's membership needs their program, which the program step creates.

    def region_code(self, region_id: uuid.UUID | None) -> str:
        return next(code for code, region in self.regions.items() if region.pk == region_id)

    def plan_consultants(self, demo_agency: Agency) -> list[PlannedConsultant]:
        scale = self.scale
        counties_by_region: dict[str, list[CountySpec]] = {}
        for county in CALIFORNIA:
            counties_by_region.setdefault(county.region, []).append(county)
        agency_weights = []
        agencies_in_region = dict.fromkeys(self.regions, 0)
        for agency in self.agencies:
            agencies_in_region[self.region_code(agency.region_id)] += 1
        for agency in self.agencies:
            code = self.region_code(agency.region_id)
            population = sum(c.population_k for c in counties_by_region[code])
            agency_weights.append(population ** 0.7 / agencies_in_region[code])

        planned: list[PlannedConsultant] = []
        for i in range(scale.consultants):
            rng = self.rng("consultant", i)
            if i == 0:
                agency = demo_agency
            elif i < len(self.agencies):
                agency = self.agencies[i]  # every agency employs at least one consultant
            else:
                agency = rng.choices(self.agencies, weights=agency_weights)[0]
            code = self.region_code(agency.region_id)
            region = REGION_BY_CODE[code]

            languages = ["en"]
            if i == 0 or rng.random() < min(0.95, region.spanish + 0.05):
                languages.append("es")
            for other in region.other_languages:
                if rng.random() < 0.08:
                    languages.append(other)
                    break

            home = counties_by_region[code]
            n_counties = min(len(home), rng.choice((1, 1, 2, 2, 3, 4)))
            picks: list[CountySpec] = []
            pool = list(home)
            while len(picks) < n_counties:
                choice = rng.choices(pool, weights=[c.population_k ** 0.5 for c in pool])[0]
                pool.remove(choice)
                picks.append(choice)
            if i == 0:
                fresno = next(c for c in home if c.name == DEMO_COUNTY)
                picks = [fresno, *(c for c in picks if c is not fresno)][:3]
            county_fips = [self.county_fips[c.name] for c in picks]
            if rng.random() < 0.15 and region.neighbours:  # a county across the regional line
                near = counties_by_region[rng.choice(region.neighbours)]
                extra = self.county_fips[rng.choice(near).name]
                if extra not in county_fips:
                    county_fips.append(extra)

            license_type = LicenseType.LMFT if i == 0 else weighted(rng, LICENSE_WEIGHTS)
            degree = rng.choice(DEGREES[license_type])
            eligible = license_type == LicenseType.NONE and rng.random() < 0.85
            if license_type == LicenseType.NONE:
                number = f"{ASSOCIATE_PREFIX.get(degree, 'AMFT')} {rng.randint(100_000, 199_999)}" if eligible else ""
            elif license_type == LicenseType.PSYCHOLOGIST:
                number = f"PSY {rng.randint(20_000, 39_999)}"
            else:
                number = f"{license_type.upper()} {rng.randint(10_000, 139_999)}"
            fte = rng.choices(("1.00", "0.80", "0.75", "0.50"), weights=(70, 12, 10, 8))[0]
            expertise = sorted(rng.sample(list(SettingExpertise.values), k=rng.choice((1, 2, 2, 3))))

            if i == 0:
                user = self.users["consultant"]
            else:
                name = self.unique_name(rng, languages)
                user = self.new_user(
                    f"consultant/{i}", email=f"{ascii_slug(name)}.c{i}@people.{scale.email_domain}", full_name=name,
                )
            profile = ConsultantProfile(
                id=self.uid("consultant", i), network_id=self.regions[code].network_id, user=user, agency=agency,
                region=self.regions[code], supervisor=self.agency_supervisor[agency.pk],
                license_type=license_type, license_number=number, license_eligible=eligible, degree=degree,
                endorsement_level=rng.choice(ENDORSEMENTS), setting_expertise=expertise, fte=Decimal(fte),
                caseload_capacity=max(4, round(float(fte) * rng.randint(10, 16))),
            )
            planned.append(PlannedConsultant(i, user, profile, languages, county_fips))

        self.cover_every_county(planned)
        return planned

    def cover_every_county(self, planned: list[PlannedConsultant]) -> None:
        """Give each county nobody serves to the least-spread consultant of its region or a neighbour."""
        served = {fips for plan in planned for fips in plan.counties}
        for county in CALIFORNIA:
            fips = self.county_fips[county.name]
            if fips in served:
                continue
            nearby = {county.region, *REGION_BY_CODE[county.region].neighbours}
            candidates = [p for p in planned if self.region_code(p.profile.region_id) in nearby] or planned
            chosen = min(candidates, key=lambda p: (len(p.counties), p.index))
            chosen.counties.append(fips)
            served.add(fips)

    # Programs, in batches ------------------------------------------------------------------------

    def load_programs(self, network: Network) -> None:
        scale = self.scale
        shares = allocate(scale.programs, [c.population_k ** 0.9 for c in CALIFORNIA], minimum=2)
        started = time.perf_counter()
        done = 0
        director_program: Program | None = None
        for batch in self.program_batches(network, shares):
            self.write(Program, batch.programs, "programs")
            self.write(Program.languages.through, batch.program_languages)
            self.write(Classroom, batch.classrooms, "classrooms")
            self.write(ProgramStaff, batch.staff, "program staff")
            self.write(ProgramStaff.languages.through, batch.staff_languages)
            self.write(ProgramStaff.classrooms.through, batch.staff_classrooms)
            if batch.director_program is not None:
                director_program = batch.director_program
            done += len(batch.programs)
            elapsed = time.perf_counter() - started
            self.progress(f"Programs: {done:,} of {scale.programs:,} ({elapsed:.1f} s)")
        if director_program is None:
            raise DemoError(f"No program was generated in {DEMO_COUNTY} County for the demo director")
        director = self.users["director"]
        self.write(Membership, [Membership(
            id=self.uid("membership", f"{director.email}/{Role.PROGRAM_STAFF}"), user=director, network=network,
            role=Role.PROGRAM_STAFF, program=director_program,
        )], "memberships")

    def program_batches(self, network: Network, shares: Sequence[int]) -> Iterator[Batch]:
        """Yield programs with their classrooms and staff, `batch_size` programs at a time."""
        batch = Batch()
        index = 0
        for county, share in zip(CALIFORNIA, shares, strict=True):
            for k in range(share):
                self.plan_program(batch, network, county, index, first_in_county=k == 0)
                index += 1
                if len(batch.programs) >= self.scale.batch_size:
                    yield batch
                    batch = Batch()
        if batch.programs:
            yield batch

    def plan_program(self, batch: Batch, network: Network, county: CountySpec, index: int, *,
                     first_in_county: bool) -> None:
        rng = self.rng("program", index)
        region = REGION_BY_CODE[county.region]
        fips = self.county_fips[county.name]
        is_rural = rng.random() < rural_share(county.population_k)
        is_demo_program = first_in_county and county.name == DEMO_COUNTY
        if is_demo_program:
            setting: str = SettingType.CENTER  # the demo director's centre, with rooms and a team
        else:
            weights = dict(SETTING_WEIGHTS)
            if is_rural:
                weights = {k: w * RURAL_SETTING_FACTOR.get(k, 1.0) for k, w in weights.items()}
            setting = weighted(rng, weights)
        auspice = weighted(rng, AUSPICE_WEIGHTS[setting])
        city_weights = [1 / (k + 1) for k in range(len(county.cities))]
        city, zip3 = rng.choices(county.cities, weights=city_weights)[0]
        infants, toddlers, preschoolers = self.ages_for(rng, setting)
        quality = weighted(rng, QUALITY_WEIGHTS)
        if setting in (SettingType.HEAD_START, SettingType.EARLY_HEAD_START) and rng.random() < 0.6:
            quality = rng.choice((QualityRating.TIER_4, QualityRating.TIER_5))
        program_id = self.uid("program", index)
        program = Program(
            id=program_id, network=network, region=self.regions[county.region], county_id=fips,
            name="",  # named below, once the staff (and so the provider's name) is known
            setting_type=setting, auspice=auspice,
            license_number="" if setting in LICENSE_EXEMPT else license_number(index, self.scale.seed),
            address_line1=f"{rng.randint(100, 9899)} Example {rng.choice(STREET_WORDS)} {rng.choice(STREET_SUFFIXES)}",
            address_line2=rng.choice(("", "", "", "", f"Suite {rng.randint(1, 30)}")),
            city=city, postal_code=f"{zip3}{rng.randint(1, 99):02d}", is_rural=is_rural,
            serves_infants=infants, serves_toddlers=toddlers, serves_preschoolers=preschoolers,
            quality_rating=quality, phone=f"({region.area_code}) 555-01{rng.randint(0, 99):02d}",
            email="" if setting == SettingType.FFN or rng.random() < 0.3 else f"office{index + 1}@programs.example",
        )

        rooms = self.classrooms_for(rng, program)
        staff_languages: set[str] = set()
        lead_name = ""
        for k, (position, room) in enumerate(self.positions_for(rng, setting, rooms)):
            langs = self.languages_for(rng, region, spanish=region.spanish, other=0.1)
            person_id = self.uid("staff", f"{index}/{k}")
            full_name = person_name(rng, langs)
            user = None
            if is_demo_program and position == StaffPosition.DIRECTOR:
                user = self.users["director"]
                full_name = user.full_name
                batch.director_program = program
            if not lead_name:
                lead_name = full_name
            staff = ProgramStaff(
                id=person_id, program=program, user=user, full_name=full_name, position=position,
                email=user.email if user else "",
            )
            batch.staff.append(staff)
            staff_languages.update(langs)
            batch.staff_languages.extend(
                ProgramStaff.languages.through(programstaff_id=person_id, language_id=code) for code in langs
            )
            if room is not None:
                batch.staff_classrooms.append(
                    ProgramStaff.classrooms.through(programstaff_id=person_id, classroom_id=room.pk)
                )
        program.name = self.program_name(rng, program, lead_name)
        batch.programs.append(program)
        batch.classrooms.extend(rooms)
        batch.program_languages.extend(
            Program.languages.through(program_id=program_id, language_id=code) for code in sorted(staff_languages)
        )

    @staticmethod
    def ages_for(rng: random.Random, setting: str) -> tuple[bool, bool, bool]:
        chance = AGE_CHANCES[setting]
        ages = tuple(rng.random() < p for p in chance)
        if not any(ages):
            ages = (False, True, True)
        return ages[0], ages[1], ages[2]

    def classrooms_for(self, rng: random.Random, program: Program) -> list[Classroom]:
        setting = program.setting_type
        if setting in (SettingType.FFN, SettingType.HOME_VISITING):
            return []  # care in a family's own home has no classroom
        if setting in (SettingType.FCC_SMALL, SettingType.FCC_LARGE):
            capacity = 8 if setting == SettingType.FCC_SMALL else 14
            return [Classroom(
                id=self.uid("classroom", f"{program.pk}/0"), program=program, name="Home",
                age_group=AgeGroup.MIXED, capacity=capacity,
            )]
        groups: list[str] = []
        if program.serves_infants:
            groups += [AgeGroup.INFANT] * rng.choice((1, 1, 2))
        if program.serves_toddlers:
            groups += [AgeGroup.TODDLER] * rng.choice((1, 1, 2))
        if program.serves_preschoolers:
            groups += [AgeGroup.PRESCHOOL] * rng.choice((1, 1, 2, 3))
        groups = groups[:5]
        names = rng.sample(CLASSROOM_NAMES, k=len(groups))
        return [
            Classroom(
                id=self.uid("classroom", f"{program.pk}/{k}"), program=program, name=names[k], age_group=group,
                capacity=rng.randint(*CAPACITY_RANGE[group]),
            )
            for k, group in enumerate(groups)
        ]

    @staticmethod
    def positions_for(rng: random.Random, setting: str,
                      rooms: list[Classroom]) -> list[tuple[str, Classroom | None]]:
        team: list[tuple[str, Classroom | None]]
        if setting == SettingType.FFN:
            return [(StaffPosition.FFN_CAREGIVER, None)]
        if setting in (SettingType.FCC_SMALL, SettingType.FCC_LARGE):
            team = [(StaffPosition.FCC_PROVIDER, rooms[0])]
            if setting == SettingType.FCC_LARGE or rng.random() < 0.2:  # a large home must have an assistant
                team.append((StaffPosition.ASSISTANT_TEACHER, rooms[0]))
            return team
        if setting == SettingType.HOME_VISITING:
            team = [(StaffPosition.DIRECTOR, None)]
            return team + [(StaffPosition.HOME_VISITOR, None)] * rng.randint(2, 4)
        team = [(StaffPosition.DIRECTOR, None)]
        for room in rooms:
            team.append((StaffPosition.TEACHER, room))
            if rng.random() < 0.55:
                team.append((StaffPosition.ASSISTANT_TEACHER, room))
        return team

    @staticmethod
    def program_name(rng: random.Random, program: Program, lead_name: str) -> str:
        setting, city = program.setting_type, program.city
        word = rng.choice(PROGRAM_WORDS)
        family = lead_name.split(" ", 1)[-1] if lead_name else rng.choice(NAME_POOLS["es"][1])
        if setting == SettingType.CENTER:
            if program.auspice == Auspice.FAITH_BASED:
                return f"{rng.choice(FAITH_WORDS)} Children's Center"
            return rng.choice((f"{word} Child Development Center", f"{word} Early Learning Center",
                               f"{city} Community Child Care Center", f"Casa de los Niños {city}"))
        if setting in (SettingType.FCC_SMALL, SettingType.FCC_LARGE):
            first = lead_name.split(" ", 1)[0] if lead_name else word
            return rng.choice((f"{family} Family Child Care", f"{first}'s Little Learners",
                               f"Casita {family} Family Child Care", f"{word} Family Child Care"))
        if setting == SettingType.FFN:
            return f"{lead_name} (family, friend and neighbor care)"
        if setting == SettingType.HEAD_START:
            return f"{city} Head Start, {word} Center"
        if setting == SettingType.EARLY_HEAD_START:
            return f"{city} Early Head Start, {word}"
        if setting == SettingType.STATE_PRESCHOOL:
            return rng.choice((f"{word} Elementary State Preschool", f"{city} Unified State Preschool"))
        if setting == SettingType.PRIVATE_PRESCHOOL:
            if program.auspice == Auspice.FAITH_BASED:
                return f"{rng.choice(FAITH_WORDS)} Preschool"
            return rng.choice((f"{word} Montessori Preschool", f"{word} Nursery School", f"{word} Preschool"))
        return rng.choice((f"{word} Families Home Visiting", f"{city} Family Home Visiting Program"))


@dataclass
class Batch:
    """One batch of programs and everything that hangs off them, written together and then dropped."""

    programs: list[Program] = field(default_factory=list)
    program_languages: list[models.Model] = field(default_factory=list)
    classrooms: list[Classroom] = field(default_factory=list)
    staff: list[ProgramStaff] = field(default_factory=list)
    staff_languages: list[models.Model] = field(default_factory=list)
    staff_classrooms: list[models.Model] = field(default_factory=list)
    director_program: Program | None = None
