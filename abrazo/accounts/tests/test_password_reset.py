"""Password reset through allauth: the email arrives, the link sets a new password once, and an
unknown address reveals nothing."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new long passphrase 2026"


def reset_link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_person_resets_their_password_with_the_emailed_link(client, world):
    # given a consultant who forgot their password
    person = world.people["consultant"]
    # when they ask for a reset link
    response = client.post(reverse("account_reset_password"), {"email": person.email})
    # then one email goes to them, with a link
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    link = reset_link(mail.outbox[0])

    # when they open the link and choose a new password
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    # then the new password works and the old one does not
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert not person.check_password("correct horse battery staple")

    # and the same link cannot be used a second time
    again = client.get(link, follow=True)
    assert b'name="password1"' not in again.content


def test_a_weak_new_password_is_refused_and_nothing_changes(client, world):
    person = world.people["consultant"]
    client.post(reverse("account_reset_password"), {"email": person.email})
    link = reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    # when they pick a short, common password
    response = client.post(set_url, {"password1": "password", "password2": "password"})
    # then the form explains why and the old password still works
    assert response.status_code == 200
    assert response.context["form"].errors
    person.refresh_from_db()
    assert person.check_password("correct horse battery staple")


def test_an_unknown_address_gets_the_same_answer_and_no_email_to_anyone_else(client, world):
    # when someone asks for a reset for an address that has no account
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    # then the page answers as it would for a real account, so accounts cannot be discovered
    assert response.status_code == 302
    assert all("nobody@example.org" in message.to for message in mail.outbox)
