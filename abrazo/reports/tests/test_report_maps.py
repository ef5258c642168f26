"""The report's county maps: described to screen readers in the reader's language, and left out (their tables
kept) for a state the county shapes do not hold."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from abrazo.reports import report_engine as engine
from abrazo.reports import report_sections, report_views
from abrazo.reports import report_selectors as selectors

URL = "/reports/"


def _network_report(world: Any) -> report_sections.Report:
    sight = selectors.sight_for(user=world.people["network_admin"], scope_key=f"network:{world.network.pk}")
    return report_sections.build(sight, engine.preset("last_fiscal_year", timezone.localdate()), with_equity=False)


def test_the_maps_description_goes_through_gettext(world: Any, monkeypatch: Any) -> None:
    # A stand-in "translation" marks every string that went through gettext: both sentences of the description
    # (the SVG's <desc>, what a screen reader says) must carry the mark, not only the legend words.
    report = _network_report(world)
    monkeypatch.setattr(report_sections, "_", lambda text: f"[es]{text}")
    maps = report_sections.county_maps(report, state_fips="06")
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", maps[0]["svg"], re.S)
    assert desc is not None
    assert desc.group(1).startswith("[es]Map of California by county:")
    coverage = re.search(r"<desc[^>]*>(.*?)</desc>", maps[1]["svg"], re.S)
    assert coverage is not None and "[es]Map of" in coverage.group(1)


def test_a_state_without_shapes_gets_the_tables_without_the_maps(world: Any) -> None:
    report = _network_report(world)
    maps = report_sections.county_maps(report, state_fips="72")  # Puerto Rico: not in the county shapes
    assert [item["key"] for item in maps] == ["map_reach", "map_coverage"]
    assert all(item["svg"] == "" for item in maps)
    assert maps[0]["rows"] is not None and "coverage_rows" in maps[1]


def test_the_report_page_of_such_a_state_shows_the_tables(client: Any, world: Any, monkeypatch: Any) -> None:
    # Before: county_choropleth_svg raised ValueError for "72" and the whole report answered 500.
    monkeypatch.setattr(report_views.selectors, "state_fips_of", lambda network: "72")
    client.force_login(world.people["network_admin"])
    response = client.get(URL, {"scope": f"network:{world.network.pk}", "period": "last_fiscal_year"})
    assert response.status_code == 200
    html = response.content.decode()
    maps = html[html.index('id="section-maps"'):]
    assert 'id="map_reach"' in maps and "<table" in maps
    assert "<svg" not in maps and "<figure>" not in maps
    assert 'id="table-funnel"' in html


def test_the_state_comes_from_the_networks_counties(world: Any) -> None:
    assert selectors.state_fips_of(world.network) == "06"
