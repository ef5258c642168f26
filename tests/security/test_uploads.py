"""Every upload refuses what it must, says why in the person's language, and stores nothing it refused.

The doors files come in through: the signed consent form of an episode, the library's PDF (a visitor's
suggestion; curators' pages share its check, resource_services.check_upload), the directory, roster and
incident imports (CSV or XLSX, one form), the REDCap data dictionary and record files, and a scale's norm
table. Each is sent an oversize file, a "PDF" or "workbook" that is really HTML, an XLSX zip bomb and a file
carrying the EICAR anti-virus test string; stored names are generated, whatever name the browser sends; and a
signed consent form is reachable only through its authorised, audited download.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from abrazo.audit.models import AccessEvent, Outcome
from abrazo.consultations.models import Consent
from abrazo.library.models import Resource
from abrazo.library.tests.factories_curation import form_key, suggestion_answers
from abrazo.measures.models import NormTable
from tests.security.matrix import MatrixWorld

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF_START = b"%PDF-1.4\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def eicar() -> bytes:
    """The EICAR test string, assembled here so that no file of the repository holds it whole."""
    parts = ["X5O!P%@AP[4\\PZX54(P^)", "7CC)7}$EICAR-STANDARD-", "ANTIVIRUS-TEST-", "FILE!$H+H*"]
    return "".join(parts).encode("ascii")


def zip_bomb(unpacked_mb: int = 300) -> bytes:
    """A tiny .xlsx whose one sheet unpacks to `unpacked_mb` MB of XML (zeros compress about a thousandfold)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"0" * MB
            for _ in range(unpacked_mb):
                sheet.write(block)
    return buffer.getvalue()


@dataclass(frozen=True)
class Message:
    """A message as its catalogue id and arguments, so it can be looked up in English and in Spanish."""

    msgid: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        with translation.override(language):
            translated = translation.gettext(self.msgid)
        return translated % self.arguments if self.arguments else translated


MALWARE = Message(
    "This file was refused: it carries the signature of a known virus test file. Nothing was saved. "
    "If you believe the file is safe, ask your administrator."
)


@dataclass(frozen=True)
class Door:
    name: str
    role: str  # who uploads ("anonymous" for the public suggestion form)
    url: Callable[[MatrixWorld], str]
    field: str
    data: Callable[[Client, str, MatrixWorld], dict[str, Any]]  # the rest of the form
    stored: Callable[[MatrixWorld], int]  # rows the upload would create
    kind: str  # "pdf" or "table" (CSV; "xlsx" too when `xlsx` is set)
    max_bytes: int
    messages: dict[str, Message]  # attack -> what the page must say


def _consent_data(client: Client, url: str, world: MatrixWorld) -> dict[str, Any]:
    return {
        "given_by_name": "Luis Ortega",
        "relationship": "guardian",
        "scope": "Observation",
        "given_on": timezone.localdate().isoformat(),
    }


def _suggestion_data(client: Client, url: str, world: MatrixWorld) -> dict[str, Any]:
    return suggestion_answers(url="", submission_key=form_key(client, url))


def _nothing(client: Client, url: str, world: MatrixWorld) -> dict[str, Any]:
    return {}


NOT_A_PDF = Message("This file is not a PDF, whatever its name says. Upload a PDF file, or give a link.")
CONSENT_TYPE = Message("Upload the signed form as a PDF, JPEG or PNG file.")
IMPORT_MESSAGES = {
    "oversize": Message("The file is larger than %(size)s MB. Split it into smaller files.", {"size": 20}),
    "disguised": Message("The file is not a valid XLSX workbook. Save it again as XLSX or CSV."),
    "zip_bomb": Message(
        "The workbook unpacks to far more data than it holds, so it was not opened. "
        "Save it again from your spreadsheet program, or save it as CSV."
    ),
    "eicar": MALWARE,
}

DOORS = (
    Door(
        "consent form",
        "consultant",
        lambda w: reverse("consultations:consent-new", args=[w.objects["episode_a"].pk]),
        "form",
        _consent_data,
        lambda w: Consent.objects.count(),
        "pdf",
        10 * MB,
        {
            "oversize": Message("The signed form is larger than 10 MB."),
            "disguised": CONSENT_TYPE,
            "zip_bomb": CONSENT_TYPE,
            "eicar": MALWARE,
        },
    ),
    Door(
        "library suggestion",
        "anonymous",
        lambda w: reverse("library:suggest"),
        "file",
        _suggestion_data,
        lambda w: Resource.objects.count(),
        "pdf",
        10 * MB,
        {
            "oversize": Message(
                "The file is larger than %(most)d MB. Send a smaller PDF, or a link to it instead.", {"most": 10}
            ),
            "disguised": NOT_A_PDF,
            "zip_bomb": NOT_A_PDF,
            "eicar": MALWARE,
        },
    ),
    Door(
        "roster import",
        "program_staff",
        lambda w: reverse("incidents:import-roster", args=[w.objects["program_a"].pk]),
        "file",
        _nothing,
        lambda w: _children(),
        "xlsx",
        20 * MB,
        IMPORT_MESSAGES,
    ),
    Door(
        "incident import",
        "program_staff",
        lambda w: reverse("incidents:import-incidents", args=[w.objects["program_a"].pk]),
        "file",
        _nothing,
        lambda w: _incidents(),
        "xlsx",
        20 * MB,
        IMPORT_MESSAGES,
    ),
    Door(
        "directory import",
        "network_admin",
        lambda w: reverse("directory:import-upload", args=["programs"]),
        "file",
        _nothing,
        lambda w: _programs(),
        "xlsx",
        20 * MB,
        IMPORT_MESSAGES,
    ),
    Door(
        "REDCap record file",
        "network_admin",
        lambda w: reverse("measures:records-import", args=[w.objects["instrument_a"].pk]),
        "file",
        _nothing,
        lambda w: _administrations(),
        "csv",
        20 * MB,
        {
            "oversize": Message("The file is larger than 20 MB; export fewer records at a time."),
            "zip_bomb": Message("Choose the export's CSV file."),
            "eicar": MALWARE,
        },
    ),
    Door(
        "REDCap data dictionary",
        "network_admin",
        lambda w: reverse("measures:redcap-import"),
        "file",
        lambda c, u, w: {"network": str(w.objects["network"].pk)},
        lambda w: _instruments(),
        "csv",
        5 * MB,
        {
            "oversize": Message("The file is larger than 5 MB; a data dictionary is much smaller."),
            "zip_bomb": Message("Choose the dictionary's CSV file."),
            "eicar": MALWARE,
        },
    ),
    Door(
        "norm table",
        "network_admin",
        lambda w: reverse("measures:norm-upload", args=[w.objects["scale_a"].pk]),
        "file",
        lambda c, u, w: {"source": "Manual, 2nd ed., table B.3"},
        lambda w: NormTable.objects.count(),
        "xlsx",
        20 * MB,
        # The norm page translates the spreadsheet reader's refusals (the same words as the imports where the
        # advice is the same, so the catalogue already has them in Spanish).
        {
            "oversize": Message(
                "The file is larger than %(size)s MB; a norm table is far smaller. Check that you chose the "
                "table's file.",
                {"size": 20},
            ),
            "disguised": Message("The file is not a valid XLSX workbook. Save it again as XLSX or CSV."),
            "zip_bomb": Message(
                "The workbook unpacks to far more data than it holds, so it was not opened. "
                "Save it again from your spreadsheet program, or save it as CSV."
            ),
            "eicar": MALWARE,
        },
    ),
)


def _children() -> int:
    from abrazo.incidents.models import Child

    return Child.objects.count()


def _incidents() -> int:
    from abrazo.incidents.models import Incident

    return Incident.objects.count()


def _programs() -> int:
    from abrazo.directory.models import Program

    return Program.objects.count()


def _administrations() -> int:
    from abrazo.measures.models import Administration

    return Administration.objects.count()


def _instruments() -> int:
    from abrazo.measures.models import Instrument

    return Instrument.objects.count()


def attack_file(door: Door, attack: str) -> tuple[str, bytes]:
    """The file name and bytes of one attack, shaped for the door (a PDF door gets PDF-looking files)."""
    if attack == "oversize":
        if door.kind == "pdf":
            return "big.pdf", PDF_START + b"0" * door.max_bytes
        return "big.csv", b"code,name\n" + b"A-1,x\n" * (door.max_bytes // 6 + 1)
    if attack == "disguised":
        return ("form.pdf", HTML) if door.kind == "pdf" else ("roster.xlsx", HTML)
    if attack == "zip_bomb":
        return "roster.xlsx", zip_bomb()
    if attack == "eicar":
        if door.kind == "pdf":
            return "form.pdf", PDF_START + eicar() + b"\n%%EOF\n"
        return "roster.csv", b"code,name\nA-1," + eicar() + b"\n"
    raise AssertionError(attack)


def client_for(door: Door, world: MatrixWorld, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if door.role != "anonymous":
        person = world.people[door.role]
        person.preferred_language = language
        person.save(update_fields=["preferred_language"])
        client.force_login(person)
    return client


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


CASES = [(door, attack) for door in DOORS for attack in door.messages]


@pytest.mark.parametrize(("door", "attack"), CASES, ids=[f"{d.name}-{a}" for d, a in CASES])
def test_a_dangerous_upload_is_refused_with_a_clear_message_and_nothing_is_stored(matrix_world, settings, door, attack):
    # given the person who may use this upload, and what it holds before
    client = client_for(door, matrix_world)
    url = door.url(matrix_world)
    before = door.stored(matrix_world)
    files_before = files_under(Path(settings.MEDIA_ROOT))  # the matrix world keeps files of its own
    name, content = attack_file(door, attack)
    # when they send the file
    response = client.post(url, {**door.data(client, url, matrix_world), door.field: SimpleUploadedFile(name, content)})
    # then the page comes back with the reason, and nothing was created or written to disk
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    assert escape(door.messages[attack].text("en")) in response.content.decode()
    assert door.stored(matrix_world) == before
    assert files_under(Path(settings.MEDIA_ROOT)) == files_before


SPANISH_CASES = [(door, attack) for door in DOORS for attack in ("eicar", "zip_bomb")]


@pytest.mark.parametrize(("door", "attack"), SPANISH_CASES, ids=[f"{d.name}-{a}" for d, a in SPANISH_CASES])
def test_the_refusal_is_in_the_person_s_language(matrix_world, door, attack):
    # given someone whose language is Spanish (their account's, or the visitor's browser's)
    client = client_for(door, matrix_world, "es")
    url = door.url(matrix_world)
    name, content = attack_file(door, attack)
    # when the upload is refused
    response = client.post(url, {**door.data(client, url, matrix_world), door.field: SimpleUploadedFile(name, content)})
    # then the page says why in Spanish (the catalogue's words; a message not yet translated shows in English
    # until the lead adds it to the catalogue)
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="es">' in page
    spanish = door.messages[attack].text("es")
    assert escape(spanish) in page
    if attack == "zip_bomb":
        assert spanish != door.messages[attack].text("en"), "the catalogue has this message in Spanish"


# --- names --------------------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\x.pdf",
    "form\x00.pdf",
    "form\n.pdf",
    "/etc/cron.d/x.pdf",
    "C:\\Windows\\x.pdf",
    "....//....//x.pdf",
]


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand: Django's test client would strip the directories from a file name,
    and a hostile browser does not."""
    boundary = "AbrazoBoundary7MA4YWxkTrZu0gW"
    lines: list[bytes] = []
    for key, value in fields.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{key}"'.encode(),
            b"",
            value.encode(),
        ]
    lines += [
        f"--{boundary}".encode(),
        b'Content-Disposition: form-data; name="'
        + file_field.encode()
        + b'"; filename="'
        + filename.encode("utf-8", "surrogateescape")
        + b'"',
        b"Content-Type: application/pdf",
        b"",
        content,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_a_consent_form_is_stored_under_a_generated_name_whatever_it_is_called(matrix_world, settings, hostile):
    # given the consultant of an episode and a real PDF sent under a hostile name
    door = DOORS[0]
    client = client_for(door, matrix_world)
    url = door.url(matrix_world)
    root = Path(settings.MEDIA_ROOT).resolve()
    files_before = set(files_under(root))
    consents_before = list(Consent.objects.values_list("pk", flat=True))
    body, content_type = multipart(door.data(client, url, matrix_world), "form", hostile, PDF_START + b"1 0 obj\n")
    # when it is uploaded
    response = client.post(url, body, content_type=content_type)
    # then the consent is recorded, and its file sits in the consent folder under a random name of its own
    assert response.status_code == 302, response.content.decode()[:500]
    consent = Consent.objects.exclude(pk__in=consents_before).get(episode=matrix_world.objects["episode_a"])
    stored = set(files_under(root)) - files_before
    assert stored == {root / "consent" / consent.form.name}
    stem, extension = os.path.splitext(consent.form.name)
    assert len(stem) == 32 and all(ch in "0123456789abcdef" for ch in stem) and extension == ".pdf"
    # and what is kept of the sender's name has no directories, no control characters
    kept = consent.form_original_name
    assert "/" not in kept and "\\" not in kept and ".." not in kept.replace("....", "")
    assert all(ch.isprintable() for ch in kept)


# --- reaching a stored form -------------------------------------------------------------------------------------


@pytest.fixture
def consent_with_form(matrix_world: MatrixWorld) -> Consent:
    door = DOORS[0]
    client = client_for(door, matrix_world)
    url = door.url(matrix_world)
    consents_before = list(Consent.objects.values_list("pk", flat=True))
    response = client.post(
        url,
        {
            **door.data(client, url, matrix_world),
            "form": SimpleUploadedFile("Ortega family consent.pdf", PDF_START + b"signed"),
        },
    )
    assert response.status_code == 302
    return Consent.objects.exclude(pk__in=consents_before).get(episode=matrix_world.objects["episode_a"])


def test_a_signed_form_has_no_media_url_and_media_is_not_served(matrix_world, consent_with_form, settings):
    # given a stored signed form
    name = consent_with_form.form.name
    # then the storage refuses to make a URL for it, so no template can link to it
    with pytest.raises(ValueError, match="no public URL"):
        consent_with_form.form.url  # noqa: B018
    # and no URL under MEDIA_URL answers with it, signed in or not
    for path in (f"{settings.MEDIA_URL}consent/{name}", f"/media/consent/{name}", f"/consent/{name}"):
        for client in (Client(), client_for(DOORS[0], matrix_world)):
            response = client.get(path)
            assert response.status_code in (302, 404), (path, response.status_code)
            assert b"signed" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_the_download_is_authorised_private_an_attachment_and_audited(matrix_world, consent_with_form):
    url = reverse("consultations:consent-form", args=[consent_with_form.pk])
    # given the consultant who recorded it
    client = client_for(DOORS[0], matrix_world)
    before = AccessEvent.objects.count()
    # when they download it
    response = client.get(url)
    # then it comes as an attachment, never kept by a cache, under the sender's (sanitised) name
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_START + b"signed"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    # and the ledger has one event: this person exported this consent
    events = list(AccessEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_id, e.outcome, e.user_id) for e in events] == [
        ("export", str(consent_with_form.pk), Outcome.ALLOWED, matrix_world.people["consultant"].pk)
    ]


@pytest.mark.parametrize("role", ["program_staff", "evaluator", "regional_coordinator"])
def test_the_download_is_a_404_outside_scope_and_the_refusal_is_audited(matrix_world, consent_with_form, role):
    # given people who may not read signed forms of this episode
    url = reverse("consultations:consent-form", args=[consent_with_form.pk])
    client = Client()
    client.force_login(matrix_world.people[role])
    before = AccessEvent.objects.count()
    # when they ask for it, then it does not exist for them, and the refusal is in the ledger
    response = client.get(url)
    assert response.status_code == 404
    events = list(AccessEvent.objects.order_by("id")[before:])
    assert [(e.outcome, e.user_id) for e in events] == [(Outcome.DENIED, matrix_world.people[role].pk)]
