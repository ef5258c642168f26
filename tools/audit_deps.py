"""Audit the locked requirements for known vulnerabilities (`make audit-deps`, run by CI).

pip-audit exits 0 and prints "No known vulnerabilities found" even when it could not look a single
package up (the vulnerability service unreachable, or a mirror that does not serve it): every package
is then only "skipped". A green audit that audited nothing is the silent wrong answer this wrapper
exists to refuse, so it reads pip-audit's JSON report and decides itself:

- any known vulnerability: exit 1, naming the package, the advisory and the fixed versions;
- packages that could not be audited: a loud warning naming how many, exit 0 (a registry outage must
  not block every change), or exit 2 when ABRAZO_AUDIT_STRICT=1 (a release pipeline that must know);
- otherwise: exit 0.

Usage: python tools/audit_deps.py [requirements files...] (default: requirements/base.txt and dev.txt).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_FILES = [PROJECT_DIR / "requirements" / "base.txt", PROJECT_DIR / "requirements" / "dev.txt"]
BANNER = "!" * 78


def classify(report: dict[str, Any]) -> tuple[list[str], list[str], int]:
    """(vulnerability lines, skipped package lines, packages audited) from pip-audit's JSON report."""
    vulnerable: list[str] = []
    skipped: list[str] = []
    audited = 0
    for dependency in report.get("dependencies", []):
        name = f"{dependency.get('name')} {dependency.get('version', '')}".strip()
        if dependency.get("skip_reason"):
            skipped.append(f"{name}: {dependency['skip_reason']}")
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            vulnerable.append(
                f"{name}: {vuln.get('id')} ({aliases}) fixed in {fixed}"
                if aliases
                else f"{name}: {vuln.get('id')} fixed in {fixed}"
            )
    return vulnerable, skipped, audited


def verdict(report: dict[str, Any], *, strict: bool) -> tuple[int, list[str]]:
    """The exit status and the lines to print for one report."""
    vulnerable, skipped, audited = classify(report)
    lines: list[str] = []
    if vulnerable:
        lines.append(f"audit-deps: {len(vulnerable)} known vulnerabilit{'y' if len(vulnerable) == 1 else 'ies'}:")
        lines.extend(f"  {line}" for line in vulnerable)
        lines.append(
            "Upgrade the package in requirements/*.in, recompile the .txt files, and see the operator "
            "guide's policy on security releases."
        )
    if skipped:
        lines.extend(
            [
                BANNER,
                f"WARNING: audit-deps could not audit {len(skipped)} of {len(skipped) + audited} "
                "packages: the vulnerability service did not answer for them.",
                "These packages were NOT checked for known vulnerabilities:",
            ]
        )
        lines.extend(f"  {line}" for line in skipped[:10])
        if len(skipped) > 10:
            lines.append(f"  ... and {len(skipped) - 10} more")
        lines.append(
            "Run `make audit-deps` where PyPI's JSON API answers before a release "
            "(ABRAZO_AUDIT_STRICT=1 makes this a failure)."
        )
        lines.append(BANNER)
    if vulnerable:
        return 1, lines
    if skipped:
        return (2 if strict else 0), lines
    lines.append(f"audit-deps: {audited} packages audited, no known vulnerabilities")
    return 0, lines


def run_pip_audit(files: list[Path]) -> dict[str, Any]:
    # The lock files pin every package, so no resolution (and no pip install into a scratch venv) is
    # needed: --no-deps --disable-pip audits exactly the versions that ship.
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "audit.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(output),
        ]
        for file in files:
            command += ["-r", str(file)]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if not output.exists():  # pip-audit itself failed (bad file, crash): never report that as clean
            sys.stderr.write(completed.stderr)
            raise SystemExit(f"audit-deps: pip-audit failed with status {completed.returncode}")
        return json.loads(output.read_text())


def main(argv: list[str]) -> int:
    files = [Path(arg) for arg in argv] or DEFAULT_FILES
    status, lines = verdict(run_pip_audit(files), strict=os.environ.get("ABRAZO_AUDIT_STRICT") == "1")
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
