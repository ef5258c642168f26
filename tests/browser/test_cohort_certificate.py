"""Training in a browser: the region's coordinator records a cohort's attendance on the sheet, ticks an
assignment, completes a participant, prints her certificate and downloads the PDF; the graduate, signed out,
opens the link from her email (in Spanish) and sees her certificate is valid. axe-core checks every page.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from abrazo.workforce.models import Attendance, ParticipantStatus
from abrazo.workforce.tests.factories_cohort import ParticipantFactory, cohort_with_sessions
from tests.browser.conftest import Pages
from tests.browser.test_service_loop import sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_attendance_completion_certificate_and_its_public_check(live_server, browser, page, pages: Pages, world):
    # given a region A cohort of two 3-hour sessions and one required assignment, with two participants
    cohort = cohort_with_sessions(network=world.network, region=world.region_a, sessions=2, assignments=1,
                                  name="Central Valley Cohort")
    rosa = ParticipantFactory(cohort=cohort, full_name="Rosa Peña", preferred_language="es",
                              email="rosa@example.org")
    ParticipantFactory(cohort=cohort, full_name="Luis Soto")
    sign_in_as(page, live_server, world.people["regional_coordinator"])

    # when the coordinator records both sessions, everyone present
    page.goto(live_server.url + reverse("workforce:cohort-detail", args=[cohort.pk]))
    pages.visit_step("cohort")
    for number in (1, 2):
        page.get_by_role("link", name=f"Attendance of session {number}").click()
        page.get_by_role("link", name="Show everyone not yet recorded as present").click()
        pages.visit_step(f"attendance-{number}")
        page.get_by_role("button", name="Save the attendance").click()
        page.wait_for_load_state()
        assert page.get_by_text("Saved: 2 added, 0 changed, 0 cleared.").is_visible()
    assert Attendance.objects.filter(participant=rosa, hours=Decimal(3)).count() == 2

    # and ticks Rosa's assignment
    page.get_by_role("link", name="Who has done it (Assignment 1)").click()
    pages.visit_step("assignment-grid")
    page.get_by_label("Rosa Peña", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    # then Rosa meets the rule, and completing her shows her certificate
    page.get_by_role("link", name="Rosa Peña").click()
    pages.visit_step("participant")
    assert page.get_by_text("Meets the completion rule.").is_visible()
    page.get_by_role("link", name="Mark as completed").click()
    pages.visit_step("complete")
    page.get_by_role("button", name="Mark as completed").click()
    page.wait_for_load_state()
    rosa.refresh_from_db()
    assert rosa.status == ParticipantStatus.COMPLETED
    certificate = page.locator("article.certificate")
    assert certificate.get_attribute("lang") == "es"
    assert "Rosa Peña" in certificate.inner_text() and rosa.certificate_number in certificate.inner_text()
    pages.visit_step("certificate")
    # on paper only the certificate is printed
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("link", name="PDF").is_visible()
    assert certificate.is_visible()
    pages.screenshot("certificate-print")
    page.emulate_media(media="screen")
    # and the PDF downloads
    pdf = page.request.get(live_server.url + reverse("workforce:certificate-pdf", args=[rosa.pk]))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")

    # when Rosa, signed out, opens the link from her email
    assert [message.to for message in mail.outbox] == [["rosa@example.org"]]
    path = re.search(r"/workforce/certificates/[A-Za-z0-9_-]+/", mail.outbox[0].body).group(0)
    page.context.clear_cookies()
    page.goto(live_server.url + path)
    # then her certificate is shown as valid, in Spanish
    pages.visit_step("verify")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("article.certificate").is_visible()
    assert "Rosa Peña" in page.locator("main").inner_text()
