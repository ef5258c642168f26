#!/usr/bin/env python
"""Benchmark: the programs list page against the framework ceiling, on the state-scale directory.

Prints requests per second and p95 latency of both, measured side by side in one run under the
same load, and their ratio; and the number of queries the list page makes at three page sizes.

    .venv/bin/python bench/list_page.py [--seconds 10] [--concurrency 4] [--database URL]

The state-scale network (40,000 programs) is generated once into var/bench.sqlite3 (or the
database given) with `abrazo demo --scale state` and reused afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def load(port: int, path: str, cookie: str, seconds: float, concurrency: int) -> tuple[float, float, int]:
    """Hit one path from `concurrency` keep-alive clients for `seconds`; return rps, p95 ms, errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        local_errors = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                local_errors += 1
            local.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(local)
            errors += local_errors

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, percentile(latencies, 0.95), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8911)
    default_database = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", default_database))
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": args.database, "DJANGO_SETTINGS_MODULE": "bench.settings",
           "ABRAZO_ENV": "development", "DEBUG": "0", "PYTHONPATH": str(ROOT)}
    os.environ.update(env)
    python = sys.executable
    subprocess.run([python, "-m", "abrazo", "migrate", "--noinput", "-v", "0"], check=True, env=env, cwd=ROOT)
    subprocess.run([python, "-m", "abrazo", "createcachetable"], check=True, env=env, cwd=ROOT)
    subprocess.run([python, "-m", "abrazo", "demo", "--scale", "state"], check=True, env=env, cwd=ROOT)

    import django

    django.setup()
    from bench.session import list_query_counts, signed_in_cookie

    cookie, user_label, programs_visible = signed_in_cookie()
    print(f"signed in as {user_label}; programs visible: {programs_visible:,}")

    counts = list_query_counts()
    print("queries for the programs list page by page size: " + ", ".join(f"{k} rows → {v}" for k, v in counts.items()))

    server = subprocess.Popen(
        [python, "-m", "gunicorn", "abrazo.wsgi", "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
         "--log-level", "warning", "--env", "DJANGO_SETTINGS_MODULE=bench.settings"],
        env=env, cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        paths = {"ceiling": "/bench/ceiling/", "programs list": "/directory/programs/",
                 "programs list, page 40": "/directory/programs/?page=40",
                 "programs search": "/directory/programs/?q=sunrise"}
        for path in paths.values():  # warm up every worker
            load(args.port, path, cookie, 1.0, args.concurrency)
        results = {name: load(args.port, path, cookie, args.seconds, args.concurrency) for name, path in paths.items()}
    finally:
        server.terminate()
        server.wait(timeout=10)

    ceiling_rps, ceiling_p95, _ = results["ceiling"]
    print(f"\n{'page':<26}{'req/s':>10}{'p95 ms':>10}{'vs ceiling':>12}{'errors':>8}")
    for name, (rps, p95, errors) in results.items():
        print(f"{name:<26}{rps:>10.1f}{p95:>10.1f}{rps / ceiling_rps:>11.0%}{errors:>8}")
    list_rps, list_p95, list_errors = results["programs list"]
    ratio = list_rps / ceiling_rps
    flat = len(set(counts.values())) == 1
    print(f"\ntarget: list ≥ 40% of ceiling throughput → {ratio:.0%} {'PASS' if ratio >= 0.4 else 'FAIL'}")
    print(f"target: list p95 < 100 ms → {list_p95:.1f} ms {'PASS' if list_p95 < 100 else 'FAIL'}")
    print(f"target: query count flat across page sizes → {'PASS' if flat else 'FAIL'} {counts}")
    print(f"(ceiling p95 {ceiling_p95:.1f} ms; {args.concurrency} clients, {args.workers} gunicorn workers, "
          f"{args.seconds:.0f} s per page)")
    return 0 if (ratio >= 0.4 and list_p95 < 100 and flat and not list_errors) else 1


if __name__ == "__main__":
    sys.exit(main())
