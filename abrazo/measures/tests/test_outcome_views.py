"""The outcomes page and its export over HTTP, for each role (data: see test_outcome_selectors)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from abrazo.audit.models import AccessEvent
from abrazo.measures.tests.test_outcome_selectors import build_outcome_data

pytestmark = pytest.mark.django_db

PAGE = reverse("measures:outcomes")
EXPORT = reverse("measures:outcomes-export")


@pytest.fixture
def data(world):
    return build_outcome_data(world)


def signed_in(client, user):
    client.force_login(user)
    return client


def table_row(html: str, label: str) -> list[str]:
    """The cells of the first table row headed `label`, as text."""
    match = re.search(rf'<tr[^>]*>\s*<th scope="row"[^>]*>{re.escape(label)}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row {label!r}"
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")
                                           if response.streaming else response.content.decode("utf-8-sig"))))


class TestPage:
    def test_admin_sees_the_program_table_chart_and_export_links(self, client, data):
        # given the network administrator
        signed_in(client, data.world.people["network_admin"])
        # when they open program A's outcomes
        response = client.get(PAGE, {"unit": f"program:{data.world.program_a.pk}"})
        # then the overall row of the social-skills table holds 17 pairs and the means by hand
        assert response.status_code == 200
        html = response.content.decode()
        cells = table_row(html, "All respondents")
        assert cells[0] == "17"
        assert cells[1] == "12.71"  # mean pre: (150 + 66) / 17
        assert "Child social skills" in html and "Teacher stress" in html
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
        assert "lower is better" in html
        assert "it is not about a child, so there is no child" in html
        assert f"{EXPORT}?" in html

    def test_evaluator_sees_hidden_counts_and_withheld_groups(self, client, data):
        signed_in(client, data.world.people["evaluator"])
        response = client.get(PAGE, {"unit": f"network:{data.world.network.pk}"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "Suppressed figures" in html
        cells = table_row(html, "Black or African American")
        assert cells == ["hidden", "Withheld: too few pairs to publish."]

    @pytest.mark.parametrize("role", ["consultant", "program_staff"])
    def test_roles_without_outcomes_get_404(self, client, data, role):
        signed_in(client, data.world.people[role])
        assert client.get(PAGE).status_code == 404
        assert client.get(EXPORT).status_code == 404

    def test_a_unit_outside_the_scope_is_404(self, client, data):
        signed_in(client, data.world.people["regional_coordinator"])
        assert client.get(PAGE, {"unit": f"region:{data.world.region_b.pk}"}).status_code == 404
        assert client.get(PAGE, {"unit": "region:not-a-uuid"}).status_code == 404

    def test_a_period_ending_before_it_starts_is_refused_in_words(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        response = client.get(PAGE, {"closed_from": "2025-06-01", "closed_until": "2025-01-01"})
        assert response.status_code == 200
        assert "The period must end on or after the day it starts." in response.content.decode()
        assert "All respondents" not in response.content.decode()

    def test_the_page_is_audited(self, client, data):
        admin = data.world.people["network_admin"]
        signed_in(client, admin)
        client.get(PAGE, {"unit": f"network:{data.world.network.pk}", "episode_type": "child_family"})
        event = AccessEvent.objects.filter(user_id=admin.pk, action="view",
                                           object_type="directory.network").latest("occurred_at")
        assert "episode_type=child_family" in event.object_ids

    def test_queries_are_bounded(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        client.get(PAGE)  # warm up the session and the language table
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE, {"unit": f"network:{data.world.network.pk}"}).status_code == 200
        assert len(queries) <= 25


class TestExport:
    def test_csv_for_the_admin_has_every_group_with_exact_figures(self, client, data):
        admin = data.world.people["network_admin"]
        signed_in(client, admin)
        response = client.get(EXPORT, {"unit": f"program:{data.world.program_a.pk}", "format": "csv"})
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="outcomes-sunrise-center.csv"'
        rows = csv_rows(response)
        social = [row for row in rows if row["Scale"] == "Social skills"]
        assert [(row["Breakdown"], row["Group"], row["Pairs"]) for row in social] == [
            ("All respondents", "All respondents", "17"),
            ("Race/ethnicity", "Black or African American", "5"),
            ("Race/ethnicity", "Hispanic/Latino", "12"),
            ("Language answered in", "English", "11"),
            ("Language answered in", "Spanish", "6"),
        ]
        hispanic = social[2]
        assert float(hispanic["Mean change"]) == 2.0
        assert (hispanic["Improved"], hispanic["Worse"], hispanic["Unchanged"]) == ("10", "1", "1")
        assert AccessEvent.objects.filter(user_id=admin.pk, action="export").exists()

    def test_evaluator_file_is_suppressed_like_the_page(self, client, data):
        signed_in(client, data.world.people["evaluator"])
        response = client.get(EXPORT, {"unit": f"network:{data.world.network.pk}", "format": "csv"})
        rows = [row for row in csv_rows(response) if row["Scale"] == "Social skills"]
        black = next(row for row in rows if row["Group"] == "Black or African American")
        assert black["Pairs"] == "hidden" and black["Mean change"] == "" and black["Improved"] == "hidden"
        for row in rows:
            for column in ("Pairs", "Improved", "Worse", "Unchanged", "Reliably improved", "Reliably worse"):
                value = row[column]
                assert value in ("hidden", "") or int(value) == 0 or int(value) > 10

    def test_names_starting_with_a_formula_stay_text(self, client, data):
        data.instrument.name_en = "=HYPERLINK(\"http://x\")"
        data.instrument.name_es = ""
        data.instrument.save()
        signed_in(client, data.world.people["network_admin"])
        response = client.get(EXPORT, {"format": "csv"})
        names = {row["Measure"] for row in csv_rows(response)}
        assert not any(name.startswith("=") for name in names)

    def test_xlsx_opens_with_the_same_header(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        response = client.get(EXPORT, {"format": "xlsx"})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
        assert header[:7] == ["Measure", "Scale", "Direction", "Reliability", "Breakdown", "Group", "Pairs"]

    def test_an_unknown_format_is_404(self, client, data):
        signed_in(client, data.world.people["network_admin"])
        assert client.get(EXPORT, {"format": "pdf"}).status_code == 404
