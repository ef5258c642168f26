#!/usr/bin/env python
"""Benchmark: scoring 100,000 administrations of a 38-item instrument (issue 5's target: under 5 seconds).

The instrument is built here, by structure only: 38 items scored 1-5 (every fourth reverse-scored), five
subscales (8, 8, 8, 7 and 7 items, sums, prorated with up to 20% of items missing), three bands on each
subscale, and a total (the sum of the subscales) with bands and a norm table split into four age bands.
Answers are seeded random integers; about 4% of answers are missing, and one administration in fifty
misses a block of items, so some subscales are prorated and some are not scored.

Timed side by side in one run (timings on a shared machine are noisy):

- `score_many` on the whole batch, with ages (median of --repeat runs);
- `score` in a Python loop over a sample of --sample rows, extrapolated to the batch;
- a floor: numpy summing the same matrix row by row (`np.nansum(axis=1)`), the least any scorer must do.

It checks that `score` and `score_many` agree on the sample, and prints seconds and the ratios to the target.

    .venv/bin/python bench/scoring.py [--rows 100000] [--sample 5000] [--repeat 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from abrazo.measures.scoring import (  # noqa: E402 - after the path is set
    Band,
    Composite,
    InstrumentSpec,
    Item,
    NormAgeBand,
    NormRow,
    NormTable,
    Subscale,
    score,
    score_many,
)

TARGET_SECONDS = 5.0
N_ITEMS = 38
SUBSCALE_SIZES = (8, 8, 8, 7, 7)


def build_instrument() -> InstrumentSpec:
    items = tuple(Item(f"item_{n:02d}", 1, 5, reverse=n % 4 == 0) for n in range(1, N_ITEMS + 1))
    subscales = []
    start = 0
    for number, size in enumerate(SUBSCALE_SIZES, start=1):
        keys = tuple(item.key for item in items[start:start + size])
        start += size
        # Thirds of the range, as printed: e.g. 8-18, 19-29, 30-40 for eight items.
        low, high = size, 5 * size
        step = (high - low + 1) // 3
        bands = (Band("low", low, low + step - 1), Band("middle", low + step, low + 2 * step - 1),
                 Band("high", low + 2 * step, high))
        subscales.append(Subscale(f"subscale_{number}", keys, "sum", 0.2, bands))
    age_bands = []
    for age_number, (first_month, last_month) in enumerate(((24, 35), (36, 47), (48, 59), (60, 72))):
        # One row per raw total 38..190: T = 50 + 10 z and the normal percentile of z, the centre drifting
        # upward with age (synthetic, but the shape of a licensee's table).
        centre, spread = 110 + 4 * age_number, 19.0
        rows = tuple(
            NormRow(raw, raw, standard_score=round(50 + 10 * (raw - centre) / spread),
                    percentile=round(50 * (1 + math.erf((raw - centre) / spread / math.sqrt(2))), 1))
            for raw in range(38, 191)
        )
        age_bands.append(NormAgeBand(rows=rows, min_months=first_month, max_months=last_month))
    total = Composite(
        "total", tuple(subscale.key for subscale in subscales), "sum",
        bands=(Band("low", 38, 88), Band("middle", 89, 139), Band("high", 140, 190)),
        norms=NormTable(age_bands=tuple(age_bands), source="synthetic benchmark table"),
    )
    return InstrumentSpec("bench38", items=items, subscales=tuple(subscales), composites=(total,))


def build_answers(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Each respondent leans low or high, so subscales spread over their bands.
    lean = rng.normal(3.0, 0.8, size=(rows, 1))
    matrix = np.clip(np.rint(lean + rng.normal(0, 0.9, size=(rows, N_ITEMS))), 1, 5)
    matrix[rng.random((rows, N_ITEMS)) < 0.04] = np.nan
    skipped_block = rng.random(rows) < 0.02  # gave up part-way: the last 10 items missing
    matrix[skipped_block, -10:] = np.nan
    ages = rng.integers(20, 76, size=rows).astype(float)  # some outside the norm table's ages
    ages[rng.random(rows) < 0.01] = np.nan
    return matrix, ages


def timed(function, repeat: int) -> float:  # type: ignore[no-untyped-def]
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    spec = build_instrument()
    matrix, ages = build_answers(args.rows, args.seed)
    sample = min(args.sample, args.rows)

    batch = score_many(spec, matrix, ages=ages)  # warm-up, and the answers to check against
    batch_seconds = timed(lambda: score_many(spec, matrix, ages=ages), args.repeat)
    floor_seconds = timed(lambda: np.nansum(matrix, axis=1), args.repeat)

    columns = spec.columns
    rows_as_answers = [
        {key: None if math.isnan(value) else value for key, value in zip(columns, row.tolist(), strict=True)}
        for row in matrix[:sample]
    ]
    started = time.perf_counter()
    single = [score(spec, answers, age_months=None if math.isnan(age) else age)
              for answers, age in zip(rows_as_answers, ages[:sample].tolist(), strict=True)]
    loop_seconds = (time.perf_counter() - started) * args.rows / sample
    disagreements = sum(batch.row(index) != single[index] for index in range(sample))

    total = batch["total"]
    scored = int(np.count_nonzero(~np.isnan(total.raw)))
    prorated = int(np.count_nonzero(batch["subscale_1"].prorated))
    normed = int(np.count_nonzero(~np.isnan(total.standard_score)))
    print(f"{args.rows:,} administrations x {N_ITEMS} items, {len(spec.subscales)} subscales + total; "
          f"{np.isnan(matrix).mean():.1%} answers missing")
    print(f"total scored {scored:,}, normed {normed:,}; subscale_1 prorated {prorated:,}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; median of {args.repeat} runs")
    print(f"{'':44} {'seconds':>8} {'/ 5 s':>7} {'/ floor':>8}")
    print(f"{'floor: np.nansum(axis=1) on the matrix':44} {floor_seconds:8.3f} {floor_seconds / TARGET_SECONDS:7.3f}")
    print(f"{'score_many (whole batch)':44} {batch_seconds:8.3f} {batch_seconds / TARGET_SECONDS:7.3f} "
          f"{batch_seconds / floor_seconds:8.1f}")
    label = f"score loop ({sample:,} rows, extrapolated)"
    print(f"{label:44} {loop_seconds:8.3f} {loop_seconds / TARGET_SECONDS:7.3f} {loop_seconds / floor_seconds:8.1f}")
    print(f"score loop / score_many: {loop_seconds / batch_seconds:.0f}x; "
          f"rows where they disagree: {disagreements} of {sample:,}")
    if disagreements:
        sys.exit(1)


if __name__ == "__main__":
    main()
