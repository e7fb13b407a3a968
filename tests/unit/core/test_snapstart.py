"""SnapStart hooks: priming loads what the lazy imports defer and opens no connection; registration only
happens where Lambda's runtime module exists."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from licita import snapstart

ROOT = Path(__file__).resolve().parents[3]

PRIME_IN_FRESH_PROCESS = """
import json, sys
from licita.core.lazy import lazy_import, load_all
service = lazy_import("licita.tenders.service")
before = "sqlalchemy.orm" in sys.modules
from licita.snapstart import prime
steps = prime()
from licita.tenders.models import Tender
print(json.dumps({"before": before, "after": all(m in sys.modules for m in ("sqlalchemy.orm", "psycopg", "pymongo")),
                  "configured": Tender.__mapper__.configured, "steps": sorted(steps), "again": load_all()}))
"""


def test_prime_loads_the_lazy_modules_and_configures_the_mappers_without_connecting() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "shared"),
           # an address nothing listens on: priming must not connect (a snapshot must not hold sockets)
           "DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:9/none", "REDIS_URL": "redis://127.0.0.1:9/0"}
    out = subprocess.run([sys.executable, "-c", PRIME_IN_FRESH_PROCESS], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"before": False, "after": True, "configured": True, "steps": ["drivers", "lazy_modules", "orm"],
                      "again": []}


def test_register_is_a_no_op_outside_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as outside Lambda's runtime
    assert snapstart.register() is False


def test_register_hands_both_hooks_to_the_lambda_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_before_snapshot = lambda fn: seen.setdefault("before", fn)  # type: ignore[attr-defined]
    runtime.register_after_restore = lambda fn: seen.setdefault("after", fn)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    assert snapstart.register() is True
    assert seen == {"before": snapstart.prime, "after": snapstart.after_restore}
