"""The words of resource search (pure): folding, stemming, queries, index rows and highlighting."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from abrazo.library import search_text
from abrazo.library.search_text import (
    FOLD_ONLY,
    TITLE_TIER,
    fold,
    highlight_html,
    index_rows,
    language_group,
    parse_query,
    rank_of,
    term,
    terms,
)

# Text as visitors type it and resources are written: letters with and without accents, decomposed accents,
# apostrophes, punctuation, markup, FTS and SQL operators, other scripts.
ALPHABET = st.sampled_from(list("abcnoñÑáéíóúüÁçßİ \u0301\u0303 '\u2019-_*\"():;,.!?¿¡<>&/\\%0123456789\n\t"
                                "NEARANDORNOT漢字ㅎщ"))
TEXT = st.text(alphabet=ALPHABET, max_size=80) | st.text(max_size=40)
LANGUAGES = st.sampled_from(["en", "es", "es-MX", "en-US", "vi", "", "zh"])


# --- folding, terms and languages ---------------------------------------------------------------------------


def test_fold_removes_case_accents_and_apostrophes() -> None:
    assert fold("Niño") == "nino"
    assert fold("EDUCACIÓN") == "educacion"
    assert fold("children's") == "childrens"
    assert fold("don\u2019t") == "dont"
    assert fold("n\u0303ino") == "nino"  # "ñ" typed as n + combining tilde
    assert fold("Straße") == "strasse"


def test_spanish_words_meet_their_plurals_and_unaccented_spellings() -> None:
    # given the words of a Spanish resource and what a visitor types
    # then they become the same terms
    assert term("berrinches", "es") == term("berrinche", "es") == "berrinch"
    assert term("niños", "es") == term("nino", "es") == term("NIÑO", "es") == term("ninos", "es")
    assert term("educación", "es") == term("educacion", "es") == term("educaciones", "es") == "educ"
    assert term("emociones", "es") == term("emocion", "es")
    assert term("mordidas", "es") == term("mordida", "es")


def test_english_words_meet_their_other_forms() -> None:
    assert term("tantrums", "en") == term("tantrum", "en") == "tantrum"
    assert term("feelings", "en") == term("feeling", "en")
    assert term("children's", "en") == term("children", "en")
    assert term("routines", "en") == term("routine", "en")


def test_languages_without_a_stemmer_are_folded_only() -> None:
    assert language_group("vi") == FOLD_ONLY
    assert language_group("es-MX") == "es"
    assert language_group("EN_us") == "en"
    assert term("Trẻ", FOLD_ONLY) == "tre"
    assert terms("Đọc sách, cùng con!", FOLD_ONLY) == ["đoc", "sach", "cung", "con"]


def test_words_are_letters_and_digits_only() -> None:
    assert terms('"NEAR(sleep*)" -- OR 1=1; drop', "en") == ["near", "sleep", "or", "1", "1", "drop"]
    assert terms("", "es") == []
    assert terms("¿¡...!?", "es") == []


@given(word=st.text(alphabet=ALPHABET, min_size=1, max_size=20), group=st.sampled_from(["en", "es", FOLD_ONLY]))
def test_a_term_does_not_depend_on_accents_or_case(word: str, group: str) -> None:
    # Folding comes first: what a visitor types without accents finds the accented word, and the other way round.
    assert term(word, group) == term(fold(word), group) == term(word.upper(), group)


# --- queries -----------------------------------------------------------------------------------------------


def test_a_query_is_stemmed_in_each_language_and_drops_function_words() -> None:
    query = parse_query("Berrinches en los niños")
    assert query is not None
    assert query.terms_for("es") == ("berrinch", "nin")  # "en" and "los" are Spanish function words
    assert query.terms_for("en") == ("berrinch", "en", "los", "nino")  # not English ones
    assert query.terms_for(FOLD_ONLY) == ("berrinches", "en", "los", "ninos")


def test_a_query_of_function_words_only_keeps_them() -> None:
    query = parse_query("de la")
    assert query is not None
    assert query.terms_for("es") == ("de", "la")


def test_empty_and_punctuation_only_queries_are_no_query() -> None:
    assert parse_query("") is None
    assert parse_query("   ") is None
    assert parse_query("?!*()\"':-") is None


def test_repeated_words_count_once_and_long_queries_are_cut() -> None:
    query = parse_query("sleep sleeping sleeps")
    assert query is not None and query.terms_for("en") == ("sleep",)
    many = parse_query(" ".join(f"word{n}" for n in range(100)))
    assert many is not None and len(many.terms_for(FOLD_ONLY)) == search_text.MAX_QUERY_WORDS


def test_the_fts5_expression_quotes_every_term() -> None:
    query = parse_query('NEAR(" sleep -x')
    assert query is not None
    expression = query.fts5()
    # every term is a quoted string, and the only bare words are our operators and column names
    bare = re.sub(r'"[^"]*"', "", expression)
    assert set(re.findall(r"[A-Za-z_]+", bare)) <= {"AND", "OR", "NOT", "title_only", "title", "summary"}
    assert '"en_near"' in expression and '"en_sleep"' in expression and '"en_x"' in expression


def test_the_tsquery_quotes_every_lexeme_and_separates_rows_by_weight() -> None:
    query = parse_query("sueño")
    assert query is not None
    assert query.tsquery().startswith("(('en_sueno':A) | (('en_sueno':BD) & !('en_sueno':B)))")
    assert "('es_suen':A) | (('es_suen':BD) & !('es_suen':B))" in query.tsquery()


@given(text=TEXT)
def test_any_query_gives_quoted_expressions_or_none(text: str) -> None:
    query = parse_query(text)
    if query is None:
        assert not terms(text, "en")
        return
    bare = re.sub(r'"[^"]*"', "", query.fts5())
    assert set(re.findall(r"[^\s(){}:]+", bare)) <= {"AND", "OR", "NOT", "title_only", "title", "summary"}
    without_lexemes = re.sub(r"'(?:[^']|'')*'", "", query.tsquery())
    assert set(without_lexemes) <= set(" ()&|!:ABD")


# --- index rows --------------------------------------------------------------------------------------------


TODAY = date(2026, 11, 21)


def test_a_resource_has_a_title_row_and_a_full_row() -> None:
    resource_id = uuid.uuid4().bytes
    title_row, full_row = index_rows(resource_id, TODAY, "Big feelings", "Naming emotions with toddlers.", "en")
    assert title_row.title_only == ("en_big", "en_feel") and title_row.title == () == title_row.summary
    assert full_row.title == ("en_big", "en_feel") and full_row.summary == ("en_name", "en_emot", "en_with",
                                                                             "en_toddler")
    # the title row ranks above the full row
    assert rank_of(title_row.rowid) >= 1 > rank_of(full_row.rowid) >= 0


def test_newer_resources_rank_first_within_a_tier() -> None:
    older, newer = uuid.uuid4().bytes, uuid.uuid4().bytes
    older_title, older_full = index_rows(older, date(2025, 1, 1), "Sleep", "x", "en")
    newer_title, newer_full = index_rows(newer, date(2025, 1, 2), "Sleep", "x", "en")
    assert newer_title.rowid > older_title.rowid > newer_full.rowid > older_full.rowid


def test_a_resource_without_words_has_no_row() -> None:
    assert index_rows(uuid.uuid4().bytes, TODAY, "¿?", "...", "es") == []
    only_summary = index_rows(uuid.uuid4().bytes, TODAY, "¿?", "Sueño", "es")
    assert [row.summary for row in only_summary] == [("es_suen",)]


@given(title=TEXT, summary=TEXT, language=LANGUAGES, resource_id=st.uuids(),
       created=st.dates(min_value=date(1990, 1, 1), max_value=date(2300, 1, 1)))
def test_rowids_are_positive_64_bit_and_ordered_by_tier(title: str, summary: str, language: str,
                                                        resource_id: uuid.UUID, created: date) -> None:
    rows = index_rows(resource_id.bytes, created, title, summary, language)
    for row in rows:
        assert 0 <= row.rowid < 2**63
        assert (row.rowid >= TITLE_TIER) == bool(row.title_only)
    assert len({row.rowid for row in rows}) == len(rows)


def test_tsvector_literal_weights_and_quotes() -> None:
    title_row, full_row = index_rows(uuid.uuid4().bytes, TODAY, "Sleep", "Sleep at night", "en")
    assert title_row.tsvector() == "'en_sleep':1A"
    assert full_row.tsvector() == "'en_sleep':1B,2 'en_at':3 'en_night':4"


# --- highlighting ------------------------------------------------------------------------------------------


def test_highlight_marks_the_words_that_matched_in_the_texts_language() -> None:
    assert (highlight_html("Los berrinches de los niños", "berrinche nino", "es")
            == "Los <mark>berrinches</mark> de los <mark>niños</mark>")
    assert highlight_html("Tantrums & toddlers", "tantrum", "en") == "<mark>Tantrums</mark> &amp; toddlers"
    # function words of the query are not marked when it has other words
    assert highlight_html("Sleep for babies", "sleep for", "en") == "<mark>Sleep</mark> for babies"


def test_highlight_escapes_everything_else() -> None:
    text = '<script>alert("x")</script> sleep & \'naps\''
    assert highlight_html(text, "sleep", "en") == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>sleep</mark> &amp; &#x27;naps&#x27;")
    assert highlight_html(text, "", "en") == html.escape(text)
    assert highlight_html("<b>", "b", "en") == "&lt;<mark>b</mark>&gt;"


def test_highlight_keeps_decomposed_accents_inside_the_mark() -> None:
    decomposed = "nin\u0303os"
    assert highlight_html(decomposed, "ninos", "es") == f"<mark>{decomposed}</mark>"


@settings(max_examples=300)
@given(text=TEXT, query=TEXT, language=LANGUAGES)
def test_highlight_only_adds_mark_tags_to_the_escaped_text(text: str, query: str, language: str) -> None:
    marked = highlight_html(text, query, language)
    assert marked.replace("<mark>", "").replace("</mark>", "") == html.escape(text)
    # marks are balanced, never nested, never empty
    assert re.fullmatch(r"(?:[^<]|<mark>[^<]+</mark>)*", marked)


@given(text=TEXT, language=LANGUAGES)
def test_highlight_marks_every_word_of_the_query_found_in_the_text(text: str, language: str) -> None:
    # given a query made of the text's own words (none of them a function word of the language)
    group = language_group(language)
    words = [word for word in re.findall(search_text.WORD.pattern, text)
             if fold(word) and fold(word) not in search_text.STOP_WORDS.get(group, frozenset())]
    if not words:
        return
    query = " ".join(words[: search_text.MAX_QUERY_WORDS])
    # then each of those words is marked in the text
    marked = highlight_html(text, query, language)
    for word in words[: search_text.MAX_QUERY_WORDS]:
        assert f"<mark>{html.escape(word)}</mark>" in marked
