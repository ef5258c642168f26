"""The directory import pages over HTTP: upload, preview, confirm once, result; scope, templates, queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from abrazo.audit.models import AccessEvent
from abrazo.directory.models import Program

pytestmark = pytest.mark.django_db

GOOD = (
    b"license_number,name,setting_type,auspice,address_line1,city,postal_code,county\n"
    b"LIC-1,Little Oaks,center,non_profit,1 Oak St,Fresno,93721,Fresno\n"
    b"LIC-2,Casa Sol,center,for_profit,2 Sun Ave,Long Beach,90802,Los Angeles\n"
)


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.people["network_admin"])
    return client


def upload_url(kind: str = "programs") -> str:
    return reverse("directory:import-upload", args=[kind])


def test_upload_preview_confirm_result_and_a_second_confirm_imports_once(admin_client, world):
    # when the administrator uploads a clean file
    response = admin_client.post(upload_url(), {"file": SimpleUploadedFile("programs.csv", GOOD)})
    # then she is sent to the preview, with counts and the first rows
    assert response.status_code == 302
    preview_url = response["Location"]
    token = preview_url.split("token=")[1]
    page = admin_client.get(preview_url)
    assert page.status_code == 200
    assert b'data-count="new">2<' in page.content and b"Little Oaks" not in page.content  # keys, not names
    assert b"LIC-1" in page.content
    assert not Program.objects.filter(license_number="LIC-1").exists()
    confirm = reverse("directory:import-confirm", args=["programs"])
    events = AccessEvent.objects.count()
    # when she confirms twice
    first = admin_client.post(confirm, {"token": token})
    second = admin_client.post(confirm, {"token": token})
    # then the programs exist once, one audit line was written, and both answers lead to the result
    assert first.status_code == second.status_code == 302
    assert Program.objects.filter(license_number__in=["LIC-1", "LIC-2"]).count() == 2
    assert AccessEvent.objects.filter(object_type="directory.program", object_id__startswith="import").count() == 1
    assert AccessEvent.objects.count() >= events + 1
    result = admin_client.get(first["Location"])
    assert b"Import finished" in result.content and b'data-count="new">2<' in result.content


def test_errors_are_listed_by_line_and_column(admin_client):
    bad = GOOD.replace(b"93721", b"ABCDE").replace(b",center,for_profit", b",castle,for_profit")
    response = admin_client.post(upload_url(), {"file": SimpleUploadedFile("programs.csv", bad)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The file has 2 problems; nothing was imported." in body
    assert "<code>postal_code</code>" in body and "<code>setting_type</code>" in body
    assert not Program.objects.filter(license_number="LIC-1").exists()


def test_a_file_that_is_not_a_table_is_refused_on_the_form(admin_client):
    response = admin_client.post(upload_url(), {"file": SimpleUploadedFile("p.xlsx", b"PK\x03\x04 not really")})
    assert response.status_code == 200
    assert "not a valid XLSX" in response.content.decode()


def test_another_persons_token_is_not_theirs(client, admin_client, world):
    response = admin_client.post(upload_url(), {"file": SimpleUploadedFile("programs.csv", GOOD)})
    token = response["Location"].split("token=")[1]
    client.force_login(world.people["regional_coordinator"])
    page = client.post(reverse("directory:import-confirm", args=["programs"]), {"token": token})
    assert b"There is no checked file waiting here" in page.content
    assert not Program.objects.filter(license_number="LIC-1").exists()


def test_coordinator_sees_the_out_of_region_row_refused(client, world):
    client.force_login(world.people["regional_coordinator"])
    response = client.post(upload_url(), {"file": SimpleUploadedFile("programs.csv", GOOD)})
    assert response.status_code == 200
    assert "a region you do not coordinate" in response.content.decode()


@pytest.mark.parametrize("role", ["program_staff", "consultant", "evaluator", "supervisor"])
def test_roles_without_the_permission_get_404(client, world, role):
    client.force_login(world.people[role])
    assert client.get(upload_url()).status_code == 404
    assert client.get(reverse("directory:import-home")).status_code == 404


def test_unknown_kind_is_404(admin_client):
    assert admin_client.get(upload_url("children")).status_code == 404


def test_templates_have_the_columns(admin_client):
    response = admin_client.get(reverse("directory:import-template", args=["staff"]))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").splitlines()[0] == "program,email,full_name,position,phone,is_active"


def test_pages_have_bounded_queries(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        assert admin_client.get(reverse("directory:import-home")).status_code == 200
    with django_assert_max_num_queries(15):
        assert admin_client.get(upload_url("consultants")).status_code == 200
    # the check of a file costs a fixed number of queries whatever its length
    many = GOOD + b"".join(
        f"N-{i},P {i},center,non_profit,{i} Elm,Fresno,93721,Fresno\n".encode() for i in range(200)
    )
    with django_assert_max_num_queries(25):
        assert admin_client.post(upload_url(), {"file": SimpleUploadedFile("p.csv", many)}).status_code == 302


def test_confirm_checks_again_and_refuses_when_the_directory_changed(admin_client, world):
    # given a checked file waiting for confirmation
    response = admin_client.post(upload_url(), {"file": SimpleUploadedFile("programs.csv", GOOD)})
    token = response["Location"].split("token=")[1]
    # when the network stops serving Los Angeles County before the confirm
    world.network.network_counties.filter(county_id="06037").delete()
    page = admin_client.post(reverse("directory:import-confirm", args=["programs"]), {"token": token})
    # then the page lists the row that no longer passes, and nothing was written
    assert page.status_code == 200
    body = page.content.decode()
    assert "The directory changed after you checked the file." in body and "does not serve" in body
    assert not Program.objects.filter(license_number="LIC-1").exists()


def test_an_unknown_token_shows_nothing_to_import(admin_client):
    page = admin_client.get(reverse("directory:import-confirm", args=["programs"]) + "?token=nope")
    assert b"There is no checked file waiting here" in page.content
