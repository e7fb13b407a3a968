"""Read a scanned page the way the deployed analysis function does: only the built layers on ``sys.path`` (this
venv's site-packages left out), no ``tesseract`` binary, the language data from the layer's ``tessdata/``.

Catches what the size check cannot: a layer without tesserocr or ``por.traineddata``, a shared object that no
longer loads, a settings name that does not reach the OCR. Usage (after ``sam build``, from the repository root):
``python scripts/check_layer_ocr.py [BUILD_DIR]`` (default ``.aws-sam/build``); exits 1 when the page is not read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("SharedLayer", "ApiDepsLayer", "AnalysisDepsLayer")  # AnalysisFunction: Globals' layers, then its own
EXPECTED = "005/2025"

PROBE = f"""
import sys
import pymupdf
from licita.documents import read_document
from licita.documents.ocr import tesseract_path

assert tesseract_path() is None, "a tesseract binary was found: this check must run without one"
out = pymupdf.open()
scan = pymupdf.open()
scan.new_page(width=420, height=160).insert_text((20, 80), "PREGAO ELETRONICO {EXPECTED}", fontsize=18)
picture = scan[0].get_pixmap(dpi=150).tobytes("png")
out.new_page().insert_image(out[0].rect, stream=picture)
final = list(read_document(out.tobytes(), "scan.pdf"))[-1]
text = final.pages[0].text
print(repr(text.strip()[:80]), "from", pymupdf.__file__.rsplit("/python/", 1)[0])
sys.exit(0 if "{EXPECTED}" in text else 1)
"""


def main(argv: list[str]) -> int:
    build = Path(argv[0]) if argv else ROOT / ".aws-sam" / "build"
    paths = [str(build / layer / "python") for layer in LAYERS]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "TESSDATA"))}
    env |= {"LICITA_TESSERACT": "/nonexistent/tesseract", "PYTHONDONTWRITEBYTECODE": "1",
            "LICITA_TESSDATA": str(build / "AnalysisDepsLayer" / "tessdata")}
    code = f"import sys; sys.path[:0] = {paths!r}; sys.path[:] = [p for p in sys.path if 'site-packages' not in p]\n"
    proc = subprocess.run([sys.executable, "-I", "-c", code + PROBE], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    print(f"layer OCR check: {proc.stdout.strip() or proc.stderr.strip().splitlines()[-1:]}")
    if proc.returncode:
        print(proc.stderr[-2000:], file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
