#!/usr/bin/env python3
"""Build abrazo/reports/data/county_shapes.json from the us-atlas npm package (Census cartographic boundaries).

The reports draw county choropleths from public-domain county boundaries. The us-atlas package redistributes
the Census Bureau's cartographic boundary files as TopoJSON; its counties-albers-10m.json is already projected
(Albers equal-area, Alaska and Hawaii as insets) into a 975x610 pixel space with y pointing down, which is SVG's
own orientation, so no projection code is needed here or at render time.

What this script does, with the Python standard library only:

1. gets the package: either an unpacked tarball directory given with --package-dir, or `npm pack
   us-atlas@VERSION` into a temporary directory, whose sha512 is checked against the integrity recorded below
   (the same value `npm view us-atlas@VERSION dist.integrity` prints), so a changed tarball stops the build;
2. decodes the TopoJSON: arcs are quantized integers, delta-encoded; a negative arc index ~i means arc i walked
   backwards; counties are Polygon or MultiPolygon geometries made of rings of arcs;
3. simplifies each shared arc once (Douglas-Peucker at --tolerance px, then rounding to 0.1 px and dropping
   repeated points), so neighbouring counties keep exactly the same border and no slivers open between them;
4. writes, per county (5-digit FIPS), its name, an SVG path string and a bounding box, and per state its name
   and bounding box, as compact sorted JSON: the same input always gives the same bytes.

    python3 tools/county_shapes/build.py                       # npm pack us-atlas@3.0.1 into a temp dir
    python3 tools/county_shapes/build.py --package-dir /tmp/usatlas/package
    make county-shapes                                         # the first form
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

PACKAGE = "us-atlas"
VERSION = "3.0.1"
# `npm view us-atlas@3.0.1 dist.integrity`: the registry's sha512 of the tarball, base64.
INTEGRITY = "sha512-wEIZCq0ImPvGblTd8gZMqNNCPkQshugMUG/8nkSWXb02+XqNFREg9atHOKP9w6prLZTpqcLhSvdBW81MkV3/0Q=="
SOURCE_FILE = "counties-albers-10m.json"
VINTAGE = "Census Bureau cartographic boundary files, 2017 edition (GENZ2017), as stated by the package README"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "abrazo" / "reports" / "data" / "county_shapes.json"
TENTHS = 10  # coordinates are kept to 0.1 px of the 975x610 space

Point = tuple[float, float]
T = TypeVar("T")


# --- getting the package ------------------------------------------------------------------------------------


def tarball_integrity(path: Path) -> str:
    """The npm-style integrity string (sha512, base64) of a file."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def fetch_package(workdir: Path) -> Path:
    """`npm pack` the pinned version into workdir, check its hash, unpack it; returns the package directory."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not on PATH: install Node.js, or pass --package-dir with an unpacked tarball")
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(workdir), "--silent"],
        check=True, stdout=subprocess.DEVNULL,
    )
    tarball = workdir / f"{PACKAGE}-{VERSION}.tgz"
    found = tarball_integrity(tarball)
    if found != INTEGRITY:
        sys.exit(f"{tarball.name}: integrity {found} does not match the recorded {INTEGRITY}")
    with tarfile.open(tarball, "r:gz") as archive:
        archive.extractall(workdir, filter="data")  # the "data" filter refuses links and paths outside workdir
    return workdir / "package"


def check_package_dir(package_dir: Path) -> None:
    manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    if manifest.get("name") != PACKAGE or manifest.get("version") != VERSION:
        sys.exit(f"{package_dir}: expected {PACKAGE} {VERSION}, found {manifest.get('name')} {manifest.get('version')}")


# --- TopoJSON decoding ----------------------------------------------------------------------------------------


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Every arc as absolute coordinates: undo the delta encoding, then the quantization transform."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform is None:  # an unquantized topology stores plain coordinates
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points: list[Point] = []
        for position in arc:
            x += position[0]
            y += position[1]
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_arcs(indexes: Sequence[int], arcs: list[list[T]]) -> list[list[T]]:
    """The arcs of one ring in walking order; ~i (that is -i-1) is arc i reversed."""
    return [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indexes]


def polygons_of(geometry: dict) -> list[list[Sequence[int]]]:
    """A Polygon's or MultiPolygon's rings, as a list of polygons each a list of rings of arc indexes."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["arcs"]]
    if kind == "MultiPolygon":
        return list(geometry["arcs"])
    return []  # a null geometry has no shape to draw


# --- simplification -------------------------------------------------------------------------------------------


def _distance_to_segment(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:  # a closed arc's two ends coincide: distance to that point
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy))


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Keep the points that stray more than tolerance from the simplified line; the ends are always kept.

    Iterative (an explicit stack) so a long coastline cannot hit Python's recursion limit.
    """
    if tolerance <= 0 or len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, worst_index = -1.0, -1
        for index in range(first + 1, last):
            distance = _distance_to_segment(points[index], points[first], points[last])
            if distance > worst:
                worst, worst_index = distance, index
        if worst_index >= 0 and worst > tolerance:
            keep[worst_index] = True
            stack.append((first, worst_index))
            stack.append((worst_index, last))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def to_tenths(points: list[Point]) -> list[tuple[int, int]]:
    """Round to 0.1 px as integers (exact arithmetic from here on) and drop repeated points."""
    out: list[tuple[int, int]] = []
    for x, y in points:
        q = (round(x * TENTHS), round(y * TENTHS))
        if not out or out[-1] != q:
            out.append(q)
    return out


def simplify_arcs(arcs: list[list[Point]], tolerance: float) -> list[list[tuple[int, int]]]:
    # Each arc is simplified once, whatever number of counties share it: shared borders stay identical.
    return [to_tenths(douglas_peucker(arc, tolerance)) for arc in arcs]


# --- assembling county shapes ---------------------------------------------------------------------------------


def assemble_ring(indexes: Sequence[int], arcs: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Join a ring's arcs end to start; each arc after the first repeats its predecessor's last point."""
    ring: list[tuple[int, int]] = []
    for arc in ring_arcs(indexes, arcs):
        for point in arc if not ring else arc[1:]:
            if not ring or ring[-1] != point:
                ring.append(point)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()  # the path's "z" closes it
    return ring


def _number(tenths: int) -> str:
    """An integer count of tenths as the shortest SVG number: 12 -> "1.2", -5 -> "-.5", 30 -> "3"."""
    sign = "-" if tenths < 0 else ""
    whole, fraction = divmod(abs(tenths), TENTHS)
    if fraction == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{fraction}"


def _join(numbers: list[str]) -> str:
    # A minus sign already separates two numbers; otherwise a space does.
    out: list[str] = []
    for number in numbers:
        if out and not number.startswith("-"):
            out.append(" ")
        out.append(number)
    return "".join(out)


def ring_path(ring: list[tuple[int, int]]) -> str:
    """One ring as "M x y l dx dy ... z": absolute start, then relative steps (short, and exact in tenths)."""
    x0, y0 = ring[0]
    steps: list[str] = []
    px, py = x0, y0
    for x, y in ring[1:]:
        steps += [_number(x - px), _number(y - py)]
        px, py = x, y
    return f"M{_join([_number(x0), _number(y0)])}l{_join(steps)}z"


def bbox_of(rings: list[list[tuple[int, int]]]) -> list[float]:
    xs = [x for ring in rings for x, _y in ring]
    ys = [y for ring in rings for _x, y in ring]
    return [min(xs) / TENTHS, min(ys) / TENTHS, max(xs) / TENTHS, max(ys) / TENTHS]


MARKER_HALF_WIDTH = 4  # tenths of a px: a diamond 0.8 px across in the 975x610 space


def marker_ring(raw_arcs: list[list[Point]], geometry: dict) -> list[tuple[int, int]]:
    """A small diamond centred on the mean of a zero-area county's source points."""
    points = [p for polygon in polygons_of(geometry) for indexes in polygon for arc in ring_arcs(indexes, raw_arcs)
              for p in arc]
    cx = round(sum(x for x, _y in points) / len(points) * TENTHS)
    cy = round(sum(y for _x, y in points) / len(points) * TENTHS)
    h = MARKER_HALF_WIDTH
    return [(cx, cy - h), (cx + h, cy), (cx, cy + h), (cx - h, cy)]


def build(topology: dict, tolerance: float) -> dict:
    raw_arcs = decode_arcs(topology)
    arcs = simplify_arcs(raw_arcs, tolerance)
    exact_arcs = simplify_arcs(raw_arcs, 0.0)  # fallback when simplification collapses a whole county
    counties: dict[str, dict] = {}
    for geometry in topology["objects"]["counties"]["geometries"]:
        fips = str(geometry["id"]).zfill(5)
        rings: list[list[tuple[int, int]]] = []
        for polygon in polygons_of(geometry):
            for indexes in polygon:
                ring = assemble_ring(indexes, arcs)
                if len(ring) >= 3:  # a ring rounded down to a line or a dot has no area left to draw
                    rings.append(ring)
        if not rings:  # simplification collapsed every ring: take the rounded source arcs as they are
            for polygon in polygons_of(geometry):
                rings += [ring for indexes in polygon if len(ring := assemble_ring(indexes, exact_arcs)) >= 3]
        marker = False
        if not rings and not any(polygons_of(geometry)):
            print(f"warning: county {fips} has no geometry; left out", file=sys.stderr)
            continue
        if not rings:
            # A few small independent cities (Virginia's Falls Church, Lexington, Manassas Park in 3.0.1) have
            # zero area in the source itself. They still get data, so they are drawn as a small diamond at
            # their place rather than left off the map, and flagged so the docs and the renderer can say so.
            rings, marker = [marker_ring(raw_arcs, geometry)], True
            print(f"note: county {fips} has no area in the source; drawn as a marker", file=sys.stderr)
        county: dict = {
            "name": geometry.get("properties", {}).get("name", fips),
            "path": "".join(ring_path(ring) for ring in rings),
            "bbox": bbox_of(rings),
        }
        if marker:
            county["marker"] = True
        counties[fips] = county
    states: dict[str, dict] = {}
    state_names = {str(g["id"]).zfill(2): g.get("properties", {}).get("name", "")
                   for g in topology["objects"]["states"]["geometries"]}
    for fips, county in counties.items():
        code = fips[:2]
        x0, y0, x1, y1 = county["bbox"]
        if code in states:
            box = states[code]["bbox"]
            states[code]["bbox"] = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
        else:
            states[code] = {"name": state_names.get(code, code), "bbox": [x0, y0, x1, y1]}
    return {
        "source": {
            "package": PACKAGE,
            "version": VERSION,
            "integrity": INTEGRITY,
            "file": SOURCE_FILE,
            "license": "ISC (the package); the boundaries are U.S. Government works in the public domain",
            "boundaries": VINTAGE,
            "space": "Albers USA (d3.geoAlbersUsa scale 1300, translate 487.5 305), 975x610 px, y down",
            "simplification": f"Douglas-Peucker {tolerance} px per shared arc, rounded to 0.1 px",
            "built_by": "tools/county_shapes/build.py",
        },
        "states": dict(sorted(states.items())),
        "counties": dict(sorted(counties.items())),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package-dir", type=Path, help="an unpacked us-atlas tarball (its package/ directory)")
    parser.add_argument("--tolerance", type=float, default=0.1, help="Douglas-Peucker tolerance in px (0: none)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="us-atlas-") as temp:
        package_dir = args.package_dir or fetch_package(Path(temp))
        check_package_dir(package_dir)
        topology = json.loads((package_dir / SOURCE_FILE).read_text(encoding="utf-8"))
    shapes = build(topology, args.tolerance)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(shapes, ensure_ascii=False, separators=(",", ":")) + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: {len(shapes['counties'])} counties in {len(shapes['states'])} states, "
          f"{len(text.encode('utf-8')):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
