"""OCR speed and quality on the scanned shared documents: settings table, then before vs after.

Run: ``python tests/bench/bench_ocr.py [--skip-table] [--only NAME] [--rapidocr-path DIR]``
(not collected by pytest).

1. Settings table: render DPI x Tesseract page segmentation (x image format) on a sample of pages
   of every scanned document: CPU seconds a page (render in this process, Tesseract in children),
   and quality as the share of OCR'd words (>= 3 letters) found in the vocabulary of the shared
   set's text-layer documents. CPU seconds are the honest number on a busy machine; wall time
   depends on what else runs. With ``--rapidocr-path`` (a folder with ``rapidocr`` and
   ``onnxruntime`` installed, e.g. ``pip install --target DIR rapidocr onnxruntime``) RapidOCR
   (models shipped in its wheel) is measured on the same pages.
2. Per document, in the same run: "before" = the previous settings (300 dpi PNG, psm 3, pages in
   order, one phase) and "after" = the defaults (two-phase read, priority pages first). Prints
   time to the first useful result (document read + rules), pages/s of the whole read, the
   extraction score of the complete document (17 fields), CPU seconds a page (this process and
   its Tesseract children: the fair number when other work shares the machine), and how many of the quick fields
   (kind, modality, number, process, agency, object, session, value) the first result already
   has right. Both runs use an empty OCR cache; a last line shows a re-read served by the cache.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import resource
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TENDERS = ROOT.parent / "shared" / "data" / "tenders"
sys.path.insert(0, str(ROOT / "shared"))

from licita.documents import MemoryOcrCache, OcrSettings, read_document  # noqa: E402
from licita.documents.ocr import ocr_image  # noqa: E402
from licita.extraction import extract_tender  # noqa: E402
from licita.extraction.scoring import score  # noqa: E402

BEFORE = OcrSettings(dpi=300, psm=3, image_format="png")
QUICK_FIELDS = ("document_kind", "modality", "number", "process_number", "agency", "object",
                "session_datetime", "estimated_value")
# (dpi, psm, image format) measured in the table; the first row is the previous default.
GRID = [(300, 3, "png"), (300, 3, "pnm"), (200, 3, "pnm"), (150, 3, "pnm"), (200, 6, "pnm")]
SAMPLE_PAGES = 3  # per document: first page, a middle page, the last page


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]{3,}", _fold(text))


def _vocabulary() -> set[str]:
    pymupdf: Any = importlib.import_module("pymupdf")

    vocab: set[str] = set()
    for path in TENDERS.glob("*.pdf"):
        if "scanned" in path.name:
            continue
        with pymupdf.open(path) as doc:
            for page in doc:
                vocab.update(_words(page.get_text()))
    return vocab


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sample(paths: list[Path]) -> list[tuple[str, int]]:
    pymupdf: Any = importlib.import_module("pymupdf")

    out: list[tuple[str, int]] = []
    for path in paths:
        with pymupdf.open(path) as doc:
            n = doc.page_count
        picks = sorted({0, n // 2, n - 1})[:SAMPLE_PAGES]
        out.extend((str(path), i) for i in picks)
    return out


def settings_table(paths: list[Path], vocab: set[str], rapidocr_path: str | None) -> None:
    pymupdf: Any = importlib.import_module("pymupdf")

    pages = _sample(paths)
    print(f"Settings table: {len(pages)} pages ({', '.join(f'{Path(p).name[:14]}#{i + 1}' for p, i in pages)})")
    print(f"{'engine':<10} {'dpi':>4} {'psm':>3} {'fmt':>4} {'render cpu s/p':>15} {'ocr cpu s/p':>12} "
          f"{'wall s/p':>9} {'words':>6} {'known':>6}")
    docs = {p: pymupdf.open(p) for p, _ in pages}
    reference_words = 0
    for dpi, psm, fmt in GRID:
        render_cpu = ocr_cpu = wall = 0.0
        known = total = 0
        for path, index in pages:
            c0 = time.process_time()
            pix = docs[path].load_page(index).get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
            image = pix.tobytes(fmt)
            render_cpu += time.process_time() - c0
            k0, t0 = _child_cpu(), time.perf_counter()
            words = _words(ocr_image(image, psm=psm, dpi=dpi))
            ocr_cpu += _child_cpu() - k0
            wall += time.perf_counter() - t0
            known += sum(w in vocab for w in words)
            total += len(words)
        reference_words = reference_words or total
        n = len(pages)
        print(f"{'tesseract':<10} {dpi:>4} {psm:>3} {fmt:>4} {render_cpu / n:>15.2f} {ocr_cpu / n:>12.2f} "
              f"{wall / n:>9.2f} {total:>6} {known / max(1, total):>6.3f}", flush=True)
    if rapidocr_path:
        _rapidocr_rows(docs, pages, vocab, rapidocr_path)
    for doc in docs.values():
        doc.close()


def _rapidocr_rows(docs: dict[str, Any], pages: list[tuple[str, int]], vocab: set[str], folder: str) -> None:
    pymupdf: Any = importlib.import_module("pymupdf")

    sys.path.insert(0, folder)
    try:
        from rapidocr import RapidOCR  # type: ignore[import-not-found]
    except ImportError as exc:
        print(f"rapidocr not importable from {folder}: {exc}")
        return
    t0 = time.perf_counter()
    engine = RapidOCR(params={"Global.log_level": "warning"})
    print(f"(rapidocr model load {time.perf_counter() - t0:.1f} s)")
    for dpi in (150,):
        cpu = wall = 0.0
        known = total = 0
        for path, index in pages:
            png = docs[path].load_page(index).get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB).tobytes("png")
            c0, t1 = time.process_time(), time.perf_counter()
            result = engine(png)
            cpu += time.process_time() - c0
            wall += time.perf_counter() - t1
            words = _words("\n".join(result.txts or ()))
            known += sum(w in vocab for w in words)
            total += len(words)
        n = len(pages)
        print(f"{'rapidocr':<10} {dpi:>4} {'-':>3} {'png':>4} {'-':>15} {cpu / n:>12.2f} {wall / n:>9.2f} "
              f"{total:>6} {known / max(1, total):>6.3f}", flush=True)


def _run(path: Path, settings: OcrSettings, two_phase: bool, truth: dict[str, Any],
         cache: MemoryOcrCache) -> dict[str, Any]:
    data = path.read_bytes()
    t0, c0 = time.perf_counter(), _child_cpu() + time.process_time()
    first_at: float | None = None
    quick = 0
    final = None
    for doc in read_document(data, path.name, settings=settings, cache=cache,
                             first_pages=3 if two_phase else None):
        result = extract_tender(doc).to_dict()
        if first_at is None:
            first_at = time.perf_counter() - t0
            marks = score(result, truth)
            quick = sum(marks[f] for f in QUICK_FIELDS)
        if doc.complete:
            final = (doc, result)
    total = time.perf_counter() - t0
    cpu = _child_cpu() + time.process_time() - c0
    assert final is not None and first_at is not None
    doc, result = final
    marks = score(result, truth)
    return {"first": first_at, "total": total, "pages": len(doc.pages), "score": sum(marks.values()),
            "quick": quick, "cpu": cpu, "wrong": [k for k, ok in marks.items() if not ok]}


def before_after(paths: list[Path]) -> None:
    print()
    print(f"{'document':<48} {'run':<7} {'first s':>8} {'total s':>8} {'pages/s':>8} {'cpu s/p':>8} "
          f"{'quick':>6} {'score':>6}")
    for path in paths:
        truth = json.loads(path.with_name(path.name + ".truth.json").read_text(encoding="utf-8"))
        rows = {
            "before": _run(path, BEFORE, False, truth, MemoryOcrCache()),
            "after": _run(path, OcrSettings(), True, truth, cache := MemoryOcrCache()),
        }
        for name, row in rows.items():
            print(f"{path.name[:48]:<48} {name:<7} {row['first']:>8.1f} {row['total']:>8.1f} "
                  f"{row['pages'] / row['total']:>8.2f} {row['cpu'] / row['pages']:>8.2f} "
                  f"{row['quick']:>3}/{len(QUICK_FIELDS)} "
                  f"{row['score']:>3}/17  {' '.join(row['wrong'])}", flush=True)
        cached = _run(path, OcrSettings(), True, truth, cache)
        print(f"{path.name[:48]:<48} {'cached':<7} {cached['first']:>8.1f} {cached['total']:>8.1f} "
              f"{cached['pages'] / cached['total']:>8.2f} {cached['cpu'] / cached['pages']:>8.2f} "
              f"{cached['quick']:>3}/{len(QUICK_FIELDS)} "
              f"{cached['score']:>3}/17", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-table", action="store_true", help="skip the per-setting table")
    parser.add_argument("--skip-docs", action="store_true", help="skip the before/after runs")
    parser.add_argument("--only", help="only documents whose name contains this")
    parser.add_argument("--rapidocr-path", default=os.environ.get("LICITA_BENCH_RAPIDOCR"),
                        help="folder where rapidocr + onnxruntime are installed (optional)")
    args = parser.parse_args()
    paths = sorted(p for p in TENDERS.glob("*scanned*.pdf") if not args.only or args.only in p.name)
    if not paths:
        print(f"no scanned documents in {TENDERS}")
        return 1
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if not args.skip_table:
        settings_table(paths, _vocabulary(), args.rapidocr_path)
    if not args.skip_docs:
        before_after(paths)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
