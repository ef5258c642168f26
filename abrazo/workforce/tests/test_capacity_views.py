"""The workforce capacity report and its export over HTTP, for each role (figures: see test_capacity)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from abrazo.audit.models import AccessEvent
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import county
from abrazo.intake.tests.factories import RequestFactory, language
from abrazo.workforce.models import ApplicationStatus, ParticipantStatus
from abrazo.workforce.tests.factories_capacity import ApplicationFactory, CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("workforce:capacity-report")
EXPORT = reverse("workforce:capacity-export")
FRESNO, LOS_ANGELES = "06019", "06037"


@dataclass
class CapacityData:
    world: Any
    cohort: Any
    other_cohort: Any


def build_capacity_data(world: Any, *, cohort_name: str = "Cohort 2023-24", cohorts: int = 1) -> CapacityData:
    """In the world's network, per cohort:

    - 12 Hispanic/Latino applicants speaking English and Spanish, accepted, completed (10 now consultants
      elsewhere serving Fresno County; 1 a consultant of this network: the world's consultant; 1 not heard from);
    - 3 White applicants speaking English, accepted, still enrolled;
    - 2 Black applicants who left languages blank, not accepted;
    - 1 participant added by staff with no application (race not reported), English.

    Participants 16: by race 12 / 3 / not reported 1 (15 answered); by language bilingual Spanish 12, English only
    4 (16 answered, none not reported): the two totals who answered differ.
    Requests in the last year: 4 in Spanish from Fresno (region A, served by the world's consultant, who speaks
    English and Spanish), 3 in Spanish and 2 in English from Los Angeles (region B, nobody serves it).
    Another network has a cohort of 5 that must never be counted.
    """
    profile = ConsultantProfile.objects.get(user=world.people["consultant"])
    profile.languages.set(["en", "es"])
    first = None
    for number in range(cohorts):
        cohort = CohortFactory(network=world.network, name=cohort_name if number == 0 else f"{cohort_name} ({number})")
        first = first or cohort
        for n in range(12):
            application = ApplicationFactory(cohort=cohort, race_ethnicity="hispanic_latino", languages=["en", "es"])
            ParticipantFactory(
                cohort=cohort, application=application, status=ParticipantStatus.COMPLETED,
                languages=["en", "es"], works_in_iecmhc=True if n < 10 else None,
                consultant_profile=profile if n == 10 else None,
                counties_served=[FRESNO] if n < 10 else [],
            )
        for _ in range(3):
            application = ApplicationFactory(cohort=cohort, race_ethnicity="white", languages=["en"])
            ParticipantFactory(cohort=cohort, application=application)  # languages from the application
        for _ in range(2):
            ApplicationFactory(cohort=cohort, race_ethnicity="black", status=ApplicationStatus.DECLINED)
        ParticipantFactory(cohort=cohort, languages=["en"])
    other = CohortFactory(network=world.other_network, name="Elsewhere cohort")
    for _ in range(5):
        ParticipantFactory(cohort=other, application=ApplicationFactory(cohort=other, race_ethnicity="asian"))
    spanish, english = language("es"), language("en")
    recent = timezone.now() - timedelta(days=10)
    for _ in range(4):
        RequestFactory(network=world.network, region=world.region_a, county=county(FRESNO),
                       preferred_language=spanish, submitted_at=recent)
    for _ in range(3):
        RequestFactory(network=world.network, region=world.region_b, county=county(LOS_ANGELES),
                       preferred_language=spanish, submitted_at=recent)
    for _ in range(2):
        RequestFactory(network=world.network, region=world.region_b, county=county(LOS_ANGELES),
                       preferred_language=english, submitted_at=recent)
    # Long ago: outside the default period of a year.
    RequestFactory(network=world.network, region=world.region_b, county=county(LOS_ANGELES),
                   preferred_language=spanish, submitted_at=timezone.now() - timedelta(days=800))
    return CapacityData(world=world, cohort=first, other_cohort=other)


@pytest.fixture
def data(world):
    return build_capacity_data(world)


def signed_in(client, user):
    client.force_login(user)
    return client


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def table_rows(html: str, caption: str) -> dict[str, list[str]]:
    """The rows of the table captioned `caption`: row heading -> the cells, as text."""
    match = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>(.*?)</table>", html, re.S)
    assert match, f"no table {caption!r}"
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S):
        heading = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)
        if heading:
            rows[text(heading.group(1)).strip()] = [text(cell).strip() for cell in
                                                    re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


class TestPage:
    def test_admin_sees_exact_counts_and_the_not_reported_note(self, client, data):
        # given the network administrator
        signed_in(client, data.world.people["network_admin"])
        # when they open the report
        response = client.get(PAGE)
        # then participants by race: 12 Hispanic/Latino (75% of 16), 3 White, 1 not reported; 15 answered
        assert response.status_code == 200
        html = response.content.decode()
        race = table_rows(html, "Participants by race/ethnicity")
        assert race["Cohort 2023-24"] == ["12 (75%)", "0 (0%)", "0 (0%)", "0 (0%)", "0 (0%)", "3 (19%)", "0 (0%)",
                                          "1 (6%)", "15", "16"]
        # and by language: 16 answered (none not reported), so the two totals differ, and the page says why
        language = table_rows(html, "Participants by language")
        assert language["Cohort 2023-24"] == ["4 (25%)", "12 (75%)", "0 (0%)", "0 (0%)", "16", "16"]
        assert "totals by race and by language may differ" not in html  # the note is in its own words:
        assert "the total who answered the race/ethnicity question and the total who answered about languages may " \
               "differ" in text(html)
        # applicants: 17, two of them Black applicants not accepted who left their languages blank
        applicants = table_rows(html, "All applicants by language")
        assert applicants["Cohort 2023-24"][-2:] == ["15", "17"]
        not_enrolled = table_rows(html, "Applicants not enrolled by race/ethnicity")
        assert not_enrolled["Cohort 2023-24"][3] == "2 (100%)"  # Black
        # no chart without its table, and no published-version warning for exact sight
        assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 6
        assert "Published version" not in html
        assert "Elsewhere cohort" not in html

    def test_completion_and_where_graduates_work(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        html = client.get(PAGE).content.decode()
        completion = table_rows(html, "Completion by cohort")
        # 16 participants: 4 still enrolled, 12 completed, nobody withdrew: 100% of those who finished
        assert completion["Cohort 2023-24"] == ["16", "4", "12", "0", "100%"]
        work = table_rows(html, "Graduates by where they work now")
        assert work["Cohort 2023-24"] == ["12", "1 (8%)", "10 (83%)", "0 (0%)", "1 (8%)"]

    def test_coverage_shows_the_spanish_gap_in_los_angeles(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        html = client.get(PAGE).content.decode()
        # 9 requests this year for 1 consultant: the yardstick is 9, a gap is more than 18 per consultant
        assert "Requests received from" in html
        la = table_rows(html, "Los Angeles: requests from its counties and the consultants serving one of them")
        assert la["Spanish"][:3] == ["3", "0", "—"]
        assert "Gap: no consultant speaks it" in la["Spanish"][-1]
        valley = table_rows(html, "Central Valley: requests from its counties and the consultants serving one of them")
        # Fresno: 4 Spanish requests, the world's consultant; graduates in the field who speak Spanish: 10 who
        # serve Fresno plus the one who is the world's consultant (through the profile's counties)
        assert valley["Spanish"] == ["4", "1", "4.0", "11", "No gap"]
        assert "Los Angeles, Spanish:" in text(html)

    def test_evaluator_sees_the_published_version_only(self, client, data):
        # given the evaluator
        signed_in(client, data.world.people["evaluator"])
        # when they open the report, even asking for anything else
        response = client.get(PAGE, {"published": ""})
        html = response.content.decode()
        # then every count of 1 to 10 people is hidden, and the warning says so
        assert response.status_code == 200
        assert "Published version" in html
        race = table_rows(html, "Participants by race/ethnicity")["Cohort 2023-24"]
        assert race[5] == "hidden"  # White: 3
        assert race[7] == "hidden"  # not reported: 1
        work = table_rows(html, "Graduates by where they work now")
        for cells in (race, *[row[1:] for row in work.values()]):
            for cell in cells:
                number = cell.split(" ")[0]
                assert number in ("hidden", "—") or not number.isdigit() or int(number) == 0 or int(number) > 10
        # except the totals the cohort pages show them anyway (participants, still enrolled, completed, withdrawn),
        # which are never hidden: 4 still enrolled is shown, as on the cohort's page
        assert table_rows(html, "Completion by cohort")["Cohort 2023-24"] == ["16", "4", "12", "0", "100%"]
        assert "still enrolled, completed and withdrawn are shown exactly, however small, as on the cohort pages" \
            in text(html)
        assert work["Cohort 2023-24"][0] == "12"
        # all applicants together are not published, nor graduates' coverage
        assert "All applicants by" not in html
        assert "Applicants not enrolled by race/ethnicity" in html
        valley = table_rows(html, "Central Valley: requests from its counties and the consultants serving one of them")
        assert valley["Spanish"] == ["4", "1", "4.0", "hidden", "No gap"]
        # and no switch to exact figures, nor a choice of cohorts, is offered
        assert 'name="published"' not in html
        assert 'name="cohorts"' not in html

    def test_a_coordinator_gets_the_published_version(self, client, data):
        # a coordinator reviews her region's applicants only: exact network-wide counts could tell her about
        # another region's applicant, so she sees what an evaluator sees
        signed_in(client, data.world.people["regional_coordinator"])
        html = client.get(PAGE).content.decode()
        assert table_rows(html, "Participants by race/ethnicity")["Cohort 2023-24"][5] == "hidden"
        assert 'name="published"' not in html
        assert client.get(PAGE, {"published": ""}).content.decode().count("hidden") == html.count("hidden")

    def test_the_administrator_may_preview_the_published_version(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        html = client.get(PAGE, {"published": "on"}).content.decode()
        assert "Preview of the published version." in html
        assert table_rows(html, "Participants by race/ethnicity")["Cohort 2023-24"][5] == "hidden"
        # without the box ticked, the administrator sees exact figures
        exact = client.get(PAGE).content.decode()
        assert table_rows(exact, "Participants by race/ethnicity")["Cohort 2023-24"][5] == "3 (19%)"

    def test_the_published_version_covers_every_cohort(self, client, world):
        # given two cohorts, and the administrator previewing the published version of one
        build_capacity_data(world, cohorts=2)
        chosen = world.network.cohorts.order_by("name").first()
        signed_in(client, world.people["network_admin"])
        html = client.get(PAGE, {"published": "on", "cohorts": [str(chosen.pk)]}).content.decode()
        # then both cohorts are there, and the page says why
        rows = table_rows(html, "Completion by cohort")
        assert {"Cohort 2023-24", "Cohort 2023-24 (1)"} <= set(rows)
        assert "The cohorts ticked apply to exact figures only." in html
        # while the exact figures follow the choice
        exact = table_rows(client.get(PAGE, {"cohorts": [str(chosen.pk)]}).content.decode(), "Completion by cohort")
        assert set(exact) == {chosen.name, "All cohorts shown"}

    @pytest.mark.parametrize("role", ["consultant", "supervisor", "program_staff"])
    def test_roles_without_the_report_get_404(self, client, data, role):
        signed_in(client, data.world.people[role])
        assert client.get(PAGE).status_code == 404
        assert client.get(EXPORT).status_code == 404

    def test_anonymous_is_sent_to_sign_in(self, client, data):
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_another_network_is_404_and_audited(self, client, data):
        admin = data.world.people["network_admin"]
        signed_in(client, admin)
        assert client.get(PAGE, {"network": str(data.world.other_network.pk)}).status_code == 404
        assert client.get(PAGE, {"network": "not-a-uuid"}).status_code == 404
        assert AccessEvent.objects.filter(user_id=admin.pk, outcome="denied",
                                          object_id=str(data.world.other_network.pk)).exists()

    def test_a_cohort_of_another_network_cannot_be_asked_for(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        response = client.get(PAGE, {"cohorts": [str(data.other_cohort.pk)]})
        assert response.status_code == 200
        assert "Correct the choices above" in response.content.decode()

    def test_choosing_a_region_shows_its_coverage_only(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        html = client.get(PAGE, {"region": str(data.world.region_a.pk)}).content.decode()
        assert "Central Valley: requests from its counties" in html
        assert "Los Angeles: requests from its counties" not in html

    def test_a_period_ending_before_it_starts_is_refused_in_words(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        response = client.get(PAGE, {"requested_from": "2025-06-01", "requested_until": "2025-01-01"})
        assert "The period must end on or after the day it starts." in response.content.decode()

    def test_the_old_request_counts_when_the_period_covers_it(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        start = (timezone.localdate() - timedelta(days=900)).isoformat()
        html = client.get(PAGE, {"requested_from": start}).content.decode()
        la = table_rows(html, "Los Angeles: requests from its counties and the consultants serving one of them")
        assert la["Spanish"][0] == "4"

    def test_the_page_is_audited_with_its_sight(self, client, data):
        evaluator = data.world.people["evaluator"]
        signed_in(client, evaluator)
        client.get(PAGE)
        event = AccessEvent.objects.filter(user_id=evaluator.pk, action="view",
                                           object_type="directory.network").latest("occurred_at")
        assert event.object_id == str(data.world.network.pk)
        assert "sight=suppressed" in event.object_ids
        assert "cohorts=all" in event.object_ids

    def test_the_page_works_in_spanish(self, client, data):
        # given an administrator who reads Abrazo in Spanish
        admin = data.world.people["network_admin"]
        admin.preferred_language = "es"
        admin.save(update_fields=["preferred_language"])
        signed_in(client, admin)
        # when they open the report and its export, then both work
        assert client.get(EXPORT, {"format": "xlsx"}).status_code == 200
        response = client.get(PAGE)
        assert response.status_code == 200
        assert response["Content-Language"] == "es"

    def test_queries_do_not_grow_with_cohorts_or_people(self, client, world, django_assert_max_num_queries):
        # given three cohorts of sixteen
        build_capacity_data(world, cohorts=3)
        signed_in(client, world.people["network_admin"])
        client.get(PAGE)  # warm up the session
        # when the report is opened, then a fixed handful of queries answers it
        with django_assert_max_num_queries(26):
            assert client.get(PAGE).status_code == 200
        with CaptureQueriesContext(connection) as three:
            client.get(PAGE)
        cohort = world.network.cohorts.first()
        with CaptureQueriesContext(connection) as one:
            client.get(PAGE, {"cohorts": [str(cohort.pk)]})
        assert len(three) == len(one)


class TestExport:
    def test_csv_for_the_admin_has_exact_figures_and_the_notes(self, client, data):
        admin = data.world.people["network_admin"]
        signed_in(client, admin)
        response = client.get(EXPORT, {"format": "csv"})
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="workforce-capacity-golden-state-network.csv"'
        rows = csv_rows(response)
        assert any(row["Measure"] == "Not reported" and "may differ" in row["Value"] for row in rows)
        assert any(row["Table"] == "All applicants by race/ethnicity" for row in rows)
        white = next(row for row in rows if row["Table"] == "Participants by race/ethnicity"
                     and row["Row"] == "Cohort 2023-24" and row["Group or language"] == "White"
                     and row["Measure"] == "Count")
        assert white["Value"] == "3"
        gap = next(row for row in rows if row["Table"] == "Coverage of requests" and row["Row"] == "Los Angeles"
                   and row["Group or language"] == "Spanish" and row["Measure"] == "Gap")
        assert gap["Value"] == "Gap: no consultant speaks it"
        event = AccessEvent.objects.filter(user_id=admin.pk, action="export").latest("occurred_at")
        assert "format=csv" in event.object_ids and "sight=exact" in event.object_ids

    def test_evaluator_file_is_suppressed_like_the_page(self, client, data):
        signed_in(client, data.world.people["evaluator"])
        response = client.get(EXPORT, {"format": "csv"})
        assert response["Content-Disposition"].endswith('-published.csv"')
        rows = csv_rows(response)
        assert not any(row["Table"].startswith("All applicants") for row in rows)
        for row in rows:
            if row["Measure"] in ("Count", "Participants", "Still enrolled", "Completed", "Withdrawn") \
                    or row["Measure"] == "Graduates in the field who speak it":
                value = row["Value"]
                assert value == "hidden" or int(value) == 0 or int(value) > 10, row

    def test_names_starting_with_a_formula_stay_text(self, client, world):
        build_capacity_data(world, cohort_name="=HYPERLINK(\"http://evil.example\",\"x\")")
        signed_in(client, world.people["network_admin"])
        rows = csv_rows(client.get(EXPORT, {"format": "csv"}))
        names = {row["Row"] for row in rows if row["Table"] == "Completion"}
        assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in names
        response = client.get(EXPORT, {"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [cell.value for row in sheet.iter_rows() for cell in row]
        assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells
        assert not any(isinstance(cell, str) and cell.startswith("=") for cell in cells)

    def test_an_unknown_format_is_404(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        assert client.get(EXPORT, {"format": "pdf"}).status_code == 404
