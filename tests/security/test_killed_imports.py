"""An import killed half-way leaves nothing behind; running it again creates no duplicates.

Four imports: the directory's programs (command `import_directory`), a program's roster and its incidents
(abrazo/incidents/imports.py, `import_table`) and a REDCap data dictionary (command `import_redcap`).

The kill (PostgreSQL): the import runs as a real process on the test database. The test first holds the audit
table in a lock that lets readers in but no writer, so the import goes through all its data writes and then
waits at its last step, the one ledger line every import writes before it commits. Once PostgreSQL shows the
process both holding a write lock on the data table (it has inserted the rows) and waiting for the audit
table, the test kills it with SIGKILL: a deterministic "half-way", with every row written but not committed.
Then no row of any table may have landed, and two complete runs of the same file must leave exactly the
file's rows.

The same promise without a second process (SQLite too): a failure injected at the same last step rolls every
row back, and two complete runs leave the file's rows once.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from abrazo.audit import services as audit
from abrazo.audit.models import AccessEvent
from abrazo.core.tests.concurrency import needs_postgresql
from abrazo.directory.models import Program
from abrazo.incidents import imports as incident_imports
from abrazo.incidents.models import Child, Incident
from abrazo.measures.models import Item

ROWS = 40  # enough for several rows of every kind; the kill does not depend on timing, so no need for more
REPO = Path(settings.BASE_DIR).parent  # BASE_DIR is the abrazo package; manage.py is beside it


class InjectedFault(RuntimeError):
    pass


# --- The four imports: a file, how to run it here, how to run it as a process, what it creates ---------------


def _programs_file(world: Any, folder: Path) -> Path:
    lines = ["license_number,name,setting_type,auspice,address_line1,city,postal_code,county,is_active"]
    lines += [
        f"77{index:07d},Killed Import Center {index},center,non_profit,{index} Oak St,Fresno,93721,Fresno,yes"
        for index in range(ROWS)
    ]
    path = folder / "programs.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _roster_file(world: Any, folder: Path) -> Path:
    lines = ["child_id,race_ethnicity,gender,date_of_birth,enrolled_from"]
    lines += [f"KI-{index:04d},hispanic_latino,girl,2021-03-14,2024-08-26" for index in range(ROWS)]
    path = folder / "roster.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _incidents_file(world: Any, folder: Path) -> Path:
    # the children the incidents are about are on the roster already (imported and committed first)
    roster = _roster_file(world, folder)
    _run_incident_import(world, roster, incident_imports.ImportKind.ROSTER)
    lines = [
        "incident_id,child_id,date,time,problem_behavior,activity,others_involved,possible_motivation,"
        "strategy_response,admin_follow_up"
    ]
    lines += [
        f"KI-INC-{index:04d},KI-{index:04d},2024-10-07,10:30,Physical aggression,"
        "Circle/Large group activity,Peers,Obtain desired item,Verbal reminder,Contact family"
        for index in range(ROWS)
    ]
    path = folder / "incidents.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _dictionary_file(world: Any, folder: Path) -> Path:
    lines = [
        '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
        '"Choices, Calculations, OR Slider Labels","Field Note"'
    ]
    lines += [f'killed_{index},killed_form,,text,"Question {index}",,' for index in range(ROWS)]
    path = folder / "dictionary.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run_incident_import(world: Any, path: Path, kind: incident_imports.ImportKind) -> None:
    with path.open("rb") as handle:
        table = incident_imports.read_upload(handle, filename=path.name)
    incident_imports.import_table(actor=world.people["program_staff"], program=world.program_a, kind=kind, table=table)


_INCIDENT_SCRIPT = """
from abrazo.accounts.models import User
from abrazo.directory.models import Program
from abrazo.incidents import imports
with open({path!r}, "rb") as handle:
    table = imports.read_upload(handle, filename="file.csv")
imports.import_table(actor=User.objects.get(pk="{actor}"), program=Program.objects.get(pk="{program}"),
                     kind=imports.ImportKind("{kind}"), table=table)
"""


def _incident_command(kind: str) -> Callable[[Any, Path], list[str]]:
    def argv(world: Any, path: Path) -> list[str]:
        script = _INCIDENT_SCRIPT.format(
            actor=world.people["program_staff"].pk, program=world.program_a.pk, kind=kind, path=str(path)
        )
        return ["shell", "-c", script]

    return argv


@dataclass(frozen=True)
class ImportCase:
    name: str
    write_file: Callable[[Any, Path], Path]
    run_here: Callable[[Any, Path], None]
    command: Callable[[Any, Path], list[str]]  # manage.py arguments
    data_table: str  # the table its rows go to (the kill waits until this one has been written)
    created: Callable[[Any], int]  # how many of its records exist


CASES = [
    ImportCase(
        "directory programs (import_directory)",
        _programs_file,
        lambda world, path: call_command(
            "import_directory", str(path), kind="programs", network=world.network.slug, stdout=io.StringIO()
        ),
        lambda world, path: ["import_directory", str(path), "--kind", "programs", "--network", world.network.slug],
        Program._meta.db_table,
        lambda world: Program.objects.filter(network=world.network, name__startswith="Killed Import").count(),
    ),
    ImportCase(
        "roster",
        _roster_file,
        lambda world, path: _run_incident_import(world, path, incident_imports.ImportKind.ROSTER),
        _incident_command("roster"),
        Child._meta.db_table,
        lambda world: Child.objects.filter(program=world.program_a, code__startswith="KI-").count(),
    ),
    ImportCase(
        "incidents",
        _incidents_file,
        lambda world, path: _run_incident_import(world, path, incident_imports.ImportKind.INCIDENTS),
        _incident_command("incidents"),
        Incident._meta.db_table,
        lambda world: Incident.objects.filter(program=world.program_a).count(),
    ),
    ImportCase(
        "REDCap dictionary (import_redcap)",
        _dictionary_file,
        lambda world, path: call_command("import_redcap", str(path), network=world.network.slug, stdout=io.StringIO()),
        lambda world, path: ["import_redcap", str(path), "--network", world.network.slug],
        Item._meta.db_table,
        lambda world: Item.objects.filter(instrument__network=world.network, key__startswith="killed_").count(),
    ),
]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def _two_complete_runs_leave_the_files_rows(case: ImportCase, world: Any, path: Path) -> None:
    case.run_here(world, path)
    assert case.created(world) == ROWS
    after_first = row_counts()
    case.run_here(world, path)
    assert case.created(world) == ROWS
    # the second run of the same file changed nothing but the ledger (one line saying what it looked at)
    assert set(changed(after_first, row_counts())) <= {AccessEvent._meta.label}


# --- Without a second process: a failure at the import's last step (SQLite and PostgreSQL) --------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_an_import_failing_at_its_last_step_leaves_nothing_and_reruns_without_duplicates(
    case: ImportCase, world, tmp_path, monkeypatch
):
    path = case.write_file(world, tmp_path)
    before = row_counts()
    original = audit.record

    def fail_after_record(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise InjectedFault("the import's last step failed")

    monkeypatch.setattr(audit, "record", fail_after_record)
    with pytest.raises(InjectedFault):
        case.run_here(world, path)
    assert changed(before, row_counts()) == {}
    monkeypatch.undo()
    _two_complete_runs_leave_the_files_rows(case, world, path)


# --- A real process killed with SIGKILL (PostgreSQL) ----------------------------------------------------------


def _wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


def _backend(application_name: str) -> tuple[int, str | None] | None:
    """The import process's PostgreSQL backend: (pid, what it waits for), or None when it has gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity is otherwise frozen per transaction
        cursor.execute(
            "SELECT pid, wait_event_type FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _has_written(pid: int, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks WHERE pid = %s AND relation = %s::regclass AND mode = 'RowExclusiveLock' "
            "AND granted",
            [pid, table],
        )
        return cursor.fetchone() is not None


def _waiting_for(pid: int, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks WHERE pid = %s AND relation = %s::regclass AND NOT granted", [pid, table]
        )
        return cursor.fetchone() is not None


def _process_env(application_name: str) -> dict[str, str]:
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    # PGAPPNAME names the process's connection in pg_stat_activity, so the test can find it
    return {**os.environ, "DATABASE_URL": url, "ABRAZO_ENV": "test", "PGAPPNAME": application_name}


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_an_import_killed_half_way_leaves_nothing_and_reruns_without_duplicates(case: ImportCase, world, tmp_path):
    path = case.write_file(world, tmp_path)
    before = row_counts()
    application_name = f"killed-import-{uuid.uuid4().hex[:12]}"
    audit_table = AccessEvent._meta.db_table
    process = None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Readers may go on, writers wait: the import does all its data writes, then stops at its ledger line.
            cursor.execute(f'LOCK TABLE "{audit_table}" IN SHARE ROW EXCLUSIVE MODE')
            process = subprocess.Popen(  # noqa: S603 - our own manage.py, arguments built by this test
                [sys.executable, str(REPO / "manage.py"), *case.command(world, path)],
                cwd=REPO,
                env=_process_env(application_name),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )

            def half_way() -> bool:
                assert process is not None and process.poll() is None, process.communicate() if process else ""
                backend = _backend(application_name)
                return (
                    backend is not None
                    and _waiting_for(backend[0], audit_table)
                    and _has_written(backend[0], case.data_table)
                )

            _wait_for(half_way, seconds=60, what=f"{case.name} to have written its rows and wait to commit")
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            assert process.returncode == -signal.SIGKILL
        # the lock is released; PostgreSQL finds the client gone and rolls its transaction back
        _wait_for(lambda: _backend(application_name) is None, seconds=20, what="the killed import's connection to end")
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    # then nothing of it landed, in any table
    assert case.created(world) == 0
    assert changed(before, row_counts()) == {}
    # and running it to the end, twice, leaves the file's rows once
    _two_complete_runs_leave_the_files_rows(case, world, path)
