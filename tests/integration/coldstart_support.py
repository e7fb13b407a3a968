"""Run a few lines in a fresh interpreter, the way a Lambda container starts: the project's functions
loaded by path (``load("notifications")``), nothing imported beforehand, the last printed line read as JSON.
For tests that check what a function's cold path imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

LOADER = textwrap.dedent("""
    import importlib.util, json, sys
    def load(name):
        spec = importlib.util.spec_from_file_location(name, f"functions/{name}/app.py")
        module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); return module
""")


def run_fresh(script: str, *args: str) -> Any:
    """``script`` (after :data:`LOADER`) in a new process with ``shared/`` on the path; its last line as JSON."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", LOADER + textwrap.dedent(script), *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])
