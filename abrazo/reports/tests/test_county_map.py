"""County choropleths: the committed shapes decode to the right counties in the right places, the TopoJSON
decoder is right on a hand-made topology, and the SVG classes, hatches, escapes and centres as documented."""

from __future__ import annotations

import importlib.util
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from abrazo.reports import county_map
from abrazo.reports.county_map import (
    DIVERGING,
    DIVERGING_BREAKS,
    NO_DATA_FILL,
    SEQUENTIAL,
    MapLabels,
    classify,
    county_choropleth_svg,
    load_shapes,
    quantile_breaks,
    state_counties,
    state_name,
)

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[3]


def _build_module():
    spec = importlib.util.spec_from_file_location("county_shapes_build", ROOT / "tools" / "county_shapes" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def _paths(svg: str) -> dict[str, ET.Element]:
    root = _parse(svg)
    return {p.get("data-fips"): p for p in root.iter(f"{SVG}path") if p.get("data-fips")}


def _bbox_from_path(d: str) -> tuple[float, float, float, float]:
    """Walk an M/l/z path independently of the build's own bbox: absolute moves, relative line steps."""
    xs, ys = [], []
    for command, body in re.findall(r"([Mlz])([^Mlz]*)", d):
        numbers = [float(n) for n in re.findall(r"-?(?:\d+\.?\d*|\.\d+)", body)]
        if command == "M":
            x, y = numbers[0], numbers[1]
            xs.append(x)
            ys.append(y)
        elif command == "l":
            for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
                x, y = x + dx, y + dy
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


# --- the committed shapes -------------------------------------------------------------------------------------


def test_california_has_its_58_counties_with_odd_fips_from_001_to_115():
    counties = state_counties("06")
    assert len(counties) == 58
    assert [fips for fips, _name in counties] == [f"06{n:03d}" for n in range(1, 116, 2)]
    names = dict(counties)
    assert names["06037"] == "Los Angeles"
    assert names["06067"] == "Sacramento"
    assert names["06075"] == "San Francisco"
    assert state_name("6") == "California"  # a one-digit code is padded


def test_every_county_in_the_country_has_a_non_empty_closed_path():
    shapes = load_shapes()
    assert len(shapes.counties) == 3142  # 50 states and DC in the 2017 Census files
    assert len(shapes.states) == 51
    for county in shapes.counties.values():
        assert re.fullmatch(r"(M[^Mz]+z)+", county.path), county.fips
        assert len(county.path) > 10, county.fips


def test_los_angeles_lies_south_of_sacramento_and_paths_agree_with_their_bboxes():
    shapes = load_shapes()
    la, sac = shapes.counties["06037"], shapes.counties["06067"]
    # y grows downwards in the Albers space: LA's northern edge is below Sacramento's southern edge
    assert la.bbox[1] > sac.bbox[3]
    for county in (la, sac, shapes.counties["02013"], shapes.counties["15001"]):
        assert _bbox_from_path(county.path) == pytest.approx(county.bbox, abs=0.051)
    x0, y0, x1, y1 = shapes.states["06"][1]
    assert x0 <= la.bbox[0] and la.bbox[2] <= x1 and y0 <= la.bbox[1] and la.bbox[3] <= y1


def test_zero_area_independent_cities_are_kept_as_markers():
    shapes = load_shapes()
    markers = sorted(fips for fips, c in shapes.counties.items() if c.marker)
    assert markers == ["51610", "51678", "51685"]
    assert shapes.counties["51610"].name == "Falls Church"


def test_the_committed_file_names_its_source_and_provenance_agrees():
    build = _build_module()
    source = load_shapes().source
    assert source["package"] == "us-atlas"
    assert source["version"] == build.VERSION
    assert source["integrity"] == build.INTEGRITY
    provenance = (ROOT / "abrazo" / "reports" / "data" / "PROVENANCE.md").read_text(encoding="utf-8")
    assert build.VERSION in provenance
    assert build.INTEGRITY in provenance


def test_unknown_state_is_an_error():
    with pytest.raises(ValueError):
        state_counties("99")


# --- the TopoJSON decoder on a hand-made topology --------------------------------------------------------------


def _tiny_topology() -> dict:
    # Two unit squares side by side sharing the arc x=1 (arc 0, drawn upwards); county B walks it backwards (~0).
    # Quantized with scale 0.5 and translate (10, 20): integer 2 is 1.0 px. Arcs are delta-encoded.
    return {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
        "arcs": [
            [[2, 0], [0, 2]],  # (11,20) -> (11,21): the shared border
            [[2, 2], [-2, 0], [0, -2], [2, 0]],  # (11,21) -> (10,21) -> (10,20) -> (11,20): A's other sides
            [[2, 0], [2, 0], [0, 2], [-2, 0]],  # (11,20) -> (12,20) -> (12,21) -> (11,21): B's other sides
            [[20, 20], [1, 0], [0, 1], [-1, 0], [0, -1]],  # a tiny closed island for B (MultiPolygon)
        ],
        "objects": {
            "counties": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "id": "99001", "properties": {"name": "A"}},
                {"type": "MultiPolygon", "arcs": [[[2, -1]], [[3]]], "id": "99003", "properties": {"name": "B"}},
                {"type": None, "id": "99005", "properties": {"name": "Nowhere"}},
            ]},
            "states": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[1, 2]], "id": "99", "properties": {"name": "Testland"}},
            ]},
        },
    }


def test_decoder_undoes_delta_encoding_and_quantization():
    build = _build_module()
    arcs = build.decode_arcs(_tiny_topology())
    assert arcs[0] == [(11.0, 20.0), (11.0, 21.0)]
    assert arcs[2] == [(11.0, 20.0), (12.0, 20.0), (12.0, 21.0), (11.0, 21.0)]
    assert arcs[3][0] == (20.0, 30.0)


def test_decoder_walks_reversed_arcs_and_multipolygons():
    build = _build_module()
    shapes = build.build(_tiny_topology(), tolerance=0.0)
    a, b = shapes["counties"]["99001"], shapes["counties"]["99003"]
    assert a["path"] == "M11 20l0 1-1 0 0-1z"
    # B: its own three sides, then the shared border walked downwards (~0), closed by z; then the island
    assert b["path"] == "M11 20l1 0 0 1-1 0zM20 30l.5 0 0 .5-.5 0z"
    assert a["bbox"] == [10.0, 20.0, 11.0, 21.0]
    assert b["bbox"] == [11.0, 20.0, 20.5, 30.5]
    assert "99005" not in shapes["counties"]  # a null geometry has nothing to draw
    assert shapes["states"]["99"] == {"name": "Testland", "bbox": [10.0, 20.0, 20.5, 30.5]}


def test_numbers_are_written_short_and_exact():
    build = _build_module()
    assert [build._number(n) for n in (0, 5, -5, 12, -12, 30, -30)] == ["0", ".5", "-.5", "1.2", "-1.2", "3", "-3"]


def test_douglas_peucker_drops_only_points_within_tolerance():
    build = _build_module()
    line = [(0.0, 0.0), (1.0, 0.04), (2.0, 0.0), (3.0, 1.0), (4.0, 0.0)]
    assert build.douglas_peucker(line, 0.05) == [(0.0, 0.0), (2.0, 0.0), (3.0, 1.0), (4.0, 0.0)]
    assert build.douglas_peucker(line, 0.0) == line


# --- classes --------------------------------------------------------------------------------------------------


def test_quantile_breaks_worked_example():
    # ten values, five classes of two: thresholds at the 3rd, 5th, 7th and 9th values
    assert quantile_breaks([float(v) for v in range(1, 11)]) == [3, 5, 7, 9]
    # ties merge classes instead of making empty ones
    assert quantile_breaks([1, 1, 1, 1, 1, 1, 1, 1, 2, 2]) == [2]
    # rounded down to two significant figures, so the top class keeps its value (106 gives 100, not 110)
    assert quantile_breaks([0.1234, 0.2345, 0.3456]) == [0.23, 0.34]
    assert quantile_breaks([10, 20, 106]) == [20, 100]
    assert quantile_breaks([0.1, 0.29, 0.5]) == [0.29, 0.5]  # no binary noise: 0.29 stays 0.29
    assert quantile_breaks([]) == []


def test_classify_uses_half_open_classes():
    breaks = [10, 20, 30, 40]
    assert [classify(v, breaks) for v in (9.99, 10, 19.9, 20, 39.9, 40, 1000)] == [0, 1, 1, 2, 3, 4, 4]


# --- the SVG --------------------------------------------------------------------------------------------------


def _worked_example_svg(**overrides) -> str:
    values = {
        "06001": 5.0,  # < 10: class 0
        "06003": 10.0,  # exactly on a break: the upper class, 1
        "06005": 39.9,  # class 3
        "06007": 40.0,  # class 4
        "06009": None,  # no data
        "06011": 987.65,  # suppressed: its value must never appear
        "06999": 1.0,  # not a county
        "32001": 2.0,  # Nevada's: not in this map
    }
    options = {"state_fips": "06", "title": "Referrals", "legend_title": "Per 1,000 children",
               "suppressed": ["06011"], "breaks": [10, 20, 30, 40]}
    options.update(overrides)
    return county_choropleth_svg(values, **options)


def test_svg_is_well_formed_and_accessible():
    svg = _worked_example_svg()
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert desc.text == ("Map of California by county: 58 counties, 4 with data, 1 suppressed, 53 with no data. "
                         "Values range from 5 to 40.")
    assert len(_paths(svg)) == 58


def test_values_map_to_their_classes():
    paths = _paths(_worked_example_svg())
    assert paths["06001"].get("fill") == SEQUENTIAL[0]
    assert paths["06003"].get("fill") == SEQUENTIAL[1]
    assert paths["06005"].get("fill") == SEQUENTIAL[3]
    assert paths["06007"].get("fill") == SEQUENTIAL[4]
    assert "county--class-4" in paths["06007"].get("class")
    assert paths["06009"].get("fill") == NO_DATA_FILL
    assert paths["06013"].get("fill") == NO_DATA_FILL  # absent from values altogether
    assert paths["06001"].find(f"{SVG}title").text == "Alameda: 5"
    assert paths["06009"].find(f"{SVG}title").text == "Calaveras: no data"


def test_legend_names_each_class_with_its_count():
    root = _parse(_worked_example_svg())
    legend = {g.get("class"): "".join(g.itertext()).strip() for g in root.iter(f"{SVG}g")
              if (g.get("class") or "").startswith("legend--")}
    assert legend == {
        "legend--class-0": "< 10 (1)",
        "legend--class-1": "10 \u2013 < 20 (1)",
        "legend--class-2": "20 \u2013 < 30 (0)",
        "legend--class-3": "30 \u2013 < 40 (1)",
        "legend--class-4": "\u2265 40 (1)",
        "legend--no-data": "No data (53)",
        "legend--suppressed": "Suppressed (too few to show) (1)",
    }


def test_suppressed_counties_are_hatched_and_their_value_is_nowhere():
    svg = _worked_example_svg()
    root = _parse(svg)
    path = _paths(svg)["06011"]
    pattern_ids = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    fill = path.get("fill")
    assert fill.startswith("url(#") and fill[5:-1] in pattern_ids
    assert path.find(f"{SVG}title").text == "Colusa: suppressed"
    assert "987" not in svg
    # the legend's swatch uses a hatch too, so the pattern is explained
    key = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend--suppressed")
    assert key.find(f"{SVG}rect").get("fill")[5:-1] in pattern_ids
    # a suppressed value takes no part in the automatic breaks either
    auto = county_choropleth_svg({"06001": 1.0, "06003": 2.0, "06011": 500.0}, state_fips="06", title="t",
                                 legend_title="l", suppressed={"06011"})
    assert "500" not in auto
    assert "Values range from 1 to 2." in auto


def test_unknown_and_out_of_state_fips_are_ignored():
    paths = _paths(_worked_example_svg())
    assert "06999" not in paths and "32001" not in paths
    assert all(fips.startswith("06") for fips in paths)


def test_text_is_escaped():
    svg = _worked_example_svg(title='<script>alert("x")</script> & co', legend_title="a < b",
                              value_format=lambda v: f"<b>{v:g}</b>",
                              labels=MapLabels(no_data="<none>", suppressed="hidden & safe"))
    assert "<script>" not in svg and "<b>" not in svg and "<none>" not in svg
    root = _parse(svg)  # still well-formed
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & co'
    paths = _paths(svg)
    assert paths["06001"].find(f"{SVG}title").text == "Alameda: <b>5</b>"
    assert paths["06011"].find(f"{SVG}title").text == "Colusa: hidden & safe"


def test_diverging_mode_centres_on_one():
    # the default breaks mirror around 1 on a log scale
    assert all(lo * hi == pytest.approx(1.0) for lo, hi in zip(DIVERGING_BREAKS, reversed(DIVERGING_BREAKS),
                                                                strict=True))
    values = {"06001": 0.4, "06003": 0.79, "06005": 1.0, "06007": 0.8, "06009": 1.249, "06011": 1.25,
              "06013": 2.5}
    paths = _paths(county_choropleth_svg(values, state_fips="06", title="Coverage", legend_title="Supply / demand",
                                         diverging=True))
    fills = {fips: paths[fips].get("fill") for fips in values}
    assert fills == {"06001": DIVERGING[0], "06003": DIVERGING[1], "06005": DIVERGING[2], "06007": DIVERGING[2],
                     "06009": DIVERGING[2], "06011": DIVERGING[3], "06013": DIVERGING[4]}
    # quantile breaks do not apply: a map where every county is short of supply is all orange, not spread out
    short = county_choropleth_svg({"06001": 0.1, "06003": 0.2, "06005": 0.3}, state_fips="06", title="t",
                                  legend_title="l", diverging=True)
    assert {p.get("fill") for f, p in _paths(short).items() if f in ("06001", "06003", "06005")} == {DIVERGING[0]}


def test_maps_with_few_distinct_values_still_use_the_ends_of_the_palette():
    svg = county_choropleth_svg({"06001": 1.0, "06003": 1.0, "06005": 9.0}, state_fips="06", title="t",
                                legend_title="l")
    paths = _paths(svg)
    assert paths["06001"].get("fill") == SEQUENTIAL[0]
    assert paths["06005"].get("fill") == SEQUENTIAL[-1]


def test_a_map_without_values_has_no_classes_in_its_legend():
    root = _parse(county_choropleth_svg({}, state_fips="44", title="t", legend_title="l"))
    classes = [g.get("class") for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("legend--")]
    assert classes == ["legend--no-data", "legend--suppressed"]


def test_ids_are_distinct_per_map_and_shapes_load_once():
    one = _parse(county_choropleth_svg({}, state_fips="06", title="A", legend_title="l"))
    two = _parse(county_choropleth_svg({}, state_fips="06", title="B", legend_title="l"))
    assert one.get("aria-labelledby") != two.get("aria-labelledby")
    assert county_map.load_shapes() is county_map.load_shapes()


def test_the_data_file_is_compact():
    size = county_map.SHAPES_FILE.stat().st_size
    assert size < 2_000_000
    assert json.loads(county_map.SHAPES_FILE.read_text(encoding="utf-8"))["source"]["file"] == (
        "counties-albers-10m.json")
