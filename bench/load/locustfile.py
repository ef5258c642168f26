"""The load test's mix of work (`make bench-load`; bench/load_test.py runs it and prints the result).

Each simulated person is one of four kinds, weighted roughly as a network's day goes: consultants logging contacts
(the most), coordinators triaging requests, program staff reporting incidents, and people opening reports. Web
pages are requested with a signed-in session cookie and API calls with a token, both prepared beforehand by
bench/load/seed.py (read from the file named by ABRAZO_LOAD_CREDENTIALS), so no request of the run signs in.

A "ceiling" person opens only the trivial signed-in view (/bench/ceiling/); bench/load_test.py runs it alone, with
the same number of people, to measure what the stack costs with no work at all.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant, task

CREDENTIALS: dict[str, Any] = json.loads(Path(os.environ["ABRAZO_LOAD_CREDENTIALS"]).read_text())
_SESSIONS = {role: itertools.cycle(values["sessions"]) for role, values in CREDENTIALS["roles"].items()}


class _Person(HttpUser):
    abstract = True
    role = ""
    # People read a page before the next click; kept short so a few users make a real load on two cores.
    wait_time = between(0.2, 0.8)

    def on_start(self) -> None:
        self.client.cookies.set(CREDENTIALS["cookie_name"], next(_SESSIONS[self.role]))
        self.token_headers = {"Authorization": f"Bearer {CREDENTIALS['roles'][self.role]['token']}"}

    def page(self, path: str, name: str | None = None) -> None:
        with self.client.get(path, name=name or path, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class Consultant(_Person):
    role = "consultant"
    weight = 4

    @task(3)
    def log_a_contact(self) -> None:
        episode = random.choice(CREDENTIALS["episodes"])
        body = {
            # Yesterday or before: the server's day (Pacific time) may not have reached the load machine's "today".
            "contact_date": (dt.date.today() - dt.timedelta(days=random.randint(1, 5))).isoformat(),
            "minutes": random.choice([30, 45, 60, 90]),
            "modality": "on_site",
            "activity_type": "observation",
            "language": CREDENTIALS["language"],
            "notes": "Observed circle time; modelled a transition song.",
        }
        with self.client.post(
            f"/api/v1/episodes/{episode}/contacts/",
            json=body,
            headers=self.token_headers,
            name="API: log a contact",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"status {response.status_code}: {response.text[:200]}")

    @task(2)
    def open_caseload(self) -> None:
        self.page("/episodes/caseload/", "caseload")

    @task(2)
    def open_an_episode(self) -> None:
        self.page(f"/episodes/{random.choice(CREDENTIALS['episodes'])}/", "episode page")

    @task(1)
    def read_contacts(self) -> None:
        episode = random.choice(CREDENTIALS["episodes"])
        with self.client.get(
            f"/api/v1/episodes/{episode}/contacts/",
            headers=self.token_headers,
            name="API: an episode's contacts",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class Coordinator(_Person):
    role = "coordinator"
    weight = 2

    @task(3)
    def open_the_triage_queue(self) -> None:
        self.page("/requests/triage/", "triage queue")

    @task(2)
    def list_requests(self) -> None:
        self.page("/requests/", "requests list")

    @task(1)
    def new_requests_through_the_api(self) -> None:
        with self.client.get(
            "/api/v1/requests/?status=new", headers=self.token_headers, name="API: new requests", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(1)
    def find_a_program(self) -> None:
        self.page("/directory/programs/?q=sunrise", "programs search")


class ProgramStaff(_Person):
    role = "director"
    weight = 2

    @task(2)
    def report_an_incident(self) -> None:
        body = {
            "program": CREDENTIALS["program"],
            "child_code": random.choice(CREDENTIALS["children"]),
            "occurred_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
            "problem_behavior": "physical_aggression",
            "activity": "circle",
            "others_involved": "peers",
            "possible_motivation": "peer_attention",
            "strategy_response": "redirect",
            "admin_follow_up": "contact_family",
            "notes": "",
        }
        with self.client.post(
            "/api/v1/incidents/",
            json=body,
            headers=self.token_headers,
            name="API: report an incident",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"status {response.status_code}: {response.text[:200]}")

    @task(2)
    def open_the_roster(self) -> None:
        self.page("/children/", "roster")

    @task(1)
    def open_home(self) -> None:
        self.page("/", "home dashboard")


class ReportReader(_Person):
    role = "evaluator"
    weight = 1

    @task
    def open_the_report(self) -> None:
        self.page("/reports/", "network report")


class Ceiling(_Person):
    """Only for the ceiling run (bench/load_test.py names the classes of each run): the cheapest signed-in page,
    through the same middleware, with no pause between requests, so it measures the most the stack can serve."""

    role = "consultant"
    wait_time = constant(0)

    @task
    def trivial(self) -> None:
        self.page("/bench/ceiling/", "ceiling")
