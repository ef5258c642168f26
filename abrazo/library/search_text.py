"""The words of resource search: folding, stemming, queries and highlighting. Pure: no Django.

Both databases search the *same* terms, worked out here, so a query finds the same resources on SQLite (FTS5)
and on PostgreSQL (tsvector), and the highlighter marks exactly the words that matched:

- a word is folded (case, accents, apostrophes: "Niño" and "nino" are the same word, so are "children's" and
  "childrens"), then stemmed with the Snowball stemmer of the text's language ("berrinches" and "berrinche"
  both become "berrinch"; "tantrums" becomes "tantrum"). Folding comes *first*, so a word typed without its
  accents gets exactly the stem of the accented word (the Snowball Spanish stemmer knows unaccented suffixes
  such as "acion" too, so "educacion" and "educaciones" still meet at "educ"). Languages without a stemmer here
  are folded only.
- each term is stored with its language group in front ("es_berrinch", "en_tantrum", "xx_..." for languages
  folded only), so a resource is matched only by the query's stems *in its own language*: a query is stemmed
  in each language and each language's stems look only at that language's resources, with one index lookup.
- a query keeps every word (all must match) except the language's function words ("the", "de", "con"), which
  are dropped unless the query has nothing else; documents keep every word, so "de" alone still finds things.
- results are ranked by the rows of the index (`IndexRow`): a resource whose title has every word of the query
  comes before one that needs its summary, and newer resources come first within each. The order is fixed by
  the rows' ids, so a page of results is read in index order and stops after a page, however many match.

The highlighter walks the original text, stems each word the same way and wraps the ones whose stem the query
asked for in <mark>; everything else is escaped and otherwise left exactly as it was.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import snowballstemmer

STEMMERS = {"en": "english", "es": "spanish"}
# Languages without a stemmer share one group: their words are folded only.
FOLD_ONLY = "xx"
GROUPS = (*STEMMERS, FOLD_ONLY)
MAX_QUERY_WORDS = 16  # a pasted paragraph searches its first words, not a thousand-term expression
MAX_TERM_LENGTH = 60  # longer "words" (a pasted link, a run of letters) are cut; PostgreSQL caps lexemes too

# Letters and digits, with the combining marks of decomposed text ("n" + U+0303 is one "ñ"), and apostrophes
# inside a word ("children's", "don't", also with U+2019). Underscore is not a letter.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LETTER = rf"(?:[^\W_]|[{_MARKS}])"
WORD = re.compile(rf"{_LETTER}+(?:['\u2019]{_LETTER}+)*")

def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words dropped from queries (folded, as they are compared). Short on purpose: only words that carry
# no subject, so that "tips for parents" finds "Tips to help parents" and "berrinches en niños" finds "Los
# berrinches de los niños".
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set("""
        a an and are as at be been but by can could did do does for from had has have how i if in into is it its
        me my no not of on or our so than that the their them then there these they this those to too us was we
        were what when where which who why will with would you your
    """),
    "es": _word_set("""
        a al algo como con cual cuando de del donde e el ella ellas ellos en entre es esa esas ese eso esos esta
        estas este esto estos fue ha hay la las le les lo los mas me mi mis muy ni no nos o para pero por que se
        si sin sobre son su sus te tu tus u un una unas uno unos y ya yo
    """),
}


def language_group(language: str) -> str:
    """The group a language code is searched in: "en-US" -> "en", "es" -> "es", anything else -> "xx"."""
    primary = (language or "").split("-")[0].split("_")[0].lower()
    return primary if primary in STEMMERS else FOLD_ONLY


def fold(word: str) -> str:
    """The word without case, accents or anything that is not a letter or a digit ("Niño's" -> "ninos")."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if char.isalnum())


@lru_cache(maxsize=200_000)
def _stem(folded: str, group: str) -> str:
    # One stemmer object per call is cheap next to the cache, which holds the whole vocabulary of a library.
    name = STEMMERS.get(group)
    stemmed = snowballstemmer.stemmer(name).stemWord(folded) if name else folded
    return fold(stemmed)[:MAX_TERM_LENGTH] or folded[:MAX_TERM_LENGTH]


def term(word: str, group: str) -> str:
    """The search term of one word in a language group ("" when the word has no letter or digit)."""
    folded = fold(word)
    return _stem(folded, group) if folded else ""


def terms(text: str, group: str) -> list[str]:
    """The search terms of a text, in order, repeats kept (what a document is made of)."""
    found = (term(match.group(), group) for match in WORD.finditer(text))
    return [found_term for found_term in found if found_term]


def tokens(text: str, language: str) -> list[str]:
    """The terms of a text in its language, each prefixed with the language group: what the index stores."""
    group = language_group(language)
    return [f"{group}_{found}" for found in terms(text, group)]


@dataclass(frozen=True)
class Query:
    """A search, as terms per language group: `((group, (term, ...)), ...)`, every term required.

    It matches a resource's title row when every term is in the title, and its full row when every term is in
    the title or the summary but not every one in the title (so each resource matches once: see `IndexRow`)."""

    groups: tuple[tuple[str, tuple[str, ...]], ...]

    def terms_for(self, group: str) -> tuple[str, ...]:
        return dict(self.groups).get(group, ())

    def fts5(self) -> str:
        """The FTS5 MATCH expression. Every term is quoted, so nothing typed is ever an operator; the column
        filters tell the two kinds of rows apart (a title row has only `title_only`, a full row the others)."""
        alternatives = []
        for group, found_terms in self.groups:
            every = " AND ".join(f'"{group}_{found}"' for found in found_terms)
            alternatives.append(f"({{title_only}} : ({every})) OR "
                                f"(({{title summary}} : ({every})) NOT ({{title}} : ({every})))")
        return " OR ".join(f"({alternative})" for alternative in alternatives)

    def tsquery(self) -> str:
        """The PostgreSQL tsquery literal (cast with ::tsquery, never parsed by a text-search configuration).
        Weights tell the rows apart: a title row's words have weight A, a full row's title words B and its
        summary words D."""
        alternatives = []
        for group, found_terms in self.groups:
            lexemes = [_quote_lexeme(f"{group}_{found}") for found in found_terms]
            in_title_row = " & ".join(f"{lexeme}:A" for lexeme in lexemes)
            in_full_row = " & ".join(f"{lexeme}:BD" for lexeme in lexemes)
            in_its_title = " & ".join(f"{lexeme}:B" for lexeme in lexemes)
            alternatives.append(f"({in_title_row}) | (({in_full_row}) & !({in_its_title}))")
        return " | ".join(f"({alternative})" for alternative in alternatives)


def parse_query(text: str) -> Query | None:
    """The query typed, stemmed in every language group; None when it has no word at all (no filter)."""
    words = [match.group() for match in WORD.finditer(text or "")]
    words = [word for word in words if fold(word)][:MAX_QUERY_WORDS]
    if not words:
        return None
    groups = []
    for group in GROUPS:
        stop = STOP_WORDS.get(group, frozenset())
        content = [word for word in words if fold(word) not in stop] or words
        groups.append((group, tuple(dict.fromkeys(term(word, group) for word in content))))
    return Query(tuple(groups))


# --- the index's rows and their order ------------------------------------------------------------------------

TITLE_TIER = 1 << 62  # the rowid bit of title rows: they come before every full row
DAY_SHIFT, DAY_BITS = 46, 16  # then the day the resource was created (newest first), 179 years from EPOCH
EPOCH = date(2020, 1, 1)
ID_BITS = 46  # then the resource id's first 46 bits (random in a UUID4): rowids of one day do not collide


@dataclass(frozen=True)
class IndexRow:
    """One row of the search index. Each resource has two:

    - its *title row* (`title_only`: the title's tokens), matched when every word of the query is in the title;
    - its *full row* (`title` and `summary`), matched when every word is in the title or the summary but not
      every one in the title (that resource is already found by its title row).

    The rowid orders the results, highest first: title rows before full rows (a title match beats a summary
    match), then newer resources first, then by id. Reading results in rowid order lets a page of the best 20
    stop after about 20 rows, however many resources match: no score is computed for the thousands a common
    word finds. Within a tier the order does not depend on the words, so matches are spread evenly along it
    (PostgreSQL's planner counts on that when it reads an index in order and checks each row)."""

    rowid: int
    title_only: tuple[str, ...]
    title: tuple[str, ...]
    summary: tuple[str, ...]

    def tsvector(self) -> str:
        """The row as a PostgreSQL tsvector literal: title-row words weight A; full-row title words B, summary
        words D (the default); with positions, which carry the weights."""
        positions: dict[str, list[str]] = {}
        for index, (token, weight) in enumerate([*((token, "A") for token in self.title_only),
                                                 *((token, "B") for token in self.title),
                                                 *((token, "") for token in self.summary)], start=1):
            positions.setdefault(token, []).append(f"{min(index, 16383)}{weight}")  # PostgreSQL's last position
        # PostgreSQL keeps at most 256 positions of a lexeme; more would only be dropped.
        return " ".join(f"{_quote_lexeme(token)}:{','.join(where[:256])}" for token, where in positions.items())


def index_rows(resource_id: bytes, created: date, title: str, summary: str, language: str) -> list[IndexRow]:
    """The index rows of a resource (`resource_id`: its UUID's 16 bytes; `created`: the day it was created);
    none when it has no word at all."""
    title_tokens, summary_tokens = tuple(tokens(title, language)), tuple(tokens(summary, language))
    rows = []
    if title_tokens:
        rows.append(IndexRow(rowid_of(resource_id, created, title_tier=True), title_tokens, (), ()))
    if title_tokens or summary_tokens:
        rows.append(IndexRow(rowid_of(resource_id, created, title_tier=False), (), title_tokens, summary_tokens))
    return rows


def rowid_of(resource_id: bytes, created: date, *, title_tier: bool) -> int:
    """A row's rowid: tier, then day of creation, then the id's first bits; always a positive 64-bit integer."""
    day = min(max((created - EPOCH).days, 0), (1 << DAY_BITS) - 1)
    identity = int.from_bytes(resource_id[:8], "big") >> (64 - ID_BITS)
    return (TITLE_TIER if title_tier else 0) | (day << DAY_SHIFT) | identity


def rank_of(rowid: int) -> float:
    """The rank a row gives its resource (what `search_rank` holds): 1 to 2 for a title match, below 1 for the
    rest; higher is better, in the rowids' order."""
    return rowid / TITLE_TIER


def _quote_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def highlight_html(text: str, query_text: str, language: str) -> str:
    """`text` escaped for HTML, with the words matching the query (as search understands them in the text's
    language) wrapped in <mark>. Nothing else in the text changes."""
    query = parse_query(query_text)
    group = language_group(language)
    wanted = set(query.terms_for(group)) if query else set()
    if not wanted:
        return html.escape(text)
    parts: list[str] = []
    done = 0
    for match in WORD.finditer(text):
        if term(match.group(), group) in wanted:
            parts += [html.escape(text[done:match.start()]), "<mark>", html.escape(match.group()), "</mark>"]
            done = match.end()
    parts.append(html.escape(text[done:]))
    return "".join(parts)
