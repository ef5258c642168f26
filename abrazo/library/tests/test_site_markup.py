"""The Markdown of content pages: what an editor writes can never put a script, a dangerous link, raw HTML, a
picture or a style attribute on a public page."""

from __future__ import annotations

import pytest

from abrazo.library import markup


def test_a_script_tag_is_shown_as_text():
    # given a body with a script element
    html = markup.render("Hello\n\n<script>alert('x')</script>")
    # then it is escaped text, not an element
    assert "<script" not in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html


def test_raw_html_with_event_handlers_is_escaped():
    # given inline and block HTML with handlers
    html = markup.render('<img src=x onerror="alert(1)">\n\nText <b onclick="steal()">bold</b>\n\n<div>block</div>')
    # then no tag gets through
    assert "<img" not in html and "<b " not in html and "<div" not in html
    assert "&lt;b onclick=&quot;steal()&quot;&gt;" in html


@pytest.mark.parametrize("target", [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "&#106;avascript:alert(1)",  # an entity spelling the j
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
])
def test_dangerous_link_schemes_are_not_links(target):
    # when a link points at a script-capable or local scheme
    html = markup.render(f"[click me]({target})")
    # then no link is made
    assert "<a " not in html
    assert "click me" in html


def test_autolinks_with_a_dangerous_scheme_are_not_links():
    html = markup.render("<javascript:alert(1)>")
    assert "<a " not in html


@pytest.mark.parametrize(("target", "href"), [
    ("https://example.org/guide", "https://example.org/guide"),
    ("http://example.org", "http://example.org"),
    ("mailto:hello@example.org", "mailto:hello@example.org"),
    ("/requests/new/", "/requests/new/"),
    ("#contact", "#contact"),
    ("?lang=es", "?lang=es"),
])
def test_web_mail_and_relative_links_are_kept(target, href):
    html = markup.render(f"[go]({target})")
    assert f'<a href="{href}">go</a>' in html


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://x.org", True), ("HTTP://x.org", True), ("mailto:a@b.org", True), ("/site/equity/", True),
    ("page", True), ("javascript:x", False), (" javascript:x", False), ("java\tscript:x", False),
    ("tel:+15551234", False), ("ftp://x.org", False),
])
def test_link_allowed(url, allowed):
    assert markup.link_allowed(url) is allowed


def test_images_are_not_shown():
    # given an image pointing at another server (a tracking pixel, say)
    html = markup.render("![pixel](https://tracker.example/p.gif)")
    # then there is no image element
    assert "<img" not in html


def test_tables_are_allowed_and_alignment_is_a_class_not_a_style():
    # given a table with a right-aligned column
    html = markup.render("| Ages | Sessions |\n|---|---:|\n| 0-3 | 6 |")
    # then it is a table, and the alignment uses a class (a style attribute would break the CSP)
    assert "<table>" in html and "<th>Ages</th>" in html
    assert '<td class="align-right">6</td>' in html
    assert "style=" not in html


def test_headings_sit_below_the_page_title():
    # given a body that starts with a top-level heading
    html = markup.render("# Who we serve\n\n## Teachers\n\n###### Deepest")
    # then the page title stays the only h1
    assert "<h1" not in html
    assert "<h2>Who we serve</h2>" in html and "<h3>Teachers</h3>" in html and "<h6>Deepest</h6>" in html


def test_plain_text_drops_the_marks_and_cuts_at_a_word():
    # given Markdown with a heading, emphasis, a link and a list
    text = "# Welcome\n\nWe support **teachers** and [families](/site/who-we-serve/).\n\n- one\n- two"
    # then the plain text has the words only
    assert markup.plain_text(text) == "Welcome We support teachers and families. one two"
    # and a limit cuts at a word boundary with an ellipsis
    assert markup.plain_text(text, limit=25) == "Welcome We support…"
