"""The report pages, files and the evaluators' suppressed sight: who may open what, what is audited, what a PDF
holds, and that the number of queries does not grow with the data."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations.tests.factories import ContactFactory, EpisodeFactory
from abrazo.directory.tests.factories import county
from abrazo.intake.tests.factories import RequestFactory
from abrazo.reports import report_engine as engine
from abrazo.reports import report_sections
from abrazo.reports import report_selectors as selectors

URL = "/reports/"


def last_fiscal_year() -> engine.Period:
    return engine.preset("last_fiscal_year", timezone.localdate())


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


def custom(period: engine.Period) -> dict[str, str]:
    return {"period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}


def requests_in(world: Any, region: str, count: int, day: dt.date) -> None:
    place = {"a": (world.region_a, "06019", world.program_a), "b": (world.region_b, "06037", world.program_b)}[region]
    for _ in range(count):
        RequestFactory(network=world.network, region=place[0], county=county(place[1]), program=place[2],
                       submitted_at=at(day))


@pytest.fixture
def busy(world: Any) -> Any:
    """Last fiscal year: 12 requests in region A and 3 in region B in its first quarter, and a few contacts."""
    first_day = last_fiscal_year().start
    requests_in(world, "a", 12, first_day + dt.timedelta(days=5))
    requests_in(world, "b", 3, first_day + dt.timedelta(days=6))
    episode = EpisodeFactory(program=world.program_a, opened_at=at(first_day + dt.timedelta(days=7)))
    for offset in range(14):
        ContactFactory(episode=episode, contact_date=first_day + dt.timedelta(days=8 + offset))
    return world


# --- who may open what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "supervisor", "consultant",
                                  "program_staff", "evaluator"])
def test_every_report_role_opens_the_report(client: Any, busy: Any, role: str) -> None:
    client.force_login(busy.people[role])
    response = client.get(URL)
    assert response.status_code == 200
    assert b"Funnel" in response.content


def test_people_without_the_permission_get_not_found(client: Any, world: Any) -> None:
    from abrazo.accounts.tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404
    assert client.get("/reports/pdf/").status_code == 404


@pytest.mark.parametrize("role, scope", [
    ("regional_coordinator", "region_b"), ("program_staff", "program_b"), ("consultant", "program_a"),
    ("evaluator", "program_a"), ("network_admin", "other_network"),
])
def test_a_scope_out_of_reach_is_not_found_and_audited(client: Any, world: Any, role: str, scope: str) -> None:
    keys = {"region_b": f"region:{world.region_b.pk}", "program_b": f"program:{world.program_b.pk}",
            "program_a": f"program:{world.program_a.pk}", "other_network": f"network:{world.other_network.pk}"}
    client.force_login(world.people[role])
    response = client.get(URL, {"scope": keys[scope], "period": "last_fiscal_year"})
    assert response.status_code == 404
    denied = AccessEvent.objects.filter(user_id=world.people[role].pk, object_type="report", outcome=Outcome.DENIED)
    assert denied.exists()


def test_a_view_is_audited_with_its_scope_and_period(client: Any, busy: Any) -> None:
    admin = busy.people["network_admin"]
    client.force_login(admin)
    period = last_fiscal_year()
    response = client.get(URL, {"scope": f"region:{busy.region_a.pk}", **custom(period)})
    assert response.status_code == 200
    event = AccessEvent.objects.get(user_id=admin.pk, object_type="report", action=Action.VIEW)
    assert event.object_id == f"region:{busy.region_a.pk}"
    assert f"period={period.start.isoformat()}..{period.end.isoformat()}" in event.object_ids


def test_the_report_shows_the_figures_and_a_table_beside_each_chart(client: Any, busy: Any) -> None:
    client.force_login(busy.people["network_admin"])
    response = client.get(URL, {"scope": f"network:{busy.network.pk}", "period": "last_fiscal_year"})
    html = response.content.decode()
    funnel = html[html.index('id="table-funnel"'):html.index('id="table-funnel"') + 4000]
    assert "<svg" in funnel and "<table" in funnel
    assert re.search(r"Requests received</th><td class=\"num\">15</td>", html)
    assert 'id="map_reach"' in html and 'id="map_coverage"' in html  # the county maps, with their tables


def test_query_count_does_not_grow_with_the_data(client: Any, busy: Any, django_assert_max_num_queries: Any) -> None:
    client.force_login(busy.people["network_admin"])
    parameters = {"scope": f"network:{busy.network.pk}", "period": "last_fiscal_year"}
    client.get(URL, parameters)  # warm the session and the caches
    with django_assert_max_num_queries(70):
        client.get(URL, parameters)
    requests_in(busy, "a", 30, last_fiscal_year().start + dt.timedelta(days=40))
    for _ in range(5):
        episode = EpisodeFactory(program=busy.program_b, opened_at=at(last_fiscal_year().start))
        ContactFactory.create_batch(4, episode=episode, contact_date=last_fiscal_year().start + dt.timedelta(days=3))
    with django_assert_max_num_queries(70):
        client.get(URL, parameters)


# --- the print layout, the PDF and the downloads ----------------------------------------------------------


def test_print_layout(client: Any, busy: Any) -> None:
    client.force_login(busy.people["network_admin"])
    response = client.get("/reports/print/", {"period": "last_fiscal_year", "scope": f"network:{busy.network.pk}"})
    assert response.status_code == 200
    # the print rules are in the report's stylesheet (an inline <style> would be refused by the CSP)
    assert b"abrazo/report.css" in response.content and b"<style" not in response.content
    from django.contrib.staticfiles import finders

    with open(finders.find("abrazo/report.css"), encoding="utf-8") as stylesheet:
        assert "@media print" in stylesheet.read()


def test_pdf_is_a_pdf_with_the_report_in_it(client: Any, busy: Any) -> None:
    client.force_login(busy.people["network_admin"])
    response = client.get("/reports/pdf/", {"period": "last_fiscal_year", "scope": f"network:{busy.network.pk}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is optional: the structure is enough
        assert b"%%EOF" in response.content[-64:]
        return
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Requests received" in text and "15" in text
    assert AccessEvent.objects.filter(object_type="report", action=Action.EXPORT).exists()


def test_pdf_in_spanish(client: Any, busy: Any) -> None:
    client.force_login(busy.people["network_admin"])
    response = client.get("/reports/pdf/", {"period": "last_fiscal_year", "scope": f"network:{busy.network.pk}"},
                          HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_pdf_text_holds_the_tables(busy: Any) -> None:
    from abrazo.reports import report_pdf

    sight = selectors.sight_for(user=busy.people["network_admin"], scope_key=None)
    built = report_sections.build(sight, last_fiscal_year())
    content = report_pdf.render(built, title="Network report", scope_label="Golden State Network",
                                period_label="FY", previous_label="FY before", font_dir=None, compress=False)
    assert content.startswith(b"%PDF") and b"%%EOF" in content[-64:]
    assert b"Requests received" in content and b"Contacts by modality" in content
    assert b"Children excluded" in content  # the equity summary


@pytest.mark.parametrize("file_format, magic", [("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK")])
def test_downloads_are_audited_exports(client: Any, busy: Any, file_format: str, magic: bytes) -> None:
    admin = busy.people["network_admin"]
    client.force_login(admin)
    response = client.get("/reports/download/", {"period": "last_fiscal_year", "scope": f"network:{busy.network.pk}",
                                                 "table": "funnel", "format": file_format})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(magic)
    if file_format == "csv":
        assert "Requests received,15" in content.decode("utf-8-sig")
    event = AccessEvent.objects.get(user_id=admin.pk, object_type="report", action=Action.EXPORT)
    assert "table=funnel" in event.object_ids


def test_downloads_need_export_download(client: Any, busy: Any) -> None:
    # Consultants see their report but do not hold export.download.
    client.force_login(busy.people["consultant"])
    assert client.get(URL).status_code == 200
    assert client.get("/reports/download/", {"table": "funnel", "format": "csv"}).status_code == 404
    assert client.get("/reports/pdf/").status_code == 404


# --- evaluators ---------------------------------------------------------------------------------------------


def evaluator_report(world: Any, scope: str, period: engine.Period) -> report_sections.Report:
    sight = selectors.sight_for(user=world.people["evaluator"], scope_key=scope)
    return report_sections.build(sight, period, with_equity=False)


def test_evaluators_see_no_count_of_one_to_ten(busy: Any) -> None:
    period = last_fiscal_year()
    for scope in (f"network:{busy.network.pk}", f"region:{busy.region_a.pk}", f"region:{busy.region_b.pk}",
                  "county:06019", "county:06037"):
        report = evaluator_report(busy, scope, period)
        for section in report.sections:
            for table in section.tables:
                for row in table.rows:
                    if row.kind == report_sections.COUNT:
                        for value in (row.current, row.previous):
                            assert value is None or value == 0 or value > 10, (scope, row.label, value)


def test_evaluators_cannot_subtract_a_region_from_the_network(busy: Any) -> None:
    # Region B's 3 requests are hidden; region A's 12 and the network's 15 cannot both be shown, or 15 - 12 = 3.
    period = last_fiscal_year()

    def requests(scope: str) -> report_sections.Row:
        return {r.label: r for r in evaluator_report(busy, scope, period).table("funnel").rows}["Requests received"]

    network, region_a, region_b = (requests(f"network:{busy.network.pk}"), requests(f"region:{busy.region_a.pk}"),
                                   requests(f"region:{busy.region_b.pk}"))
    assert region_b.hidden_current
    assert network.hidden_current or region_a.hidden_current
    # ...nor through time: the year's 15 is the first quarter's 15 (every other quarter is 0).
    quarter_period = engine.quarter(period.start.year, 3)
    quarter = {r.label: r for r in evaluator_report(busy, f"region:{busy.region_b.pk}", quarter_period)
               .table("funnel").rows}["Requests received"]
    assert quarter.hidden_current


def test_evaluators_get_whole_quarters_and_years_only(client: Any, busy: Any) -> None:
    client.force_login(busy.people["evaluator"])
    base = {"scope": f"network:{busy.network.pk}"}
    assert client.get(URL, {**base, "period": "last_quarter"}).status_code == 200
    # A custom range (or a month) is not offered: the form refuses it and no figures are shown.
    response = client.get(URL, {**base, **custom(last_fiscal_year())})
    assert response.status_code == 200 and response.context["report"] is None
    assert client.get(URL, {**base, "period": "last_month"}).context["report"] is None


def test_evaluators_page_says_figures_are_suppressed(client: Any, busy: Any) -> None:
    client.force_login(busy.people["evaluator"])
    response = client.get(URL, {"scope": f"network:{busy.network.pk}", "period": "last_fiscal_year"})
    html = response.content.decode()
    assert "Suppressed figures" in html
    assert '<td class="num">1-10</td>' in html  # region B's 3 requests among others
    event = AccessEvent.objects.get(user_id=busy.people["evaluator"].pk, object_type="report", action=Action.VIEW)
    assert "sight=suppressed" in event.object_ids


@pytest.mark.parametrize("role", ["network_admin", "evaluator", "consultant", "program_staff"])
def test_navigation_links_the_reports(rf: Any, world: Any, role: str) -> None:
    from abrazo.accounts.navigation import navigation_for

    request = rf.get("/reports/")
    items = navigation_for(world.people[role], request)
    assert any(item.url == "/reports/" and item.active for item in items)


def test_navigation_hides_the_reports_without_the_permissions(rf: Any, db: Any) -> None:
    from abrazo.accounts.navigation import navigation_for
    from abrazo.accounts.tests.factories import UserFactory

    assert all(item.url != "/reports/" for item in navigation_for(UserFactory(), rf.get("/")))


def test_evaluators_get_no_breakdowns_for_a_county(busy: Any) -> None:
    report = evaluator_report(busy, "county:06019", last_fiscal_year())
    assert report.table("visits_modality") is None and report.table("reach_setting") is None
    assert [row.label for row in report.table("satisfaction").rows] == ["Surveys completed"]
    assert evaluator_report(busy, f"region:{busy.region_a.pk}", last_fiscal_year()).table("visits_modality")


def test_evaluators_suppression_is_solved_once_per_set_of_counts(busy: Any, monkeypatch: Any) -> None:
    first = evaluator_report(busy, f"network:{busy.network.pk}", last_fiscal_year())

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("solved again")

    monkeypatch.setattr(report_sections.engine, "suppress_cells", refuse)
    again = evaluator_report(busy, f"network:{busy.network.pk}", last_fiscal_year())
    assert [r.current_text for r in again.table("funnel").rows] == [r.current_text for r in first.table("funnel").rows]
    # Another count is another fingerprint: solved anew.
    requests_in(busy, "b", 1, last_fiscal_year().start + dt.timedelta(days=9))
    with pytest.raises(AssertionError, match="solved again"):
        evaluator_report(busy, f"network:{busy.network.pk}", last_fiscal_year())


def test_a_custom_period_without_a_scope_uses_the_broadest_scope(client: Any, busy: Any) -> None:
    client.force_login(busy.people["network_admin"])
    period = engine.previous(last_fiscal_year())
    response = client.get(URL, custom(period))
    assert response.status_code == 200
    shown = response.context["report"].period
    assert (shown.start, shown.end) == (period.start, period.end)
    assert response.context["sight"].scope.kind == "network"


@pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "supervisor", "consultant",
                                  "program_staff", "evaluator"])
def test_every_role_gets_what_the_permission_matrix_predicts(client: Any, world: Any, role: str) -> None:
    # The pages are @signed_in (every role holds report.view or report.view_suppressed); files need export.download.
    from abrazo.accounts import access

    client.force_login(world.people[role])
    downloads = 200 if access.has_permission(world.people[role], "export.download") else 404
    assert client.get("/reports/").status_code == 200
    assert client.get("/reports/print/").status_code == 200
    assert client.get("/reports/pdf/").status_code == downloads
    assert client.get("/reports/download/").status_code == downloads


@pytest.mark.parametrize("file_format, magic", [("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK")])
def test_the_equity_summary_downloads_through_the_equity_export(client: Any, busy: Any, file_format: str,
                                                                magic: bytes) -> None:
    # given the report of the network for last fiscal year, opened by the administrator
    client.force_login(busy.people["network_admin"])
    page = client.get(URL, {"period": "last_fiscal_year", "scope": f"network:{busy.network.pk}"})
    assert page.status_code == 200
    # when she follows the equity summary's download link
    links = re.findall(r'href="(/equity/export/\?[^"]+)"', page.content.decode())
    wanted = [link.replace("&amp;", "&") for link in links if link.endswith(f"format={file_format}")]
    assert len(wanted) == 1
    period = last_fiscal_year()
    assert f"start={period.start.isoformat()}" in wanted[0] and f"end={period.end.isoformat()}" in wanted[0]
    response = client.get(wanted[0])
    # then the equity dashboard's own export answers with that table for the report's period, audited as an export
    assert response.status_code == 200 and response.content.startswith(magic)
    assert AccessEvent.objects.filter(user_id=busy.people["network_admin"].pk, action=Action.EXPORT).exists()


def test_no_equity_download_link_without_the_export_permission(client: Any, busy: Any) -> None:
    # given a consultant (her own report, no export.download)
    client.force_login(busy.people["consultant"])
    page = client.get(URL, {"period": "last_fiscal_year"})
    # then no download link of any kind is offered
    assert page.status_code == 200 and b"/equity/export/" not in page.content
