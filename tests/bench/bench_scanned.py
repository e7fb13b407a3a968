"""How the extractor holds up when the same editais arrive scanned: every text-layer PDF of a labelled folder is
printed to images (no text layer), read back by the OCR the pipeline uses, and scored against the same labels.

Run: ``python tests/bench/bench_scanned.py [DIR] [--variants clean,degraded,binarized] [--cache DIR] [--keep DIR]``
(not collected by pytest; ``make bench-scanned``). DIR defaults to ``../shared/data/tenders``.

Variants (deterministic: fixed seeds):
- ``clean``: each page rendered at 200 dpi in grey, as a good office scanner gives it;
- ``degraded``: 200 dpi, skewed by up to 0.9°, blurred (radius 0.7) and saved as JPEG at quality 45, as a
  photocopy scanned to PDF gives it;
- ``binarized``: 150 dpi, skewed by up to 1.2°, black and white at a fixed threshold, as a fax or a cheap
  multifunction printer gives it.

The first row is the text layer itself (no OCR) on the same documents, so each variant's loss is measured
against the same documents in the same run. What the figure does not show: real scans add what no rendering
reproduces (stamps, handwriting, folds, photographs of pages); the documents are those the rules were developed
against, so this measures robustness to scanning, not generality. OCR takes ~1 CPU-s a page: a first run of the
three variants on the shared set (~560 pages each) takes ~20 min on 2 cores; ``--cache`` keeps the OCR'd pages
for reruns.
"""

from __future__ import annotations

import argparse
import importlib
import io
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter

from licita.documents.extract import extract_document
from licita.documents.ocr_cache import DirectoryOcrCache, MemoryOcrCache, OcrCache, TieredOcrCache
from licita.extraction import extract_tender
from licita.extraction.evaluate import EvalReport, evaluate_folder, format_table, labelled_documents

pymupdf: Any = importlib.import_module("pymupdf")  # untyped: kept out of mypy's view, as in bench_ocr
DEFAULT_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tenders"
VARIANTS = ("clean", "degraded", "binarized")


def _clean(page: Any, rng: random.Random) -> bytes:
    return bytes(page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY).tobytes("png"))


def _degraded(page: Any, rng: random.Random) -> bytes:
    pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    image = image.rotate(rng.uniform(-0.9, 0.9), resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=45)
    return out.getvalue()


def _binarized(page: Any, rng: random.Random) -> bytes:
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    image = image.rotate(rng.uniform(-1.2, 1.2), resample=Image.Resampling.BILINEAR, fillcolor=255)
    image = image.point(lambda v: 255 if v > 150 else 0).convert("1")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


RENDER: dict[str, Callable[[Any, random.Random], bytes]] = {
    "clean": _clean, "degraded": _degraded, "binarized": _binarized,
}


SEEDS = {"clean": 7, "degraded": 7, "binarized": 11}


def print_as_scanned(source: Path, target: Path, variant: str) -> int:
    """Image-only copies of the text-layer PDFs of ``source`` (labels copied); returns the page count."""
    target.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEEDS[variant])
    pages = 0
    for path, truth in labelled_documents(source):
        if path.suffix.lower() != ".pdf":
            continue
        with pymupdf.open(path) as doc:
            if not any(page.get_text().strip() for page in doc):
                continue  # already a scan: nothing to print
            with pymupdf.open() as scanned:
                for page in doc:
                    image = RENDER[variant](page, rng)
                    new = scanned.new_page(width=page.rect.width, height=page.rect.height)
                    new.insert_image(new.rect, stream=image)
                    pages += 1
                scanned.save(target / path.name, deflate=True)
        shutil.copy(truth, target / truth.name)
    return pages


def _analyze(cache: OcrCache) -> Callable[[bytes, str, bool], dict[str, Any]]:
    def analyze(data: bytes, name: str, ocr: bool) -> dict[str, Any]:
        return extract_tender(extract_document(data, name, ocr=ocr, cache=cache)).to_dict()
    return analyze


def _text_layer_copy(source: Path, target: Path, names: set[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path, truth in labelled_documents(source):
        if path.name in names:
            shutil.copy(path, target / path.name)
            shutil.copy(truth, target / truth.name)


def _line(label: str, report: EvalReport, seconds: float, pages: int | None) -> str:
    per_page = f"{seconds / pages:.2f} s/page" if pages else "-"
    return f"{label:<12} {report.right:>4}/{report.total:<4} {report.accuracy:>6.1%}  {seconds:>7.1f} s  {per_page}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--cache", type=Path, help="keep OCR'd pages here (reruns read them back)")
    parser.add_argument("--keep", type=Path, help="write the image-only PDFs here instead of a temporary folder")
    parser.add_argument("--details", action="store_true", help="per-document and per-field tables per variant")
    args = parser.parse_args(argv)
    if not args.dir.is_dir():
        print(f"bench_scanned: {args.dir} not found (the shared data set is not here)", file=sys.stderr)
        return 2
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in RENDER]
    if unknown:
        parser.error(f"unknown variants {unknown}; expected some of {list(VARIANTS)}")
    directory = DirectoryOcrCache(args.cache) if args.cache else None
    cache = TieredOcrCache(MemoryOcrCache(), directory)
    work = args.keep or Path(tempfile.mkdtemp(prefix="licita-scanned-"))
    try:
        rows: list[str] = []
        reports: dict[str, EvalReport] = {}
        names: set[str] = set()
        for variant in variants:
            folder = work / variant
            pages = print_as_scanned(args.dir, folder, variant)
            names = {p.name for p, _ in labelled_documents(folder)}
            started = time.perf_counter()
            reports[variant] = evaluate_folder(folder, ocr=True, analyze=_analyze(cache))
            rows.append(_line(variant, reports[variant], time.perf_counter() - started, pages))
        _text_layer_copy(args.dir, work / "text-layer", names)
        started = time.perf_counter()
        baseline = evaluate_folder(work / "text-layer", ocr=False)
        print(f"{len(names)} text-layer PDFs of {args.dir}, printed to images and read back by OCR")
        print(f"{'variant':<12} {'right':>9} {'acc':>7}  {'time':>9}  (read + rules; OCR cache: "
              f"{args.cache or 'memory only'})")
        print(_line("text layer", baseline, time.perf_counter() - started, None))
        print("\n".join(rows))
        print("\nfields lost against the text layer (documents):")
        base = baseline.per_field()
        for variant, report in reports.items():
            lost = {name: base[name][0] - right for name, (right, _) in report.per_field().items()
                    if base[name][0] - right}
            print(f"  {variant:<10} " + (", ".join(f"{k} {v}" for k, v in sorted(lost.items(), key=lambda kv: -kv[1]))
                                         or "none"))
        if args.details:
            for variant, report in reports.items():
                print(f"\n== {variant}\n{format_table(report)}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
