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
