"""Log injection: a value from a request cannot start a log line of its own.

The configured handler (settings.LOGGING, abrazo.core.logging.SafeFormatter) writes one event per line, with
carriage returns, line feeds, other control characters and the Unicode line separators shown as escapes.
The end-to-end checks send requests carrying such values (a sign-in name, a search query, an uploaded file's
name, the path, X-Forwarded-For, User-Agent, Host) with every logger at DEBUG and read what the real handler
wrote: as many lines as events, and no line that starts with the forged text.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from abrazo.core.logging import SafeFormatter, escape_control_characters

FORGED = "2026-01-01 00:00:00,000 INFO abrazo.accounts admin signed in"
# Each way a value can break a line or rewrite a terminal: LF, CR, CRLF, NUL, ESC (a terminal escape), the
# Unicode line and paragraph separators, NEL, vertical tab and form feed.
BREAKERS = ("\n", "\r", "\r\n", "\x00", "\x1b[2K\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c")


def _record(message: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("abrazo.test", logging.WARNING, __file__, 1, message, args, exc_info)  # type: ignore[arg-type]


@pytest.mark.parametrize("breaker", BREAKERS)
def test_control_characters_in_message_and_arguments_stay_on_one_line(breaker):
    # given the formatter settings.LOGGING configures
    formatter = SafeFormatter("%(levelname)s %(name)s %(message)s")
    # when a message and an argument each carry a line breaker followed by a forged event
    line = formatter.format(_record(f"sign-in failed{breaker}{FORGED}: %s", f"rosa{breaker}{FORGED}"))
    # then the output is one line, the breaker is shown as an escape, and the forged text is still in it (not lost)
    assert line.splitlines() == [line]
    assert breaker not in line
    assert "\\" in line
    assert line.count(FORGED) == 2
    assert line.startswith("WARNING abrazo.test sign-in failed")


def test_escapes_are_readable():
    # the escapes a reader sees, worked out by hand
    assert escape_control_characters("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert escape_control_characters("x\x00y\x1bz\x7f") == "x\\x00y\\x1bz\\x7f"
    assert escape_control_characters("p\u2028q\u2029r\x85s") == "p\\u2028q\\u2029r\\x85s"
    # and ordinary text, accents and other scripts included, is untouched
    assert escape_control_characters("Rosa Martínez — 子ども") == "Rosa Martínez — 子ども"


def test_a_traceback_is_one_line_too():
    # given an exception whose message carries a forged line
    formatter = SafeFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError(f"bad file name\n{FORGED}")
    except ValueError:
        import sys

        record = _record("import failed for %s", "roster\r\n.xlsx", exc_info=sys.exc_info())
    # when it is formatted with its traceback
    line = formatter.format(record)
    # then the whole event, traceback included, is one line that still names the exception
    assert line.splitlines() == [line]
    assert "Traceback (most recent call last):" in line
    assert "ValueError: bad file name\\n" + FORGED in line


# --- end to end, through the handler settings.LOGGING configures -------------------------------------------


class _Counter(logging.Handler):
    """Counts the events that reach the configured handler's loggers (the number of lines there must be)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@pytest.fixture
def configured_log() -> Iterator[tuple[io.StringIO, _Counter]]:
    """The real console handler of settings.LOGGING, writing into a buffer, with every logger at DEBUG."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, SafeFormatter))
    # Django's loggers write through the same handler (settings.LOGGING), the development server's included.
    assert handler in logging.getLogger("django").handlers
    assert handler in logging.getLogger("django.server").handlers
    buffer = io.StringIO()
    counter = _Counter()
    previous_stream = handler.setStream(buffer)
    loggers = [logging.getLogger(), logging.getLogger("django"), logging.getLogger("django.server")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(counter)
    try:
        yield buffer, counter
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
            logger.removeHandler(counter)
        handler.setStream(previous_stream)  # type: ignore[arg-type]


def _assert_one_line_per_event(buffer: io.StringIO, counter: _Counter) -> list[str]:
    lines = buffer.getvalue().split("\n")
    assert lines[-1] == "", "the log must end with the last event's line break"
    lines = lines[:-1]
    assert len(lines) == counter.count, f"{counter.count} events wrote {len(lines)} lines:\n" + "\n".join(lines)
    assert not [line for line in lines if line.startswith(FORGED[:10]) or "\r" in line or "\u2028" in line]
    return lines


@pytest.mark.django_db
def test_values_from_requests_cannot_forge_a_line(world, configured_log):
    buffer, counter = configured_log
    client = Client(raise_request_exception=False)
    forged = f"\r\n{FORGED}\u2028{FORGED}\x1b[1A"
    headers = {"HTTP_X_FORWARDED_FOR": f"203.0.113.9{forged}", "HTTP_USER_AGENT": f"Mozilla/5.0{forged}"}

    # given requests whose every outside value carries a forged line: a sign-in name, a search query, the path
    # (a 404 is logged with it), a Host header (logged as disallowed), and an upload's file name
    client.post(reverse("account_login"), {"login": f"rosa{forged}", "password": f"x{forged}"}, **headers)
    client.get("/no-such-page%0D%0A" + FORGED.replace(" ", "%20") + "%E2%80%A8x/", **headers)
    client.get(reverse("account_login"), HTTP_HOST=f"evil.example{forged}", **headers)
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(world.people["network_admin"])
    signed_in.get(reverse("directory:program-list"), {"q": f"sunrise{forged}"}, **headers)
    upload = SimpleUploadedFile(f"roster{forged}.csv", b"name\nRosa\n", content_type="text/csv")
    signed_in.post(reverse("directory:import-upload", args=["programs"]), {"file": upload}, **headers)
    # and, as a stand-in for any code that logs such a value, each of them logged directly
    log = logging.getLogger("abrazo.test")
    for source in ("username", "search query", "file name", "path", "X-Forwarded-For", "User-Agent"):
        log.warning("%s: %s", source, f"value{forged}")
        log.debug(f"{source} in the message itself: value{forged}")

    # then the handler wrote exactly one line per event, none of them starting with the forged text
    lines = _assert_one_line_per_event(buffer, counter)
    assert counter.count >= 14  # the 12 direct events, the 404 and the disallowed host at least
    assert any("Not Found: /no-such-page\\r\\n" in line for line in lines), lines
    assert any("Invalid HTTP_HOST header" in line for line in lines), lines


def test_the_development_server_request_line_is_one_line(configured_log):
    # given the development server's logger (django.server, its own propagation turned off), as runserver and the
    # live server use it
    buffer, counter = configured_log
    # when it logs a request line carrying a forged line (the server passes the request line as an argument)
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /x\r\n{FORGED} HTTP/1.1", "404", "179")
    # then it is one line in the configured handler
    lines = _assert_one_line_per_event(buffer, counter)
    assert len(lines) == 1 and "GET /x\\r\\n" + FORGED in lines[0]
