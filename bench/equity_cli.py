#!/usr/bin/env python
"""Benchmark: `abrazo equity` on state-scale files against the 10-second target and against bare reads.

One seeded roster of 1,000,000 children in 40,000 programs (DOMAIN.md §11) and 1,000,000 BIRS incidents
(ten years of a state; labels and codes mixed, ISO and US dates, 24- and 12-hour times) are written to
a temporary folder. Then, side by side in this run:

- `abrazo equity` as a person runs it: a fresh process (Django start-up included), once over all children
  and once with --per-program, output to a file (the median of --repeat runs each);
- `wc -l` on both files (the floor: reading the bytes);
- a bare Python `csv.reader` loop over both files (the floor for any pure-Python reader).

It prints the seconds, the ratio to the 10 s target and the ratios to the two floors, with the CPU
seconds of each run (its processes together) and the load average, since other work on the machine
stretches wall time. With --stages it then times the command's stages in this process (reading and
counting, the analyses, writing JSON and CSV), to show where a run's seconds go.

    .venv/bin/python bench/equity_cli.py [--children 1000000] [--incidents 1000000] [--programs 40000]
                                         [--seed 1] [--repeat 3] [--keep DIR] [--stages]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 10.0
RACES = [("hispanic_latino", 0.40), ("white", 0.30), ("black", 0.12), ("asian", 0.10), ("two_or_more", 0.05),
         ("american_indian_alaska_native", 0.01), ("native_hawaiian_pacific_islander", 0.005), ("", 0.015)]


def _vocabulary() -> dict[str, list[tuple[str, str]]]:
    """(code, English label) of every BIRS option, per column (Django is needed for the labels)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abrazo.settings")
    import django

    django.setup()
    from abrazo.incidents import birs

    return {name: [(code, str(label)) for code, label in zip(choices.values, choices.labels, strict=True)]
            for name, choices in birs.FIELDS.items()}


def generate(folder: Path, n_children: int, n_incidents: int, n_programs: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    races, weights = zip(*RACES, strict=True)
    children = folder / "children.csv"
    with children.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["child_id", "program_id", "race_ethnicity", "gender", "iep", "dll", "funding"])
        chosen = rng.choices(races, weights, k=n_children)
        for i in range(n_children):
            writer.writerow([f"C{i:07d}", f"P{rng.randrange(n_programs):05d}", chosen[i], rng.choice(("girl", "boy")),
                             rng.choice(("yes", "no", "No", "")), rng.choice(("yes", "no")),
                             rng.choice(("head_start", "state_pre_k", "private"))])
    vocabulary = _vocabulary()
    columns = list(vocabulary)
    # a few children account for most incidents, as in BIRS data
    frequent = [rng.randrange(n_children) for _ in range(n_children // 20)]
    incidents = folder / "incidents.csv"
    with incidents.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["incident_id", "child_id", "date", "time", *columns])
        for i in range(n_incidents):
            child = rng.choice(frequent) if rng.random() < 0.6 else rng.randrange(n_children)
            year, month, day = 2015 + rng.randrange(10), 1 + rng.randrange(12), 1 + rng.randrange(28)
            date = f"{year}-{month:02d}-{day:02d}" if rng.random() < 0.8 else f"{month}/{day}/{year}"
            hour, minute = 7 + rng.randrange(11), rng.randrange(60)
            at = f"{hour:02d}:{minute:02d}" if rng.random() < 0.8 else f"{(hour - 1) % 12 + 1}:{minute:02d} " + (
                "AM" if hour < 12 else "PM")
            labels = [rng.choice(vocabulary[column])[rng.random() < 0.5] for column in columns]
            writer.writerow([f"I{i:07d}", f"C{child:07d}", date, at, *labels])
    return children, incidents


def timed(command: list[str], *, output: Path | None = None) -> float:
    return timed_with_cpu(command, output=output)[0]


def timed_with_cpu(command: list[str], *, output: Path | None = None) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the process and everything it started (on a busy machine the
    CPU time is the steadier figure: wall time then depends on who else is running)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with (output.open("w") if output else open(os.devnull, "w")) as sink:
        subprocess.run(command, stdout=sink, check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def python_csv_read(*paths: Path) -> float:
    started = time.perf_counter()
    rows = 0
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            for _ in csv.reader(handle):
                rows += 1
    return time.perf_counter() - started


def stage_seconds(children: Path, incidents: Path) -> dict[str, float]:
    """Wall seconds of each stage of `abrazo equity --per-program`, run here (Django already set up)."""
    _vocabulary()  # sets Django up, once
    from abrazo.equity.files import count_files
    from abrazo.equity.management.commands.equity import build_analyses, render_csv, render_json
    from abrazo.equity.metrics import Thresholds

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    counts = count_files(children, incidents, by="race_ethnicity", outcome="exclusion")
    seconds["read and count both files"] = time.perf_counter() - started
    thresholds = Thresholds()
    started = time.perf_counter()
    analyses = build_analyses(counts, thresholds=thresholds, per_program=True)
    seconds[f"analyse {len(analyses):,} programs"] = time.perf_counter() - started
    started = time.perf_counter()
    render_json(analyses, outcome="exclusion", dimension="race_ethnicity", thresholds=thresholds)
    seconds["write JSON (in memory)"] = time.perf_counter() - started
    started = time.perf_counter()
    render_csv(analyses)
    seconds["write CSV (in memory)"] = time.perf_counter() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--programs", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Write the files here and keep them (default: a temp folder); "
                        "files already there from an earlier run with the same sizes and seed are reused.")
    parser.add_argument("--stages", action="store_true", help="Also time the stages of --per-program in this process.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        stamp = folder / f"generated-{args.children}-{args.incidents}-{args.programs}-{args.seed}"
        if args.keep and stamp.exists():
            children, incidents = folder / "children.csv", folder / "incidents.csv"
        else:
            stamp.unlink(missing_ok=True)
            children, incidents = generate(folder, args.children, args.incidents, args.programs, args.seed)
            stamp.touch()
        megabytes = (children.stat().st_size + incidents.stat().st_size) / 1e6
        print(f"generated {args.children:,} children and {args.incidents:,} incidents ({megabytes:.0f} MB) "
              f"in {time.perf_counter() - started:.1f} s")

        wc = statistics.median(timed(["wc", "-l", str(children), str(incidents)]) for _ in range(args.repeat))
        bare = statistics.median(python_csv_read(children, incidents) for _ in range(args.repeat))
        base = [sys.executable, "-m", "abrazo", "equity", "--children", str(children), "--incidents",
                str(incidents), "--by", "race_ethnicity", "--outcome", "exclusion"]
        runs = {
            "abrazo equity (all children, json)": base,
            "abrazo equity --per-program (json)": [*base, "--per-program"],
            "abrazo equity --per-program (csv)": [*base, "--per-program", "--format", "csv"],
        }
        print(f"load average before the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'':40} {'seconds':>8} {'/ 10 s':>7} {'/ wc -l':>8} {'/ csv read':>10} {'CPU s':>6}")
        print(f"{'wc -l (both files)':40} {wc:8.2f}")
        print(f"{'Python csv.reader loop (both files)':40} {bare:8.2f} {'':>7} {bare / wc:8.1f}")
        for name, command in runs.items():
            measured = [timed_with_cpu(command, output=folder / "out.txt") for _ in range(args.repeat)]
            seconds = statistics.median(wall for wall, _ in measured)
            cpu = statistics.median(cpu for _, cpu in measured)
            print(f"{name:40} {seconds:8.2f} {seconds / TARGET_SECONDS:7.2f} {seconds / wc:8.1f} "
                  f"{seconds / bare:10.2f} {cpu:6.2f}")
        print(f"load average after the runs: {os.getloadavg()[0]:.1f}")
        print(f"output of the last run: {(folder / 'out.txt').stat().st_size / 1e6:.1f} MB")
        if args.stages:
            print("stages of --per-program, in this process:")
            for stage, seconds in stage_seconds(children, incidents).items():
                print(f"  {stage:38} {seconds:8.2f}")


if __name__ == "__main__":
    main()
