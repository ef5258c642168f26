"""Per-address rate limits for public forms (no account, so the client address is the only brake on a flood).

One counter per bucket, address and fixed window, kept in the database (`core.RateCounter`) and shared by every
app server. Each public form names its own bucket, so a family asking for consultation is never slowed down by
the same connection having suggested a resource.

Counting is one atomic UPDATE (`count = count + 1`), and the count is read after it: the k-th submission of a
window reads at least k, so of any number sent at once no more than `limit` get through.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from abrazo.core.models import RateCounter


def rate_limit_hit(
    *, bucket: str, address: str | None, limit: int, window_seconds: int, now: datetime | None = None
) -> bool:
    """Count one submission from this address in this bucket; True when it is over `limit` for the window.

    An unknown address (no REMOTE_ADDR, which a real server always sets) shares one counter, so it cannot be
    used to escape the limit.
    """
    moment = now or timezone.now()
    window = int(moment.timestamp()) // window_seconds
    key = f"{bucket}:{address or 'unknown'}:{window}"[:200]
    with transaction.atomic():
        if not RateCounter.objects.filter(key=key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(
                        key=key, count=1,
                        expires_at=datetime.fromtimestamp((window + 1) * window_seconds, tz=UTC)
                        + timedelta(seconds=1))
            except IntegrityError:  # another request made this window's row first: count on it
                RateCounter.objects.filter(key=key).update(count=F("count") + 1)
            else:
                # A new window begins: windows that have ended are of no use any more.
                RateCounter.objects.filter(expires_at__lt=moment).delete()
        count = RateCounter.objects.filter(key=key).values_list("count", flat=True).get()
    return count > limit
