"""The settings module as a deployment sees it: run in a fresh interpreter with only the environment a
deployment would set, so that nothing from the test process leaks in."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[3]


def clean_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """Only what a deployment would set, plus a private var/ directory."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ABRAZO_VAR_DIR": str(tmp_path / "var"), **variables}


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    variables = {
        "ABRAZO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),  # 67 random characters
        "ALLOWED_HOSTS": "abrazo.example.org",
        # Fernet key for encrypted note fields (abrazo.core.crypto); production refuses to start without one.
        "ABRAZO_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        # The address in emails' links; without it the deploy check warns (abrazo.W001).
        "SITE_URL": "https://abrazo.example.org",
        **overrides,
    }
    return clean_env(tmp_path, **{key: value for key, value in variables.items() if value})


def run_abrazo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "abrazo", *args], env=env, cwd=PROJECT_DIR, capture_output=True, text=True,
        timeout=120, check=False,
    )


def settings_in(env: dict[str, str], *names: str, preamble: str = "") -> dict[str, Any]:
    """Values of settings as a fresh interpreter with this environment computes them."""
    code = (
        f"{preamble}\nimport json, abrazo.settings as s\n"
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


DEPLOY_CHECK = ("check", "--deploy", "--fail-level", "WARNING")


def test_production_settings_pass_the_deploy_check_with_no_warning(tmp_path):
    # given the environment of a production deployment
    env = production_env(tmp_path)
    # when Django's deployment checklist runs, failing on any warning
    result = run_abrazo(env, *DEPLOY_CHECK)
    # then it passes with nothing to report
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "warning"),
    [
        ({"SECRET_KEY": "short-and-guessable"}, "security.W009"),
        ({"DEBUG": "1"}, "security.W018"),
        ({"ALLOWED_HOSTS": ""}, "security.W020"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SITE_URL": ""}, "abrazo.W001"),
    ],
)
def test_the_deploy_check_catches_a_weakened_deployment(tmp_path, override, warning):
    # given a production environment with one thing weakened
    env = production_env(tmp_path, **override)
    # when the checklist runs
    result = run_abrazo(env, *DEPLOY_CHECK)
    # then it fails and names the weakness (so the passing test above is not passing vacuously)
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    # given a production environment that forgot the key
    env = production_env(tmp_path, SECRET_KEY="")
    # when anything starts
    result = run_abrazo(env, "check")
    # then it stops loudly instead of running with a guessable key
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_posture(tmp_path):
    # given production settings
    values = settings_in(
        production_env(tmp_path),
        "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_NAME", "EMAIL_BACKEND", "ABRAZO_DEMO_MFA_CODE", "ABRAZO_TRUSTED_PROXY_COUNT",
    )
    # then cookies are HTTPS-only and host-bound, HSTS is on for a year, mail goes out by SMTP, and no
    # forwarded-for header is trusted unless the deployment declares its proxies
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_NAME": "__Host-abrazo_session",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "ABRAZO_DEMO_MFA_CODE": "",
        "ABRAZO_TRUSTED_PROXY_COUNT": 0,
    }


def test_the_demo_mfa_code_is_ignored_in_production(tmp_path):
    # given a production environment in which someone left the demo flag set
    values = settings_in(production_env(tmp_path, ABRAZO_DEMO_MFA_CODE="000000"), "ABRAZO_DEMO_MFA_CODE")
    # then it has no effect
    assert values == {"ABRAZO_DEMO_MFA_CODE": ""}


def test_the_database_defaults_to_sqlite_under_var(tmp_path):
    # given no DATABASE_URL
    values = settings_in(clean_env(tmp_path), "DATABASES")
    # then the embedded SQLite database under var/ is used, in WAL mode
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "var" / "abrazo.sqlite3")
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_database_url_selects_postgresql(tmp_path):
    # given a PostgreSQL URL
    env = clean_env(tmp_path, DATABASE_URL="postgres://abrazo:pw@db.example.org:5432/abrazo")
    # then the settings point at it
    database = settings_in(env, "DATABASES")["DATABASES"]["default"]
    assert (database["ENGINE"], database["HOST"], database["NAME"]) == (
        "django.db.backends.postgresql", "db.example.org", "abrazo",
    )


@pytest.mark.parametrize(
    ("preamble", "expected"),
    [("import pytest", "test"), ("", "development")],
    ids=["under-pytest", "plain"],
)
def test_the_test_posture_is_recognised_however_pytest_is_started(tmp_path, preamble, expected):
    # given no ABRAZO_ENV, with pytest running (as with `python -m pytest`) or not
    values = settings_in(clean_env(tmp_path), "ABRAZO_ENV", preamble=preamble)
    # then the posture follows (the test posture brings fast password hashing and immediate tasks)
    assert values["ABRAZO_ENV"] == expected


@pytest.mark.django_db
def test_healthz_answers_json_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client):
    # given a database that refuses connections
    with mock.patch("abrazo.core.views.connection.cursor", side_effect=OSError("connection refused")):
        # when the load balancer asks
        response = client.get("/healthz")
    # then it is told not to send traffic here
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
