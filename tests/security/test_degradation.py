"""Degradation (issue 9): with the mail server down an action still succeeds and its email goes out, exactly
once, when the server is back; with the cache down the sign-in throttle and sessions still hold; with the
database down every page is a clean bilingual 503 and /healthz says the database is unavailable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.cache.backends.base import BaseCache
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from abrazo.core import mail as outbox
from abrazo.core.models import OutgoingMail
from abrazo.intake.models import Request
from abrazo.intake.tests.test_public_form import NEW, THANKS, answers, form_key
from tests.security.test_throttling import PASSWORD, attempt, throttled

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
REFUSING = "tests.security.test_degradation.RefusingEmailBackend"


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that is down: every connection is refused, as smtplib reports it."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError(111, "Connection refused")


class UnreachableCache(BaseCache):
    """A cache server that is down: every call fails the way a refused socket does."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    def _down(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError(111, "Connection refused")

    add = get = set = touch = delete = has_key = incr = clear = get_many = set_many = delete_many = _down


def ask_for_consultation(client: Client, email: str, on_commit: Any) -> Any:
    key = form_key(client)
    with on_commit(execute=True):
        return client.post(NEW, answers(submission_key=key, requester_email=email), REMOTE_ADDR="198.51.100.31")


# --- Mail server down ----------------------------------------------------------------------------------------------


def test_a_request_made_while_the_mail_server_is_down_succeeds_and_its_email_goes_out_once_later(
    world, settings, django_capture_on_commit_callbacks
):
    # given the mail server refusing connections
    settings.EMAIL_BACKEND = REFUSING
    # when a family asks for consultation on the public form
    response = ask_for_consultation(
        Client(HTTP_ACCEPT_LANGUAGE="es"), "ana@example.org", django_capture_on_commit_callbacks
    )
    # then their request is saved and they see the confirmation, as on any day
    assert response.status_code == 302 and response["Location"] == THANKS
    request = Request.objects.get()
    assert request.requester_email == "ana@example.org"
    # and the acknowledgement waits in the outbox, unreadable in the database
    assert mail.outbox == []
    waiting = OutgoingMail.objects.get()
    assert waiting.attempts == 1 and waiting.last_error == "ConnectionRefusedError"
    with connection.cursor() as cursor:
        cursor.execute("SELECT message FROM core_outgoingmail")
        stored = cursor.fetchone()[0]
    assert "ana@example.org" not in stored and request.reference not in stored
    # when the mail server is back and the outbox is flushed (twice, as cron would)
    settings.EMAIL_BACKEND = LOCMEM
    call_command("flush_outbox", "--all", stdout=mock.MagicMock())
    call_command("flush_outbox", "--all", stdout=mock.MagicMock())
    # then the acknowledgement went out exactly once, in Spanish, with the reference, and the outbox is empty
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ana@example.org"]
    assert sent.extra_headers["Content-Language"] == "es"
    assert request.reference in sent.subject + sent.body
    assert not OutgoingMail.objects.exists()


def test_a_waiting_email_is_retried_only_when_due_and_waits_longer_each_time(
    world, settings, django_capture_on_commit_callbacks
):
    # given an acknowledgement kept in the outbox while the mail server is down
    settings.EMAIL_BACKEND = REFUSING
    ask_for_consultation(Client(), "ben@example.org", django_capture_on_commit_callbacks)
    waiting = OutgoingMail.objects.get()
    first_due = waiting.next_attempt_at
    # when the retry runs before its time, nothing is tried
    assert outbox.flush_outbox(now=first_due - timedelta(seconds=1)).sent == 0
    assert OutgoingMail.objects.get().attempts == 1
    # when it runs on time and the server is still down, the next attempt is twice as far away
    summary = outbox.flush_outbox(now=first_due)
    waiting.refresh_from_db()
    assert (summary.sent, summary.waiting, waiting.attempts) == (0, 1, 2)
    assert waiting.next_attempt_at - first_due == outbox.retry_delay(2) == timedelta(minutes=2)
    assert mail.outbox == []
    # when the server is back at the next due time, it is delivered and leaves the outbox
    settings.EMAIL_BACKEND = LOCMEM
    assert outbox.flush_outbox(now=waiting.next_attempt_at).sent == 1
    assert [m.to for m in mail.outbox] == [["ben@example.org"]]
    assert not OutgoingMail.objects.exists()


def test_an_email_that_never_gets_through_is_given_up_and_kept_for_an_operator(
    world, settings, django_capture_on_commit_callbacks
):
    # given a message waiting while the mail server stays down
    settings.EMAIL_BACKEND = REFUSING
    ask_for_consultation(Client(), "cy@example.org", django_capture_on_commit_callbacks)
    # when every retry fails
    for day in range(1, outbox.MAX_ATTEMPTS + 3):
        outbox.flush_outbox(now=timezone.now() + timedelta(days=day))
    # then it is marked given up after MAX_ATTEMPTS and no longer tried
    waiting = OutgoingMail.objects.get()
    assert waiting.gave_up and waiting.attempts == outbox.MAX_ATTEMPTS
    assert outbox.retry_delay(outbox.MAX_ATTEMPTS) == outbox.LONGEST_WAIT


def test_with_the_database_queue_a_waiting_email_schedules_its_own_retry(
    world, settings, django_capture_on_commit_callbacks
):
    # given the production task queue (the database backend) and the mail server down
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = REFUSING
    before = timezone.now()
    # when a message cannot be sent
    with django_capture_on_commit_callbacks(execute=True):
        sent_now = outbox.deliver(mail.EmailMessage("Subject", "Body", "from@example.org", ["dee@example.org"]))
    # then it waits, and a retry of the outbox is queued for when it is due
    assert not sent_now
    retry = DBTaskResult.objects.get(task_path="abrazo.core.tasks.flush_outbox")
    assert retry.run_after is not None
    assert before + outbox.FIRST_RETRY <= retry.run_after <= timezone.now() + outbox.FIRST_RETRY


# --- Cache down ----------------------------------------------------------------------------------------------------


@pytest.fixture
def cache_down(settings: Any) -> None:
    """The deployment's remote-cache configuration (settings, CACHE_URL) with its server unreachable."""
    settings.CACHES = {
        "default": {
            "BACKEND": "abrazo.core.cache.FallbackCache",
            "OPTIONS": {
                "PRIMARY": {"BACKEND": "tests.security.test_degradation.UnreachableCache"},
                "FALLBACK": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "abrazo_cache"},
            },
        }
    }


def test_with_the_cache_down_the_sign_in_throttle_still_holds_and_locks_nobody_else_out(world, cache_down):
    user = world.people["consultant"]
    other = world.people["supervisor"]
    client = Client()
    # when five guesses at one account fail, each answered normally (no error page)
    for guess in range(5):
        response = attempt(client, user.email, f"wrong guess {guess}")
        assert response.status_code == 200 and not throttled(response)
    # then the sixth is refused even with the right password: the limit was not lifted
    assert throttled(attempt(client, user.email, PASSWORD))
    # while someone else signs in from another address
    response = attempt(Client(), other.email, PASSWORD, ip="203.0.113.50")
    assert response.status_code == 302 and not throttled(response)


def test_with_the_cache_down_sessions_still_hold(world, cache_down):
    # given a coordinator signed in (sessions live in the database, not in the cache)
    client = Client()
    client.force_login(world.people["regional_coordinator"])
    # then their pages open, and signing out ends the session
    assert client.get("/accounts/sessions/").status_code == 200
    client.post("/accounts/logout/")
    response = client.get("/accounts/sessions/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Database down -------------------------------------------------------------------------------------------------


def database_down() -> Any:
    """Every new cursor fails as a refused connection does (the driver's error, wrapped by Django)."""
    return mock.patch.object(
        connection, "ensure_connection", side_effect=OperationalError("could not connect to server: Connection refused")
    )


def test_healthz_says_the_database_is_unavailable(db):
    assert Client().get("/healthz").json() == {"status": "ok", "database": "ok"}
    with database_down():
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


@pytest.mark.parametrize("path", ["/", "/accounts/sessions/", "/requests/"])
def test_with_the_database_down_every_page_is_a_clean_bilingual_503(world, path):
    # given a coordinator signed in, and a request naming a family
    client = Client(raise_request_exception=False)
    client.force_login(world.people["regional_coordinator"])
    # when the database stops answering
    with database_down():
        response = client.get(path)
    # then the page says so in both languages, asks to come back, and shows nothing else
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert '<section lang="en">' in page and '<section lang="es">' in page
    assert "cannot reach its database" in page
    for leak in ("Traceback", "OperationalError", "Connection refused", world.people["regional_coordinator"].email):
        assert leak not in page
    # and the security headers are still sent
    assert "Content-Security-Policy" in response
