"""scripts/build_layer.py on real wheels' files: which extension modules it finds, and that stripping their
symbol tables keeps them loading (tesserocr: auditwheel-patched libraries, the case strip is known to break)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))

import build_layer  # noqa: E402


def test_extension_modules_are_named_as_imported_and_vendored_libraries_are_left_out(tmp_path: Path) -> None:
    for name in ("pymupdf/_mupdf.so", "cryptography/hazmat/bindings/_rust.abi3.so",
                 "jiter/jiter.cpython-313-x86_64-linux-gnu.so", "tesserocr.libs/libtesseract-9721d5b3.so.5.5.4",
                 "pymupdf/libmupdf.so.28.2", "odd-name/x.so"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert build_layer.extension_modules(tmp_path) == [
        "cryptography.hazmat.bindings._rust", "jiter.jiter", "pymupdf._mupdf"]


@pytest.mark.skipif(shutil.which("strip") is None, reason="binutils' strip is not installed")
def test_stripping_keeps_tesserocr_loading_and_makes_it_smaller(tmp_path: Path) -> None:
    spec = importlib.util.find_spec("tesserocr")
    assert spec is not None and spec.origin is not None  # a declared dependency
    site = Path(spec.origin).parents[1]
    for folder in ("tesserocr", "tesserocr.libs"):
        shutil.copytree(site / folder, tmp_path / folder)
    before = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    saved = build_layer.strip_shared_objects(tmp_path)
    after = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert saved > 0 and after == before - saved
    assert build_layer.failing_imports(tmp_path, build_layer.extension_modules(tmp_path)) == []
    assert not list(tmp_path.rglob("*.stripped"))


def test_a_module_that_does_not_load_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "__init__.py").write_text("")
    (tmp_path / "broken" / "_native.so").write_bytes(b"\x7fELF not really")
    [line] = build_layer.failing_imports(tmp_path, ["broken._native"])
    assert line.startswith("broken._native: ImportError")
