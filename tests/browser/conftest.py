"""Browser tests: Playwright driving Debian's Chromium against a live Abrazo server.

Every page a browser test visits is checked with axe-core through `check_accessibility`.
Screenshots go to test-output/browser/ so that a person can look at what the test saw.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.log_capture import RunLogCapture, describe_leaks

# Playwright's sync API runs an event loop in this thread; the test still needs the ORM for setup.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("ABRAZO_CHROMIUM", "/usr/bin/chromium")
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "browser"
SERIOUS = {"serious", "critical"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


# The whole browser run's log (tests/browser/log_capture.py): started by the first browser test, checked when the
# run ends, so that no child data, note text, password or session id in any log goes unnoticed.
RUN_LOG: RunLogCapture | None = None


@pytest.fixture(autouse=True)
def _capture_the_run_log() -> None:
    global RUN_LOG
    if RUN_LOG is None:
        RUN_LOG = RunLogCapture()
        RUN_LOG.start_recording()
    RUN_LOG.attach()  # again before each test: a test that re-runs dictConfig would drop the handler


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run, with a listing, when any sensitive value the browser tests created was logged."""
    if RUN_LOG is None:
        return
    RUN_LOG.stop_recording()
    RUN_LOG.note_module_passwords()
    RUN_LOG.detach()
    leaks = RUN_LOG.leaks()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    summary = (
        f"browser run log check: {len(RUN_LOG.handler.lines)} log records, "
        f"{len(RUN_LOG.sensitive)} sensitive values searched, {len(leaks)} found"
    )
    if reporter is not None:
        reporter.write_line(summary)
    if leaks:
        message = "personal data in the browser run's log:\n" + describe_leaks(RUN_LOG.text, leaks)
        if reporter is not None:
            reporter.write_line(message, red=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("ABRAZO_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; browser tests are required here")
        pytest.skip("Chromium is not installed (apt-get install chromium); ABRAZO_REQUIRE_BROWSER=1 fails instead")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


class Pages:
    """Helpers a journey uses: screenshots and the accessibility check after each step."""

    def __init__(self, page: Any, test_name: str) -> None:
        self.page = page
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.step = 0
        self.checked: list[str] = []

    def screenshot(self, label: str) -> Path:
        self.step += 1
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUTPUT_DIR / f"{self.test_name}-{self.step:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_accessibility(self, label: str) -> None:
        """Run axe-core on the current page; fail on any serious or critical violation."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        self.checked.append(f"{label}: {self.page.url}")
        detail = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
        )
        assert not bad, f"axe-core found serious accessibility violations on {label} ({self.page.url}):\n{detail}"

    def visit_step(self, label: str) -> None:
        self.screenshot(label)
        self.check_accessibility(label)


@pytest.fixture
def pages(page: Any, request: pytest.FixtureRequest) -> Pages:
    return Pages(page, request.node.name)
