"""The browser run's log check can fail: a value the run created, once logged, is found and named.

`tests/browser/conftest.py` fails the browser run when `RunLogCapture.leaks()` is not empty; these tests use their
own capture (never the run's) so that the marker they log cannot fail a real run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest

from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory
from tests.browser.log_capture import RunLogCapture, describe_leaks


@pytest.fixture
def capture() -> Iterator[RunLogCapture]:
    run_log = RunLogCapture()
    levels = {name: logging.getLogger(name).level for name in ("", "django", "django.request", "django.server")}
    run_log.start_recording()
    run_log.attach()
    try:
        yield run_log
    finally:
        run_log.stop_recording()
        run_log.detach()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.django_db
def test_a_logged_child_code_birth_date_and_note_are_found(capture: RunLogCapture) -> None:
    # given a child and an incident created while the run is recorded
    child = ChildFactory(code="QZMARK-CHILD-5521", date_of_birth=dt.date(2022, 7, 4))
    IncidentFactory(child=child, program=child.program, notes="QZMARK note: hid under the table at nap time")
    # and records on the loggers Django keeps to itself, one with the code as an argument
    logging.getLogger("django.request").warning("Not Found: /children/%s/", child.code)
    logging.getLogger("django.server").info("born 7/4/2022")
    logging.getLogger("abrazo.anything").debug("note was: QZMARK note: hid under the table at nap time")

    # then each value is found and named
    leaks = capture.leaks()
    assert leaks.get("QZMARK-CHILD-5521") == "child code"
    assert leaks.get("7/4/2022") == "birth date"
    assert leaks.get("QZMARK note: hid under the table at nap time") == "Incident note"
    assert "2022-07-04" not in leaks  # a form not logged is not reported
    assert "Not Found: /children/QZMARK-CHILD-5521/" in describe_leaks(capture.text, leaks)


@pytest.mark.django_db
def test_a_logged_password_and_session_key_are_found(capture: RunLogCapture, django_user_model) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    user = django_user_model.objects.create_user(email="qz-log@example.org", password="QZ-unlikely-pass-7781")
    session = SessionStore()
    session["k"] = 1
    session.save()
    # nothing logged yet: nothing found
    assert capture.leaks() == {}
    logging.getLogger("").error("login failed for %s with %s", user.email, "QZ-unlikely-pass-7781")
    logging.getLogger("django").info("session %s", session.session_key)
    leaks = capture.leaks()
    assert leaks == {"QZ-unlikely-pass-7781": "password", session.session_key: "session id"}


def test_short_values_are_not_searched(capture: RunLogCapture) -> None:
    # a two-letter code would match half the log; the check keeps to values long enough to mean something
    capture.note("child code", "C1", 6)
    capture.note("Incident note", "ok", 12)
    assert capture.sensitive == {}


def test_the_test_tools_own_log_is_left_out(capture: RunLogCapture) -> None:
    # factory_boy logs the arguments of each fixture call in the test process: not the application's log
    capture.note("password", "QZ-factory-pass-4410", 6)
    logging.getLogger("factory.generate").debug("set_password('QZ-factory-pass-4410')")
    assert capture.leaks() == {}
    logging.getLogger("abrazo.accounts").debug("set_password('QZ-factory-pass-4410')")
    assert capture.leaks() == {"QZ-factory-pass-4410": "password"}
