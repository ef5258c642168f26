"""Passwords: common, short and breached-looking ones are refused; long passphrases are accepted; there are no
composition rules. Checked through the validators (settings.AUTH_PASSWORD_VALIDATORS) and through the real
password change form a signed-in person uses."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from abrazo.accounts.models import User

pytestmark = pytest.mark.django_db

CURRENT_PASSWORD = "correct horse battery staple"  # the factories' password

REFUSED = {
    "short": "plum7orbit",  # ten characters: under the twelve required
    "common": "password1234",  # on Django's list of common passwords
    "all digits": "730194528613",
    "common word dressed up": "Sunshine2024!",
    "look-alike letters": "p@ssw0rd1234",
    "keyboard walk": "qwertyuiop12",
    "second keyboard row": "asdfghjkl;'zx",
    "alphabet run": "abcdefghijkl",
    "one character repeated": "zzzzzzzzzzzzzz",
    "a short unit repeated": "abc1abc1abc1abc1",
    "a common word twice": "monkeymonkey",
    "their email's name": "rosaline-herrera-99",
    "their full name": "Quintanilla shines",
}

ACCEPTED = {
    "five random words": "maple river lantern quietly orbit",  # 33 characters, all lowercase, spaces
    "four words, no spaces": "granitepotatowanderseventy",
    "words and digits": "violet 42 harbor tuesday",
    "a long sentence": "my cat sleeps on the warm laptop at noon",
}


def person() -> User:
    return User(email="rosaline.herrera@example.org", full_name="Rosaline Quintanilla")


def refusal(password: str, user: Any = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [message.code or "" for message in error.error_list]
    return []


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_guessable_passwords_are_refused(kind):
    # given a person and a password of a kind found in breach lists, when it is validated
    codes = refusal(REFUSED[kind], person())
    # then it is refused, with a reason
    assert codes, f"{kind}: {REFUSED[kind]!r} was accepted"


@pytest.mark.parametrize("kind", sorted(ACCEPTED))
def test_long_passphrases_are_accepted_without_composition_rules(kind):
    # given a long passphrase with no capital, symbol or (mostly) digit, when it is validated
    password = ACCEPTED[kind]
    # then nothing is asked of it: no composition rule
    assert refusal(password, person()) == [], password
    assert password == password.lower()


def test_the_validators_are_the_promised_ones():
    # given the configured validators
    names = [entry["NAME"].rsplit(".", 1)[-1] for entry in settings.AUTH_PASSWORD_VALIDATORS]
    # then length (12 at least), the common list, all-digits, similarity to the person, and the guessable patterns
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
        "GuessablePasswordValidator",
    ]
    length = next(
        entry for entry in settings.AUTH_PASSWORD_VALIDATORS if entry["NAME"].endswith("MinimumLengthValidator")
    )
    assert length["OPTIONS"]["min_length"] >= 12
    # and no validator demands character classes (Django ships none; Abrazo adds none)
    assert not any("Composition" in name or "Character" in name for name in names)


def change_password(client: Client, new: str) -> Any:
    return client.post(
        reverse("account_change_password"),
        {"oldpassword": CURRENT_PASSWORD, "password1": new, "password2": new},
    )


@pytest.mark.parametrize("kind", ["short", "common word dressed up", "keyboard walk", "their full name"])
def test_the_password_change_form_refuses_a_guessable_password(world, kind):
    # given a coordinator signed in, named like the example person
    user = world.people["regional_coordinator"]
    user.email, user.full_name = "rosaline.herrera@example.org", "Rosaline Quintanilla"
    user.save(update_fields=["email", "full_name"])
    client = Client()
    client.force_login(user)
    # when they try to change their password to a guessable one
    response = change_password(client, REFUSED[kind])
    # then the form is shown again with the reason, and the old password still works
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    user.refresh_from_db()
    assert user.check_password(CURRENT_PASSWORD)


def test_the_password_change_form_accepts_a_passphrase(world):
    # given a consultant signed in
    user = world.people["consultant"]
    client = Client()
    client.force_login(user)
    # when they change their password to five lowercase words
    response = change_password(client, ACCEPTED["five random words"])
    # then it is saved
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    user.refresh_from_db()
    assert user.check_password(ACCEPTED["five random words"])
