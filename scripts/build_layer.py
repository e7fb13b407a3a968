"""Build one Lambda layer for ``sam build`` (template.yaml: ``BuildMethod: makefile``): its files, then their bytecode.

Lambda mounts layers read-only and SAM's python builder ships no ``__pycache__``, so every cold start compiled
each module it imported: ~90 ms of GET /tenders' cold start for our own package alone, and the same again for
pydantic, SQLAlchemy and friends (tests/bench/bench_platform.py measures the built package). The bytecode is
compiled here with unchecked hashes: a layer never changes after its build, and zip extraction does not keep the
sources' mtimes, which timestamp-checked bytecode compares (a mismatch means compiling again, in memory, on
every cold start).

A dependency layer also drops what must not ship in it (``--drop``): what the Lambda runtime provides (boto3,
botocore: a layer's botocore shadowed the runtime's beside the runtime's boto3) and what nothing imports at run
time (chalice's CLI and packaging tools: pip, setuptools, wheel, click, PyYAML, inquirer and what inquirer pulls
in; ``chalice.app`` imports only the standard library). Shared objects are stripped of their symbol tables,
then every extension module is imported to prove they still load. A layer deployed beside another
(``--beside``) resolves against that one's pins and leaves out what it already ships: /opt is one folder, and two
versions of pydantic extracted over each other are neither. Lambda's limit is 250 MB unzipped per function,
layers included.

Usage (from the repository root; the layers' Makefiles call it):
    python scripts/build_layer.py ARTIFACTS_DIR --package shared/licita
    python scripts/build_layer.py ARTIFACTS_DIR --requirements layers/api/requirements.txt --drop pip ...
    python scripts/build_layer.py ARTIFACTS_DIR --requirements layers/analysis/requirements.txt \
        --beside layers/api/requirements.txt --tessdata por
"""

from __future__ import annotations

import argparse
import compileall
import csv
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RUNTIME = (3, 13)  # template.yaml Globals Runtime: python3.13 (bytecode is specific to the minor version)
ARCHITECTURE = "x86_64"  # template.yaml Globals Architectures
# Lambda's python3.13 runs on Amazon Linux 2023 (glibc 2.34): any wheel tagged up to manylinux_2_34 runs there.
PLATFORMS = [f"manylinux_2_34_{ARCHITECTURE}", f"manylinux_2_28_{ARCHITECTURE}", f"manylinux2014_{ARCHITECTURE}"]


def _pip(*args: str) -> None:
    """pip for Lambda's platform, whatever this machine is (wheels only: never an sdist built for the wrong one)."""
    platforms = [arg for tag in PLATFORMS for arg in ("--platform", tag)]
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *platforms,
                    "--implementation", "cp", "--python-version", ".".join(map(str, RUNTIME)),
                    "--only-binary=:all:", *args], check=True)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def constraints_of(requirements: Path) -> str:
    """A requirements file as pip constraints (constraints take no extras)."""
    lines = (line.split("#", 1)[0].strip() for line in requirements.read_text().splitlines())
    return "\n".join(re.sub(r"\[[^]]*]", "", line) for line in lines if line) + "\n"


def resolved_names(requirements: Path) -> set[str]:
    """Every distribution ``requirements`` installs (dependencies included), as pip resolves it for Lambda."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        _pip("--dry-run", "--ignore-installed", "--target", scratch, "--report", str(report),
             "--requirement", str(requirements))
        return {_canonical(item["metadata"]["name"]) for item in json.loads(report.read_text())["install"]}


def drop_distributions(target: Path, names: set[str]) -> None:
    """Remove installed distributions by their RECORD (every file they installed, nothing else)."""
    for dist_info in target.glob("*.dist-info"):
        if _canonical(dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]) not in names:
            continue
        with (dist_info / "RECORD").open(newline="") as record:
            files = [target / row[0] for row in csv.reader(record) if row]
        for path in files:
            path.unlink(missing_ok=True)
        folders = {parent for p in files for parent in p.relative_to(target).parents if parent.parts}
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):  # deepest first
            if (target / folder).is_dir() and not any((target / folder).iterdir()):
                (target / folder).rmdir()
        shutil.rmtree(dist_info, ignore_errors=True)


def install_requirements(requirements: Path, target: Path, drop: set[str], beside: Path | None) -> None:
    extra: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        if beside is not None:
            constraints = Path(scratch) / "constraints.txt"
            constraints.write_text(constraints_of(beside))
            extra = ["--constraint", str(constraints)]
            drop = drop | resolved_names(beside)
        _pip("--requirement", str(requirements), "--target", str(target), "--no-compile", "--upgrade", *extra)
    drop_distributions(target, {_canonical(name) for name in drop})
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: nothing runs them in a layer


def installed_tessdata() -> Path | None:
    """The tessdata folder of this machine's Tesseract (``TESSDATA_PREFIX``, else what ``tesseract`` reports)."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix and Path(prefix).is_dir():
        return Path(prefix)
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    proc = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    found = re.search(r'"([^"]+)"', proc.stdout + proc.stderr)
    return Path(found.group(1)) if found and Path(found.group(1)).is_dir() else None


def copy_tessdata(languages: list[str], layer_root: Path) -> str | None:
    """Copy ``LANG.traineddata`` into the layer's ``tessdata/`` (``/opt/tessdata`` on Lambda); an error or None.

    The data comes from the build machine's Tesseract (Debian's ``tesseract-ocr-por``: the LSTM "fast" model the
    tests and benches measured), so Lambda reads scans with the same model as the local runtime.
    """
    source = installed_tessdata()
    missing = [lang for lang in languages if source is None or not (source / f"{lang}.traineddata").is_file()]
    if missing:
        return (f"no {', '.join(missing)}.traineddata on this machine (install tesseract-ocr-{missing[0]}, or set "
                "TESSDATA_PREFIX): the analysis layer ships it for OCR on Lambda")
    assert source is not None
    (layer_root / "tessdata").mkdir(parents=True, exist_ok=True)
    for lang in languages:
        shutil.copy2(source / f"{lang}.traineddata", layer_root / "tessdata" / f"{lang}.traineddata")
    return None


def extension_modules(target: Path) -> list[str]:
    """Dotted names of the extension modules in ``target`` (``pymupdf/_mupdf.so`` -> ``pymupdf._mupdf``)."""
    names = []
    for path in sorted(target.rglob("*.so")):
        relative = path.relative_to(target)
        if any(part.endswith(".libs") or part == "__pycache__" for part in relative.parts[:-1]):
            continue  # vendored shared libraries (auditwheel), loaded by the extensions that need them
        stem = path.name.split(".", 1)[0]
        if not stem.isidentifier() or not all(part.isidentifier() for part in relative.parts[:-1]):
            continue
        names.append(".".join([*relative.parts[:-1], stem]))
    return names


def failing_imports(target: Path, modules: list[str]) -> list[str]:
    """The ``modules`` that do not import from ``target`` (pure-Python dependencies may come from this venv)."""
    probe = ("import importlib, sys\n"
             "for name in sys.argv[1:]:\n"
             "    try:\n"
             "        importlib.import_module(name)\n"
             "    except Exception as exc:\n"
             "        print(f'{name}: {exc!r}')\n")
    env = {**os.environ, "PYTHONPATH": str(target), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", probe, *modules], capture_output=True, text=True, env=env,
                          cwd=target, timeout=300, check=False)
    return [line for line in proc.stdout.splitlines() if line] + ([proc.stderr.strip()] if proc.returncode else [])


def strip_shared_objects(target: Path) -> int:
    """Strip the symbol tables wheels leave in their shared objects (PyMuPDF's bindings, cryptography's Rust
    module, libtesseract...): ~11 MB, which OCR needs to stay under Lambda's 250 MB. Returns the bytes saved.

    ``--strip-unneeded`` keeps what the dynamic linker uses; a file strip would not make smaller is left as it
    is. The caller imports every extension module afterwards, so a library this broke fails the build, not Lambda.
    """
    strip = shutil.which("strip")
    if strip is None:
        return 0
    saved = 0
    for path in target.rglob("*.so*"):
        if not path.is_file() or path.is_symlink():
            continue
        with path.open("rb") as head:
            if head.read(4) != b"\x7fELF":
                continue
        stripped = path.with_name(path.name + ".stripped")
        proc = subprocess.run([strip, "--strip-unneeded", "-o", str(stripped), str(path)], capture_output=True,
                              check=False)
        if proc.returncode == 0 and stripped.stat().st_size < path.stat().st_size:
            saved += path.stat().st_size - stripped.stat().st_size
            shutil.copymode(path, stripped)
            stripped.replace(path)
        else:
            stripped.unlink(missing_ok=True)
    return saved


def copy_package(package: Path, target: Path) -> None:
    shutil.copytree(package, target / package.name, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def compile_tree(target: Path) -> bool:
    return compileall.compile_dir(target, quiet=1, workers=0,
                                  invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("artifacts_dir", type=Path, help="where SAM collects the layer ($ARTIFACTS_DIR)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--package", type=Path, help="a package folder to ship as it is (shared/licita)")
    source.add_argument("--requirements", type=Path, help="a requirements file to install for Lambda")
    parser.add_argument("--drop", nargs="*", default=[], help="distributions to leave out of a dependency layer")
    parser.add_argument("--beside", type=Path, help="requirements of a layer this one is deployed with")
    parser.add_argument("--tessdata", nargs="*", default=[], metavar="LANG",
                        help="Tesseract languages to ship in tessdata/ (e.g. por)")
    args = parser.parse_args(argv)
    if sys.version_info[:2] != RUNTIME:
        print(f"build_layer: needs Python {'.'.join(map(str, RUNTIME))} (the Lambda runtime) to write its "
              f"bytecode; this is {sys.version.split()[0]}", file=sys.stderr)
        return 2
    target = args.artifacts_dir / "python"
    target.mkdir(parents=True, exist_ok=True)
    if args.tessdata and (error := copy_tessdata(args.tessdata, args.artifacts_dir)):
        print(f"build_layer: {error}", file=sys.stderr)
        return 1
    if args.package:
        copy_package(args.package, target)
    else:
        install_requirements(args.requirements, target, set(args.drop), args.beside)
        modules = extension_modules(target)
        before = set(failing_imports(target, modules))  # a module may need another layer's dependencies
        saved = strip_shared_objects(target)
        broken = [line for line in failing_imports(target, modules) if line not in before]
        if broken:
            print("build_layer: stripping broke these extension modules:\n  " + "\n  ".join(broken), file=sys.stderr)
            return 1
        print(f"build_layer: stripping saved {saved / 1e6:.1f} MB; {len(modules) - len(before)} of {len(modules)} "
              "extension modules import (as many as before)")
    if not compile_tree(target):
        print("build_layer: some modules did not compile", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
