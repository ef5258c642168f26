"""The dependency audit's verdict (tools/audit_deps.py): a vulnerability fails, an audit that could not
look packages up says so loudly instead of passing as clean. pip-audit's JSON report is the input."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "audit_deps.py"


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CLEAN = {"name": "sqlparse", "version": "0.6.1", "vulns": []}
VULNERABLE = {
    "name": "django",
    "version": "5.2.1",
    "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["5.2.2"], "aliases": ["CVE-0000-1"], "description": ""}],
}
SKIPPED = {"name": "attrs", "skip_reason": "Dependency not found on PyPI and could not be audited: attrs (26.1.0)"}


def test_clean_report_passes_and_counts_what_it_audited(audit: ModuleType) -> None:
    status, lines = audit.verdict({"dependencies": [CLEAN, {**CLEAN, "name": "pillow"}]}, strict=True)
    assert status == 0
    assert lines == ["audit-deps: 2 packages audited, no known vulnerabilities"]


def test_a_vulnerability_fails_and_names_package_advisory_and_fix(audit: ModuleType) -> None:
    status, lines = audit.verdict({"dependencies": [CLEAN, VULNERABLE, SKIPPED]}, strict=False)
    assert status == 1
    text = "\n".join(lines)
    assert "django 5.2.1: PYSEC-0000-1 (CVE-0000-1) fixed in 5.2.2" in text
    assert "attrs" in text  # the unaudited package is still reported


def test_unreachable_service_is_a_loud_warning_not_a_clean_pass(audit: ModuleType) -> None:
    status, lines = audit.verdict({"dependencies": [SKIPPED, CLEAN]}, strict=False)
    assert status == 0
    text = "\n".join(lines)
    assert "WARNING" in text and "could not audit 1 of 2" in text
    assert "no known vulnerabilities" not in text


def test_strict_mode_fails_when_anything_went_unaudited(audit: ModuleType) -> None:
    status, _lines = audit.verdict({"dependencies": [SKIPPED]}, strict=True)
    assert status == 2
