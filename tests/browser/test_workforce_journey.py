"""Becoming a consultant, in a browser (issue 6's quality bar): a person with no account applies to a training
cohort in Spanish on a phone; a network administrator, signed in with a password and an authenticator code,
reviews and accepts the application (the decision is emailed in Spanish) and enrols her; the cohort's sessions
are recorded; she is completed, her certificate shows her name and hours on the page and in the PDF, and the
link emailed to her proves it is valid to anyone, signed out. axe-core checks every page.

The Spanish texts are looked up in the Spanish catalogue rather than written here, so the journey holds while
the workforce pages wait for their translation; what Django itself writes in Spanish (months, decimal commas)
and the language the pages declare are checked as they are.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.tests.factories import TOTP_SECRET
from abrazo.workforce.models import (
    Application,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    Participant,
    ParticipantStatus,
)
from abrazo.workforce.tests.factories_cohort import ParticipantFactory
from tests.browser.conftest import Pages
from tests.browser.test_coordinator_journey import sign_in
from tests.browser.workforce_pages import (
    messages_to,
    pdf_text,
    phone_context,
    recruiting_cohort,
    run_cohort,
    spanish,
    spanish_date,
    spanish_number,
)

pytestmark = pytest.mark.django_db(transaction=True)

COHORT = "Central Valley Cohort 2026"
GIVEN, FAMILY = "Ana Lucía", "Gómez Herrera"
NAME = f"{GIVEN} {FAMILY}"
EMAIL = "ana.gomez@example.org"
SESSION_HOURS = Decimal("2.5")
SESSIONS = 3  # 7.5 hours in all: "7,5" in Spanish


def fill_application(form: Any, *, county: str) -> None:
    form.locator("#id_given_name").fill(GIVEN)
    form.locator("#id_family_name").fill(FAMILY)
    form.locator("#id_email").fill(EMAIL)
    form.locator("#id_phone").fill("559-555-0142")
    form.locator("#id_county").select_option(county)
    form.locator("#id_current_role").fill("Maestra de preescolar")
    form.locator("#id_employer").fill("Centro Infantil Sol")
    form.locator("#id_degree").fill("BA en desarrollo infantil")
    form.locator("#id_license_type").select_option("none")
    form.locator("#id_years_experience_early_childhood").fill("8")
    form.locator("#id_background").fill("Ocho años con niños de dos a cinco años y sus familias.")
    form.locator("input[name=languages][value=es]").check()
    form.locator("input[name=languages][value=en]").check()
    form.locator("input[name=race_ethnicity][value=hispanic_latino]").check()
    # gender left unanswered: every demographic question is optional
    form.locator("#id_motivation").fill("Quiero acompañar a las maestras de mi comunidad, en su idioma.")


def test_apply_in_spanish_on_a_phone_to_certificate(live_server, browser, page, pages: Pages, world):
    today = timezone.localdate()
    cohort = recruiting_cohort(network=world.network, region=world.region_a, today=today, name=COHORT,
                               sessions=SESSIONS, hours=SESSION_HOURS)
    luis = ParticipantFactory(cohort=cohort, full_name="Luis Soto", email="luis@example.org")
    admin = world.people["network_admin"]
    mail.outbox.clear()

    # --- a person with no account applies on her phone, in Spanish ---------------------------------------
    phone = phone_context(browser)
    try:
        applicant = phone.new_page()
        applicant.set_default_timeout(15_000)
        applicant_pages = Pages(applicant, "test_workforce_journey_applicant")

        # given the public page of cohorts taking applications, first in the browser's English
        applicant.goto(live_server.url + reverse("workforce:apply-cohorts"))
        assert applicant.locator("html").get_attribute("lang") == "en"
        applicant_pages.visit_step("cohorts-en")
        # when she switches to Spanish
        applicant.get_by_role("button", name="Español").click()
        applicant.wait_for_load_state()
        # then the page is in Spanish, with the cohort and its Spanish description
        assert applicant.locator("html").get_attribute("lang") == "es"
        assert applicant.get_by_role("heading", level=1).inner_text() == spanish("Become a mental health consultant")
        card = applicant.locator("section.card").filter(has=applicant.get_by_role("heading", name=COHORT))
        assert "Sesiones mensuales de práctica reflexiva" in card.inner_text()
        applicant_pages.visit_step("cohorts-es")

        # when she opens the cohort's application form
        card.locator(f"a[href='{reverse('workforce:apply', args=[cohort.pk])}']").click()
        applicant.wait_for_load_state()
        assert applicant.locator("html").get_attribute("lang") == "es"
        assert applicant.get_by_role("heading", level=1).inner_text() == spanish("Apply to %(cohort)s", cohort=COHORT)
        applicant_pages.visit_step("apply-es")

        # and sends it with a mistake first: no county
        form = applicant.locator("main form.form")
        fill_application(form, county=world.program_a.county_id)
        form.locator("#id_county").select_option("")
        form.locator("button[type=submit]").click()
        applicant.wait_for_load_state()
        # then she is told in Spanish, and what she typed is kept
        assert applicant.get_by_text(spanish("Choose the county where you work or live.")).first.is_visible()
        assert applicant.locator("#id_given_name").input_value() == GIVEN
        assert applicant.locator("input[name=race_ethnicity][value=hispanic_latino]").is_checked()
        assert Application.objects.count() == 0
        applicant_pages.visit_step("apply-error-es")

        # when she chooses her county and sends it again
        applicant.locator("#id_county").select_option(world.program_a.county_id)
        applicant.locator("main form.form button[type=submit]").click()
        applicant.wait_for_load_state()

        # then she is thanked in Spanish, with the address the confirmation goes to
        assert applicant.url.endswith(reverse("workforce:apply-thanks"))
        assert applicant.locator("html").get_attribute("lang") == "es"
        assert applicant.get_by_role("heading", level=1).inner_text() == spanish(
            "Thank you. We received your application.")
        assert EMAIL in applicant.locator("main").inner_text()
        applicant_pages.visit_step("thanks-es")
    finally:
        phone.close()

    # and her application is kept in Spanish, with her optional answers as she gave them
    application = Application.objects.get()
    assert (application.cohort_id, application.full_name, application.email) == (cohort.pk, NAME, EMAIL)
    assert (application.preferred_language, application.status) == ("es", ApplicationStatus.SUBMITTED)
    assert (application.race_ethnicity, application.gender) == ("hispanic_latino", "not_reported")
    assert application.region_id == world.region_a.pk
    assert sorted(application.languages.values_list("code", flat=True)) == ["en", "es"]
    # and a confirmation went to her, in Spanish
    [acknowledgement] = messages_to(mail.outbox, EMAIL)
    assert acknowledgement.extra_headers["Content-Language"] == "es"
    assert acknowledgement.subject == spanish("We received your application to %(cohort)s", cohort=COHORT)
    assert acknowledgement.body.startswith(spanish("Hello %(name)s,", name=GIVEN))
    assert spanish_date(cohort.starts_on) in acknowledgement.body  # "The cohort starts on 9 enero 2027."
    mail.outbox.clear()

    # --- a network administrator reviews it ------------------------------------------------------------
    # given the administrator signed in with a password and an authenticator code
    sign_in(page, live_server.url, admin.email, TOTP_SECRET)
    page.wait_for_url(re.compile(r"^(?!.*/accounts/).*$"))

    # when they open the applications
    page.goto(live_server.url + reverse("workforce:application-list"))
    pages.visit_step("applications")
    table = page.get_by_role("table", name="Applications")
    row = table.get_by_role("row").filter(has=page.get_by_role("link", name=NAME))
    assert COHORT in row.inner_text() and "Submitted" in row.inner_text()

    # and her application
    row.get_by_role("link", name=NAME).click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("workforce:application-detail", args=[application.pk]))
    assert page.get_by_role("heading", level=1).inner_text() == NAME
    # then they see all she wrote, her optional answers included (this is the only page that shows them)
    about = page.locator("section.card").filter(has=page.get_by_role("heading", name="About them and their community"))
    assert "Hispanic/Latino" in about.inner_text()
    assert "Quiero acompañar a las maestras de mi comunidad" in page.locator("main").inner_text()
    pages.visit_step("application")

    # when they review it: a score, notes and the decision "accepted"
    page.locator(".page-header__actions").get_by_role("link", name="Review", exact=True).click()
    page.wait_for_load_state()
    pages.visit_step("review")
    review = page.locator("main form.form")
    review.locator("input[name=status][value=accepted]").check()
    review.locator("#id_review_score").fill("88")
    review.locator("#id_review_notes").fill("Bilingual, eight years in preschool; strong motivation.")
    review.get_by_role("button", name="Save the review").click()
    page.wait_for_load_state()

    # then the review is saved and the decision emailed
    assert page.url.endswith(reverse("workforce:application-detail", args=[application.pk]))
    assert page.get_by_text("The review is saved.").is_visible()
    facts = page.locator("section.card").filter(has=page.get_by_role("heading", name="Review", exact=True))
    facts_text = facts.inner_text()
    assert "Accepted" in facts_text and "88" in facts_text and "eight years in preschool" in facts_text
    assert "Not yet" not in facts_text  # "Decision emailed": a date
    pages.visit_step("reviewed")
    application.refresh_from_db()
    assert (application.status, application.review_score, application.reviewed_by_id) == (
        ApplicationStatus.ACCEPTED, 88, admin.pk)
    assert application.decision_emailed_at is not None

    # and the decision reached her once, in Spanish
    [decision] = messages_to(mail.outbox, EMAIL)
    assert decision.extra_headers["Content-Language"] == "es"
    assert decision.subject == spanish("You have been accepted into %(cohort)s", cohort=COHORT)
    assert decision.body.startswith(spanish("Hello %(name)s,", name=GIVEN))
    assert spanish_date(cohort.starts_on) in decision.body and spanish_date(cohort.ends_on) in decision.body
    assert "Bilingual, eight years" not in decision.body  # the reviewer's notes stay with the staff
    mail.outbox.clear()

    # --- enrolment -------------------------------------------------------------------------------------
    # when they enrol her
    page.get_by_role("link", name="Enrol in the cohort").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("workforce:application-enrol", args=[application.pk]))
    assert "1 of 12 places taken" in page.locator("main").inner_text()
    pages.visit_step("enrol")
    page.locator("main form.form").get_by_role("button", name="Enrol", exact=True).click()
    page.wait_for_load_state()
    # then she is a participant of the cohort, in Spanish, linked from her application
    assert page.get_by_text(f"{NAME} is enrolled in {COHORT}.").is_visible()
    ana = Participant.objects.get(application=application)
    assert (ana.cohort_id, ana.full_name, ana.email, ana.preferred_language, ana.status) == (
        cohort.pk, NAME, EMAIL, "es", ParticipantStatus.ENROLLED)
    assert sorted(ana.languages.values_list("code", flat=True)) == ["en", "es"]
    assert page.get_by_role("link", name=NAME).get_attribute("href") == reverse(
        "workforce:participant-detail", args=[ana.pk])
    pages.visit_step("enrolled")

    # --- the cohort meets ------------------------------------------------------------------------------
    # given the months of training have gone by
    cohort = run_cohort(cohort, today=today)
    page.goto(live_server.url + reverse("workforce:cohort-detail", args=[cohort.pk]))
    pages.visit_step("cohort")
    # when the administrator records every session: everyone present, except Luis at the last one
    for session in cohort.sessions.order_by("number"):
        page.get_by_role("link", name=f"Attendance of session {session.number}").click()
        page.wait_for_load_state()
        assert page.url.endswith(reverse("workforce:session-attendance", args=[session.pk]))
        page.get_by_role("link", name="Show everyone not yet recorded as present").click()
        page.wait_for_load_state()
        if session.number == SESSIONS:
            page.get_by_label("Luis Soto", exact=True).select_option("absent")
        pages.visit_step(f"attendance-{session.number}")
        page.get_by_role("button", name="Save the attendance").click()
        page.wait_for_load_state()
        assert page.get_by_text("Saved: 2 added, 0 changed, 0 cleared.").is_visible()
    # then each session's sheet is kept
    assert Attendance.objects.filter(participant=ana, status=AttendanceStatus.PRESENT,
                                     hours=SESSION_HOURS).count() == SESSIONS
    assert Attendance.objects.filter(participant=luis, status=AttendanceStatus.ABSENT, hours=0).count() == 1

    # --- completion and the certificate ----------------------------------------------------------------
    # when they open her page: 7.5 of 7.5 hours, over the 80 % (6 hours) the rule asks
    page.locator("#participants").get_by_role("link", name=NAME).click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("workforce:participant-detail", args=[ana.pk]))
    assert page.get_by_text("Meets the completion rule.").is_visible()
    pages.visit_step("participant")
    # and mark her completed
    page.get_by_role("link", name="Mark as completed").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("workforce:participant-complete", args=[ana.pk]))
    assert page.get_by_text("Attended 7.50 of 7.50 session hours; completing needs 6.").is_visible()
    pages.visit_step("complete")
    page.locator("main form.form").get_by_role("button", name="Mark as completed").click()
    page.wait_for_load_state()

    # then her certificate is shown, in her language, with her name and 7,5 hours
    assert page.url.endswith(reverse("workforce:certificate", args=[ana.pk]))
    ana.refresh_from_db()
    assert (ana.status, ana.completed_on) == (ParticipantStatus.COMPLETED, today)
    assert ana.certificate_number
    hours_line = spanish("%(hours)s continuing-education hours", hours=spanish_number(Decimal("7.5")))
    assert hours_line.startswith("7,5 ")
    certificate = page.locator("article.certificate")
    assert certificate.get_attribute("lang") == "es"
    assert certificate.locator(".certificate__name").inner_text() == NAME
    assert certificate.locator(".certificate__hours").inner_text() == hours_line
    assert spanish_date(cohort.starts_on, r"j \d\e F \d\e Y") in certificate.inner_text()
    assert ana.certificate_number in certificate.inner_text()
    pages.visit_step("certificate")

    # and the PDF says the same
    pdf = page.request.get(live_server.url + reverse("workforce:certificate-pdf", args=[ana.pk]))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert NAME in text.splitlines()
    assert hours_line in text.splitlines()
    assert ana.certificate_number in text

    # --- the graduate checks it, signed out --------------------------------------------------------------
    # given the email with her certificate's link, in Spanish
    [sent] = messages_to(mail.outbox, EMAIL)
    assert sent.extra_headers["Content-Language"] == "es"
    assert sent.subject == spanish("Your certificate of completion: %(cohort)s", cohort=COHORT)
    path = re.search(r"/workforce/certificates/[A-Za-z0-9_-]+/", sent.body).group(0)

    phone = phone_context(browser)
    try:
        graduate = phone.new_page()
        graduate.set_default_timeout(15_000)
        graduate_pages = Pages(graduate, "test_workforce_journey_graduate")
        # the staff certificate page is not for her
        graduate.goto(live_server.url + reverse("workforce:certificate", args=[ana.pk]))
        assert "/accounts/" in graduate.url and NAME not in graduate.locator("body").inner_text()

        # when she opens her link
        graduate.goto(live_server.url + path)
        # then it says, in Spanish, that her certificate is valid, with her name and hours
        assert graduate.locator("html").get_attribute("lang") == "es"
        assert graduate.get_by_role("heading", level=1).inner_text() == spanish("A valid certificate of completion")
        facts = graduate.locator("dl.facts").inner_text()
        assert NAME in facts and COHORT in facts and "7,5" in facts and ana.certificate_number in facts
        graduate_pages.visit_step("verify-es")
        # and its PDF downloads from the same link
        public_pdf = graduate.request.get(live_server.url + reverse(
            "workforce:certificate-verify-pdf", args=[path.rstrip("/").rsplit("/", 1)[-1]]))
        assert public_pdf.ok and public_pdf.headers["content-type"] == "application/pdf"
        public_text = pdf_text(public_pdf.body()).splitlines()
        assert NAME in public_text and hours_line in public_text
    finally:
        phone.close()
