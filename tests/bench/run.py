"""Run every benchmark script in this folder, one after another, and let each print its figures.

``BENCH_ONLY=pipeline,fanout`` runs a subset. Each script also records its figures through ``common.record``;
they are written, with the machine's load,
to ``bench-results/<UTC date-time>.json`` so two runs can be compared (``compare.py``, ``make bench-compare``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parents[1] / "bench-results"
ORDER = ["bench_platform.py", "bench_extraction.py", "bench_pipeline.py", "bench_notifications.py"]


def main() -> int:
    scripts = [HERE / name for name in ORDER if (HERE / name).exists()]
    scripts += sorted(p for p in HERE.glob("bench_*.py") if p.name not in ORDER)
    only = {f"bench_{name.strip()}.py" for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    if only:  # e.g. BENCH_ONLY=pipeline,fanout: a subset, same JSON record
        scripts = [p for p in scripts if p.name in only]
    failed = 0
    started = datetime.now(UTC)
    with tempfile.NamedTemporaryFile(prefix="licita-bench-", suffix=".jsonl", delete=False) as tmp:
        figures_path = Path(tmp.name)
    env = {**os.environ, "LICITA_BENCH_FIGURES": str(figures_path)}
    outcomes: dict[str, int] = {}
    for script in scripts:
        print(f"\n##### {script.name}", flush=True)
        code = subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False, env=env).returncode
        outcomes[script.name] = code
        failed += code != 0
    figures = [json.loads(line) for line in figures_path.read_text().splitlines() if line.strip()]
    figures_path.unlink()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{started.strftime('%Y-%m-%dT%H-%M-%SZ')}.json"
    out.write_text(json.dumps({"started": started.isoformat(), "cpus": os.cpu_count(),
                               "load_avg": os.getloadavg(), "scripts": outcomes, "figures": figures}, indent=1))
    print(f"\n{len(figures)} figures written to {out.relative_to(RESULTS.parent)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
