"""Incidents, early warning and the equity dashboard in a browser.

A program director on a phone finds "Record an incident" on their program's page, records a child sent
home, sees the exclusion the incident counts as, finds the early warning it raised and turns it into an
urgent request with one click; the region's coordinator then finds that warning and its request. The
network admin reads the equity dashboard for the network and for a program (once in Spanish) and
downloads a table; the evaluator sees the same dashboard with small counts hidden and nothing that
leads to a child. axe-core checks every page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from abrazo.equity import rollup
from abrazo.equity.counts import school_year_of
from abrazo.incidents.models import (
    Child,
    EarlyWarning,
    Enrollment,
    Exclusion,
    ExclusionKind,
    Incident,
    RaceEthnicity,
    WarningStatus,
)
from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory
from abrazo.intake.models import Priority
from tests.browser.conftest import Pages
from tests.browser.test_service_loop import sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
SENT_HOME = "Sent home for remainder of day"
FOREST = "svg[role=img]:has(> title#chart-race-ethnicity-forest-title)"  # the forest plot of race/ethnicity


# --- data ---------------------------------------------------------------------------------------------


def _school_start() -> dt.date:
    return dt.date(school_year_of(timezone.localdate()), 7, 1)


def bulk_group(program: Any, race: str, enrolled: int, sent_home: int) -> None:
    """`enrolled` children of one group at a program, enrolled since the start of this school year, the first
    `sent_home` of them sent home once. Written with bulk_create: a few statements instead of hundreds."""
    start = _school_start()
    sent_on = max(start, timezone.localdate() - dt.timedelta(days=7))
    kids = ChildFactory.build_batch(enrolled, program=program, race_ethnicity=race)
    Child.objects.bulk_create(kids)
    Enrollment.objects.bulk_create([
        Enrollment(network_id=program.network_id, program_id=program.pk, child=kid, start_date=start) for kid in kids
    ])
    incidents = [IncidentFactory.build(child=kid, oss=True, occurred_on=sent_on) for kid in kids[:sent_home]]
    for incident in incidents:
        incident.derive_outcomes()  # what Incident.save() would do; bulk_create does not call it
    Incident.objects.bulk_create(incidents)


def build_equity_data(world: Any) -> None:
    """Program A: Black 40 children (12 sent home), Hispanic/Latino 100 (14), white 60 (4: too few to show to an
    evaluator); program B: 33 white children (11). Enough for risk ratios at the network and at program A."""
    bulk_group(world.program_a, RaceEthnicity.BLACK, 40, 12)
    bulk_group(world.program_a, RaceEthnicity.HISPANIC_LATINO, 100, 14)
    bulk_group(world.program_a, RaceEthnicity.WHITE, 60, 4)
    bulk_group(world.program_b, RaceEthnicity.WHITE, 33, 11)
    rollup.rebuild_network(world.network.pk)


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def open_menu_link(page: Any, name: str) -> None:
    """On a phone the main navigation folds behind "Menu"."""
    toggle = page.get_by_role("button", name="Menu")
    if toggle.is_visible():
        toggle.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def assert_fits_the_screen(page: Any) -> None:
    """Nothing but a labelled scrolling region may be wider than the phone."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the screen"


# --- the director on a phone, then the coordinator -------------------------------------------------------------


def test_director_on_a_phone_records_a_sent_home_incident_and_asks_for_help(live_server, phone, page, pages, world):
    director, coordinator = world.people["program_staff"], world.people["regional_coordinator"]
    child = ChildFactory(program=world.program_a, code="SC-0412")
    ChildFactory(program=world.program_a, code="SC-0413")
    phone_pages = Pages(phone, "test_director_on_a_phone")

    # given the director of Sunrise Center on their phone, on their program's page
    sign_in_as(phone, live_server, director)
    phone.goto(live_server.url + world.program_a.get_absolute_url())
    phone_pages.visit_step("program")
    assert_fits_the_screen(phone)
    # which leads to the roster, both imports and the equity dashboard as well
    main = phone.locator("main")
    for name in ("Roster", "Record an incident", "Import a roster", "Import incidents", "Equity dashboard"):
        assert main.get_by_role("link", name=re.compile(f"^{name}")).count() == 1, name

    # (the import pages it leads to are readable on a phone too)
    phone.get_by_role("link", name=re.compile("Import a roster")).click()
    phone.wait_for_load_state()
    assert phone.url.endswith(reverse("incidents:import-roster", args=[world.program_a.pk]))
    phone_pages.visit_step("import-roster")
    assert_fits_the_screen(phone)
    phone.go_back()

    # and the roster, which offers to record an incident and to import files
    phone.get_by_role("link", name=re.compile("^Roster")).click()
    phone.wait_for_load_state()
    phone_pages.visit_step("roster")
    assert_fits_the_screen(phone)
    assert phone.get_by_role("link", name=re.compile("Import incidents for Sunrise Center")).is_visible()
    phone.get_by_role("link", name="Record an incident at Sunrise Center").click()
    phone.wait_for_load_state()

    # when they record that SC-0412 hit a peer at circle time and was sent home for the rest of the day
    assert phone.url.endswith(reverse("incidents:incident-new", args=[world.program_a.pk]))
    phone_pages.visit_step("incident-form")
    assert_fits_the_screen(phone)
    form = phone.locator("main form.form")
    form.get_by_label("Child").select_option(str(child.pk))
    form.locator("[name=occurred_at]").fill("10:15")
    form.locator("[name=problem_behavior]").select_option(label="Physical aggression")
    form.locator("[name=activity]").select_option(label="Circle/Large group activity")
    form.locator("[name=others_involved]").select_option(label="Peers")
    form.locator("[name=possible_motivation]").select_option(label="Obtain desired item")
    form.locator("[name=strategy_response]").select_option(label="Verbal reminder")
    form.locator("[name=admin_follow_up]").select_option(label=SENT_HOME)
    save = form.get_by_role("button", name="Save the incident")
    box = save.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # a thumb's target
    save.click()
    phone.wait_for_load_state()

    # then they see the incident, counted as an out-of-school suspension with the exclusion it recorded
    incident = Incident.objects.get(child=child)
    assert phone.url.endswith(reverse("incidents:incident-detail", args=[incident.pk]))
    phone_pages.visit_step("incident-detail")
    assert_fits_the_screen(phone)
    assert incident.is_oss and incident.recorded_by_id == director.pk
    exclusion = Exclusion.objects.get(incident=incident)
    assert exclusion.kind == ExclusionKind.OSS
    section = phone.get_by_role("region", name="Exclusion recorded with this incident")
    assert section.is_visible()
    assert exclusion.get_kind_display() in section.inner_text()

    # when they open "Early warnings"
    open_menu_link(phone, "Early warnings")
    phone_pages.visit_step("warnings")
    assert_fits_the_screen(phone)
    # then the child's warning is there
    warning = EarlyWarning.objects.get(child=child)
    card = phone.get_by_role("region", name=re.compile("Child SC-0412"))
    assert card.is_visible()

    # when they ask for an urgent consultation with one click
    card.get_by_role("button", name=re.compile("Ask for an urgent consultation")).click()
    phone.wait_for_load_state()

    # then they land on the request, urgent, about this program
    warning.refresh_from_db()
    assert warning.status == WarningStatus.REQUESTED
    request = warning.request
    assert request is not None and request.priority == Priority.URGENT and request.program_id == world.program_a.pk
    assert phone.url.endswith(request.get_absolute_url())
    assert request.reference in phone.locator("main").inner_text()
    phone_pages.visit_step("request")
    assert_fits_the_screen(phone)

    # when the coordinator of the region opens the early warnings that have become requests
    sign_in_as(page, live_server, coordinator)
    page.goto(live_server.url + reverse("core:home"))
    open_menu_link(page, "Early warnings")
    page.get_by_label("Status").select_option(WarningStatus.REQUESTED)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    pages.visit_step("coordinator-warnings")

    # then they see SC-0412's warning with its request, and reach the request from it
    card = page.get_by_role("region", name=re.compile("Child SC-0412"))
    card.get_by_role("link", name=f"Request {request.reference}").click()
    page.wait_for_load_state()
    assert page.url.endswith(request.get_absolute_url())
    pages.visit_step("coordinator-request")
    # and the request waits in their triage queue
    page.goto(live_server.url + reverse("intake:triage-queue"))
    assert page.get_by_role("link", name=request.reference).count() >= 1
    pages.visit_step("coordinator-triage")
    # and the program's page leads them to its roster and imports, but not to recording (not a coordinator's job)
    page.goto(live_server.url + world.program_a.get_absolute_url())
    main = page.locator("main")
    assert main.get_by_role("link", name=re.compile("^Roster")).count() == 1
    assert main.get_by_role("link", name=re.compile("^Import incidents")).count() == 1
    assert main.get_by_role("link", name=re.compile("^Record an incident")).count() == 0


# --- the equity dashboard ---------------------------------------------------------------------------------------


def test_network_admin_reads_the_equity_dashboard_in_both_languages_and_downloads_a_table(live_server, page, pages,
                                                                                         world, tmp_path: Path):
    build_equity_data(world)
    sign_in_as(page, live_server, world.people["network_admin"])

    # given the network admin, when they open "Equity"
    page.goto(live_server.url + reverse("core:home"))
    open_menu_link(page, "Equity")
    pages.visit_step("equity-network")

    # then the network's dashboard shows a table per dimension, the forest plot and the findings in words
    assert page.get_by_role("heading", level=1).inner_text() == "Equity: Golden State Network"
    race = page.locator("#chart-race-ethnicity")
    table = race.get_by_role("table", name="Race/ethnicity: children, risk and ratios")
    black = table.get_by_role("row", name=re.compile("^Black or African American"))
    # Black: 40 enrolled, 12 sent home; the others 193 and 29: RR = 0.3 / (29/193) = 2.00
    assert black.get_by_role("cell").nth(0).inner_text() == "40"
    assert black.get_by_role("cell").nth(1).inner_text() == "12"
    assert black.get_by_role("cell").nth(4).inner_text().startswith("2.00")
    forest = race.locator(FOREST)
    assert forest.is_visible() and forest.get_attribute("role") == "img"
    assert forest.locator("title").text_content().startswith("Risk ratios by race")
    findings = race.locator(".equity-findings li").all_inner_texts()
    black_finding = "Black children were twice as likely as other children to be suspended or dismissed at least once."
    assert black_finding in findings

    # when they download the race/ethnicity table as CSV
    with page.expect_download() as download_info:
        race.get_by_role("link", name="CSV").first.click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    # then it is a UTF-8 CSV with a BOM for Excel, a header, and the same figures as the page
    assert content.startswith(b"\xef\xbb\xbfGroup,Enrolled,Children with the outcome,Events,Risk,Risk ratio")
    rows = {row[0]: row for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))}
    assert rows["Black or African American"][1:3] == ["40", "12"]
    assert rows["All children"][1:3] == ["233", "41"]
    assert download.suggested_filename.endswith(".csv")

    # when they switch to Spanish and drill down to Sunrise Center
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    pages.visit_step("equity-network-es")
    page.locator("#equity-programs").get_by_role("link", name="Sunrise Center").click()
    page.wait_for_load_state()
    pages.visit_step("equity-program-es")

    # then the program's dashboard, in Spanish, has its table (Black: 12 of 40 against 18 of 160, RR 2.67),
    # the forest plot and findings
    assert page.url.split("?")[0].endswith(reverse("equity:program", args=[world.program_a.pk]))
    race = page.locator("#chart-race-ethnicity")
    first_table = race.locator("table").first
    with translation.override("es"):
        black_es = str(RaceEthnicity.BLACK.label)
    cells = first_table.locator("tbody tr").filter(has=page.locator("th", has_text=black_es)).first.locator("td")
    assert cells.nth(0).inner_text() == "40" and cells.nth(1).inner_text() == "12"
    assert re.match(r"2[.,]67", cells.nth(4).inner_text())
    assert race.locator(FOREST).is_visible()
    assert race.locator(".equity-findings li").count() >= 1

    # and on a phone-sized window the page does not overflow: wide tables scroll inside their labelled region
    page.set_viewport_size(PHONE)
    pages.visit_step("equity-program-es-phone")
    assert_fits_the_screen(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()


def test_evaluator_sees_small_counts_suppressed_and_no_way_to_a_child(live_server, page, pages, world):
    build_equity_data(world)
    sign_in_as(page, live_server, world.people["evaluator"])

    # given the evaluator, whose page of Sunrise Center leads to its equity dashboard and nothing about children
    page.goto(live_server.url + world.program_a.get_absolute_url())
    main = page.locator("main")
    assert main.get_by_role("link", name=re.compile("^Equity dashboard")).count() == 1
    for name in ("Roster", "Incidents", "Record an incident", "Import a roster", "Import incidents"):
        assert main.get_by_role("link", name=re.compile(f"^{name}")).count() == 0, name

    # when they open Sunrise Center's dashboard from the network's
    page.goto(live_server.url + reverse("equity:dashboard"))
    pages.visit_step("evaluator-network")
    page.locator("#equity-programs").get_by_role("link", name="Sunrise Center").click()
    page.wait_for_load_state()
    pages.visit_step("evaluator-program")

    # then the 4 white children sent home read "hidden", and so do the 12 Black children (else 30 - 14 - 12
    # gives the 4 away); every hidden count reads alike, so none can be told to be a small one
    race_table = page.locator("#chart-race-ethnicity table").first

    def with_outcome(group: str) -> str:
        row = race_table.locator("tbody tr").filter(has=page.locator("th", has_text=group)).first
        return row.locator("td").nth(1).inner_text()

    assert [with_outcome(group) for group in ("Black", "Hispanic", "White")] == ["hidden", "14", "hidden"]
    assert "Suppressed figures" in page.locator("main").inner_text()
    # and no link leads to the roster, a child or an incident
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    children = reverse("incidents:child-list")
    assert hrefs and not [href for href in hrefs if href.startswith(children)]
    # nor do the children's pages open for them
    response = page.goto(live_server.url + children)
    assert response.status == 404
