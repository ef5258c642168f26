"""Checking that resource links still work. No Django here: URLs in, results out.

Each URL is asked for with HEAD first (cheap: no body), and with GET when HEAD is refused or fails, because
many servers answer HEAD badly (405, 403, 501 or a dropped connection) while serving the page fine. Redirects
are followed (keeping the method, so a HEAD stays a HEAD). A final answer of 4xx or 5xx, a timeout or a
connection error makes the link broken, with a short reason a curator can act on.

Checks run a few at a time (`concurrency`), so one run neither takes all night nor hammers a site that hosts
many of the library's resources.

The checker runs inside the network's own servers, and a link is typed by a curator (or, before review, by a
stranger): an address on a private, loopback or link-local network (the database, a cloud metadata service) is
refused unless `allow_private` says otherwise (tests, and an intranet deployment that wants it), and so is a
redirect to one. The name is resolved again when connecting, so a hostile DNS server could still answer
differently the second time; the checker only ever reports "working" or "broken", which keeps what such a trick
could learn to one bit. Tests pass their own `opener` or point at a local server: nothing here needs
the internet to be tested.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_CONCURRENCY = 8
USER_AGENT = "Abrazo-link-checker/1.0 (checks that a resource library's links still work)"
MAX_REASON = 300  # the model's link_error length

# An opener takes a request and a timeout and returns a response (or raises as urllib does).
Opener = Callable[[urllib.request.Request, float], Any]


@dataclass(frozen=True)
class LinkResult:
    url: str
    ok: bool
    status: int | None  # the final HTTP status, when there was one
    reason: str  # empty when ok


class PrivateAddressRefused(Exception):
    """The link (or a redirect) points at a private, loopback, link-local or reserved address."""


def private_address_reason(url: str) -> str:
    """Why `url` may not be fetched from the server (empty when it may): every address its host resolves to must
    be a public one."""
    host = urlsplit(url).hostname
    if not host:
        return "the address has no host name"
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return ""  # left for the request itself to report as a name that does not resolve
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast or not _embedded_ipv4_is_public(address):
            return "refused: the address is on a private or local network"
    return ""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4_is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An IPv6 address that carries an IPv4 one (IPv4-mapped ::ffff:a.b.c.d, or NAT64's 64:ff9b::a.b.c.d, which a
    NAT64 gateway turns back into a.b.c.d) is only as public as the IPv4 address inside it."""
    if not isinstance(address, ipaddress.IPv6Address):
        return True
    inner = address.ipv4_mapped
    if inner is None and address in _NAT64:
        inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return inner is None or (inner.is_global and not inner.is_multicast)


class _KeepMethodRedirects(urllib.request.HTTPRedirectHandler):
    """urllib turns a redirected HEAD into a GET; keep the HEAD, so following a redirect downloads nothing. A
    redirect to a private address is refused like a link to one."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        if not self.allow_private and (reason := private_address_reason(newurl)):
            raise PrivateAddressRefused(reason)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


_public_opener = urllib.request.build_opener(_KeepMethodRedirects(allow_private=False))
_any_opener = urllib.request.build_opener(_KeepMethodRedirects(allow_private=True))


def default_opener(request: urllib.request.Request, timeout: float) -> Any:
    return _public_opener.open(request, timeout=timeout)


def any_address_opener(request: urllib.request.Request, timeout: float) -> Any:
    return _any_opener.open(request, timeout=timeout)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def _describe(error: BaseException) -> str:
    """A short, plain reason for a failure that was not an HTTP status."""
    if isinstance(error, PrivateAddressRefused):
        return _short(str(error))
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        inner = error.reason
        if isinstance(inner, BaseException):
            return _describe(inner)
        return _short(f"connection failed: {inner}")
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return "the site's name does not resolve (DNS)"
    if isinstance(error, ssl.SSLError):
        return _short(f"secure connection failed: {error.reason or error}")
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, (ConnectionError, http.client.HTTPException)):
        return _short(f"connection failed: {type(error).__name__}")
    return _short(f"{type(error).__name__}: {error}")


def _attempt(url: str, method: str, timeout: float, opener: Opener) -> LinkResult:
    # Only http and https reach here (check_url refuses other schemes first).
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})  # noqa: S310
    try:
        response = opener(request, timeout)
    except urllib.error.HTTPError as error:
        error.close()
        return LinkResult(url, False, error.code, _short(f"HTTP {error.code} {error.reason}"))
    except Exception as error:  # any failure to reach the page is a finding about the link, not a crash
        return LinkResult(url, False, None, _describe(error))
    try:
        status = int(getattr(response, "status", None) or response.getcode())
        if method == "GET":
            response.read(1024)  # proof the body starts arriving; the rest is not needed
    except Exception as error:
        return LinkResult(url, False, None, _describe(error))
    finally:
        response.close()
    if status >= 400:  # an opener that returns error statuses instead of raising them
        return LinkResult(url, False, status, f"HTTP {status}")
    return LinkResult(url, True, status, "")


def check_url(url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, opener: Opener | None = None,
              allow_private: bool = False) -> LinkResult:
    """Whether `url` answers; HEAD first, then GET when HEAD did not succeed (unless it timed out: a site that
    does not answer HEAD in time will not answer GET either, and each wait costs the whole run)."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return LinkResult(url, False, None, "not a web address (http or https)")
    if not allow_private and (reason := private_address_reason(url)):
        return LinkResult(url, False, None, reason)
    use = opener or (any_address_opener if allow_private else default_opener)
    first = _attempt(url, "HEAD", timeout, use)
    if first.ok or first.reason == "timed out":
        return first
    return _attempt(url, "GET", timeout, use)


def check_urls(
    urls: Iterable[str], *, timeout: float = DEFAULT_TIMEOUT_SECONDS, concurrency: int = DEFAULT_CONCURRENCY,
    opener: Opener | None = None, allow_private: bool = False,
) -> dict[str, LinkResult]:
    """Check each distinct URL once, at most `concurrency` at a time; the results by URL."""
    distinct = list(dict.fromkeys(url for url in urls if url))
    if not distinct:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(distinct)))) as pool:
        results = pool.map(
            lambda url: check_url(url, timeout=timeout, opener=opener, allow_private=allow_private), distinct)
        return {result.url: result for result in results}
