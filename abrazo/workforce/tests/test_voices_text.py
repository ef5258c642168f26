"""The checks on a voice's words (voice_text): trimming only, no contact details, possible names flagged."""

from __future__ import annotations

import pytest

from abrazo.workforce import voice_text

ORIGINAL = ("Rosa came every week and helped me see what Mateo was telling us. Now I stay calm, "
            "and the whole class feels it. Call me at 559-555-0134 if you want to know more!")


class TestAddedWords:
    def test_leaving_words_out_adds_nothing(self):
        excerpt = "She helped me see what … was telling us. Now I stay calm, and the whole class feels it."
        assert voice_text.added_words(excerpt, ORIGINAL) == ["She"]
        assert voice_text.added_words("Now I stay calm, and the whole class feels it.", ORIGINAL) == []

    def test_words_in_square_brackets_are_the_editors_and_allowed(self):
        excerpt = "[My consultant] came every week and helped me see what [the child] was telling us."
        assert voice_text.added_words(excerpt, ORIGINAL) == []

    def test_a_name_or_any_other_word_added_outside_brackets_is_reported_once(self):
        excerpt = "Maria says: now I stay calm, Maria and the whole class feels it, really really."
        assert voice_text.added_words(excerpt, ORIGINAL) == ["Maria", "says", "really"]

    def test_case_accents_and_curly_apostrophes_do_not_count_as_changes(self):
        original = "Aprendí mucho y no me sentí sola. I didn't expect that."
        assert voice_text.added_words("APRENDI mucho. I didn\u2019t expect that", original) == []


class TestContactDetails:
    @pytest.mark.parametrize("text", [
        "write to rosa.perez@example.org please", "call (559) 555-0134", "call 559.555.0134",
        "call +1 559 555 0134", "llame al 5595550134", "my cell is 555-0134", "desde México +52 55 1234 5678",
    ])
    def test_emails_and_phone_numbers_are_found(self, text):
        assert voice_text.contact_details(text)

    @pytest.mark.parametrize("text", [
        "From 2019-2021 I worked in Fresno.", "We had 12 children and 3 teachers.", "Session 4 of 9, 3.5 hours",
        "Nos vimos el 12/03/2024.",
    ])
    def test_years_counts_and_dates_are_not_phone_numbers(self, text):
        assert voice_text.contact_details(text) == []

    def test_the_original_comment_has_one(self):
        assert voice_text.contact_details(ORIGINAL) == ["559-555-0134"]


class TestPossibleNames:
    def test_capitalised_words_inside_a_sentence_are_flagged_once(self):
        assert voice_text.possible_names(ORIGINAL) == ["Mateo"]
        assert voice_text.possible_names("I met Ana. Ana was kind, and Ana listened.") == ["Ana"]

    def test_sentence_starts_pronoun_i_months_and_editors_brackets_are_not(self):
        text = "Since March I feel better. ¿Qué más? [My consultant] and I talk in Spanish."
        assert voice_text.possible_names(text) == []

    def test_a_name_in_brackets_is_still_flagged(self):
        assert voice_text.possible_names("She said [Rosa] helped.") == ["Rosa"]
