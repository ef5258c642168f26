"""The link checker against a local web server (no internet): working pages, missing ones, servers that refuse
HEAD, redirects, slow and closed servers; then the periodic check that records the findings on resources, and the
`abrazo check_resource_links` command."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from abrazo.library import link_check
from abrazo.library import resource_services as services
from abrazo.library.models import LinkStatus, Resource
from abrazo.library.tests.factories_resource import ResourceFactory


class Handler(BaseHTTPRequestHandler):
    """/ok: 200; /missing: 404; /broken: 500; /no-head: 405 to HEAD, 200 to GET; /moved: 301 to /ok;
    /moved-away: 302 to /missing; /slow: answers after a second."""

    seen: list[tuple[str, str]] = []

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        return

    def _answer(self, method: str) -> None:
        Handler.seen.append((method, self.path))
        if self.path == "/slow":
            time.sleep(1.0)
        routes = {"/ok": 200, "/missing": 404, "/broken": 500, "/slow": 200}
        if self.path == "/no-head":
            status = 405 if method == "HEAD" else 200
        elif self.path in ("/moved", "/moved-away"):
            self.send_response(301 if self.path == "/moved" else 302)
            self.send_header("Location", "/ok" if self.path == "/moved" else "/missing")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            status = routes.get(self.path, 404)
        body = b"<!doctype html><title>page</title>" * 10
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method == "GET":
            self.wfile.write(body)

    def do_HEAD(self) -> None:  # the names http.server calls
        self._answer("HEAD")

    def do_GET(self) -> None:
        self._answer("GET")


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.seen = []
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def _local_server_allowed(settings):
    # the test server listens on 127.0.0.1, which the checker refuses unless told otherwise
    settings.ABRAZO_LINK_CHECK_ALLOW_PRIVATE = True


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nothing listens there


# --- the checker -----------------------------------------------------------------------------------------------


def test_a_working_page_is_ok_with_one_head_request(server):
    result = link_check.check_url(f"{server}/ok", allow_private=True)
    assert (result.ok, result.status, result.reason) == (True, 200, "")
    assert Handler.seen == [("HEAD", "/ok")]


@pytest.mark.parametrize(("path", "status", "reason"), [
    ("/missing", 404, "HTTP 404 Not Found"),
    ("/broken", 500, "HTTP 500 Internal Server Error"),
])
def test_an_error_status_is_broken_after_trying_get_too(server, path, status, reason):
    result = link_check.check_url(f"{server}{path}", allow_private=True)
    assert (result.ok, result.status, result.reason) == (False, status, reason)
    assert Handler.seen == [("HEAD", path), ("GET", path)]


def test_a_server_that_refuses_head_is_asked_with_get(server):
    result = link_check.check_url(f"{server}/no-head", allow_private=True)
    assert (result.ok, result.status) == (True, 200)
    assert Handler.seen == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_redirects_are_followed_keeping_head(server):
    assert link_check.check_url(f"{server}/moved", allow_private=True).ok is True
    assert Handler.seen == [("HEAD", "/moved"), ("HEAD", "/ok")]
    Handler.seen = []
    gone = link_check.check_url(f"{server}/moved-away", allow_private=True)
    assert (gone.ok, gone.status) == (False, 404)


def test_a_slow_server_times_out_without_a_second_wait(server):
    started = time.monotonic()
    result = link_check.check_url(f"{server}/slow", timeout=0.2, allow_private=True)
    assert (result.ok, result.reason) == (False, "timed out")
    assert time.monotonic() - started < 0.9  # HEAD timed out; GET was not tried
    assert [method for method, _path in Handler.seen] == ["HEAD"]


def test_a_closed_port_is_broken_with_a_plain_reason():
    result = link_check.check_url(f"http://127.0.0.1:{closed_port()}/", timeout=2, allow_private=True)
    assert result.ok is False and result.status is None
    assert result.reason == "connection refused"


def test_only_web_addresses_are_checked():
    result = link_check.check_url("file:///etc/passwd")
    assert (result.ok, result.reason) == (False, "not a web address (http or https)")


def test_many_urls_are_checked_once_each_a_few_at_a_time():
    # given an opener that records how many requests are in flight at once
    lock, state = threading.Lock(), {"now": 0, "most": 0, "calls": 0}

    class Response:
        status = 200

        def read(self, size: int = -1) -> bytes:
            return b""

        def close(self) -> None:
            return

    def opener(request, timeout):
        with lock:
            state["now"] += 1
            state["calls"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return Response()

    urls = [f"https://site.example/{n}" for n in range(30)] + ["https://site.example/0"]
    # when they are checked three at a time
    results = link_check.check_urls(urls, concurrency=3, opener=opener, allow_private=True)
    # then each distinct URL was asked once, never more than three at once, and all are fine
    assert len(results) == 30 and all(result.ok for result in results.values())
    assert state["calls"] == 30 and 1 < state["most"] <= 3


# --- the periodic check ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_check_records_each_published_link_and_counts_reviews_due(world, server):
    # given published resources with a working, a missing and a redirected link, one past its review date, and a
    # suggestion whose link must not be fetched (a stranger typed it)
    fine = ResourceFactory(network=world.network, url=f"{server}/ok")
    gone = ResourceFactory(network=world.network, url=f"{server}/missing", link_status=LinkStatus.OK)
    moved = ResourceFactory(network=world.network, url=f"{server}/moved",
                            review_on=timezone.localdate() - timedelta(days=1))
    pending = ResourceFactory(network=world.network, suggested=True, url=f"{server}/broken")
    # when the check runs
    summary = services.resource_links_check()
    # then each published link has its state, and the counts say what was found
    assert summary == services.LinkCheckSummary(checked=3, broken=1, newly_broken=1, review_overdue=1)
    for resource, status, error in ((fine, "ok", ""), (gone, "broken", "HTTP 404 Not Found"), (moved, "ok", ""),
                                    (pending, "unchecked", "")):
        resource.refresh_from_db()
        assert (resource.link_status, resource.link_error) == (status, error), resource.url
    assert fine.link_checked_at is not None and pending.link_checked_at is None
    assert ("HEAD", "/broken") not in Handler.seen
    # and the check did not make anyone's open edit stale
    assert (fine.version, gone.version) == (1, 1)


@pytest.mark.django_db
def test_a_link_changed_during_the_check_keeps_its_new_state(world):
    resource = ResourceFactory(network=world.network, url="https://old.example/x")

    def checker(urls):
        # a curator saves a new link while the old one is being checked
        Resource.objects.filter(pk=resource.pk).update(url="https://new.example/x")
        return {url: link_check.LinkResult(url, False, 404, "HTTP 404 Not Found") for url in urls}

    services.resource_links_check(checker=checker)
    resource.refresh_from_db()
    assert (resource.url, resource.link_status) == ("https://new.example/x", LinkStatus.UNCHECKED)


@pytest.mark.django_db
def test_the_command_runs_now_or_queues_the_task(world, server, monkeypatch):
    ResourceFactory(network=world.network, url=f"{server}/missing")
    out = StringIO()
    call_command("check_resource_links", "--now", stdout=out)
    assert out.getvalue().strip() == "1 link(s) checked, 1 broken (1 newly), 0 resource(s) past their review date"
    # queued: the test settings run tasks at once, so the link is checked again through the task
    calls = []
    monkeypatch.setattr(link_check, "check_urls", lambda urls, **options: calls.append(list(urls)) or {})
    queued = StringIO()
    call_command("check_resource_links", stdout=queued)
    assert queued.getvalue().startswith("link check queued (")
    assert calls == [[f"{server}/missing"]]


# --- private addresses --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5432/", "http://10.1.2.3/", "http://192.168.0.10/admin", "http://169.254.169.254/latest/",
    "http://[::1]/", "http://0.0.0.0/", "http://[fd00::1]/", "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
])
def test_links_to_private_or_local_addresses_are_refused_without_a_request(url):
    # given the checker's default posture (it runs inside the network's servers)
    # when a link names a private, loopback, link-local or unspecified address
    result = link_check.check_url(url, opener=lambda request, timeout: pytest.fail("no request may be made"))
    # then it is reported broken with the reason, and nothing was fetched
    assert (result.ok, result.status) == (False, None)
    assert result.reason == "refused: the address is on a private or local network"


def test_a_public_address_is_not_refused():
    assert link_check.private_address_reason("https://93.184.216.34/page") == ""
    assert link_check.private_address_reason("https://[64:ff9b::5db8:d822]/page") == ""  # NAT64 of 93.184.216.34


def test_a_redirect_to_a_private_address_is_refused(server):
    # given a public-looking link whose server redirects to a local address
    handler = link_check._KeepMethodRedirects(allow_private=False)
    request = urllib.request.Request("https://93.184.216.34/start", method="HEAD")
    # when the redirect is followed, it is refused with the reason
    with pytest.raises(link_check.PrivateAddressRefused):
        handler.redirect_request(request, None, 302, "Found", {}, f"{server}/ok")
    # and when allowed (an intranet deployment), the HEAD stays a HEAD
    allowed = link_check._KeepMethodRedirects(allow_private=True).redirect_request(
        request, None, 302, "Found", {}, f"{server}/ok")
    assert allowed is not None and allowed.get_method() == "HEAD"
