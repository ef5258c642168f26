"""Exports through the exports centre: who may export what, what the files hold, the queue, expiry, audit."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations.tests.factories import ContactFactory, EpisodeFactory
from abrazo.directory.tests.factories import ConsultantProfileFactory, ProgramFactory, county
from abrazo.incidents.tests.factories import ChildFactory, ExclusionFactory, IncidentFactory
from abrazo.intake.tests.factories import RequestFactory
from abrazo.reports import export_service
from abrazo.reports.export_kinds import KINDS, pseudonym
from abrazo.reports.models import ExportFile, ExportStatus

CENTRE = "/exports/"


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _export(client: Any, user: Any, kind: str, file_format: str = "csv", **extra: str) -> Any:
    client.force_login(user)
    return client.post(CENTRE, {"kind": kind, "file_format": file_format, **extra})


def _content(response: Any) -> bytes:
    """The body, read once (a streamed body can only be read once) and kept on the response."""
    if not hasattr(response, "_body"):
        streamed = getattr(response, "streaming", False)
        response._body = b"".join(response.streaming_content) if streamed else response.content
    return response._body


def _rows(response: Any) -> list[dict[str, str]]:
    raw = _content(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _exports(user: Any) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(user_id=user.pk, action=Action.EXPORT))


@pytest.fixture
def records(world: Any) -> dict[str, Any]:
    """Requests, episodes, contacts, incidents and exclusions in program A (region A), program B (region B)
    and another network."""
    made: dict[str, Any] = {}
    for name, program in (("a", world.program_a), ("b", world.program_b), ("other", world.other_program)):
        made[f"request_{name}"] = RequestFactory(
            region=program.region, county=program.county, program=program, requester_name=f"Requester {name}",
            requester_email=f"requester-{name}@example.org", concern_text="Bites at lunch",
        )
        episode = EpisodeFactory(program=program)
        made[f"episode_{name}"] = episode
        made[f"contact_{name}"] = ContactFactory(episode=episode, notes=f"Secret note {name}")
        made[f"incident_{name}"] = IncidentFactory(child=ChildFactory(program=program, code=f"KID-{name}"),
                                                   notes=f"Incident note {name}")
        made[f"exclusion_{name}"] = ExclusionFactory(child=ChildFactory(program=program), notes="Exclusion note")
    return made


# --- permissions -------------------------------------------------------------------------------------


def test_admin_exports_the_networks_requests_and_nothing_from_another_network(client, world, records):
    # given the network admin
    admin = world.people["network_admin"]
    # when they export requests
    response = _export(client, admin, "requests")
    # then they get both regions' requests, and not the other network's
    assert response.status_code == 200
    references = {row["reference"] for row in _rows(response)}
    assert references == {records["request_a"].reference, records["request_b"].reference}


def test_coordinator_gets_only_her_regions_rows(client, world, records):
    response = _export(client, world.people["regional_coordinator"], "requests")
    assert [row["reference"] for row in _rows(response)] == [records["request_a"].reference]
    response = _export(client, world.people["regional_coordinator"], "incidents")
    assert [row["child_code"] for row in _rows(response)] == ["KID-a"]


def test_program_staff_export_their_programs_incidents_but_not_contacts(client, world, records):
    staff = world.people["program_staff"]
    assert [row["child_code"] for row in _rows(_export(client, staff, "incidents"))] == ["KID-a"]
    # contacts are clinical records: program staff never see them, so cannot export them
    assert _export(client, staff, "contacts").status_code == 404
    assert AccessEvent.objects.filter(user_id=staff.pk, action=Action.EXPORT, outcome=Outcome.DENIED).exists()


def test_without_export_download_nobody_exports_even_what_they_may_see(client, world, records):
    # given a consultant, who sees her own episodes but does not hold export.download
    consultant = world.people["consultant"]
    client.force_login(consultant)
    # then the centre and every export are a 404
    assert client.get(CENTRE).status_code == 404
    assert _export(client, consultant, "episodes").status_code == 404
    assert not _exports(consultant) or all(e.outcome == Outcome.DENIED for e in _exports(consultant))


def test_export_download_without_the_record_permission_gives_nothing(client, world, records):
    # program staff hold export.download but not consultant.view
    assert _export(client, world.people["program_staff"], "consultants").status_code == 404


def test_supervisor_exports_contacts_of_her_supervisees_only(client, world, records):
    supervisor = world.people["supervisor"]
    mine = EpisodeFactory(program=world.program_a, consultant=world.people["consultant"].consultant_profile)
    contact = ContactFactory(episode=mine)
    rows = _rows(_export(client, supervisor, "contacts"))
    assert [row["id"] for row in rows] == [str(contact.pk)]
    assert "notes" not in rows[0] and b"Secret note" not in _content(_export(client, supervisor, "contacts"))


def test_unknown_kind_or_format_is_refused(client, world, records):
    admin = world.people["network_admin"]
    assert _export(client, admin, "passwords").status_code == 200  # the form refuses: page shown again
    assert _export(client, admin, "requests", file_format="pdf").status_code == 200
    assert not _exports(admin)


IDENT, DEID = "identified", "deidentified"
MATRIX = {  # role -> the form of each kind it may export (None: a 404)
    "network_admin": dict.fromkeys(KINDS, IDENT),
    "regional_coordinator": dict.fromkeys(KINDS, IDENT),
    "supervisor": dict.fromkeys(KINDS, IDENT),
    "consultant": dict.fromkeys(KINDS),  # no export.download
    "program_staff": {**dict.fromkeys(KINDS, IDENT), "contacts": None, "consultants": None},
    "evaluator": {**dict.fromkeys(KINDS, DEID), "consultants": None},
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_permission_matrix(world, role):
    from abrazo.reports.export_kinds import form_for

    user = world.people[role]
    assert {key: form_for(user, kind) for key, kind in KINDS.items()} == MATRIX[role]


# --- formula neutralisation --------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_cells_that_would_run_as_formulas_are_neutralised(client, world, file_format):
    # given requests whose free-typed fields start with formula characters
    starts = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "plain"]
    for index, text in enumerate(starts):
        RequestFactory(region=world.region_a, requester_name=text, program_name=f"P{index}")
    # when the admin exports them
    response = _export(client, world.people["network_admin"], "requests", file_format=file_format)
    # then each is written with a leading apostrophe, and nothing else changes
    if file_format == "csv":
        names = sorted(row["requester_name"] for row in _rows(response))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(_content(response)), read_only=True).worksheets[0]
        header, *body = list(sheet.iter_rows(values_only=True))
        # A CR is stored as Excel's escape _x000D_, which Excel reads back as CR (openpyxl leaves it).
        names = sorted(row[header.index("requester_name")].replace("_x000D_", "\r") for row in body)
    assert names == sorted(["'" + text for text in starts[:-1]] + ["plain"])


def test_xlsx_is_readable_with_the_right_values_and_types(client, world, records):
    response = _export(client, world.people["network_admin"], "exclusions", file_format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(_content(response)))
    sheet = workbook.worksheets[0]
    header, *body = list(sheet.iter_rows(values_only=True))
    assert list(header) == KINDS["exclusions"].headers
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    exclusion = records["exclusion_a"]
    row = by_id[str(exclusion.pk)]
    assert row["kind"] == exclusion.kind
    assert row["days_lost"] == 0.5
    assert row["starts_on"].date() == exclusion.starts_on
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)  # no formulas at all


# --- evaluators: de-identified and suppressed ---------------------------------------------------------


def _many_requests(world: Any, count: int, **fields: Any) -> list[Any]:
    return [RequestFactory(region=world.region_a, county=county("06019"), **fields) for _ in range(count)]


def test_evaluator_gets_deidentified_requests_with_no_names_emails_phones_or_free_text(client, world):
    # given 12 requests in one county, setting and month, with names, emails, phones and a concern
    when = timezone.now().replace(day=15, hour=12)
    requests = _many_requests(world, 12, submitted_at=when, requester_phone="+1 559 555 0100",
                              concern_text="Toddler bites classmates", child_age_months=41)
    # when the evaluator exports requests
    response = _export(client, world.people["evaluator"], "requests")
    raw = _content(response)
    # then nothing identifying is anywhere in the bytes
    for request in requests:
        for secret in (request.requester_name, request.requester_email, request.program_name, request.reference,
                       str(request.pk), request.address_line1):
            assert secret.encode() not in raw
    assert b"555 0100" not in raw and b"bites" not in raw
    rows = _rows(response)
    assert len(rows) == 12
    assert set(rows[0]) == {c.header for c in KINDS["requests"].deidentified.columns}
    assert {row["month"] for row in rows} == {when.strftime("%Y-%m")}
    assert {row["child_age_years"] for row in rows} == {"3"}  # 41 months
    assert {row["request"] for row in rows} == {pseudonym("intake.request", r.pk) for r in requests}
    assert "deidentified" in response["Content-Disposition"]


def test_evaluator_pseudonyms_link_contacts_to_episodes(client, world):
    episodes = [EpisodeFactory(program=world.program_a) for _ in range(11)]
    for episode in episodes:
        ContactFactory(episode=episode, notes="Never exported")
    evaluator = world.people["evaluator"]
    episode_ids = {row["episode"] for row in _rows(_export(client, evaluator, "episodes"))}
    response = _export(client, evaluator, "contacts")
    assert {row["episode"] for row in _rows(response)} == episode_ids
    assert b"Never exported" not in _content(response)
    assert not any(str(episode.pk).encode() in _content(response) for episode in episodes)


def test_evaluator_programs_show_county_and_setting_never_the_name(client, world):
    response = _export(client, world.people["evaluator"], "programs")
    raw = _content(response)
    assert b"Sunrise Center" not in raw and b"Harbor Kids" not in raw
    assert {row["county"] for row in _rows(response)} == {world.program_a.county.name, world.program_b.county.name}


def test_small_groups_are_dropped_for_evaluators_with_a_complement(client, world):
    # given 12 requests in Fresno (region A) and 3 in Los Angeles (region B), same setting and month
    when = timezone.now().replace(day=10, hour=12)
    _many_requests(world, 12, submitted_at=when)
    small = [RequestFactory(region=world.region_b, county=county("06037"), submitted_at=when) for _ in range(3)]
    # when the evaluator exports them
    rows = _rows(_export(client, world.people["evaluator"], "requests"))
    # then the group of 3 is dropped, and so is the group of 12: with the network's total of 15 known, the
    # 12 alone would give the 3 back
    assert rows == []
    # and with another large group to hide behind, only the small one goes
    _many_requests(world, 20, submitted_at=when, setting_type="family_child_care")
    rows = _rows(_export(client, world.people["evaluator"], "requests"))
    assert len(rows) in (20, 32)
    assert not any(row["county"] == small[0].county.name for row in rows)


def test_network_threshold_is_used(client, world):
    from abrazo.equity.models import EquitySettings

    EquitySettings.objects.create(network=world.network, suppress_up_to=2)
    when = timezone.now().replace(day=10, hour=12)
    _many_requests(world, 5, submitted_at=when)
    _many_requests(world, 4, submitted_at=when, setting_type="family_child_care")
    assert len(_rows(_export(client, world.people["evaluator"], "requests"))) == 9


def test_nobody_else_gets_the_deidentified_form_and_evaluators_never_the_identified(client, world, records):
    # the admin's requests file has names; the evaluator's has none; evaluators cannot export consultants
    assert "requester_name" in _rows(_export(client, world.people["network_admin"], "requests"))[0]
    evaluator = world.people["evaluator"]
    assert _export(client, evaluator, "consultants").status_code == 404
    response = _export(client, evaluator, "programs")  # they hold program.view, but as an evaluator
    assert "name" not in _rows(response)[0]


# --- audit -------------------------------------------------------------------------------------------


def test_a_small_export_is_audited_once_with_its_ids_and_never_cell_values(client, world, records):
    admin = world.people["network_admin"]
    _content(_export(client, admin, "requests", date_from="2000-01-01"))
    (event,) = _exports(admin)
    assert event.object_type == "intake.request"
    assert set(event.object_ids) >= {str(records["request_a"].pk), str(records["request_b"].pk)}
    assert "format=csv" in event.object_ids and "from=2000-01-01" in event.object_ids
    assert not any("Requester" in value or "@" in value for value in event.object_ids)


# --- large exports: the queue ------------------------------------------------------------------------


def test_a_large_export_is_queued_built_emailed_downloaded_and_audited(client, world, records, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.ABRAZO_EXPORT_QUEUE_ROWS = 1
    admin = world.people["network_admin"]
    admin.preferred_language = "es"
    admin.save()
    # when the admin asks for more rows than the threshold
    with django_capture_on_commit_callbacks(execute=True):
        response = _export(client, admin, "requests", file_format="csv")
    # then the page comes back, the file is built by the task, and the owner is told in her language
    assert response.status_code == 302
    export = ExportFile.objects.get(owner=admin)
    assert export.status == ExportStatus.READY and export.row_count == 2 and export.size_bytes > 0
    assert export.expires_at - export.created_at >= dt.timedelta(days=6, hours=23)
    assert "media" in export.file.path and "exports" in export.file.path
    with pytest.raises(ValueError):
        export.file.url  # noqa: B018  (no public URL)
    (message,) = mail.outbox
    assert message.to == [admin.email] and message.extra_headers["Content-Language"] == "es"
    assert "/exports/" in message.body and "Requester" not in message.body
    queued = _exports(admin)
    assert len(queued) == 1 and queued[0].object_id == str(export.pk) and "rows=2" in queued[0].object_ids
    # the centre lists it
    page = client.get(CENTRE)
    assert reverse("exports:download", args=[export.pk]).encode() in page.content
    # when she downloads it
    download = client.get(reverse("exports:download", args=[export.pk]))
    rows = list(csv.DictReader(io.StringIO(_content(download).decode("utf-8-sig"))))
    assert {row["reference"] for row in rows} == {records["request_a"].reference, records["request_b"].reference}
    export.refresh_from_db()
    assert export.downloaded_at is not None
    assert len(_exports(admin)) == 2 and "download" in _exports(admin)[0].object_ids


def test_only_the_owner_downloads_and_permissions_are_checked_again(client, world, records, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.ABRAZO_EXPORT_QUEUE_ROWS = 0
    admin = world.people["network_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        _export(client, admin, "requests")
    export = ExportFile.objects.get(owner=admin)
    # another admin of the same network cannot download it
    other_admin = make_person(world.network, Role.NETWORK_ADMIN)
    client.force_login(other_admin)
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404
    assert client.post(reverse("exports:delete", args=[export.pk])).status_code == 404
    # the owner who lost export.download cannot either
    admin.memberships.update(is_active=False)
    client.force_login(admin)
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404


def test_failed_build_is_told(world, settings, django_capture_on_commit_callbacks):
    settings.ABRAZO_EXPORT_QUEUE_ROWS = 0
    admin = world.people["network_admin"]
    RequestFactory(region=world.region_a)
    with django_capture_on_commit_callbacks(execute=True):
        started = export_service.export_start(user=admin, kind_key="requests", file_format="csv")
    assert started.export is not None
    # a file queued for someone who has since lost the permission fails, and says so
    export = ExportFile.objects.create(owner=world.people["consultant"], network=world.network, kind="requests",
                                       file_format="csv", expires_at=timezone.now() + dt.timedelta(days=7))
    export_service.export_build(export_id=str(export.pk))
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and not export.file


def test_expired_files_are_deleted_by_the_command_and_on_access(client, world, records, settings,
                                                                django_capture_on_commit_callbacks):
    settings.ABRAZO_EXPORT_QUEUE_ROWS = 0
    admin = world.people["network_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        _export(client, admin, "requests")
        _export(client, admin, "incidents", file_format="xlsx")
    first, second = ExportFile.objects.order_by("created_at")
    paths = [first.file.path, second.file.path]
    ExportFile.objects.filter(pk=first.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    # on access: the download of an expired file is a 404 and the file is gone
    assert client.get(reverse("exports:download", args=[first.pk])).status_code == 404
    first.refresh_from_db()
    assert first.status == ExportStatus.EXPIRED and not first.file
    import os

    assert not os.path.exists(paths[0]) and os.path.exists(paths[1])
    # by the command
    ExportFile.objects.filter(pk=second.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    out = io.StringIO()
    call_command("expire_exports", stdout=out)
    assert "1 export" in out.getvalue()
    from abrazo.reports.tasks import expire_exports

    assert expire_exports.enqueue().return_value == 0  # the same, as a task: nothing left to expire
    second.refresh_from_db()
    assert second.status == ExportStatus.EXPIRED and not os.path.exists(paths[1])


def test_delete_removes_the_file(client, world, records, settings, django_capture_on_commit_callbacks):
    settings.ABRAZO_EXPORT_QUEUE_ROWS = 0
    admin = world.people["network_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        _export(client, admin, "requests")
    export = ExportFile.objects.get()
    path = export.file.path
    assert client.post(reverse("exports:delete", args=[export.pk])).status_code == 302
    export.refresh_from_db()
    import os

    assert export.status == ExportStatus.DELETED and not os.path.exists(path)
    assert reverse("exports:download", args=[export.pk]).encode() not in client.get(CENTRE).content


# --- query counts ------------------------------------------------------------------------------------


def test_centre_page_query_count(client, world, django_assert_max_num_queries):
    admin = world.people["network_admin"]
    for _ in range(5):
        ExportFile.objects.create(owner=admin, network=world.network, kind="requests", file_format="csv",
                                  status=ExportStatus.READY, expires_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(CENTRE)
    assert response.status_code == 200 and response.content.count(b"/download/") == 5


def test_small_export_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    admin = world.people["network_admin"]
    for _ in range(30):
        ContactFactory(episode=EpisodeFactory(program=ProgramFactory(network=world.network, region=world.region_a,
                                                                     county=county("06019"))))
    client.force_login(admin)
    with django_assert_max_num_queries(14):
        assert len(_rows(client.post(CENTRE, {"kind": "contacts", "file_format": "csv"}))) == 30


def test_consultant_profiles_export_for_admin(client, world):
    rows = _rows(_export(client, world.people["network_admin"], "consultants"))
    assert [row["email"] for row in rows] == [world.people["consultant"].email]
    assert ConsultantProfileFactory  # the factory is the way to add more in other tests


def test_the_exports_centre_is_in_the_navigation_of_those_who_may_export(client, world):
    client.force_login(world.people["network_admin"])
    assert reverse("exports:centre").encode() in client.get("/").content
    client.force_login(world.people["consultant"])
    assert reverse("exports:centre").encode() not in client.get("/").content


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_reports_table_exports_with_export_download_and_is_audited(rf, world, file_format):
    from django.http import Http404

    header, rows = ["county", "requests"], [["=Fresno", 12], ["Los Angeles", "1-10"]]
    admin = world.people["network_admin"]
    response = export_service.export_table_response(
        user=admin, name="funnel", header=header, rows=rows, file_format=file_format,
        object_type="reports.funnel", audit_extra=["period=2025"])
    raw = _content(response)
    if file_format == "csv":
        assert raw == b"\xef\xbb\xbfcounty,requests\r\n'=Fresno,12\r\nLos Angeles,1-10\r\n"
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(raw)).worksheets[0]
        assert list(sheet.iter_rows(values_only=True)) == [("county", "requests"), ("'=Fresno", 12),
                                                            ("Los Angeles", "1-10")]
    (event,) = _exports(admin)
    assert event.object_type == "reports.funnel" and event.object_ids == [f"format={file_format}", "period=2025"]
    with pytest.raises(Http404):
        export_service.export_table_response(user=world.people["consultant"], name="funnel", header=header,
                                             rows=rows, file_format=file_format, object_type="reports.funnel")
