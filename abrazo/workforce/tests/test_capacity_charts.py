"""The capacity report's SVG charts (pure): every word escaped, flags in words as well as colour."""

from __future__ import annotations

from abrazo.equity.charts import ALERT, PRIMARY
from abrazo.workforce import capacity_charts as charts


def test_bar_chart_marks_a_gap_in_words_and_colour():
    # given one region with a gap and one without a value
    svg = charts.bar_chart(
        [charts.BarRow("North <&> South", 40.0, "40 requests for 1 consultant", flag="Gap: too few consultants"),
         charts.BarRow("East", None, "7 requests", flag="Gap: no consultant speaks it"),
         charts.BarRow("West", 10.0, "10 each")],
        chart_id="c", title="Requests per consultant", description="A test", reference=36.0,
        reference_label="Gap above 36",
    )
    # then labels are escaped, the flagged rows say so after a warning sign, in the alert colour
    assert "North &lt;&amp;&gt; South" in svg and "<&>" not in svg
    assert "40 requests for 1 consultant \u26a0 Gap: too few consultants" in svg
    assert "7 requests \u26a0 Gap: no consultant speaks it" in svg
    assert svg.count('class="bar bar--flagged"') == 1  # East has no value: no bar
    assert svg.count(f'fill="{ALERT}"') == 3  # the flagged bar and both flagged texts
    assert f'fill="{PRIMARY}"' in svg  # West's bar
    assert 'class="reference"' in svg and "Gap above 36" in svg
    assert 'role="img"' in svg and "<title id=\"c-title\">Requests per consultant</title>" in svg


def test_bar_chart_scales_to_the_maximum():
    svg = charts.bar_chart([charts.BarRow("All", 50.0, "50%")], chart_id="c", title="t", description="d", maximum=100)
    # half of the 300 units between 300 and 600
    assert 'width="150.0"' in svg


def test_paired_chart_writes_both_shares_and_skips_hidden_bars():
    svg = charts.paired_chart(
        [charts.PairRow("Native Hawaiian or Other Pacific Islander", 0.25, "Applicants: 25%", None,
                        "Participants: hidden")],
        chart_id="p", title="t", description="d", first_legend="Applicants", second_legend="Participants",
    )
    assert "Native Hawaiian or Other Pacific Islander" in svg
    assert "Applicants: 25%" in svg and "Participants: hidden" in svg
    assert svg.count('class="bar bar--first"') == 1 and 'class="bar bar--second"' not in svg
    assert 'width="80.0"' in svg  # a quarter of 320
