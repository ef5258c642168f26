"""The REDCap record pages: upload, map and preview, confirm; the export download; who may use them."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.measures import administrations
from abrazo.measures.models import Administration, AdministrationStatus, Timepoint
from abrazo.measures.tests.factories import InstrumentFactory, ItemFactory


@pytest.fixture(autouse=True)
def recorder(monkeypatch):
    """A stand-in for the answers service (tested in its own module): store the answers, mark completed."""

    def record_answers(*, administration, answers, source, **_extra):
        administration.answers, administration.source = dict(answers), source
        administration.status = AdministrationStatus.COMPLETED
        administration.save()
        return administration

    monkeypatch.setattr(administrations, "administration_record_answers", record_answers)
    monkeypatch.setattr(administrations, "AnswersRejected", type("Rejected", (Exception,), {}), raising=False)
    return SimpleNamespace()


@pytest.fixture
def instrument(world):
    instrument = InstrumentFactory(network=world.network, key="teacher-stress", redcap_form="teacher_stress")
    ItemFactory(instrument=instrument, key="stress_1", position=1)
    return instrument


@pytest.fixture
def episodes(world):
    return [EpisodeFactory(program=world.program_a, child=True, child_code=code) for code in ("C-1", "C-2")]


FILE = (b"record_id,redcap_event_name,stress_1,teacher_stress_complete\n"
        b"C-1,baseline_arm_1,3,2\nC-1,followup_arm_1,1,2\nC-2,baseline_arm_1,2,2\n")


def signed_in(client, world, role):
    client.force_login(world.people[role])
    return client


def upload(client, instrument, content=FILE):
    url = reverse("measures:records-import", args=[instrument.pk])
    return client.post(url, {"file": SimpleUploadedFile("export.csv", content, content_type="text/csv")})


def token_of(response) -> str:
    match = re.search(r"[?&]token=([\w-]+)", response["Location"])
    assert match, response["Location"]
    return match[1]


def mapping_post(world, token, **extra):
    return {"token": token, "id_column": "record_id", "key_kind": "child_code", "program": str(world.program_a.pk),
            "event_0": "pre", "event_1": "post", **extra}


def test_admin_uploads_previews_each_record_and_confirms(client, world, instrument, episodes):
    admin = signed_in(client, world, "network_admin")
    url = reverse("measures:records-import", args=[instrument.pk])
    assert admin.get(url).status_code == 200
    # given a clean file, uploaded
    response = upload(admin, instrument)
    assert response.status_code == 302
    token = token_of(response)
    # the mapping page suggests a time point for each event
    page = admin.get(f"{url}?token={token}")
    assert page.status_code == 200
    form = page.context["form"]
    assert [form.fields["event_0"].initial, form.fields["event_1"].initial] == ["pre", "post"]
    # when previewed, each record is listed with its child code (admins may see them)
    preview = admin.post(url, mapping_post(world, token, preview="1"))
    assert preview.context["preview"].counts["matched"] == 3
    assert b"C-2" in preview.content
    # when confirmed, three administrations are recorded
    done = admin.post(url, mapping_post(world, token, confirm="1"))
    assert done.context["state"] == "done" and done.context["imported"] == 3
    assert Administration.objects.filter(instrument=instrument, status="completed").count() == 3
    assert set(Administration.objects.values_list("timepoint", flat=True)) == {Timepoint.PRE, Timepoint.POST}


def test_evaluator_sees_counts_but_never_child_codes(client, world, instrument, episodes):
    evaluator = signed_in(client, world, "evaluator")
    url = reverse("measures:records-import", args=[instrument.pk])
    token = token_of(upload(evaluator, instrument, FILE + b"C-9,baseline_arm_1,2,2\n"))
    preview = evaluator.post(url, mapping_post(world, token, preview="1"))
    assert preview.context["preview"].counts == {"matched": 3, "unmatched": 1, "ambiguous": 0, "no_timepoint": 0}
    body = preview.content.decode()
    assert "C-1" not in body and "C-9" not in body
    assert 'data-count="unmatched">1<' in body
    # confirming without leaving the unmatched record out imports nothing, and still names no code
    refused = evaluator.post(url, mapping_post(world, token, confirm="1"))
    assert refused.context["rejected"] and "C-9" not in refused.content.decode()
    assert not Administration.objects.exists()
    done = evaluator.post(url, mapping_post(world, token, confirm="1", skip_unmatched="on"))
    assert done.context["imported"] == 3


def test_a_bad_file_lists_errors_and_stages_nothing(client, world, instrument):
    admin = signed_in(client, world, "network_admin")
    response = upload(admin, instrument, FILE.replace(b"C-1,baseline_arm_1,3,2", b"C-1,baseline_arm_1,9,2"))
    assert response.status_code == 200
    assert [(p.line, p.column) for p in response.context["problems"]] == [(2, "stress_1")]


def test_child_codes_need_a_program(client, world, instrument, episodes):
    admin = signed_in(client, world, "network_admin")
    url = reverse("measures:records-import", args=[instrument.pk])
    token = token_of(upload(admin, instrument))
    response = admin.post(url, mapping_post(world, token, program="", preview="1"))
    assert "program" in response.context["form"].errors


def test_someone_elses_token_finds_nothing(client, world, instrument, episodes):
    token = token_of(upload(signed_in(client, world, "network_admin"), instrument))
    other = signed_in(client, world, "evaluator")
    response = other.get(reverse("measures:records-import", args=[instrument.pk]) + f"?token={token}")
    assert response.context["state"] == "expired"


def test_export_is_a_zip_of_records_and_dictionary(client, world, instrument, episodes):
    admin = signed_in(client, world, "network_admin")
    url = reverse("measures:records-import", args=[instrument.pk])
    token = token_of(upload(admin, instrument))
    admin.post(url, mapping_post(world, token, confirm="1"))
    response = admin.get(reverse("measures:records-export", args=[instrument.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["teacher_stress_dictionary.csv", "teacher_stress_records.csv"]
    rows = list(csv.DictReader(io.StringIO(archive.read("teacher_stress_records.csv").decode())))
    assert sorted((row["redcap_event_name"], row["stress_1"]) for row in rows) == [
        ("post_arm_1", "1"), ("pre_arm_1", "2"), ("pre_arm_1", "3")]


@pytest.mark.parametrize("role", ["consultant", "supervisor", "regional_coordinator", "program_staff"])
def test_roles_without_measure_import_get_404(client, world, instrument, role):
    user = signed_in(client, world, role)
    for name in ("measures:records-import", "measures:records-export"):
        assert user.get(reverse(name, args=[instrument.pk])).status_code == 404


def test_another_networks_instrument_is_404(client, world):
    other = InstrumentFactory(network=world.other_network)
    admin = signed_in(client, world, "network_admin")
    assert admin.get(reverse("measures:records-export", args=[other.pk])).status_code == 404
    assert admin.get(reverse("measures:records-import", args=[other.pk])).status_code == 404


# --- whole-project exports and respondents --------------------------------------------------------------

PROJECT = (b"record_id,redcap_event_name,child,teacher_email,teacher_note___1,enrolment_complete,"
           b"stress_1,teacher_stress_complete,liked,satisfaction_complete\n"
           b"R1,baseline_arm_1,C-1,Ana@Sunrise.org,0,2,3,2,,0\n"
           b"R1,followup_arm_1,C-1,nobody@elsewhere.org,0,2,1,2,,0\n"
           b"R2,baseline_arm_1,C-2,,0,2,,0,5,2\n"
           b"R2,followup_arm_1,C-2,,0,2,2,2,,0\n")


def test_admin_imports_a_whole_project_export_with_respondents(client, world, instrument, episodes):
    # Given Ana on program A's staff, and nobody@elsewhere.org the email of a staff member of program B
    from abrazo.directory.tests.factories import ProgramStaffFactory

    ana = ProgramStaffFactory(program=world.program_a, email="ana@sunrise.org", full_name="Ana Ruiz")
    ProgramStaffFactory(program=world.program_b, email="nobody@elsewhere.org", full_name="Bea Harbor")
    admin = signed_in(client, world, "network_admin")
    url = reverse("measures:records-import", args=[instrument.pk])
    # When the whole-project export is uploaded
    token = token_of(upload(admin, instrument, PROJECT))
    page = admin.get(f"{url}?token={token}")
    # Then the page names the other forms once, says one row is left out, and offers their columns
    body = page.content.decode()
    assert 'data-note="other-forms"' in body and "enrolment, satisfaction" in body
    assert page.context["skipped_rows"] == 1
    form = page.context["form"]
    assert [name for name, _label in form.fields["respondent_column"].choices] == [
        "", "child", "teacher_email", "liked"]
    assert [name for name, _label in form.fields["id_column"].choices] == [
        "record_id", "child", "teacher_email", "liked"]
    # When previewed with the child code and the respondent's email
    chosen = mapping_post(world, token, id_column="child", respondent_column="teacher_email", preview="1")
    preview = admin.post(url, chosen)
    # Then Ana is named on her row, and the row naming program B's staff is reported, without her name
    body = preview.content.decode()
    assert preview.context["preview"].respondent_counts == {
        "matched": 1, "blank": 1, "respondent_unknown": 1, "respondent_ambiguous": 0}
    assert "Ana Ruiz" in body and "Bea Harbor" not in body
    assert [(line, record, column) for line, record, column, _message in preview.context["respondent_problems"]] == [
        (3, "R1", "teacher_email")]
    assert "No staff member of the episode&#x27;s program has this email." in body
    # When confirmed, nothing is imported
    refused = admin.post(url, {**chosen, "confirm": "1"})
    assert [row[:3] for row in refused.context["rejected"]] == [(3, "R1", "teacher_email")]
    assert not Administration.objects.exists()
    # and without the respondent column, the three answered rows are imported, with no respondent
    done = admin.post(url, mapping_post(world, token, id_column="child", confirm="1"))
    assert done.context["imported"] == 3
    assert set(Administration.objects.values_list("respondent_staff", flat=True)) == {None}
    # and with that person listed at program A too, the file uploaded again updates the same three
    # administrations, now with their respondents (the token of a finished import is spent)
    bea = ProgramStaffFactory(program=world.program_a, email="Nobody@Elsewhere.org")
    token = token_of(upload(admin, instrument, PROJECT))
    done = admin.post(url, {**chosen, "token": token, "confirm": "1"})
    assert done.context["imported"] == 3
    assert Administration.objects.count() == 3
    assert Administration.objects.get(redcap_record="R1", redcap_event="followup_arm_1").respondent_staff == bea
    assert Administration.objects.get(redcap_record="R1", redcap_event="baseline_arm_1").respondent_staff == ana


def test_evaluator_sees_respondent_counts_and_lines_but_no_staff(client, world, instrument, episodes):
    from abrazo.directory.tests.factories import ProgramStaffFactory

    ProgramStaffFactory(program=world.program_a, email="ana@sunrise.org", full_name="Ana Ruiz")
    evaluator = signed_in(client, world, "evaluator")
    url = reverse("measures:records-import", args=[instrument.pk])
    token = token_of(upload(evaluator, instrument, PROJECT))
    preview = evaluator.post(url, mapping_post(world, token, id_column="child", respondent_column="teacher_email",
                                               preview="1"))
    body = preview.content.decode()
    assert 'data-count="respondent_matched">1<' in body and 'data-count="respondent_unknown">1<' in body
    assert "Ana Ruiz" not in body and "ana@sunrise.org" not in body.lower() and "C-1" not in body
    # the line is named, and the column, but not the record
    assert [row[:3] for row in preview.context["respondent_problems"]] == [(3, "R1", "teacher_email")]
    assert "<code>R1</code>" not in body


def test_a_column_in_no_form_is_explained_as_such_on_the_upload_page(client, world, instrument):
    admin = signed_in(client, world, "network_admin")
    response = upload(admin, instrument, b"record_id,stress_1,stress_2,teacher_stress_complete\nC-1,3,3,2\n")
    assert response.status_code == 200
    [problem] = response.context["problems"]
    assert (problem.line, problem.column) == (1, "stress_2")
    assert "is not among another form's columns" in str(problem.message)
    assert "it was ignored" not in response.content.decode()
