"""Checks on the words of a "voice from the field" before it goes on the public site. Pure: no Django.

A voice quotes someone who agreed to be quoted without their name, so staff may shorten the comment but not
put words in the author's mouth, and nothing in it may point to a person:

- `added_words`: words of the excerpt that the comment does not have. Staff may leave words out and may add
  words of their own only inside square brackets, as editors do ("[my consultant] helped me"), typically to
  replace a name; anything else added is refused.
- `contact_details`: email addresses and phone numbers, refused outright (in the quote and the attribution).
- `possible_names`: words with a capital letter in the middle of a sentence, which may be names of people or
  places. Only a warning: "Head Start" or "Spanish" are not names, and a machine cannot tell.
"""

from __future__ import annotations

import re
import unicodedata

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phone numbers as people write them: North American ((559) 555-0134, 559.555.0134, +1 559 555 0134,
# 5595550134), a seven-digit local number (555-0134), or an international number starting with +. Years
# and ranges of years ("2019-2021") do not match.
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d[\d\s().-]{7,}\d"
    r"|(?:1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}"
    r"|\d{3}[\s.-]\d{4}"
    r")(?!\w)"
)
BRACKETED = re.compile(r"\[[^\[\]]*\]")
RIGHT_QUOTE, EN_DASH, EM_DASH = "\u2019", "\u2013", "\u2014"
WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*", re.UNICODE)
SENTENCE_END = frozenset(".!?¡¿:;\"“”«»(\n-" + EN_DASH + EM_DASH)
# Words written with a capital letter that are not names, in either language.
NOT_NAMES = frozenset({
    "i", "i'm", "i've", "i'd", "i'll", "ok", "okay",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "english", "spanish", "inglés", "español",
    # what an editor puts in brackets instead of a name: "[My consultant]", "[Mi consultora]"
    "my", "mi", "mis", "our", "nuestra", "nuestro", "the", "el", "la", "los", "las", "she", "he", "they", "ella",
    "él", "ellos", "ellas", "a", "an", "un", "una",
})


def _fold(word: str) -> str:
    """A word compared without case, accents or curly apostrophes (a comment typed on a phone may lack them)."""
    decomposed = unicodedata.normalize("NFKD", word.replace(RIGHT_QUOTE, "'").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    return WORD.findall(text)


def added_words(excerpt: str, original: str) -> list[str]:
    """Words of the excerpt, outside square brackets, that the original does not have (each once, in order)."""
    available = {_fold(word) for word in words(original)}
    added: list[str] = []
    seen: set[str] = set()
    for word in words(BRACKETED.sub(" ", excerpt)):
        folded = _fold(word)
        if folded not in available and folded not in seen:
            seen.add(folded)
            added.append(word)
    return added


def contact_details(text: str) -> list[str]:
    """Email addresses and phone numbers in the text, as written."""
    found = [match.group(0) for match in EMAIL.finditer(text)]
    without_emails = EMAIL.sub(" ", text)
    found += [match.group(0).strip() for match in PHONE.finditer(without_emails)]
    return found


def possible_names(text: str) -> list[str]:
    """Capitalised words that do not start a sentence (each once, in order): perhaps names."""
    found: list[str] = []
    seen: set[str] = set()
    for match in WORD.finditer(text):
        word = match.group(0)
        if not word[0].isupper() or _fold(word) in NOT_NAMES:
            continue
        before = text[: match.start()].rstrip(" \t")
        if not before or before[-1] in SENTENCE_END:
            continue  # the first word of a sentence, a line or a quotation
        if word not in seen:
            seen.add(word)
            found.append(word)
    return found
