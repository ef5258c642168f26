"""GET /api/v1/reports/network/: the web report's figures, access and audit over the API (abrazo/reports/api.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from abrazo.api.tests.factories import api_auth
from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations.tests.factories import ContactFactory, EpisodeFactory
from abrazo.directory.tests.factories import county
from abrazo.intake.tests.factories import RequestFactory
from abrazo.reports import report_engine as engine

URL = "/api/v1/reports/network/"
ROLES = ["network_admin", "regional_coordinator", "supervisor", "consultant", "program_staff", "evaluator"]


def last_fiscal_year() -> engine.Period:
    return engine.preset("last_fiscal_year", timezone.localdate())


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


def requests_in(world: Any, region: str, count: int, day: dt.date) -> None:
    place = {"a": (world.region_a, "06019", world.program_a), "b": (world.region_b, "06037", world.program_b)}[region]
    for _ in range(count):
        RequestFactory(network=world.network, region=place[0], county=county(place[1]), program=place[2],
                       submitted_at=at(day))


@pytest.fixture
def busy(world: Any) -> Any:
    """Last fiscal year: 12 requests in region A and 3 in region B in its first quarter, 14 contacts in A; and 2
    requests in region A the year before (the previous period)."""
    first_day = last_fiscal_year().start
    requests_in(world, "a", 12, first_day + dt.timedelta(days=5))
    requests_in(world, "b", 3, first_day + dt.timedelta(days=6))
    requests_in(world, "a", 2, first_day - dt.timedelta(days=100))
    episode = EpisodeFactory(program=world.program_a, opened_at=at(first_day + dt.timedelta(days=7)))
    for offset in range(14):
        ContactFactory(episode=episode, contact_date=first_day + dt.timedelta(days=8 + offset))
    return world


def rows_of(body: dict[str, Any], table: str) -> dict[str, dict[str, Any]]:
    found = [t for s in body["sections"] for t in s["tables"] if t["key"] == table]
    assert found, f"no table {table}"
    return {row["label"]: row for row in found[0]["rows"]}


# --- exact figures ----------------------------------------------------------------------------------------


def test_the_admin_gets_the_networks_figures_with_the_previous_period_and_change(client: Any, busy: Any) -> None:
    admin = busy.people["network_admin"]
    response = client.get(URL, {"scope": "network", "period": "last_fiscal_year"}, **api_auth(admin, "reports:read"))
    assert response.status_code == 200, response.content
    body = response.json()
    period = last_fiscal_year()
    assert body["sight"] == "exact"
    assert body["scope"] == {"kind": "network", "id": str(busy.network.pk), "label": busy.network.name}
    assert body["period"] == {"start": period.start.isoformat(), "end": period.end.isoformat()}
    assert body["previous_period"]["end"] == (period.start - dt.timedelta(days=1)).isoformat()
    requests = rows_of(body, "funnel")["Requests received"]
    # 12 + 3 this fiscal year, 2 the one before: +13, +650 %.
    assert requests == {"label": "Requests received", "kind": "count", "current": 15.0, "previous": 2.0,
                        "current_suppressed": False, "previous_suppressed": False, "change": 13.0,
                        "change_percent": 650.0}
    assert rows_of(body, "services_total")["Contacts (visits, calls, messages)"]["current"] == 14.0
    assert all(s["key"] != "equity" for s in body["sections"])


def test_a_region_and_custom_dates(client: Any, busy: Any) -> None:
    admin = busy.people["network_admin"]
    first_day = last_fiscal_year().start
    response = client.get(URL, {"scope": "region", "id": str(busy.region_b.pk), "from": first_day.isoformat(),
                                "to": (first_day + dt.timedelta(days=9)).isoformat()}, **api_auth(admin))
    assert response.status_code == 200, response.content
    assert rows_of(response.json(), "funnel")["Requests received"]["current"] == 3.0


def test_the_coordinator_counts_only_her_region(client: Any, busy: Any) -> None:
    coordinator = busy.people["regional_coordinator"]  # region A
    response = client.get(URL, {"period": "last_fiscal_year"}, **api_auth(coordinator))
    assert response.status_code == 200
    assert rows_of(response.json(), "funnel")["Requests received"]["current"] == 12.0


@pytest.mark.parametrize("role", ROLES)
def test_every_report_role_gets_a_report(client: Any, busy: Any, role: str) -> None:
    response = client.get(URL, **api_auth(busy.people[role], "reports:read"))
    assert response.status_code == 200, (role, response.content)
    assert response.json()["sight"] == ("suppressed" if role == "evaluator" else "exact")


# --- evaluators -------------------------------------------------------------------------------------------


def _count_values(body: dict[str, Any]) -> list[tuple[str, float]]:
    return [(row["label"], value) for section in body["sections"] for table in section["tables"]
            for row in table["rows"] if row["kind"] == "count" for value in (row["current"], row["previous"])
            if value is not None]


@pytest.mark.parametrize("scope", ["network", "region_a", "region_b", "county:06019", "county:06037"])
def test_evaluators_see_no_count_of_one_to_ten(client: Any, busy: Any, scope: str) -> None:
    ids = {"network": {"scope": "network"}, "region_a": {"scope": "region", "id": str(busy.region_a.pk)},
           "region_b": {"scope": "region", "id": str(busy.region_b.pk)}}
    kind, _sep, fips = scope.partition(":")
    parameters = ids.get(scope) or {"scope": kind, "id": fips}
    response = client.get(URL, {**parameters, "period": "last_fiscal_year"},
                          **api_auth(busy.people["evaluator"], "reports:read"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sight"] == "suppressed"
    for label, value in _count_values(body):
        assert value == 0 or value > 10, (scope, label, value)


def test_evaluators_hidden_cells_are_null_and_marked(client: Any, busy: Any) -> None:
    response = client.get(URL, {"scope": "region", "id": str(busy.region_b.pk), "period": "last_fiscal_year"},
                          **api_auth(busy.people["evaluator"]))
    body = response.json()
    requests = rows_of(body, "funnel")["Requests received"]
    # Region B's 3 requests: hidden, and nothing derived from them shows either.
    assert requests["current"] is None and requests["current_suppressed"] is True
    assert requests["change"] is None and requests["change_percent"] is None
    text = json.dumps(body)
    assert '"current": 3.0' not in text and '"current": 3,' not in text


def test_evaluators_get_whole_quarters_and_years_only(client: Any, busy: Any) -> None:
    auth = api_auth(busy.people["evaluator"])
    assert client.get(URL, {"period": "last_quarter"}, **auth).status_code == 200
    month = client.get(URL, {"period": "last_month"}, **auth)
    assert month.status_code == 400 and "period" in month.json()["error"]["fields"]
    period = last_fiscal_year()
    dates = client.get(URL, {"from": period.start.isoformat(), "to": period.end.isoformat()}, **auth)
    assert dates.status_code == 400
    # Only the quarter was a report read.
    assert AccessEvent.objects.filter(user_id=busy.people["evaluator"].pk, object_type="report",
                                      action=Action.VIEW).count() == 1


# --- refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, scope", [
    ("regional_coordinator", "region_b"), ("program_staff", "program_b"), ("consultant", "program_b"),
    ("evaluator", "program_a"), ("network_admin", "other_network"), ("network_admin", "unknown_county"),
])
def test_a_scope_out_of_reach_is_not_found_and_audited(client: Any, world: Any, role: str, scope: str) -> None:
    parameters = {"region_b": ("region", world.region_b.pk), "program_b": ("program", world.program_b.pk),
                  "program_a": ("program", world.program_a.pk), "other_network": ("network", world.other_network.pk),
                  "unknown_county": ("county", "99999")}[scope]
    person = world.people[role]
    response = client.get(URL, {"scope": parameters[0], "id": str(parameters[1])}, **api_auth(person))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    denied = AccessEvent.objects.get(user_id=person.pk, object_type="report", outcome=Outcome.DENIED)
    assert denied.object_id == f"{parameters[0]}:{parameters[1]}"
    assert not AccessEvent.objects.filter(user_id=person.pk, object_type="report", action=Action.VIEW,
                                          outcome=Outcome.ALLOWED).exists()


def test_without_credentials_401(client: Any, world: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_token_without_reports_read_403(client: Any, world: Any) -> None:
    response = client.get(URL, **api_auth(world.people["network_admin"], "directory:read"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "scope_missing"


@pytest.mark.parametrize("parameters, field", [
    ({"scope": "region"}, "id"), ({"id": "06019"}, "scope"), ({"scope": "planet", "id": "x"}, "scope"),
    ({"period": "this_decade"}, "period"), ({"from": "2025-07-01"}, "from"),
    ({"from": "2025-07-01", "to": "2025-06-01"}, "to"), ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ({"period": "last_quarter", "from": "2025-07-01", "to": "2025-09-30"}, "period"),
    ({"scope": "county", "id": "06\x0019"}, "id"),
])
def test_invalid_parameters_are_a_400_naming_them(client: Any, world: Any, parameters: dict[str, str],
                                                  field: str) -> None:
    response = client.get(URL, parameters, **api_auth(world.people["network_admin"]))
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


# --- audit and cost ---------------------------------------------------------------------------------------


def test_a_read_is_audited_as_the_web_page_is(client: Any, busy: Any) -> None:
    admin = busy.people["network_admin"]
    period = last_fiscal_year()
    response = client.get(URL, {"scope": "region", "id": str(busy.region_a.pk), "period": "last_fiscal_year"},
                          **api_auth(admin))
    assert response.status_code == 200
    event = AccessEvent.objects.get(user_id=admin.pk, object_type="report", action=Action.VIEW)
    assert event.object_id == f"region:{busy.region_a.pk}"
    assert event.object_ids == [f"period={period.start.isoformat()}..{period.end.isoformat()}", "sight=exact", "api"]


def test_evaluators_read_is_audited_as_suppressed(client: Any, busy: Any) -> None:
    evaluator = busy.people["evaluator"]
    client.get(URL, {"period": "last_fiscal_year"}, **api_auth(evaluator))
    event = AccessEvent.objects.get(user_id=evaluator.pk, object_type="report", action=Action.VIEW)
    assert "sight=suppressed" in event.object_ids and event.object_id == f"network:{busy.network.pk}"


def test_query_count_does_not_grow_with_the_data(client: Any, busy: Any, django_assert_max_num_queries: Any) -> None:
    auth = api_auth(busy.people["network_admin"])
    parameters = {"scope": "network", "period": "last_fiscal_year"}
    client.get(URL, parameters, **auth)  # warm the caches
    with django_assert_max_num_queries(70):
        client.get(URL, parameters, **auth)
    requests_in(busy, "a", 30, last_fiscal_year().start + dt.timedelta(days=40))
    for _ in range(5):
        episode = EpisodeFactory(program=busy.program_b, opened_at=at(last_fiscal_year().start))
        ContactFactory.create_batch(4, episode=episode, contact_date=last_fiscal_year().start + dt.timedelta(days=3))
    with django_assert_max_num_queries(70):
        response = client.get(URL, parameters, **auth)
    assert rows_of(response.json(), "funnel")["Requests received"]["current"] == 45.0
