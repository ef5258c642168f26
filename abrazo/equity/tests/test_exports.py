"""Exports of the dashboard's tables: as seen on the page, formula-safe, suppressed for evaluators, audited."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from abrazo.audit.models import AccessEvent
from abrazo.equity.tests.test_selectors import build_equity_data, children
from abrazo.incidents.models import RaceEthnicity

pytestmark = pytest.mark.django_db

QUERY = {"period": "2024", "outcome": "oss", "dimensions": ["race_ethnicity"]}


@pytest.fixture
def data(world):
    build_equity_data(world)
    return world


def download(client, user, **params):
    client.force_login(user)
    return client.get(reverse("equity:export"), {**QUERY, **params})


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_admin_exports_a_dimension_table_as_csv(client, data):
    response = download(client, data.people["network_admin"], unit=f"program:{data.program_a.pk}",
                        table="race_ethnicity", format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:6] == ["Group", "Enrolled", "Children with the outcome", "Events", "Risk", "Risk ratio"]
    assert rows[1][:7] == ["Black or African American", "40", "12", "12", "0.3", "2.6667", "RR"]
    assert rows[-1][:4] == ["All children", "200", "30", "30"]


def test_the_evaluator_export_is_suppressed_as_the_page_is(client, data):
    response = download(client, data.people["evaluator"], unit=f"program:{data.program_a.pk}",
                        table="race_ethnicity", format="csv")
    rows = {row[0]: row for row in read_csv(response)}
    # the worked example: 4 and 12 are hidden (both read "hidden"), and the ratio resting on them is blank
    assert rows["Black or African American"][1:6] == ["40", "hidden", "hidden", "", ""]
    assert rows["White"][1:4] == ["60", "hidden", "hidden"]
    assert "2.6667" not in response.content.decode()


def test_an_xlsx_export_keeps_a_formula_like_name_as_text(client, data):
    # given a program whose name starts with "=" (typed by someone, or imported)
    data.program_b.name = '=HYPERLINK("http://evil.example","x")'
    data.program_b.save()
    children(data.program_b, RaceEthnicity.BLACK, 2, 0)
    # when the admin exports the network's programs table as XLSX
    response = download(client, data.people["network_admin"], unit=f"network:{data.network.pk}",
                        table="programs", format="xlsx")
    # then the name is a text cell starting with a quote, never a formula
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_trend_table_exports_three_school_years(client, data):
    rows = read_csv(download(client, data.people["network_admin"], unit=f"program:{data.program_a.pk}",
                             table="trend:race_ethnicity", format="csv"))
    assert rows[0] == ["Group", "2022-23 enrolled", "2022-23 with the outcome", "2022-23 risk", "2023-24 enrolled",
                       "2023-24 with the outcome", "2023-24 risk", "2024-25 enrolled", "2024-25 with the outcome",
                       "2024-25 risk"]
    assert rows[1] == ["Black or African American", "0", "0", "", "0", "0", "", "40", "12", "0.3"]


def test_every_export_is_audited_with_unit_table_and_format(client, data):
    admin = data.people["network_admin"]
    download(client, admin, unit=f"program:{data.program_a.pk}", table="race_ethnicity", format="xlsx")
    event = AccessEvent.objects.get(user_id=admin.pk, action="export")
    assert (event.object_type, event.object_id) == ("directory.program", str(data.program_a.pk))
    assert {"table=race_ethnicity", "format=xlsx", "outcome=oss"} <= set(event.object_ids)


@pytest.mark.parametrize("params", [
    {"table": "no_such_table"}, {"format": "pdf"}, {"table": "programs"},  # a program has no drill-down
])
def test_an_unknown_table_or_format_is_not_found(client, data, params):
    response = download(client, data.people["network_admin"], unit=f"program:{data.program_a.pk}", **params)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["consultant", "supervisor"])
def test_roles_without_export_get_404(client, data, role):
    assert download(client, data.people[role], table="race_ethnicity").status_code == 404
