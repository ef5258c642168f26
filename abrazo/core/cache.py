"""A cache that survives its server: a remote cache (Redis) first, the database cache when it cannot be reached.

The cache holds the sign-in throttle's counters (allauth's ACCOUNT_RATE_LIMITS) and the used-TOTP-code marks.
Were every cache call to raise while the cache server is down, nobody could sign in; were the errors ignored
(Django's remote caches can be told to), every read would say "no failures yet" and the throttle would be lifted.
Neither is acceptable, so while the primary cache fails this backend keeps the counters in the database cache
table (`abrazo createcachetable`), which the application needs anyway: the limit still holds, nobody is locked out.

When the switch happens the counts start again from zero in the other store: an attacker gains at most one more
window's worth of attempts per outage, which the per-address limit still bounds. After a failure the primary is
left alone for RETRY_PRIMARY_AFTER seconds, so an outage does not add a refused connection to every request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

RETRY_PRIMARY_AFTER = 30.0


def _build(config: dict[str, Any]) -> BaseCache:
    params = {key: value for key, value in config.items() if key not in ("BACKEND", "LOCATION")}
    backend: BaseCache = import_string(config["BACKEND"])(config.get("LOCATION", ""), params)
    return backend


class FallbackCache(BaseCache):
    """OPTIONS: "PRIMARY" and "FALLBACK", each a cache configuration as in CACHES."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        super().__init__(params)
        self.primary = _build(options["PRIMARY"])
        self.fallback = _build(options["FALLBACK"])
        self._primary_failed_at: float | None = None

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        failed_at = self._primary_failed_at
        if failed_at is None or time.monotonic() - failed_at > RETRY_PRIMARY_AFTER:
            method: Callable[..., Any] = getattr(self.primary, name)
            try:
                result = method(*args, **kwargs)
            except (OSError, ConnectionError, TimeoutError, ImportError) as error:
                # redis-py's ConnectionError is an OSError-like of its own; ImportError is a primary whose client
                # library is missing, which is as unreachable as a stopped server.
                self._note_failure(error)
            except Exception as error:
                if type(error).__module__.split(".")[0] not in {"redis", "pymemcache", "pylibmc"}:
                    raise
                self._note_failure(error)
            else:
                self._primary_failed_at = None
                return result
        return getattr(self.fallback, name)(*args, **kwargs)

    def _note_failure(self, error: BaseException) -> None:
        if self._primary_failed_at is None:
            logger.warning("cache unreachable (%s): using the database cache", type(error).__name__)
        self._primary_failed_at = time.monotonic()

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return bool(self._call("add", key, value, timeout=timeout, version=version))

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", key, default, version=version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return bool(self._call("touch", key, timeout=timeout, version=version))

    def delete(self, key: Any, version: Any = None) -> bool:
        return bool(self._call("delete", key, version=version))

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return dict(self._call("get_many", keys, version=version))

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return list(self._call("set_many", data, timeout=timeout, version=version) or [])

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._call("delete_many", keys, version=version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return bool(self._call("has_key", key, version=version))

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        return self._call("incr", key, delta, version=version)

    def clear(self) -> None:
        self._call("clear")

    def close(self, **kwargs: Any) -> None:
        for backend in (self.primary, self.fallback):
            try:
                backend.close(**kwargs)
            except Exception:  # closing a connection that never opened: nothing to do
                logger.debug("cache close failed", exc_info=True)
