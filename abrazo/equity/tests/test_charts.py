"""The hand-written SVG charts: valid XML, a text alternative, whiskers for intervals, no marker without a ratio."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from abrazo.equity.charts import (
    CompositionRow,
    ForestRow,
    TrendPanel,
    composition_chart,
    forest_plot,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if name in (element.get("class") or "").split()]


def forest() -> ET.Element:
    return parse(forest_plot(
        [
            ForestRow("Black", 2.67, 1.40, 5.07, "2.67 (1.40 to 5.07)", alert=True),
            ForestRow("Hispanic", 0.88, 0.45, 1.70, "0.88 (0.45 to 1.70)"),
            ForestRow("White <& \"friends\">", None, None, None, "not enough children to compare"),
        ],
        chart_id="race-forest", title="Risk ratios by race", description="Each group's ratio with its interval.",
        axis_label="Risk ratio (log scale)", reference_label="1 = no difference",
    ))


def test_forest_plot_is_an_image_with_a_title_and_description():
    root = forest()
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "race-forest-title race-forest-desc"
    assert root.find(f"{SVG}title").text == "Risk ratios by race"
    assert root.find(f"{SVG}desc").text == "Each group's ratio with its interval."


def test_forest_plot_draws_whiskers_and_a_marker_per_calculated_group_only():
    root = forest()
    # two calculated groups: two whiskers (a line and two caps each) and two markers; the gated group none
    assert len(by_class(root, "whisker")) == 2
    assert all(len(whisker) == 3 for whisker in by_class(root, "whisker"))
    assert len(by_class(root, "marker")) == 2
    # the alert has its own shape (a diamond), not only its colour
    assert len(by_class(root, "marker--alert")) == 1 and by_class(root, "marker--alert")[0].tag == f"{SVG}path"
    # the gated group is named, with the reason in words, and its label is escaped
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert 'White <& "friends">' in texts and "not enough children to compare" in texts


def test_forest_plot_has_a_reference_line_at_one_on_a_log_scale():
    root = forest()
    reference = by_class(root, "reference")[0]
    tick_x = {el.text: float(el.get("x")) for el in root.iter(f"{SVG}text") if el.text in ("0.5", "1", "2")}
    # on a log scale 0.5, 1 and 2 are evenly spaced, and the reference line stands on 1
    assert abs((tick_x["1"] - tick_x["0.5"]) - (tick_x["2"] - tick_x["1"])) < 0.2
    assert abs(float(reference.get("x1")) - tick_x["1"]) < 0.1


def test_whisker_ends_sit_on_the_interval():
    root = forest()
    tick_x = {el.text: float(el.get("x")) for el in root.iter(f"{SVG}text") if el.text in ("1", "2", "5")}
    low_end = by_class(root, "whisker")[0][0]
    # the Black group's interval runs from 1.40 to 5.07: between the ticks 1 and 2, past 5
    assert tick_x["1"] < float(low_end.get("x1")) < tick_x["2"]
    assert float(low_end.get("x2")) > tick_x["5"]


def test_composition_chart_labels_every_bar_and_the_alert_in_words():
    root = parse(composition_chart(
        [CompositionRow("Black", 0.2, 0.4, "Enrolled: 20%", "Sent home: 40%", alert_text="Alert"),
         CompositionRow("White", None, None, "Enrolled: hidden", "Sent home: hidden")],
        chart_id="c", title="Composition", description="Shares", share_legend="Enrolled",
        composition_legend="Sent home",
    ))
    assert root.get("role") == "img"
    assert len(by_class(root, "bar--share")) == 1 and len(by_class(root, "bar--composition")) == 1
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "Sent home: 40% \u26a0 Alert" in texts and "Enrolled: hidden" in texts


def test_trend_chart_has_a_panel_per_group_and_breaks_at_hidden_years():
    root = parse(trend_chart(
        [TrendPanel("Black", [("2022-23", 0.2, "20%"), ("2023-24", None, "hidden"), ("2024-25", 0.3, "30%")]),
         TrendPanel("White", [("2022-23", 0.1, "10%"), ("2023-24", 0.05, "5%"), ("2024-25", 0.07, "7%")])],
        chart_id="t", title="Trend", description="Risk by year",
    ))
    panels = by_class(root, "panel")
    assert len(panels) == 2
    assert len(by_class(panels[0], "point")) == 2 and len(by_class(panels[1], "point")) == 3
    # lines join neighbouring shown years only: none across the hidden year, two for the full series
    assert len([el for el in panels[0].iter(f"{SVG}line") if el.get("stroke-width") == "2"]) == 0
    assert len([el for el in panels[1].iter(f"{SVG}line") if el.get("stroke-width") == "2"]) == 2
