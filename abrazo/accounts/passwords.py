"""A password validator for the passwords that appear in breach lists though no list holds them exactly.

Django's own validators (settings.AUTH_PASSWORD_VALIDATORS) refuse passwords shorter than 12 characters, all
digits, too close to the person's email, or on Django's list of about 20,000 common passwords. Breached
passwords are mostly those same words dressed up ("Sunshine2024!", "p@ssw0rd1234"), a keyboard or alphabet walk
("qwertyuiop12", "abcdefghijkl"), a few characters repeated ("aaaaaaaaaaaa", "abcabcabcabc"), or the person's own
name; this validator refuses those. It adds no composition rule: a long passphrase of lowercase words with spaces
("maple river lantern quietly orbit") is accepted, as NIST SP 800-63B advises.

The common words come from Django's CommonPasswordValidator list; no other list is shipped.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Keys next to each other on a US keyboard, the alphabet and the digits: a step along one of these (either way)
# is a step a person guessing would try first.
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv")
# Look-alike substitutions people make in common words.
LOOK_ALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
MIN_DISTINCT_CHARACTERS = 5
MAX_PREDICTABLE_SHARE = 0.75  # of the steps from one character to the next
MIN_PERSONAL_PART = 4  # shorter name parts ("Li", "Ana") would refuse too much by chance
MIN_COMMON_WORD = 4  # "love1234" is refused; a three-letter word inside a passphrase is not the point

_STEPS = frozenset(pair for sequence in SEQUENCES for pair in (*pairwise(sequence), *pairwise(sequence[::-1])))


def _is_repetition(text: str) -> bool:
    """'abcabcabcabc', 'passwordpassword': the text is a shorter unit written at least twice."""
    return any(text == (text[:size] * (len(text) // size + 1))[: len(text)] for size in range(1, len(text) // 2 + 1))


def _predictable_share(text: str) -> float:
    steps = list(pairwise(text))
    if not steps:
        return 1.0
    return sum(1 for pair in steps if pair[0] == pair[1] or pair in _STEPS) / len(steps)


class GuessablePasswordValidator:
    def __init__(self) -> None:
        self.common = CommonPasswordValidator().passwords

    def validate(self, password: str, user: Any = None) -> None:
        text = password.casefold()
        compact = re.sub(r"\s+", "", text)
        if len(set(compact)) < MIN_DISTINCT_CHARACTERS or _is_repetition(compact):
            raise ValidationError(
                _("This password repeats a few characters; choose one that is harder to guess."),
                code="password_repetitive",
            )
        if _predictable_share(compact) >= MAX_PREDICTABLE_SHARE:
            raise ValidationError(
                _("This password follows the keyboard or the alphabet; choose one that is harder to guess."),
                code="password_keyboard_walk",
            )
        if self._is_dressed_up_common(compact):
            raise ValidationError(
                _(
                    "This password is a common password with letters swapped or numbers or symbols "
                    "added; choose one that is harder to guess."
                ),
                code="password_common_variant",
            )
        if part := self._personal_part(compact, user):
            raise ValidationError(
                _("This password contains your name or email address."), code="password_personal", params={"part": part}
            )

    def _is_dressed_up_common(self, compact: str) -> bool:
        candidates = {compact, DECORATION.sub("", compact), compact.translate(LOOK_ALIKES)}
        candidates.add(DECORATION.sub("", compact.translate(LOOK_ALIKES)))
        candidates.add(compact.translate(LOOK_ALIKES).rstrip("i"))  # "p@ssword!!" -> "password"
        candidates.add(DECORATION.sub("", compact).translate(LOOK_ALIKES))
        return any(len(candidate) >= MIN_PERSONAL_PART and candidate in self.common for candidate in candidates)

    def _personal_part(self, compact: str, user: Any) -> str:
        if user is None:
            return ""
        email = (getattr(user, "email", "") or "").casefold()
        parts = re.split(r"[^\w]+", email.split("@", 1)[0])
        for attribute in ("first_name", "last_name", "full_name", "name"):
            value = getattr(user, attribute, "")
            if isinstance(value, str):
                parts += value.casefold().split()
        return next((part for part in parts if len(part) >= MIN_PERSONAL_PART and part in compact), "")

    def get_help_text(self) -> str:
        return _(
            "Your password can't be a common password dressed up with numbers or symbols, a keyboard pattern, "
            "repeated characters or your own name. A few unrelated words make a good one."
        )
