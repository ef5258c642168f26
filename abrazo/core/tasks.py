"""Background work of the core app: retrying the emails the mail server could not take (core/mail.py)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task


@task()
def flush_outbox() -> dict[str, int]:
    """Send the outbox's due messages; scheduled by `deliver` when a message has to wait (database queue), and
    by cron through `abrazo flush_outbox`."""
    from abrazo.core import mail

    return asdict(mail.flush_outbox())
