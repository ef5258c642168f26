"""Loading reference data (counties, languages) from the CSV files shipped in directory/data/."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [{key.strip(): (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def load_counties(county_model: Any, path: Path) -> int:
    """Insert or update counties from a CSV with columns fips, state_code, name. Returns rows read."""
    rows = read_rows(path)
    for row in rows:
        fips = row["fips"]
        if len(fips) != 5 or not fips.isdigit():
            raise ValueError(f"Invalid FIPS code {fips!r}: expected five digits")
        county_model.objects.update_or_create(
            fips=fips, defaults={"state_code": row["state_code"].upper(), "name": row["name"]}
        )
    return len(rows)


def load_languages(language_model: Any, path: Path) -> int:
    rows = read_rows(path)
    for row in rows:
        language_model.objects.update_or_create(
            code=row["code"], defaults={"name_en": row["name_en"], "name_es": row["name_es"]}
        )
    return len(rows)
