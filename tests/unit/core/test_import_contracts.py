"""The import contracts (.importlinter) hold, so `make test` fails on a new cycle even when lint is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path, *args: str, pythonpath: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (pythonpath, str(ROOT), str(ROOT / "shared")) if p)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=240, check=False)


def test_the_repository_keeps_every_import_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 broken" in result.stdout


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_private_contract_rejects_another_areas_private_module_and_name(tmp_path: Path) -> None:
    _package(tmp_path, {
        "demo/__init__.py": "",
        "demo/alpha/__init__.py": "",
        "demo/alpha/_helpers.py": "X = 1\n",
        "demo/alpha/service.py": "from demo.alpha._helpers import X\n_secret = X\n",
        "demo/beta/__init__.py": "",
        "demo/beta/service.py": "from demo.alpha._helpers import X\nfrom demo.alpha.service import _secret\n",
    })
    (tmp_path / "contracts.ini").write_text(
        "[importlinter]\nroot_packages =\n    demo\ncontract_types =\n"
        "    private_modules: scripts.import_contracts.PrivateModulesContract\n\n"
        "[importlinter:contract:private]\nname = private\ntype = private_modules\ncontainers =\n    demo\n"
    )
    result = _lint(tmp_path, "--config", "contracts.ini", pythonpath=str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "demo.beta.service -> demo.alpha._helpers" in result.stdout
    assert "private _secret" in result.stdout
    assert "demo.alpha.service -> demo.alpha._helpers" not in result.stdout  # inside its own area: fine


def test_layers_contract_rejects_an_upward_import(tmp_path: Path) -> None:
    """The real config, on a copy of the package with one upward import (core → an area)."""
    import shutil

    shutil.copytree(ROOT / "shared" / "licita", tmp_path / "licita", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    target = tmp_path / "licita" / "core" / "time.py"
    target.write_text(target.read_text() + "\nfrom licita.tenders import models as _cycle  # noqa\n")
    result = _lint(tmp_path, pythonpath=str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "licita.core is not allowed to import licita.tenders" in result.stdout
