"""Session lifetime: 30 idle minutes, 12 hours in all; signing out, deactivation, and ending one's own
other sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from abrazo.accounts.middleware import SESSION_STARTED_KEY
from abrazo.audit.models import AccessEvent, Action

pytestmark = pytest.mark.django_db

# A page only a signed-in person may open (the front page "/" is public: it shows the site to visitors).
HOME = "/accounts/sessions/"


def signed_in_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def started_at(client: Client) -> datetime:
    return datetime.fromisoformat(client.session[SESSION_STARTED_KEY])


def open_home_at(client: Client, moment: datetime) -> Any:
    # The middleware reads django.utils.timezone.now; moving it moves the clock for the session store too.
    with mock.patch("abrazo.accounts.middleware.timezone.now", return_value=moment):
        return client.get(HOME)


def sent_to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_session_idle_for_29_minutes_survives(world):
    # given a coordinator signed in
    client = signed_in_client(world.people["regional_coordinator"])
    start = started_at(client)
    # when they come back after 29 idle minutes
    response = open_home_at(client, start + timedelta(minutes=29))
    # then they are still signed in
    assert response.status_code == 200


def test_a_session_idle_for_31_minutes_is_signed_out(world):
    # given a coordinator signed in
    user = world.people["regional_coordinator"]
    client = signed_in_client(user)
    start = started_at(client)
    # when they come back after 31 idle minutes
    response = open_home_at(client, start + timedelta(minutes=31))
    # then they are sent to sign in again, told why, and the sign-out is in the audit ledger
    assert sent_to_sign_in(response)
    assert "_auth_user_id" not in client.session
    assert client.session.get("abrazo_expired") is True
    assert AccessEvent.objects.filter(user_id=user.pk, action=Action.LOGOUT).count() == 1


def test_activity_every_20_minutes_still_ends_at_12_hours(world):
    # given a coordinator signed in who opens a page every 20 minutes
    client = signed_in_client(world.people["regional_coordinator"])
    start = started_at(client)
    moment = start
    while moment + timedelta(minutes=20) <= start + timedelta(hours=12):
        moment += timedelta(minutes=20)
        assert open_home_at(client, moment).status_code == 200, f"signed out early, at {moment - start}"
    # when the next page comes after twelve hours in all
    response = open_home_at(client, start + timedelta(hours=12, minutes=1))
    # then the session is over, although it was never idle for long
    assert moment - start == timedelta(hours=12)
    assert sent_to_sign_in(response)
    assert client.session.get("abrazo_expired") is True


def test_signing_out_ends_the_session_on_the_server(world):
    # given a coordinator signed in, and a copy of their session cookie
    client = signed_in_client(world.people["regional_coordinator"])
    session_key = client.session.session_key
    # when they sign out
    response = client.post(reverse("account_logout"))
    # then the session is gone from the server, and the old cookie opens nothing
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    replay = Client()
    replay.cookies["sessionid"] = session_key
    assert sent_to_sign_in(replay.get(HOME))


def test_a_deactivated_account_stops_working_on_the_next_request(world):
    # given a consultant signed in
    user = world.people["consultant"]
    client = signed_in_client(user)
    assert client.get(HOME).status_code == 200
    # when a network admin deactivates the account
    user.is_active = False
    user.save(update_fields=["is_active"])
    # then their next request is sent to sign in
    assert sent_to_sign_in(client.get(HOME))
    assert sent_to_sign_in(client.get(reverse("directory:program-list")))


def test_people_list_their_sessions_and_end_the_others(world):
    # given a coordinator signed in on a laptop and on a phone
    user = world.people["regional_coordinator"]
    laptop = signed_in_client(user)
    phone = signed_in_client(user)
    assert phone.get(HOME).status_code == 200
    # when they open their sessions on the laptop
    listing = laptop.get(reverse("usersessions_list"))
    # then both are listed
    assert listing.status_code == 200
    assert listing.context["session_count"] == 2
    # and when they end the other sessions
    ended = laptop.post(reverse("usersessions_list"))
    # then the phone is signed out and the laptop is not
    assert ended.status_code == 302
    assert sent_to_sign_in(phone.get(HOME))
    assert laptop.get(HOME).status_code == 200
    assert UserSession.objects.filter(user=user).count() == 1


def test_sessions_of_other_people_are_not_listed(world):
    # given two people signed in
    coordinator = signed_in_client(world.people["regional_coordinator"])
    assert signed_in_client(world.people["consultant"]).get(HOME).status_code == 200
    # when the coordinator lists sessions
    listing = coordinator.get(reverse("usersessions_list"))
    # then only their own appears
    assert {s.user_id for s in listing.context["sessions"]} == {world.people["regional_coordinator"].pk}


def test_the_last_seen_stamp_is_refreshed_at_most_once_a_minute(world):
    from abrazo.accounts.middleware import SESSION_SEEN_KEY

    # given a coordinator who has just been active
    client = signed_in_client(world.people["regional_coordinator"])
    start = started_at(client)
    open_home_at(client, start + timedelta(minutes=5))
    seen = client.session[SESSION_SEEN_KEY]
    # when they click again 20 seconds later, the session row is not rewritten for the stamp
    open_home_at(client, start + timedelta(minutes=5, seconds=20))
    assert client.session[SESSION_SEEN_KEY] == seen
    # and a click two minutes later moves the stamp on, so activity keeps the session alive
    open_home_at(client, start + timedelta(minutes=7))
    assert client.session[SESSION_SEEN_KEY] != seen
    assert open_home_at(client, start + timedelta(minutes=36)).status_code == 200


PASSWORD = "correct horse battery staple"  # the factories' password
NEW_PASSWORD = "lantern orbit maple quietly river"


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(world):
    # given a coordinator signed in on a laptop and on a phone
    user = world.people["regional_coordinator"]
    laptop = signed_in_client(user)
    phone = signed_in_client(user)
    phone_session = phone.session.session_key
    assert phone.get(HOME).status_code == 200
    # when they change their password on the laptop
    changed = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    # then the phone is signed out (its session is gone from the server too) and the laptop is not
    assert sent_to_sign_in(phone.get(HOME))
    assert not Session.objects.filter(session_key=phone_session).exists()
    assert laptop.get(HOME).status_code == 200
    assert UserSession.objects.filter(user=user).count() == 1


def test_resetting_a_forgotten_password_ends_every_session(world):
    # given a consultant still signed in on a shared computer
    from django.core import mail

    user = world.people["consultant"]
    shared = signed_in_client(user)
    shared_session = shared.session.session_key
    assert shared.get(HOME).status_code == 200
    # when they reset their password from the emailed link on another device
    other = Client()
    other.post(reverse("account_reset_password"), {"email": user.email})
    link = next(word for word in mail.outbox[-1].body.split() if "/accounts/password/reset/key/" in word)
    form_page = other.get(link[link.index("/accounts/"):], follow=True)
    set_url = form_page.redirect_chain[-1][0]
    assert other.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    # then the shared computer's session no longer opens anything, and it is gone from the server
    assert sent_to_sign_in(shared.get(HOME))
    assert not Session.objects.filter(session_key=shared_session).exists()
