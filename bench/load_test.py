#!/usr/bin/env python
"""Load test (issue 9): throughput of a realistic mix at the latency objective, against the trivial-view ceiling.

Runs the locust mix in bench/load/locustfile.py (consultants logging contacts, coordinators triaging requests,
program staff reporting incidents, people opening the report) headless against gunicorn serving the state-scale
data set, stepping the number of simulated people up (5, 10, 20, 40, 80 by default) for a fixed time each, and
stops at the first step that breaks the objective: p95 under 200 ms and under 0.1% errors. It prints each step,
the highest requests/s that met the objective, and its ratio to the ceiling: the trivial signed-in view
(/bench/ceiling/, same middleware, no pauses) served flat out by the same server in the same run.

    .venv/bin/python bench/load_test.py [--seconds 25] [--steps 5,10,20,40,80] [--database URL]
    make bench-load

The state-scale network is generated once into var/bench.sqlite3 (shared with bench/list_page.py) or the database
given; the work the mix needs (episodes, a roster, requests) is added once by bench/load/seed.py. API rates are
raised for the run (API_RATE, API_WRITE_RATE): the limits are per token, and the test shares one token per role.
Not part of `make test`: it takes about four minutes and needs the whole machine.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

P95_OBJECTIVE_MS = 200.0
ERROR_OBJECTIVE = 0.001
MIX = ["Consultant", "Coordinator", "ProgramStaff", "ReportReader"]


def run_locust(*, port: int, users: int, seconds: float, classes: list[str], prefix: Path, env: dict[str, str]) -> dict:
    """One headless locust run; returns the aggregated row and the per-request rows of its statistics."""
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{int(seconds)}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
        "--exit-code-on-error",
        "0",
        *classes,
    ]
    # Locust's own summary is not printed (the numbers are read from its CSV files), unless it fails.
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout + finished.stderr)
        raise SystemExit(f"locust failed ({finished.returncode})")
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {
        "users": users,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p95": float(total["95%"]),
        "p50": float(total["50%"]),
        "by_name": {
            row["Name"]: (int(row["Request Count"]), float(row["95%"]), int(row["Failure Count"]))
            for row in rows
            if row["Name"] != "Aggregated"
        },
    }


def meets(step: dict) -> bool:
    errors = step["failures"] / step["requests"] if step["requests"] else 1.0
    return step["p95"] < P95_OBJECTIVE_MS and errors < ERROR_OBJECTIVE


def wait_until_up(port: int) -> None:
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=25.0, help="length of each step")
    parser.add_argument("--steps", default="5,10,20,40,80", help="simulated people at each step")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8912)
    parser.add_argument("--scale", default="state", help="demo scale: state (the measurement) or default (a quick try)")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database:
        name = "bench.sqlite3" if args.scale == "state" else f"bench_load_{args.scale}.sqlite3"
        args.database = f"sqlite:///{ROOT / 'var' / name}"
    steps = [int(value) for value in args.steps.split(",")]

    work = Path(tempfile.mkdtemp(prefix="abrazo-load-"))
    credentials = work / "credentials.json"
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ABRAZO_ENV": "development",
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT),
        "API_RATE": "1000000/min",
        "API_WRITE_RATE": "1000000/min",
        "ABRAZO_LOAD_CREDENTIALS": str(credentials),
        "ABRAZO_LOAD_SCALE": args.scale,
    }
    os.environ.update(env)
    python = sys.executable
    started = time.perf_counter()
    subprocess.run([python, "-m", "abrazo", "migrate", "--noinput", "-v", "0"], check=True, env=env, cwd=ROOT)
    subprocess.run([python, "-m", "abrazo", "createcachetable"], check=True, env=env, cwd=ROOT)
    subprocess.run([python, "-m", "abrazo", "demo", "--scale", args.scale], check=True, env=env, cwd=ROOT)

    import django

    django.setup()
    from bench.load.seed import prepare_credentials, seed_work

    seed_work()
    prepare_credentials(credentials)
    print(
        f"data set ready ({args.scale} scale) in {time.perf_counter() - started:.0f} s; "
        f"database {args.database.split('@')[-1]}"
    )

    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "abrazo.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--env",
            "DJANGO_SETTINGS_MODULE=bench.settings",
        ],
        env=env,
        cwd=ROOT,
    )
    results: list[dict] = []
    try:
        wait_until_up(args.port)
        run_locust(port=args.port, users=4, seconds=5, classes=MIX, prefix=work / "warmup", env=env)
        for users in steps:
            step = run_locust(
                port=args.port, users=users, seconds=args.seconds, classes=MIX, prefix=work / f"mix_{users}", env=env
            )
            results.append(step)
            print(
                f"  {users:>3} people: {step['rps']:7.1f} req/s  p50 {step['p50']:5.0f} ms  p95 {step['p95']:5.0f} ms"
                f"  errors {step['failures']}/{step['requests']}  {'ok' if meets(step) else 'objective broken'}"
            )
            if not meets(step):
                break
        ceiling = run_locust(
            port=args.port,
            users=max(steps[0], 10),
            seconds=args.seconds,
            classes=["Ceiling"],
            prefix=work / "ceiling",
            env=env,
        )
    finally:
        server.terminate()
        server.wait(timeout=15)

    passing = [step for step in results if meets(step)]
    print(
        f"\nceiling (/bench/ceiling/, {ceiling['users']} people, no pauses): {ceiling['rps']:.1f} req/s, "
        f"p95 {ceiling['p95']:.0f} ms, errors {ceiling['failures']}"
    )
    if not passing:
        print("no step met the objective (p95 < 200 ms, errors < 0.1%)")
        return 1
    best = max(passing, key=lambda step: step["rps"])
    print(
        f"\nthroughput at the objective (p95 < {P95_OBJECTIVE_MS:.0f} ms, errors < {ERROR_OBJECTIVE:.1%}): "
        f"{best['rps']:.1f} req/s with {best['users']} people (p95 {best['p95']:.0f} ms)"
    )
    print(f"ratio to the trivial-view ceiling: {best['rps'] / ceiling['rps']:.0%}")
    print("\np95 by request at that step:")
    for name, (count, p95, failures) in sorted(best["by_name"].items()):
        print(f"  {name:<32}{count:>7} requests  p95 {p95:5.0f} ms  failures {failures}")
    print(
        f"\n(total {time.perf_counter() - started:.0f} s; {args.workers} gunicorn workers; locust on the same machine)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
