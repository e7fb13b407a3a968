"""Ratios between the last two ``make bench`` runs (bench-results/*.json): value and, where the figure has one,
the figure/reference ratio, which is what stays comparable on a machine whose load changed between runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "bench-results"


def _key(row: dict[str, object]) -> str:
    return f"{row['bench']}: {row['name']}"


def main() -> int:
    runs = sorted(RESULTS.glob("*.json"))
    if len(runs) < 2:
        print(f"need two runs in {RESULTS} (have {len(runs)}): run `make bench` twice")
        return 1
    before, after = (json.loads(p.read_text()) for p in runs[-2:])
    print(f"before: {runs[-2].name} (load {before['load_avg'][0]:.1f})   after: {runs[-1].name} "
          f"(load {after['load_avg'][0]:.1f})")
    old = {_key(r): r for r in before["figures"]}
    print(f"{'figure':70} {'before':>10} {'after':>10} {'after/before':>12} {'vs ref (b→a)':>16}")
    for row in after["figures"]:
        prev = old.get(_key(row))
        unit = row["unit"]
        if prev is None:
            print(f"{_key(row)[:70]:70} {'-':>10} {row['value']:>8.4g}{unit[:2]:2} {'new':>12}")
            continue
        ratio = row["value"] / prev["value"] if prev["value"] else float("nan")
        refs = (f"{prev['ratio']:.3g}→{row['ratio']:.3g}" if row.get("ratio") is not None
                and prev.get("ratio") is not None else "")
        print(f"{_key(row)[:70]:70} {prev['value']:>10.4g} {row['value']:>10.4g} {ratio:>11.2f}x {refs:>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
