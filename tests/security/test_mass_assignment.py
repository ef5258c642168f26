"""Mass assignment: fields a person may not set, sent anyway with a form or an API body (owner, network, region, role,
status, consultant, consent, id, staff flags, token scopes), are ignored or refused, and the database keeps its
values in those columns. No account page lets a person raise their own role or membership."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.models import Membership, Role
from abrazo.api.models import ApiToken
from abrazo.api.tests.factories import api_auth
from abrazo.incidents.models import Incident
from abrazo.intake.models import Request, RequestStatus
from tests.security.matrix import MatrixWorld

pytestmark = pytest.mark.django_db


def columns(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    obj.refresh_from_db()
    return {name: getattr(obj, name) for name in names}


def form_data(response: Any) -> dict[str, Any]:
    """What the page's form would send back unchanged: each field's current value, as the browser would post it."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(getattr(item, "pk", item)) for item in value]
        elif value is True:
            data[name] = "on"
        else:
            data[name] = str(getattr(value, "pk", value))
    return data


def hostile(world: MatrixWorld) -> dict[str, str]:
    """Fields nobody may set through a form or a body, pointing at the other network and at other people."""
    objects = world.objects
    return {
        "id": str(uuid.uuid4()),
        "pk": str(uuid.uuid4()),
        "network": str(objects["other_network"].pk),
        "network_id": str(objects["other_network"].pk),
        "region": str(objects["region_b"].pk),
        "region_id": str(objects["region_b"].pk),
        "program_id": str(objects["program_b"].pk),
        "owner": str(world.people["evaluator"].pk),
        "created_by": str(world.people["evaluator"].pk),
        "recorded_by": str(world.people["evaluator"].pk),
        "submitted_by": str(world.people["evaluator"].pk),
        "consultant": str(objects["consultant_b"].pk),
        "consultant_id": str(objects["consultant_b"].pk),
        "assigned_consultant": str(objects["consultant_b"].pk),
        "status": RequestStatus.ASSIGNED,
        "consent_status": "signed",
        "consent": "signed",
        "role": Role.NETWORK_ADMIN,
        "is_staff": "on",
        "is_superuser": "on",
        "scopes": "episodes:write",
        "source": "import",
        "version": "99",
        "reference": "R-HACKED",
    }


# --- HTML forms ------------------------------------------------------------------------------------------------


def test_editing_a_program_ignores_network_region_and_owner_fields(matrix_world):
    world = matrix_world
    program = world.objects["program_a"]
    kept = ("network_id", "region_id", "pk", "created_at")
    before = columns(program, kept)
    client = Client()
    client.force_login(world.people["network_admin"])
    url = reverse("directory:program-edit", kwargs={"pk": program.pk})
    # given the edit form as it stands, with the hostile fields added (the form's own fields keep their values)
    data = {**hostile(world), **form_data(client.get(url))}
    data["name"] = "Sunrise Center Renamed"
    # when it is posted
    response = client.post(url, data)
    # then the edit is saved, and the columns the form does not offer are unchanged
    assert response.status_code == 302, response.content[:500]
    assert columns(program, (*kept, "name")) == {**before, "name": "Sunrise Center Renamed"}


def test_editing_an_incident_ignores_child_program_and_recorder_fields(matrix_world):
    world = matrix_world
    incident = world.objects["incident_a"]
    kept = ("child_id", "program_id", "recorded_by_id", "source", "pk")
    before = columns(incident, kept)
    client = Client()
    client.force_login(world.people["program_staff"])
    url = reverse("incidents:incident-edit", kwargs={"pk": incident.pk})
    extras = {
        **hostile(world),
        "child": str(world.objects["child_b"].pk),
        "program": str(world.objects["program_b"].pk),
    }
    data = {**extras, **form_data(client.get(url))}
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:500]  # saved: the form's own fields were valid
    assert columns(incident, kept) == before
    assert (
        Incident.objects.filter(program=world.objects["program_b"], recorded_by=world.people["evaluator"]).count() == 0
    )


def test_the_public_request_form_cannot_set_status_consultant_or_network(matrix_world):
    world = matrix_world
    client = Client()
    client.force_login(world.people["program_staff"])
    url = reverse("intake:request-create")
    page = client.get(url)
    before = set(Request.objects.values_list("pk", flat=True))
    data = {**hostile(world), **form_data(page)}
    data.update(
        {
            "requester_name": "Mass Assigner",
            "requester_email": "ma@example.org",
            "requester_role": "director",
            "program_name": "Mass Site",
            "address_line1": "1 Main St",
            "city": "Fresno",
            "postal_code": "93721",
            "county": "06019",
            "setting_type": "center",
            "concern_categories": ["behavior"],
            "concern_text": "A concern.",
            "child_specific": "no",
            "imminent_risk": "no",
            "preferred_language": page.context["form"]["preferred_language"].value() or "",
        }
    )
    response = client.post(url, data)
    made = Request.objects.exclude(pk__in=before)
    # then the request is made, in the person's network, new, unassigned, with an id and reference of its own
    assert response.status_code == 302 and made.count() == 1, response.context and response.context["form"].errors
    assert not made.exclude(network=world.objects["network"]).exists()
    assert not made.filter(consultant__isnull=False).exists()
    assert not made.exclude(status=RequestStatus.NEW).exists()
    assert not made.filter(reference="R-HACKED").exists()
    assert not Request.objects.filter(pk__in=[hostile(world)["id"]]).exists()


# --- API bodies ------------------------------------------------------------------------------------------------


def test_an_api_incident_body_cannot_choose_recorder_id_source_or_network(matrix_world, client: Client):
    world = matrix_world
    staff = world.people["program_staff"]
    child = world.objects["child_a"]
    chosen_id = str(uuid.uuid4())
    body = {
        **hostile(world),
        "id": chosen_id,
        "program": str(child.program_id),
        "child_code": child.code,
        "occurred_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "problem_behavior": "physical_aggression",
        "activity": "outdoor",
        "others_involved": "peers",
        "possible_motivation": "obtain_item",
        "strategy_response": "redirect",
        "admin_follow_up": "contact_family",
    }
    response = client.post(
        reverse("api:incidents-incident-list"),
        body,
        content_type="application/json",
        **api_auth(staff, "incidents:write"),
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert str(incident.pk) != chosen_id
    assert incident.recorded_by_id == staff.pk
    assert incident.program_id == child.program_id and incident.child_id == child.pk
    assert incident.source != "import" and incident.version != 99


def test_an_api_request_body_cannot_assign_set_status_or_choose_its_id(matrix_world, client: Client):
    world = matrix_world
    coordinator = world.people["regional_coordinator"]
    chosen_id = str(uuid.uuid4())
    body = {
        **hostile(world),
        "id": chosen_id,
        "network": str(world.objects["network"].pk),
        "requester_name": "Mass Assigner",
        "requester_email": "ma@example.org",
        "requester_role": "director",
        "preferred_language": "en",
        "program_name": "Mass Site",
        "address_line1": "1 Main St",
        "city": "Fresno",
        "postal_code": "93721",
        "county": "06019",
        "setting_type": "center",
        "concern_categories": ["behavior"],
        "concern_text": "A concern.",
    }
    response = client.post(
        reverse("api:intake-request-list"),
        body,
        content_type="application/json",
        **api_auth(coordinator, "requests:write"),
    )
    assert response.status_code == 201, response.content
    request = Request.objects.get(pk=response.json()["id"])
    assert str(request.pk) != chosen_id and request.reference != "R-HACKED"
    assert request.status == RequestStatus.NEW and request.consultant_id is None
    assert request.network_id == world.objects["network"].pk
    assert request.region_id != world.objects["region_b"].pk  # Fresno is region A's county


def test_an_api_contact_body_cannot_choose_its_episode_or_author(matrix_world, client: Client):
    from abrazo.consultations.models import Contact

    world = matrix_world
    consultant = world.people["consultant"]
    episode = world.objects["episode_a"]
    body = {
        **hostile(world),
        "episode": str(world.objects["episode_b"].pk),
        "contact_date": timezone.localdate().isoformat(),
        "minutes": 30,
        "modality": "on_site",
        "activity_type": "teacher_meeting",
        "language": "en",
    }
    response = client.post(
        reverse("api:consultations-episode-contacts", kwargs={"pk": episode.pk}),
        body,
        content_type="application/json",
        **api_auth(consultant, "episodes:write"),
    )
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.episode_id == episode.pk
    assert not Contact.objects.filter(episode=world.objects["episode_b"]).exists()


# --- tokens and accounts -----------------------------------------------------------------------------------------


def test_a_token_cannot_be_given_scopes_beyond_the_person_nor_another_owner(matrix_world):
    world = matrix_world
    staff = world.people["program_staff"]  # may not work episodes: episodes:write is not hers to grant
    client = Client()
    client.force_login(staff)
    response = client.post(
        reverse("api_tokens:create"),
        {
            "name": "Escalation",
            "scopes": ["episodes:write", "incidents:read"],
            "user": str(world.people["network_admin"].pk),
            "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200  # the form is shown again with the refused choice
    assert not ApiToken.objects.filter(name="Escalation").exists()


@pytest.mark.parametrize("url_name", ["account_email", "account_change_password", "mfa_index", "usersessions_list"])
def test_no_account_page_raises_role_membership_or_staff_flags(matrix_world, url_name):
    world = matrix_world
    person = world.people["program_staff"]
    memberships_before = list(
        Membership.objects.filter(user=person).values_list("network_id", "role", "program_id", "region_id", "is_active")
    )
    client = Client()
    client.force_login(person)
    client.post(reverse(url_name), {**hostile(world), "membership": Role.NETWORK_ADMIN, "action_add": "1"})
    person.refresh_from_db()
    assert not person.is_staff and not person.is_superuser
    assert (
        list(
            Membership.objects.filter(user=person).values_list(
                "network_id", "role", "program_id", "region_id", "is_active"
            )
        )
        == memberships_before
    )


# --- every ModelForm in the project, generated --------------------------------------------------------------
# A form built from a model offers exactly the fields its Meta (or its own declarations) lists. A field that says
# who owns a record, where it belongs, what state it is in, who may do what, or which version it is must be set by
# a service from the signed-in person and the URL, never by the form. Every ModelForm the project defines, and
# every ModelForm a class-based view builds from `model` and `fields`, is checked here; a new one that offers such
# a field fails until it is listed in INTENDED with the reason.

SENSITIVE_FIELDS = frozenset({
    "id", "pk", "network", "region", "owner", "created_by", "recorded_by", "submitted_by", "status", "role",
    "is_staff", "is_superuser", "version", "scopes",
})


def is_sensitive(name: str) -> bool:
    # every actor column ("uploaded_by", "reviewed_by", ...) and every consent column, besides the named ones
    return name in SENSITIVE_FIELDS or name.endswith("_by") or "consent" in name


# (form, field) -> why the form may offer it. Each was read: the service checks the value against the person's scope.
INTENDED: dict[tuple[str, str], str] = {
    ("abrazo.directory.forms.AgencyForm", "region"): (
        "an agency's region is chosen by its editor; the choices are the network's regions and "
        "directory.services checks the region belongs to the network"
    ),
    ("abrazo.directory.forms.ConsultantForm", "region"): (
        "a consultant's home region is chosen by a coordinator; the choices are the regions the editor may manage "
        "and directory.services refuses a region outside the network or one the editor does not coordinate"
    ),
}


def intended(form_class: type, form_name: str, field_name: str) -> bool:
    from abrazo.directory.forms import VersionMixin

    if field_name == "version" and issubclass(form_class, VersionMixin):
        # the version the editor loaded, handed to save_versioned as expected_version to catch a lost update;
        # it is never written to the row (VersionMixin.expected_version)
        return True
    return (form_name, field_name) in INTENDED


def _form_modules() -> list[str]:
    import pkgutil

    import abrazo

    return sorted(
        module.name
        for module in pkgutil.walk_packages(abrazo.__path__, "abrazo.")
        if "forms" in module.name.rsplit(".", 1)[-1]
        and ".tests" not in module.name
        and ".migrations" not in module.name
    )


def project_model_forms() -> dict[str, type]:
    """Every ModelForm defined in the project's code, and every one a routed view builds from `model` and `fields`."""
    import importlib

    from django import forms
    from django.forms.models import modelform_factory

    from tests.security.routes import all_routes

    for name in _form_modules():
        importlib.import_module(name)
    found: dict[str, type] = {}
    pending: list[type] = [forms.ModelForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        module = cls.__module__
        if module.startswith("abrazo.") and ".tests" not in module and cls._meta.model is not None:
            found[f"{module}.{cls.__qualname__}"] = cls
    for route in all_routes():
        view_class = getattr(route.callback, "view_class", None)
        form_class = getattr(view_class, "form_class", None)
        if isinstance(form_class, type) and issubclass(form_class, forms.ModelForm):
            found.setdefault(f"{form_class.__module__}.{form_class.__qualname__}", form_class)
        elif getattr(view_class, "model", None) is not None and getattr(view_class, "fields", None):
            built = modelform_factory(view_class.model, fields=view_class.fields)  # what the view will render
            found[f"{route.name or route.route} (built by {view_class.__qualname__})"] = built
    return found


def offered_fields(form_class: type) -> set[str]:
    """The fields a POST can fill: the form's own fields (Meta.fields and declared ones), less Meta.exclude."""
    return set(form_class.base_fields)


MODEL_FORMS = project_model_forms()


def test_the_scan_finds_the_project_s_model_forms():
    # the scan is only worth something if it sees the forms: the directory's editors are ModelForms (the other
    # apps' forms are plain forms whose cleaned data a service reads field by field)
    known = {f"abrazo.directory.forms.{name}" for name in ("ProgramForm", "ClassroomForm", "StaffForm",
                                                            "ConsultantForm", "AgencyForm")}
    assert known <= set(MODEL_FORMS), sorted(MODEL_FORMS)
    # and every entry of INTENDED still names a form and a field it offers (a stale reason hides nothing)
    for form_name, field_name in INTENDED:
        assert field_name in offered_fields(MODEL_FORMS[form_name]), (form_name, field_name)


@pytest.mark.parametrize("form_name", sorted(MODEL_FORMS))
def test_no_model_form_offers_a_field_only_a_service_may_set(form_name):
    form_class = MODEL_FORMS[form_name]
    exposed = {name for name in offered_fields(form_class) if is_sensitive(name)}
    unexplained = sorted(name for name in exposed if not intended(form_class, form_name, name))
    assert not unexplained, (
        f"{form_name} ({form_class._meta.model.__name__}) offers {unexplained}: set these in the service from the "
        "person and the URL, or list them in INTENDED with the reason"
    )


def test_the_check_fails_for_a_form_that_offers_the_network():
    from django import forms

    from abrazo.incidents.models import Child

    class CarelessChildForm(forms.ModelForm):
        class Meta:
            model = Child
            fields = ["code", "network", "version"]

    exposed = {name for name in offered_fields(CarelessChildForm) if is_sensitive(name)}
    assert exposed == {"network", "version"}
    # neither is excused: the form is not listed, and its version is the model's column, not VersionMixin's check
    assert not any(intended(CarelessChildForm, "CarelessChildForm", name) for name in exposed)
    assert is_sensitive("uploaded_by") and is_sensitive("consent_given_on") and not is_sensitive("code")
