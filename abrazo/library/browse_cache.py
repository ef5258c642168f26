"""What the public library's browse page keeps between requests, and how a change to the library is seen at once.

Counting a large library by every facet reads every match (0.3 to 0.9 s at 100,000 resources, see
docs/benchmarks.md, "Resource search (issue 7)"), and the answer changes only when the library does. So
`resource_selectors.browse` keeps the counts (and a page's resource ids) under a *library version*: a random
token per network, kept in the shared cache and replaced by `library_changed`, which
`search.index_resources` calls (every service calls that once its change commits; so do the test factories and
the demo). A browse after a change reads the new token and misses, so it counts again: a change shows at once.

- Tokens are random, never counters: a token the shared cache lost (culled, cleared, a test's rolled-back
  transaction) is simply replaced by a new one, and a new token can never name an old entry.
- A change to a resource that no longer exists (deleted: its network is not known any more), or to many at once,
  replaces the token of every network (a deployment has a handful).
- The counts themselves are kept in this process's memory (a small least-recently-used table, each entry for
  KEPT_SECONDS at most), not in the shared cache. The shared cache is the database cache that holds rate-limit
  counters and one-time form keys, which culling must not drop early, and visitors' searches and filter
  combinations are unbounded. Only the tokens (one key per network) are shared, so every process sees a change.
- KEPT_SECONDS is also the longest a change made without `search.index_resources` (a hand-written SQL fix) stays
  unseen by the counts.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")

KEPT_SECONDS = 15 * 60
MAX_ENTRIES = 512  # a few kilobytes each (counts of a few dozen choices, twenty ids)
MAX_IDS_LOOKED_UP = 500  # more resources changed at once than this: every network's token is replaced
_KEY = "library:browse:version:{}"

_entries: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
_lock = threading.Lock()


def _new_token() -> str:
    return uuid.uuid4().hex


def library_changed(resource_ids: Iterable[Any]) -> None:
    """Replace the library version of the networks of these resources: what was kept for them is no longer read."""
    from abrazo.library.models import Resource

    ids = {resource_id for resource_id in resource_ids if resource_id}
    if not ids:
        return
    networks: set[Any] = set()
    if len(ids) <= MAX_IDS_LOOKED_UP:
        found = list(Resource.objects.filter(pk__in=ids).values_list("network_id", flat=True))
        if len(found) == len(ids):
            networks = set(found)
    if not networks:
        # Many at once, or a deleted resource (its network is not known any more): every network (a handful).
        every_library_changed()
        return
    cache.set_many({_KEY.format(network_id): _new_token() for network_id in networks}, None)


def every_library_changed() -> None:
    """Replace every network's library version (after the whole index was rebuilt)."""
    from abrazo.directory.models import Network

    cache.set_many({_KEY.format(network_id): _new_token() for network_id in Network.objects.values_list(
        "pk", flat=True)}, None)


def library_version(network_id: Any) -> str:
    """The network's library version now: one read of the shared cache."""
    key = _KEY.format(network_id)
    token = cache.get(key)
    if token is None:
        # Two processes here at once may each set their own: the last one stays, and what the other kept under
        # its token is never read again (a miss, never a wrong answer).
        token = _new_token()
        cache.set(key, token, None)
    return str(token)


def remembered(key: tuple[Any, ...]) -> Any | None:
    """What was kept under `key` (which names a library version), or None."""
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            return None
        if entry[0] < now:
            del _entries[key]
            return None
        _entries.move_to_end(key)
        return entry[1]


def remember(key: tuple[Any, ...], value: T) -> T:
    with _lock:
        _entries[key] = (time.monotonic() + KEPT_SECONDS, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def forget_everything() -> None:
    """Empty this process's table (the benchmark times the first browse after a change this way)."""
    with _lock:
        _entries.clear()
