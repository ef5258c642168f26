"""No child data, note text, password or session id in any log after a browser journey.

A program director signs in with a password (one wrong attempt first) and an authenticator code, adds a child
(code and birth date), opens the child, searches the roster, records an incident with a note, opens it, and
downloads the incidents export. Everything logged meanwhile is captured: every logger at DEBUG into one
handler (the root, and Django's loggers, which do not propagate), plus whatever the process writes to its
stdout and stderr (the live server runs in a thread of this process). Then none of the seeded markers appears.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator

import pyotp
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.tests.factories import TOTP_SECRET
from abrazo.incidents.models import Child, Incident

pytestmark = pytest.mark.django_db(transaction=True)

CHILD_CODE = "ZQXCHILD7731"  # what stands for the child's name: Abrazo stores a program's code, never the name
BIRTH_DATE = dt.date(2021, 3, 17)
NOTE = "ZQXNOTE4409 bit a peer at circle time after the schedule changed"
PASSWORD = "ZQX-correct-pony-8812-staple"
WRONG_PASSWORD = "ZQX-wrong-pony-9913-staple"
SEARCH = "ZQXCHILD77"


def birth_date_forms(day: dt.date) -> list[str]:
    return [day.isoformat(), day.strftime("%m/%d/%Y"), f"{day.month}/{day.day}/{day.year}", day.strftime("%d/%m/%Y"),
            day.strftime("%B %d, %Y"), f"{day.strftime('%B')} {day.day}, {day.year}", day.strftime("%Y%m%d")]


@pytest.fixture
def all_logs() -> Iterator[io.StringIO]:
    """Every record of every logger, at DEBUG, written raw (a plain Formatter: nothing escaped or dropped)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    # the root, and every logger that stops propagation (Django's own) or that already exists with a level
    names = ["", "django", "django.server", "django.request", "django.security", "allauth", "abrazo"]
    names += [name for name, logger in logging.root.manager.loggerDict.items()
              if isinstance(logger, logging.Logger) and not logger.propagate]
    loggers = [logging.getLogger(name) for name in dict.fromkeys(names)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield buffer
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def test_a_journey_leaves_no_personal_data_in_the_logs(live_server, page, world, all_logs, capfd):
    director = world.people["program_staff"]
    director.set_password(PASSWORD)
    director.save()
    program = world.program_a
    base = live_server.url

    # given a director who mistypes the password once, then signs in with the password and an authenticator code
    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(director.email)
    page.get_by_label("Password").fill(WRONG_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/2fa/authenticate/**")
    code = pyotp.TOTP(TOTP_SECRET).now()
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")
    session_id = next(c["value"] for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME)

    # when they add a child with a code and a birth date, and open the child
    page.goto(base + reverse("incidents:child-new", args=[program.pk]))
    form = page.locator("main form.form")
    form.locator("[name=code]").fill(CHILD_CODE)
    form.locator("[name=date_of_birth]").fill(BIRTH_DATE.isoformat())
    form.locator("[name=enrolled_from]").fill((timezone.localdate() - dt.timedelta(days=30)).isoformat())
    form.locator("button[type=submit]").last.click()
    page.wait_for_load_state()
    child = Child.objects.get(code=CHILD_CODE)
    assert child.date_of_birth == BIRTH_DATE
    page.goto(base + reverse("incidents:child-detail", args=[child.pk]))
    assert CHILD_CODE in page.content()
    # and search the roster for it
    page.goto(base + reverse("incidents:child-list") + f"?q={SEARCH}")

    # and record an incident with a note, and open it
    page.goto(base + reverse("incidents:incident-new", args=[program.pk]))
    form = page.locator("main form.form")
    form.get_by_label("Child").select_option(str(child.pk))
    form.locator("[name=occurred_at]").fill("10:15")
    for name in ("problem_behavior", "activity", "others_involved", "possible_motivation", "strategy_response",
                 "admin_follow_up"):
        form.locator(f"[name={name}]").select_option(index=1)
    if not form.locator("[name=notes]").is_visible():
        form.locator("details summary").first.click()  # the note sits behind "More", as on the contact form
    form.locator("[name=notes]").fill(NOTE)
    form.locator("button[type=submit]").last.click()
    page.wait_for_load_state()
    incident = Incident.objects.get(child=child)
    assert incident.notes == NOTE
    page.goto(base + reverse("incidents:incident-detail", args=[incident.pk]))
    assert "ZQXNOTE4409" in page.content()

    # and download the incidents export
    page.goto(base + reverse("exports:centre"))
    form = page.locator("main form.filters")
    form.locator("[name=kind]").select_option("incidents")
    form.locator("[name=file_format]").select_option("csv")
    with page.expect_download() as download_info:
        form.locator("button[type=submit]").last.click()
    with open(download_info.value.path(), encoding="utf-8-sig") as downloaded:
        exported = downloaded.read()
    assert CHILD_CODE in exported  # the export itself carries the child, which is why it is a download, not a log

    # then no log record and nothing written to the process's output holds any marker
    out, err = capfd.readouterr()
    logged = all_logs.getvalue()
    everything = "\n".join((logged, out, err))
    markers = {
        "child code": CHILD_CODE, "search": SEARCH, "note": "ZQXNOTE4409", "password": PASSWORD,
        "wrong password": WRONG_PASSWORD, "session id": session_id, "authenticator code": code,
        **{f"birth date {form}": form for form in birth_date_forms(BIRTH_DATE)},
    }
    leaks = {label: marker for label, marker in markers.items() if marker in everything}
    with capfd.disabled():
        print(f"\nlogs after the journey: {len(logged.splitlines())} log lines, {len(err.splitlines())} stderr lines, "
              f"{len(markers)} markers searched, {len(leaks)} found")
    leaking_lines = [line[:400] for line in everything.splitlines() if any(m in line for m in leaks.values())]
    assert not leaks, f"found in the logs: {leaks}\n" + "\n".join(leaking_lines[:20])
    # and the capture worked: the journey's requests were logged (the 404 of a missing page at least)
    page.goto(base + "/no-such-page-for-the-log-check/")
    assert "no-such-page-for-the-log-check" in all_logs.getvalue()
