#!/usr/bin/env python
"""Benchmark: reading the largest REDCap fixture dictionary against the 1-second import target (issue 5).

Times `abrazo.measures.redcap.read_dictionary` on reproschema_hbn_dictionary.csv (474 fields, 12 forms,
embedded newlines, HTML, 331 branching-logic expressions parsed), from the file's bytes to the checked
Dictionary, and prints the median and worst of --repeat runs and their ratio to the target. Writing the
dictionary back (`write_dictionary`) is timed too, since the export goes through the same code.

    .venv/bin/python bench/redcap_import.py [--repeat 20] [--file PATH]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from abrazo.measures.redcap import read_dictionary, write_dictionary  # noqa: E402 - after the path is set

TARGET_SECONDS = 1.0
DEFAULT_FILE = ROOT.parent / "shared" / "fixtures" / "redcap" / "reproschema_hbn_dictionary.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()

    raw = args.file.read_bytes()
    read_times, write_times = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        dictionary = read_dictionary(raw)
        read_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        write_dictionary(dictionary)
        write_times.append(time.perf_counter() - started)

    median, worst = statistics.median(read_times), max(read_times)
    print(f"file: {args.file.name} ({len(raw):,} bytes)")
    print(f"fields: {len(dictionary.fields)}, forms: {len(dictionary.forms)}, "
          f"warnings: {len(dictionary.warnings)}, errors: {len(dictionary.errors)}")
    print(f"read_dictionary: median {median:.4f} s, worst {worst:.4f} s over {args.repeat} runs")
    print(f"ratio to the {TARGET_SECONDS:.0f} s target: median {median / TARGET_SECONDS:.3f}, "
          f"worst {worst / TARGET_SECONDS:.3f} ({'within' if worst < TARGET_SECONDS else 'OVER'} target)")
    print(f"write_dictionary: median {statistics.median(write_times):.4f} s")


if __name__ == "__main__":
    main()
