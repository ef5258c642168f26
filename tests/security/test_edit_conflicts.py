"""Two people saving the same record: the second gets the conflict screen, and the first one's save stands.

Through the real edit pages, with two browsers (two test clients, each signed in): both open the edit page, so
both forms carry the version they were shown (abrazo/core/concurrency.py); the first saves and is sent on; the
second saves on the old version and gets the form back (status 200) with the conflict message, and the record
still holds the first person's value. Runs on SQLite and PostgreSQL (the race itself, two saves at the same
instant, is proven on PostgreSQL by each app's concurrency tests; this is the screen people see).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.consultations.tests.factories import ReferralFactory
from abrazo.core.concurrency import StaleEditError
from abrazo.directory.models import ConsultantProfile, Language
from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory
from abrazo.incidents.warnings import warning_settings_of
from abrazo.intake.models import Priority
from abrazo.intake.services import intake_settings_for
from abrazo.intake.tests.factories import RequestFactory
from abrazo.library.models import Topic
from abrazo.library.tests.factories_resource import ResourceFactory
from abrazo.workforce.selectors import workforce_settings_for
from abrazo.workforce.tests.factories_cohort import CohortFactory

pytestmark = pytest.mark.django_db

CONFLICT = escape(str(StaleEditError.message)).split(".")[0]  # "Someone else changed this record while you..."


def posted_values(form: forms.BaseForm) -> dict[str, Any]:
    """What the browser sends back for a form as it was shown: every field's value, as form data."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[form.add_prefix(name)] = "on"
            continue
        if value is None or isinstance(field, forms.FileField):
            continue
        if isinstance(value, list | tuple):
            data[form.add_prefix(name)] = [str(getattr(item, "pk", item)) for item in value]
        elif isinstance(value, dt.date | dt.datetime | dt.time):
            data[form.add_prefix(name)] = value.isoformat()
        elif isinstance(value, models.Model):
            data[form.add_prefix(name)] = str(value.pk)
        else:
            data[form.add_prefix(name)] = str(value)
    return data


@dataclass(frozen=True)
class Editable:
    name: str
    people: Callable[[Any], tuple[Any, Any]]  # the two people editing
    make: Callable[[Any], Any]  # the record
    url: Callable[[Any], str]
    field: str
    values: tuple[str, str]  # what the first and the second person type
    stored: Callable[[Any], Any]  # the field's value as stored now


def _same_role(role: str, **scope: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, Any]]:
    """The world's person of that role, and a colleague of the same role and scope."""
    return lambda world: (
        world.people[role],
        make_person(world.network, role, **{name: pick(world) for name, pick in scope.items()}),
    )


def _fresh(model_obj: Any, attribute: str) -> Any:
    return getattr(type(model_obj).objects.get(pk=model_obj.pk), attribute)


def _complete(profile: ConsultantProfile) -> ConsultantProfile:
    # the form requires at least one language, and a license number for a licensed consultant
    profile.languages.add(Language.objects.get(code="en"))
    if not profile.license_number:
        profile.license_number = "LMFT 55501"
        profile.save(update_fields=["license_number"])
    return profile


def _child_of_a(world: Any) -> Any:
    return ChildFactory(program=world.program_a, code="SUN-050")


EDITABLES = [
    Editable(
        "directory program",
        _same_role(Role.NETWORK_ADMIN),
        lambda world: world.program_a,
        lambda obj: reverse("directory:program-edit", args=[obj.pk]),
        "name",
        ("Sunrise Center East", "Sunrise Centre"),
        lambda obj: _fresh(obj, "name"),
    ),
    Editable(
        "consultant",
        _same_role(Role.NETWORK_ADMIN),
        lambda world: _complete(ConsultantProfile.objects.get(user=world.people["consultant"])),
        lambda obj: reverse("directory:consultant-edit", args=[obj.pk]),
        "caseload_capacity",
        ("10", "14"),
        lambda obj: str(_fresh(obj, "caseload_capacity")),
    ),
    Editable(
        "child on the roster",
        _same_role(Role.PROGRAM_STAFF, program=lambda world: world.program_a),
        _child_of_a,
        lambda obj: reverse("incidents:child-edit", args=[obj.pk]),
        "code",
        ("SUN-051", "SUN-052"),
        lambda obj: _fresh(obj, "code"),
    ),
    Editable(
        "incident",
        _same_role(Role.PROGRAM_STAFF, program=lambda world: world.program_a),
        lambda world: IncidentFactory(child=_child_of_a(world), occurred_on=dt.date.today() - dt.timedelta(days=1)),
        lambda obj: reverse("incidents:incident-edit", args=[obj.pk]),
        "notes",
        ("Redirected to the sand table.", "Sat with the teacher."),
        lambda obj: _fresh(obj, "notes"),
    ),
    Editable(
        "episode referral",
        lambda world: (world.people["consultant"], world.people["consultant"]),
        lambda world: ReferralFactory(
            episode__program=world.program_a,
            episode__consultant=ConsultantProfile.objects.get(user=world.people["consultant"]),
        ),
        lambda obj: reverse("consultations:referral-edit", args=[obj.pk]),
        "outcome",
        ("Family called the clinic.", "Waiting list of six weeks."),
        lambda obj: _fresh(obj, "outcome"),
    ),
    Editable(
        "library resource",
        _same_role(Role.NETWORK_ADMIN),
        lambda world: ResourceFactory(network=world.network),
        lambda obj: reverse("library:curation-resource-edit", args=[obj.pk]),
        "title",
        ("Goodbyes at drop-off", "Morning goodbyes"),
        lambda obj: _fresh(obj, "title"),
    ),
    Editable(
        "workforce cohort",
        _same_role(Role.NETWORK_ADMIN),
        lambda world: CohortFactory(network=world.network),
        lambda obj: reverse("workforce:cohort-edit", args=[obj.pk]),
        "name",
        ("Spring cohort", "Cohort of the spring"),
        lambda obj: _fresh(obj, "name"),
    ),
    Editable(
        "request priority (triage)",
        _same_role(Role.REGIONAL_COORDINATOR, region=lambda world: world.region_a),
        lambda world: RequestFactory(network=world.network, region=world.region_a, program=world.program_a),
        lambda obj: reverse("intake:request-priority", args=[obj.pk]),
        "priority",
        (Priority.URGENT, Priority.HIGH),
        lambda obj: _fresh(obj, "priority"),
    ),
]


def _network_settings(world: Any) -> Any:
    """Settings pages edit the signed-in administrator's own network: the world's network stands for the record."""
    return world.network


EDITABLES += [
    Editable(
        "intake settings",
        _same_role(Role.NETWORK_ADMIN),
        _network_settings,
        lambda network: reverse("intake:settings"),
        "duplicate_window_days",
        ("21", "45"),
        lambda network: str(intake_settings_for(network).duplicate_window_days),
    ),
    Editable(
        "early-warning settings",
        _same_role(Role.NETWORK_ADMIN),
        _network_settings,
        lambda network: reverse("incidents:warning-settings"),
        "incident_count",
        ("4", "6"),
        lambda network: str(warning_settings_of(network).incident_count),
    ),
    Editable(
        "workforce settings",
        _same_role(Role.NETWORK_ADMIN),
        _network_settings,
        lambda network: reverse("workforce:workforce-settings"),
        "completion_percent",
        ("70", "90"),
        lambda network: str(int(workforce_settings_for(network).completion_attendance_share * 100)),
    ),
    Editable(
        "library topic",
        _same_role(Role.NETWORK_ADMIN),
        lambda world: Topic.objects.create(
            network=world.network, key="goodbyes", name_en="Goodbyes", name_es="Despedidas"
        ),
        lambda topic: reverse("library:curation-topic-edit", args=[topic.pk]),
        "name_en",
        ("Goodbyes and hellos", "Separations"),
        lambda topic: _fresh(topic, "name_en"),
    ),
]


def _signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.mark.parametrize("editable", EDITABLES, ids=[editable.name for editable in EDITABLES])
def test_the_second_save_gets_the_conflict_screen_and_the_first_stands(editable: Editable, world):
    record = editable.make(world)
    first_person, second_person = editable.people(world)
    first, second = _signed_in(first_person), _signed_in(second_person)
    url = editable.url(record)
    # given both people have the edit page open
    first_page, second_page = first.get(url), second.get(url)
    assert (first_page.status_code, second_page.status_code) == (200, 200)
    first_form = posted_values(first_page.context["form"])
    second_form = posted_values(second_page.context["form"])
    assert "version" in {name.rsplit("-", 1)[-1] for name in first_form}, "the form carries the version it showed"
    extra = {"reason": "Seen in person today."} if editable.field == "priority" else {}
    # when the first saves their change
    saved = first.post(url, {**first_form, editable.field: editable.values[0], **extra})
    assert saved.status_code == 302, saved.context["form"].errors if saved.context else saved
    assert editable.stored(record) == editable.values[0]
    # and the second saves theirs, made on the page as it was before
    late = second.post(url, {**second_form, editable.field: editable.values[1], **extra})
    # then the second gets the conflict screen, with their own typing kept in the form
    assert late.status_code == 200
    page = late.content.decode()
    assert CONFLICT in page
    assert escape(editable.values[1]) in page
    # and the first person's save is intact
    assert editable.stored(record) == editable.values[0]


# Edit pages that do not carry a version: none now. A new edit page must carry one or be listed here, with why.
WITHOUT_VERSION: set[str] = set()


def test_every_edit_page_uses_the_version_check_or_is_listed():
    import ast
    from pathlib import Path

    from django.conf import settings

    package = Path(settings.BASE_DIR)
    found: dict[str, bool] = {}
    for path in sorted(package.glob("*/*views.py")):
        source = path.read_text()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name.endswith(("_edit", "_settings", "_priority")):
                name = f"{path.relative_to(package.parent)}:{node.name}"
                found[name] = "version" in (ast.get_source_segment(source, node) or "")
    assert len(found) > 20, "the edit pages were found"
    assert sorted(name for name, versioned in found.items() if not versioned) == sorted(WITHOUT_VERSION)
