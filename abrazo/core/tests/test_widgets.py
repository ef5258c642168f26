from __future__ import annotations

from django import forms

from abrazo.core.widgets import FastSelect, use_fast_widgets


class Sample(forms.Form):
    colour = forms.ChoiceField(
        choices=[("", "Any"), ("red", "Red & <b>bold</b>"), ("Group", [("g1", "Green"), ("g2", "Grey")])],
        required=False,
    )


def test_fast_select_renders_the_same_markup_as_djangos_select():
    # given the same field rendered by Django's select and by ours, with a value chosen
    slow = Sample(data={"colour": "g2"})
    fast = Sample(data={"colour": "g2"})
    use_fast_widgets(fast)
    # when both are rendered
    slow_html = "".join(str(slow["colour"]).split())
    fast_html = "".join(str(fast["colour"]).split())
    # then the markup is identical once whitespace is ignored
    assert isinstance(fast.fields["colour"].widget, FastSelect)
    assert fast_html == slow_html


def test_fast_select_escapes_labels():
    form = Sample()
    use_fast_widgets(form)
    html = str(form["colour"])
    assert "Red &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>" not in html
