"""The Markdown of content pages, turned into HTML that is safe to put on a public page.

Pure (no Django): text in, HTML text out; the caller marks it safe. Editors write paragraphs, headings, lists,
emphasis, links, quotes and tables. What keeps the output safe:

- raw HTML is off: anything that looks like a tag is shown as text, never passed through;
- links go to http(s), mailto or a relative address only (no javascript:, data:, vbscript:, file: ...);
- images are off: the site shows no picture an editor could point at another server (or a tracking pixel);
- no style attributes (markdown-it aligns table columns with one; the Content-Security-Policy would block it
  anyway): alignment becomes a class;
- headings move one level down, because the page's title is its only <h1>.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_SCHEMES = ("http", "https", "mailto")
# A scheme is letters, digits, + . - before a colon that comes before any / ? or #.
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
# Browsers ignore these characters inside a scheme ("java\tscript:"), so they must not hide one from the check.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
_ALIGN = re.compile(r"text-align:\s*(left|right|center)")


def link_allowed(url: str) -> bool:
    """Whether a link may go on the page: http(s) and mailto, or an address on this site."""
    compact = _IGNORED_IN_SCHEME.sub("", url)
    found = _SCHEME.match(compact)
    if found is None:
        return True  # relative: /requests/new/, #section, ?lang=es, page/
    return found.group(1).lower() in ALLOWED_SCHEMES


def _safe_tokens(state: object) -> None:
    """Demote headings and turn alignment styles into classes (a core rule, run after parsing)."""
    tokens: list[Token] = state.tokens  # type: ignore[attr-defined]
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1])
            token.tag = f"h{min(level + 1, 6)}"
        elif token.type in ("th_open", "td_open"):
            style = token.attrGet("style")
            if style is not None:
                token.attrs.pop("style", None)
                aligned = _ALIGN.search(str(style))
                if aligned:
                    token.attrSet("class", f"align-{aligned.group(1)}")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable(["image", "html_block", "html_inline"])
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.core.ruler.push("abrazo_safe", _safe_tokens)
    return md


_MD = _parser()


def render(text: str) -> str:
    """HTML for the Markdown `text`; never raw HTML, never a link outside the allowed schemes."""
    return _MD.render(text or "")


def _texts(tokens: Sequence[Token]) -> list[str]:
    pieces: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            pieces.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
        elif token.children:
            pieces.extend(_texts(token.children))
    return pieces


def plain_text(text: str, *, limit: int = 0) -> str:
    """The words of the Markdown `text` without its marks, on one line (for a meta description when the editor
    wrote none); cut at a word boundary with an ellipsis if longer than `limit` (0: no limit)."""
    blocks: list[str] = []
    for token in _MD.parse(text or ""):
        if token.type == "inline":
            blocks.append("".join(_texts(token.children or [])).strip())
    words = " ".join(block for block in blocks if block).split()
    flat = " ".join(words)
    if limit and len(flat) > limit:
        cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
        return cut + "…"
    return flat
