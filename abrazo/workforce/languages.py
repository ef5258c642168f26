"""How a person's languages are grouped in workforce reports (DOMAIN.md §9). Pure: no Django imports.

Spanish is singled out because it is the language most California families speak after English and the
one whose consultant gap networks are asked about; any other non-English language makes a person
"other multilingual". A person with no language recorded is "not reported", never "English only".
"""

from __future__ import annotations

from collections.abc import Iterable

ENGLISH = "en"
SPANISH = "es"

ENGLISH_ONLY = "english_only"
BILINGUAL_SPANISH = "bilingual_spanish"
OTHER_MULTILINGUAL = "other_multilingual"
NOT_REPORTED = "not_reported"


def language_group(codes: Iterable[str], *, other_languages: str = "") -> str:
    """The LanguageGroup code for someone who speaks `codes` (ISO codes) plus free-text `other_languages`.

    Someone who speaks Spanish is bilingual Spanish even when they also speak a third language, so the
    Spanish-speaking capacity of a region is counted once and in full."""
    spoken = {code.strip().lower() for code in codes if code and code.strip()}
    if SPANISH in spoken:
        return BILINGUAL_SPANISH
    if spoken - {ENGLISH} or other_languages.strip():
        return OTHER_MULTILINGUAL
    if spoken == {ENGLISH}:
        return ENGLISH_ONLY
    return NOT_REPORTED
