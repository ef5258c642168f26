"""The certificate of completion: its printable page, its PDF, its public check, and who may see it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from abrazo.audit.models import AccessEvent
from abrazo.workforce import certificates
from abrazo.workforce.models import ParticipantStatus
from abrazo.workforce.tests.factories_cohort import cohort_with_sessions, graduate

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def rosa(world):
    """A graduate of a region A cohort of nine 3-hour sessions (27 CE hours), completed 12 September 2026."""
    world.network.contact_email = "training@golden.example"
    world.network.save()
    cohort = cohort_with_sessions(network=world.network, region=world.region_a, sessions=9, name="Cohort 2026",
                                  starts_on=date(2026, 1, 15), ends_on=date(2026, 9, 12))
    return graduate(cohort=cohort, full_name="Rosa Peña Delgado", preferred_language="es",
                    number="ABZ-2026-0007")


def pdf_title(pdf: bytes) -> str:
    """The document's /Title, which fpdf2 writes as UTF-16 hex (non-ASCII) or a literal string."""
    found = re.search(rb"/Title\s*(<[0-9a-fA-F]+>|\((?:[^()\\]|\\.)*\))", pdf)
    assert found, "no /Title in the PDF"
    value = found.group(1)
    if value.startswith(b"<"):
        return bytes.fromhex(value[1:-1].decode()).decode("utf-16")
    return value[1:-1].decode("latin-1")


# --- what it says ----------------------------------------------------------------------------------------


def test_content_in_english(world, rosa):
    content = certificates.content_for(rosa.participant, ce_hours=D(27), token=rosa.token, language="en")
    assert (content.name, content.cohort, content.network, content.number) == (
        "Rosa Peña Delgado", "Cohort 2026", "Golden State Network", "ABZ-2026-0007")
    assert content.hours == "27 continuing-education hours"
    assert content.dates == "from January 15, 2026 to September 12, 2026"
    assert content.issued == "Issued on September 12, 2026 by Golden State Network"
    assert content.verify_url.endswith(f"/workforce/certificates/{rosa.token}/")
    assert content.verification == f"Check that this certificate is valid at {content.verify_url}"


def test_content_in_the_graduates_language_and_without_a_link_when_none_is_known(world, rosa):
    content = certificates.content_for(rosa.participant, ce_hours=D("25.5"), token=None)
    assert content.language == "es"
    # Django's own Spanish formats the dates and the decimal comma
    assert "15 de enero de 2026" in content.dates and "12 de septiembre de 2026" in content.dates
    assert "25,5" in content.hours
    assert content.verify_url == ""
    assert "training@golden.example" in content.verification


# --- the printable page ----------------------------------------------------------------------------------


def test_staff_certificate_page_prints_the_certificate_in_the_graduates_language(client, world, rosa):
    client.force_login(world.people["network_admin"])
    response = client.get(reverse("workforce:certificate", args=[rosa.participant.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<article class="certificate" lang="es"' in html
    for text in ("Rosa Peña Delgado", "Cohort 2026", "ABZ-2026-0007", "Golden State Network", "27"):
        assert text in html
    assert "workforce/certificate.css" in html
    # not issued in this session: no link on it, and the page says how to get one
    assert rosa.token not in html
    assert reverse("workforce:certificate-reissue", args=[rosa.participant.pk]) in html


def test_staff_may_show_it_in_the_other_language(client, world, rosa):
    client.force_login(world.people["network_admin"])
    response = client.get(reverse("workforce:certificate", args=[rosa.participant.pk]) + "?language=en")
    assert '<article class="certificate" lang="en"' in response.content.decode()
    assert "September 12, 2026" in response.content.decode()


@pytest.mark.parametrize(("role", "expected"), [
    ("network_admin", 200), ("regional_coordinator", 200), ("supervisor", 404), ("evaluator", 404),
    ("consultant", 404), ("program_staff", 404),
])
def test_who_may_see_the_certificate(client, world, rosa, role, expected):
    client.force_login(world.people[role])
    for name in ("workforce:certificate", "workforce:certificate-pdf"):
        assert client.get(reverse(name, args=[rosa.participant.pk])).status_code == expected


def test_a_coordinator_cannot_see_certificates_of_another_region(client, world):
    done = graduate(cohort=cohort_with_sessions(network=world.network, region=world.region_b))
    client.force_login(world.people["regional_coordinator"])
    for name in ("workforce:certificate", "workforce:certificate-pdf", "workforce:certificate-reissue"):
        assert client.get(reverse(name, args=[done.participant.pk])).status_code == 404


def test_no_certificate_before_completion(client, world):
    from abrazo.workforce.tests.factories_cohort import ParticipantFactory

    person = ParticipantFactory(cohort=cohort_with_sessions(network=world.network))
    client.force_login(world.people["network_admin"])
    response = client.get(reverse("workforce:certificate", args=[person.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("workforce:participant-detail", args=[person.pk])


# --- the PDF ---------------------------------------------------------------------------------------------


def test_pdf_for_staff(client, world, rosa):
    client.force_login(world.people["network_admin"])
    response = client.get(reverse("workforce:certificate-pdf", args=[rosa.participant.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="abz-2026-0007-rosa-pena-delgado.pdf"' in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pdf_title(pdf).endswith(": Rosa Peña Delgado")


def test_pdf_text_is_readable_uncompressed_with_the_built_in_font(world, rosa):
    # given the certificate drawn with Helvetica (Latin-1) and no compression
    content = certificates.content_for(rosa.participant, ce_hours=D(27), token=rosa.token, language="en")
    pdf = certificates.render_pdf(content, font_dir=None, compress=False)
    # then the page's text is in the file as written, Spanish letters included
    assert pdf.startswith(b"%PDF-")
    for text in ("Rosa Peña Delgado", "Cohort 2026", "27 continuing-education hours", "ABZ-2026-0007",
                 "Golden State Network", "Issued on September 12, 2026"):
        assert f"({text}".encode("latin-1") in pdf or f"{text})".encode("latin-1") in pdf, text
    assert content.verify_url.encode() in pdf  # in the text and as the link's target


def test_pdf_with_a_unicode_font_when_the_machine_has_one(world, rosa):
    folder = certificates._font_dir()
    if folder is None:
        pytest.skip("no DejaVu fonts on this machine; the built-in font is used (tested above)")
    content = certificates.content_for(rosa.participant, ce_hours=D(27), token=None, language="en")
    pdf = certificates.render_pdf(content, compress=False)
    assert b"DejaVuSans" in pdf
    assert pdf_title(pdf) == "Certificate of completion: Rosa Peña Delgado"


@pytest.mark.django_db(False)
def test_the_font_folder_is_read_from_the_environment(tmp_path):
    # given an operator who sets ABRAZO_PDF_FONT_DIR in the environment, as the operator guide says
    import os
    import subprocess
    import sys

    environment = {**os.environ, "ABRAZO_PDF_FONT_DIR": str(tmp_path), "ABRAZO_ENV": "test",
                   "DJANGO_SETTINGS_MODULE": "abrazo.settings"}
    # when the settings are loaded
    shown = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.ABRAZO_PDF_FONT_DIR)"],
        env=environment, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    # then the setting holds the folder
    assert shown == str(tmp_path)


def test_a_configured_font_folder_is_tried_first(settings, tmp_path):
    # given the two DejaVu files in a folder of the operator's choosing
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"")
    (tmp_path / "DejaVuSans-Bold.ttf").write_bytes(b"")
    settings.ABRAZO_PDF_FONT_DIR = str(tmp_path)
    # then that folder is used; and one missing a file is passed over for the system's folders
    assert certificates._font_dir() == tmp_path
    (tmp_path / "DejaVuSans-Bold.ttf").unlink()
    assert certificates._font_dir() != tmp_path

def test_letters_helvetica_cannot_draw_lose_only_their_accents():
    assert certificates.latin1("Nguyễn Thị Peña") == "Nguyen Thi Peña"
    assert certificates.latin1("李") == "?"


# --- public verification ---------------------------------------------------------------------------------


def test_verification_of_a_valid_certificate(client, rosa):
    # given anyone, signed out, holding the graduate's link
    response = client.get(reverse("workforce:certificate-verify", args=[rosa.token]))
    # then it says valid, with the name, the training, the hours and the date, in the graduate's language
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Rosa Peña Delgado", "Cohort 2026", "ABZ-2026-0007", "27", "septiembre"):
        assert text in html
    assert response.context["c"].valid
    assert response["Content-Language"] == "es"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert reverse("workforce:certificate-verify-pdf", args=[rosa.token]) in html
    # and the look-up is in the ledger, with no user
    assert AccessEvent.objects.filter(user_id=None, object_type="workforce.participant",
                                      object_id=str(rosa.participant.pk), outcome="allowed").exists()


def test_the_graduate_downloads_their_pdf_from_the_link(client, rosa):
    response = client.get(reverse("workforce:certificate-verify-pdf", args=[rosa.token]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("token", ["x" * 43, "not-a-real-secret", "a" * 101])
def test_an_unknown_link_says_so_plainly(client, rosa, token):
    response = client.get(reverse("workforce:certificate-verify", args=[token]))
    assert response.status_code == 404
    assert "This link does not name a certificate." in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert client.get(reverse("workforce:certificate-verify-pdf", args=[token])).status_code == 404


def test_a_withdrawn_certificate_says_not_valid(client, world, rosa):
    participant = rosa.participant
    participant.status = ParticipantStatus.WITHDRAWN
    participant.save()
    response = client.get(reverse("workforce:certificate-verify", args=[rosa.token]))
    assert response.status_code == 200
    assert not response.context["c"].valid
    html = response.content.decode()
    assert "Rosa Peña Delgado" in html
    assert 'class="certificate"' not in html  # the certificate itself is not shown
    assert "27 continuing" not in html
    assert AccessEvent.objects.filter(user_id=None, object_id=str(participant.pk), outcome="denied").exists()
    pdf = client.get(reverse("workforce:certificate-verify-pdf", args=[rosa.token]))
    assert pdf.status_code == 302


def test_reissuing_through_the_page_gives_the_staff_member_the_new_link_once(client, world, rosa):
    client.force_login(world.people["regional_coordinator"])
    url = reverse("workforce:certificate-reissue", args=[rosa.participant.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, follow=True)
    new_url = response.context["c"].verify_url
    assert new_url and rosa.token not in new_url
    assert client.get(reverse("workforce:certificate-verify", args=[rosa.token])).status_code == 404
    # the PDF printed from this session carries the new link
    client.get(reverse("workforce:certificate-pdf", args=[rosa.participant.pk]))
    token = new_url.rstrip("/").rsplit("/", 1)[-1]
    content = certificates.content_for(rosa.participant, ce_hours=D(27), token=token)
    assert content.verify_url == new_url
    # another staff member's session does not have it
    client.force_login(world.people["network_admin"])
    other = client.get(reverse("workforce:certificate", args=[rosa.participant.pk]))
    assert other.context["c"].verify_url == ""


def test_a_visitor_who_picked_a_language_reads_the_check_in_it(client, rosa):
    # given an employer who switched the site to English before opening a Spanish speaker's link
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("workforce:certificate-verify", args=[rosa.token]))
    assert response["Content-Language"] == "en"
    assert "September 12, 2026" in response.content.decode()
    assert response.context["c"].hours_value == "27"
