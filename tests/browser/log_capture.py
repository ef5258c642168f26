"""The whole browser run's log, and the personal data it must not hold.

`tests/browser/conftest.py` starts one `RunLogCapture` when the first browser test runs: a handler that keeps
every formatted record of the root logger and of Django's loggers (which do not propagate) at DEBUG, and signal
receivers that note the sensitive values the run creates (children's codes and birth dates, note text, request
concerns, passwords set on accounts, session keys). At the end of the run `leaks()` lists every value found in
the captured text; the conftest fails the run when the list is not empty.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

# Loggers that keep their records to themselves (propagate=False in settings.LOGGING) or that Django sets up.
CAPTURED_LOGGERS = ("", "django", "django.server", "django.request", "django.security", "abrazo")

# The test tools' own loggers: factory_boy logs each fixture call (the factories' password among them) in the
# test process. They are not the application's log, which is what the promise is about.
TEST_TOOL_LOGGERS = ("factory", "faker")

# Values shorter than this are too common to search for without false alarms (a "C-1" child code).
MIN_CODE_LENGTH = 6
MIN_TEXT_LENGTH = 12


def birth_date_forms(day: dt.date) -> list[str]:
    """The ways a birth date could be written into a log line."""
    return [
        day.isoformat(),
        day.strftime("%m/%d/%Y"),
        f"{day.month}/{day.day}/{day.year}",
        day.strftime("%d/%m/%Y"),
        day.strftime("%B %d, %Y"),
        f"{day.strftime('%B')} {day.day}, {day.year}",
        day.strftime("%Y%m%d"),
    ]


class KeepEveryRecord(logging.Handler):
    """Keeps each record formatted raw: nothing escaped or dropped, so a leak cannot hide behind the formatter."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in TEST_TOOL_LOGGERS:
            return
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot be formatted is kept by its raw parts, never lost
            self.lines.append(f"{record.levelname} {record.name} {record.msg!r} {record.args!r}")


class RunLogCapture:
    def __init__(self) -> None:
        self.handler = KeepEveryRecord()
        self.sensitive: dict[str, str] = {}  # value -> what it is
        self._receivers: list[tuple[Any, Callable[..., None], Any]] = []
        self._original_set_password: Callable[..., None] | None = None

    # --- the log -------------------------------------------------------------------------------------------------
    def attach(self) -> None:
        """Attach (again) to every captured logger at DEBUG; idempotent, since a test may re-run dictConfig."""
        for name in CAPTURED_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(logging.DEBUG)
            if self.handler not in logger.handlers:
                logger.addHandler(self.handler)
            logger.disabled = False

    def detach(self) -> None:
        for name in CAPTURED_LOGGERS:
            logging.getLogger(name).removeHandler(self.handler)

    @property
    def text(self) -> str:
        return "\n".join(self.handler.lines)

    # --- the sensitive values ------------------------------------------------------------------------------------
    def note(self, label: str, value: object, minimum: int = MIN_TEXT_LENGTH) -> None:
        text = str(value or "").strip()
        if len(text) >= minimum:
            self.sensitive.setdefault(text, label)

    def note_birth_date(self, day: dt.date | None) -> None:
        if day is not None:
            for written in birth_date_forms(day):
                self.sensitive.setdefault(written, "birth date")

    def start_recording(self) -> None:
        """Connect receivers for the models that hold child data, and note every password set on an account."""
        from django.contrib.auth.base_user import AbstractBaseUser
        from django.contrib.sessions.models import Session
        from django.db.models.signals import post_save

        from abrazo.consultations.models import BriefContact, Contact, FollowUp, GroupSession
        from abrazo.incidents.models import Child, Exclusion, Incident
        from abrazo.intake.models import Request

        def child_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
            self.note("child code", instance.code, MIN_CODE_LENGTH)
            self.note_birth_date(instance.date_of_birth)

        def notes_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
            self.note(f"{sender.__name__} note", instance.notes)

        def request_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
            self.note("request concern", instance.concern_text)

        def session_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
            self.note("session id", instance.session_key, MIN_CODE_LENGTH)

        connections: list[tuple[Any, Callable[..., None]]] = [
            (Child, child_saved),
            (Request, request_saved),
            (Session, session_saved),
        ]
        connections += [
            (model, notes_saved) for model in (Incident, Exclusion, Contact, FollowUp, GroupSession, BriefContact)
        ]
        for model, receiver in connections:
            post_save.connect(receiver, sender=model, weak=False)
            self._receivers.append((post_save, receiver, model))

        # The factories and the tests set passwords through set_password; the browser then types them.
        original = AbstractBaseUser.set_password
        self._original_set_password = original

        def set_password(user: Any, raw_password: str | None) -> None:
            self.note("password", raw_password, MIN_CODE_LENGTH)
            original(user, raw_password)

        AbstractBaseUser.set_password = set_password  # type: ignore[method-assign]

    def stop_recording(self) -> None:
        from django.contrib.auth.base_user import AbstractBaseUser

        for signal, receiver, model in self._receivers:
            signal.disconnect(receiver, sender=model)
        self._receivers.clear()
        if self._original_set_password is not None:
            AbstractBaseUser.set_password = self._original_set_password  # type: ignore[method-assign]
            self._original_set_password = None

    def note_module_passwords(self, module_prefix: str = "tests.browser.") -> None:
        """Passwords a browser test types without setting them (a deliberately wrong one): module constants."""
        for name, module in list(sys.modules.items()):
            if name.startswith(module_prefix) and module is not None:
                for attribute, value in vars(module).items():
                    if "PASSWORD" in attribute.upper() and isinstance(value, str):
                        self.note(f"password ({name}.{attribute})", value, MIN_CODE_LENGTH)

    # --- the check -----------------------------------------------------------------------------------------------
    def leaks(self) -> dict[str, str]:
        """Each sensitive value found in the captured log, with what it is."""
        return find_leaks(self.text, self.sensitive)


def find_leaks(text: str, sensitive: dict[str, str]) -> dict[str, str]:
    return {value: label for value, label in sensitive.items() if value in text}


def describe_leaks(text: str, leaks: dict[str, str], limit: int = 20) -> str:
    lines = [f"- {label}: {value[:80]!r}" for value, label in leaks.items()]
    leaking: Iterable[str] = (line[:400] for line in text.splitlines() if any(value in line for value in leaks))
    return "\n".join([*lines, "log lines holding them:", *list(leaking)[:limit]])
