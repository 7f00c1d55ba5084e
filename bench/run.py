"""Handbill benchmarks: ``make bench`` (or ``python bench/run.py [SECTION…]``).

Each section is a module ``bench/<name>.py`` with a ``section()`` function returning rows
``(label, measured, baseline, ratio, target)``. Every ratio is measured in the same run as its
baseline, on this machine, so the numbers compare like with like. Sections run inside an app
context of the installed app (``create_app()``, the instance database ``make db`` prepared) and may
build their own throw-away apps as well. To add a section, add its name to ``SECTIONS``.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

# Section name -> module in bench/ exposing ``section() -> list[(label, measured, baseline, ratio, target)]``.
SECTIONS = [
    ("leaflet", "leaflet"),
    ("packs", "packs"),
    ("cards", "cards"),
    ("signups", "signups"),
    ("images", "images"),
    ("kit", "kit"),
]

HEADER = ("benchmark", "measured", "baseline", "ratio", "target", "")


def verdict(ratio, target) -> str:
    """``ok``/``MISSED`` when the target is a plain ratio bound like ``≤ 1.2×`` or ``≥ 20×``; else blank."""
    match = re.fullmatch(r"\s*(≤|<=|≥|>=)\s*([0-9.]+)\s*×.*", str(target))
    if not match or not isinstance(ratio, (int, float)):
        return ""
    bound = float(match.group(2))
    ok = ratio <= bound if match.group(1) in ("≤", "<=") else ratio >= bound
    return "ok" if ok else "MISSED"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.4f}"
    return str(value)


def print_table(rows: list[tuple], out=sys.stdout) -> None:
    """Rows as an aligned plain-text table (labels wrap at 72 characters)."""
    table = [HEADER] + [tuple(_cell(v) for v in row[:5]) + (verdict(row[3], row[4]),) for row in rows]
    widths = [min(72, max(len(r[0]) for r in table))] + [max(len(r[i]) for r in table) for i in range(1, 6)]
    for index, row in enumerate(table):
        label = row[0]
        lines = [label[i:i + widths[0]] for i in range(0, max(len(label), 1), widths[0])]
        first = "  ".join([lines[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])])
        print(first.rstrip(), file=out)
        for more in lines[1:]:
            print("  " + more, file=out)
        if index == 0:
            print("-" * (sum(widths) + 2 * 5), file=out)


def run(names: list[str]) -> int:
    """Run the chosen sections (all by default); return the number of sections that failed."""
    from campaign import create_app

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    app = create_app()
    failures = 0
    known = dict(SECTIONS)
    for name in names or [n for n, _ in SECTIONS]:
        if name not in known:
            print(f"unknown section {name!r}; choose from {', '.join(known)}", file=sys.stderr)
            failures += 1
            continue
        try:
            module = importlib.import_module(known[name])
        except ModuleNotFoundError as exc:
            if exc.name != known[name]:
                raise
            print(f"\n== {name}: not installed (bench/{known[name]}.py is missing)")
            continue
        print(f"\n== {name}")
        started = time.perf_counter()
        try:
            with app.app_context():
                rows = module.section()
        except Exception:  # noqa: BLE001 - one broken section must not hide the others
            failures += 1
            traceback.print_exc()
            continue
        print_table(rows)
        print(f"({name}: {time.perf_counter() - started:.1f} s)")
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", help="sections to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, module in SECTIONS:
            print(f"{name}\tbench/{module}.py")
        return 0
    return 1 if run(args.sections) else 0


if __name__ == "__main__":
    sys.exit(main())
