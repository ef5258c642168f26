"""The equity dashboard over HTTP, for each role inside and outside its scope (data: see test_selectors)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from abrazo.audit.models import AccessEvent
from abrazo.equity.tests.test_selectors import build_equity_data

pytestmark = pytest.mark.django_db

QUERY = {"period": "2024", "outcome": "oss", "dimensions": ["race_ethnicity"]}
BLACK_FINDING = "Black children were 2.7 times as likely as other children to be sent home at least once."


@pytest.fixture
def data(world):
    build_equity_data(world)
    return world


def signed_in(client, user):
    client.force_login(user)
    return client


def program_url(program):
    return reverse("equity:program", kwargs={"pk": program.pk})


def compact(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def table_row(html: str, label: str) -> list[str]:
    """The cells of the table row headed `label` (first table that has one), as text."""
    match = re.search(rf'<tr[^>]*>\s*<th scope="row"[^>]*>{re.escape(label)}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row {label!r}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


class TestEachRole:
    @pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "program_staff"])
    def test_roles_with_exact_sight_see_program_a_counts_and_findings(self, client, data, role):
        # given a person with exact sight of program A
        signed_in(client, data.people[role])
        # when they open its dashboard for 2024-25, sent home, by race/ethnicity
        response = client.get(program_url(data.program_a), QUERY)
        # then the table holds the exact counts, the ratio with its interval (by hand: exp(ln 2.667 ± 1.96 *
        # sqrt(1/12 - 1/40 + 1/18 - 1/160)) = 1.40 to 5.07), Fisher p, and the finding in words
        assert response.status_code == 200
        html = response.content.decode()
        assert table_row(html, "Black or African American")[:6] == [
            "40", "12", "12", "30.0%", "2.67 (1.40\u20135.07)", "0.0057"]
        assert BLACK_FINDING in compact(html)
        assert "Not enough children to compare: fewer than 10 children in this group had the outcome." in html
        # and the charts are there, with their text alternatives
        assert html.count('role="img"') == 3
        assert 'href="/static/abrazo/equity.css"' in html

    def test_the_evaluator_sees_a_worked_complementary_suppression(self, client, data):
        # given the evaluator
        signed_in(client, data.people["evaluator"])
        # when they open program A
        html = client.get(program_url(data.program_a), QUERY).content.decode()
        # then, down the "sent home" column (12, 14, 4 of 30), the 4 is hidden and the 12 is hidden too so the
        # 4 cannot be worked out as 30 - 14 - 12; enrolment (40, 100, 60) has nothing to hide
        assert table_row(html, "Black or African American")[:4] == ["40", "hidden", "hidden", "—"]
        assert table_row(html, "White")[:4] == ["60", "hidden", "hidden", "—"]
        assert table_row(html, "Hispanic/Latino")[:4] == ["100", "14", "14", "14.0%"]
        assert table_row(html, "All children")[:3] == ["200", "30", "30"]
        # and no finding is stated about the hidden group, nor any exact hidden figure shown
        assert BLACK_FINDING not in compact(html)
        assert "2.67" not in html
        assert "Suppressed figures" in html

    @pytest.mark.parametrize("role", ["consultant", "supervisor"])
    def test_roles_without_equity_permissions_get_404(self, client, data, role):
        signed_in(client, data.people[role])
        assert client.get(reverse("equity:dashboard")).status_code == 404
        assert client.get(program_url(data.program_a)).status_code == 404


class TestScope:
    def test_the_director_of_program_a_sees_nothing_of_program_b(self, client, data):
        # given the director of program A
        signed_in(client, data.people["program_staff"])
        b_key = f"program:{data.program_b.pk}"
        # when they ask for program B, region B or the network by any door
        answers = [
            client.get(program_url(data.program_b), QUERY).status_code,
            client.get(reverse("equity:dashboard"), {**QUERY, "unit": b_key}).status_code,
            client.get(reverse("equity:dashboard"), {**QUERY, "unit": f"network:{data.network.pk}"}).status_code,
            client.get(reverse("equity:region", kwargs={"pk": data.region_b.pk}), QUERY).status_code,
            client.get(reverse("equity:export"), {**QUERY, "unit": b_key, "table": "race_ethnicity"}).status_code,
        ]
        # then none exists for them
        assert answers == [404] * 5
        # and their default dashboard is program A's, whose counts hold none of program B's children
        html = client.get(reverse("equity:dashboard"), QUERY).content.decode()
        assert "Equity: Sunrise Center" in html and "Harbor Kids" not in html
        assert table_row(html, "All children")[:2] == ["200", "30"]

    def test_the_director_on_their_own_region_is_pointed_to_their_program(self, client, data):
        signed_in(client, data.people["program_staff"])
        response = client.get(reverse("equity:region", kwargs={"pk": data.region_a.pk}), QUERY)
        html = response.content.decode()
        assert response.status_code == 200
        assert program_url(data.program_a) in html
        assert "All children" not in html and "<table" not in html

    def test_the_coordinator_drills_down_only_to_programs_of_their_region(self, client, data):
        signed_in(client, data.people["regional_coordinator"])
        html = client.get(reverse("equity:region", kwargs={"pk": data.region_a.pk}), QUERY).content.decode()
        assert program_url(data.program_a) in html
        assert program_url(data.program_b) not in html and "Harbor Kids" not in html
        assert client.get(reverse("equity:region", kwargs={"pk": data.region_b.pk})).status_code == 404

    def test_the_evaluator_drill_down_links_to_suppressed_program_pages_and_no_child(self, client, data):
        signed_in(client, data.people["evaluator"])
        html = client.get(reverse("equity:dashboard"), {**QUERY, "unit": f"network:{data.network.pk}"}).content.decode()
        assert program_url(data.program_a) in html and program_url(data.program_b) in html
        assert "/children/" not in html  # no child-level link anywhere


class TestPage:
    def test_every_page_view_is_audited_with_its_parameters(self, client, data):
        admin = data.people["network_admin"]
        signed_in(client, admin)
        client.get(program_url(data.program_a), QUERY)
        event = AccessEvent.objects.get(user_id=admin.pk, object_type="directory.program")
        assert (event.action, event.object_id) == ("view", str(data.program_a.pk))
        assert "outcome=oss" in event.object_ids

    def test_query_count_is_bounded_for_the_network_with_every_dimension(self, client, data,
                                                                         django_assert_max_num_queries):
        # given the admin asking for the whole network, five dimensions, with trend and drill-down
        signed_in(client, data.people["network_admin"])
        params = {**QUERY, "unit": f"network:{data.network.pk}",
                  "dimensions": ["race_ethnicity", "gender", "iep", "dll", "home_language"]}
        # then the queries stay bounded: a few count queries per dimension and year, not per child or program
        with django_assert_max_num_queries(45):  # measured: 38 (25 for one dimension)
            response = client.get(reverse("equity:dashboard"), params)
        assert response.status_code == 200

    def test_printable_view(self, client, data):
        signed_in(client, data.people["network_admin"])
        html = client.get(program_url(data.program_a), {**QUERY, "print": "1"}).content.decode()
        assert 'class="equity equity--print"' in html
        assert "Use your browser" in html

    def test_a_wrong_custom_period_keeps_the_input_and_says_why(self, client, data):
        signed_in(client, data.people["network_admin"])
        response = client.get(program_url(data.program_a), {
            "period": "custom", "start": "2025-03-01", "end": "2025-01-01", "outcome": "oss"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "The period must end on or after the day it starts." in html
        assert 'value="2025-03-01"' in html
        assert "<table" not in html

    def test_a_custom_period_is_counted_from_the_records(self, client, data):
        signed_in(client, data.people["network_admin"])
        html = client.get(program_url(data.program_a), {
            "period": "custom", "start": "2024-09-01", "end": "2024-12-31", "outcome": "oss",
            "dimensions": ["race_ethnicity"]}).content.decode()
        assert table_row(html, "Black or African American")[:3] == ["40", "12", "12"]
