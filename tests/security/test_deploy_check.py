"""Django's deployment checklist, run as a deployment runs it: `abrazo check --deploy --fail-level WARNING` in a
fresh interpreter with only a production environment (dummy secret key, host, field key, site address), so that
nothing from the test process's settings leaks in. Any warning fails the build."""

from __future__ import annotations

from pathlib import Path

from abrazo.core.tests.test_settings import DEPLOY_CHECK, production_env, run_abrazo, settings_in


def test_the_deploy_check_passes_with_production_settings(tmp_path: Path) -> None:
    # given the environment a production deployment sets
    env = production_env(tmp_path)
    # when the deployment checklist runs and fails on any warning
    result = run_abrazo(env, *DEPLOY_CHECK)
    # then it exits 0 with nothing to report
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_fails_on_a_single_warning(tmp_path: Path) -> None:
    # given the same environment with HSTS switched off (one warning, security.W004, and nothing else wrong)
    env = production_env(tmp_path, SECURE_HSTS_SECONDS="0")
    # when the checklist runs
    result = run_abrazo(env, *DEPLOY_CHECK)
    # then the exit status is not 0 and the warning is named: the check above can fail
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_turns_on_the_transport_and_cookie_protections(tmp_path: Path) -> None:
    # given the production environment, when its settings are computed
    values = settings_in(
        production_env(tmp_path),
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_HSTS_SECONDS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SESSION_COOKIE_NAME",
    )
    # then HTTPS only, secure and script-proof cookies, a year of HSTS, and the __Host- cookie prefix
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
