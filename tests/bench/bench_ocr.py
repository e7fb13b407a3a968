"""OCR speed and quality on the scanned shared documents: engines/settings table, then before vs after.

Run: ``python tests/bench/bench_ocr.py [--skip-table] [--skip-docs] [--scaling] [--only NAME] [--rapidocr-path DIR]
[--rapidocr-lite-path DIR]`` (not collected by pytest). ``--scaling`` reads the longest scan with one OCR worker
and with one per core.

1. Engines/settings table: engine (Tesseract CLI, Tesseract in process via tesserocr) x render DPI x
   page segmentation (x image format) on a sample of pages of every scanned document: CPU seconds a
   page (render, then OCR: Tesseract children for the CLI, this process for tesserocr), and quality
   as the share of OCR'd words (>= 3 letters) found in the vocabulary of the shared set's text-layer
   documents. CPU seconds are the honest number on a busy machine; wall time depends on what else
   runs; "p/s 2cpu" = 2 / CPU seconds a page, the whole-document rate two free cores could reach.
   Optional engines, each from its own folder (``pip install --target DIR ...``; they share the
   import name ``rapidocr``), models only from their wheels (explicit paths, nothing downloaded):
   ``--rapidocr-path`` (``rapidocr onnxruntime``: PP-OCRv6 small det/rec on ONNX Runtime) and
   ``--rapidocr-lite-path`` (``rapidocrlite``: its native engine with the bundled Indra OCR "lite"
   weights). Their load time and peak RSS are printed.
2. Per document, in the same run: "before" = the previous default (Tesseract CLI, 200 dpi PNM, psm 3
   on every page) and "after" = the defaults (the priority pages as before, the other pages by
   tesserocr at 150 dpi); both two-phase. With ``--rapidocr-lite-path`` a "lite" row reads the
   priority pages as "after" and the others with the lite engine (bench-only: it stands in for the
   in-process reader). Prints time to the first useful result (document read + rules), pages/s of
   the whole read, CPU seconds a page (this process and its Tesseract children: the fair number when
   other work shares the machine) and the rate two free cores could reach with it, the extraction
   score of the complete document (17 fields), and how many of the quick fields (kind, modality,
   number, process, agency, object, session, value) the first result already has right. All runs use
   an empty OCR cache; a last line shows a re-read served by the cache.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import resource
import sys
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TENDERS = ROOT.parent / "shared" / "data" / "tenders"
sys.path.insert(0, str(ROOT / "shared"))

from licita.documents import MemoryOcrCache, OcrSettings, ocr_inprocess, read_document  # noqa: E402
from licita.documents.ocr import DEFAULT_SETTINGS, ocr_image, tessdata_folder, tesseract_version  # noqa: E402
from licita.documents.pdf_reader import iter_pdf  # noqa: E402
from licita.extraction import extract_tender  # noqa: E402
from licita.extraction.scoring import score  # noqa: E402

BEFORE = OcrSettings(engine="cli")  # the first default: the Tesseract CLI at 200 dpi on every page
QUICK_FIELDS = ("document_kind", "modality", "number", "process_number", "agency", "object",
                "session_datetime", "estimated_value")
# (engine, dpi, psm, image format) measured in the table: "cli" = a tesseract process a page, "auto" =
# tesserocr. The first row is the default of two changes ago, the second the priority pages' (and the
# previous default), the one at 150 dpi in process the other pages' default.
GRID = [("cli", 300, 3, "png"), ("cli", 200, 3, "pnm"), ("cli", 150, 3, "pnm"), ("auto", 200, 3, "pnm"),
        ("auto", 150, 3, "pnm"), ("auto", 120, 3, "pnm"), ("auto", 200, 6, "pnm")]
SAMPLE_PAGES = 5  # per document: first page, the quarters, the last page


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


def _rss_mb() -> float:
    """Resident memory now (Linux), so an engine loaded after another shows its own share."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sample(paths: list[Path]) -> list[tuple[str, int]]:
    pymupdf: Any = importlib.import_module("pymupdf")

    out: list[tuple[str, int]] = []
    for path in paths:
        with pymupdf.open(path) as doc:
            n = doc.page_count
        picks = sorted({0, n // 4, n // 2, 3 * n // 4, n - 1})[:SAMPLE_PAGES]
        out.extend((str(path), i) for i in picks)
    return out


def _row(engine: str, dpi: int, psm: str, fmt: str, render_cpu: float | None, ocr_cpu: float, wall: float,
         words: list[str], vocab: set[str], n: int) -> None:
    known = sum(w in vocab for w in words)
    render = "-" if render_cpu is None else f"{render_cpu / n:.2f}"
    cpu = ocr_cpu / n + (render_cpu or 0.0) / n
    print(f"{engine:<14} {dpi:>4} {psm:>3} {fmt:>4} {render:>10} {ocr_cpu / n:>12.2f} {2 / cpu:>9.2f} "
          f"{wall / n:>9.2f} {len(words):>6} {known / max(1, len(words)):>6.3f}", flush=True)


def settings_table(paths: list[Path], vocab: set[str], rapidocr_path: str | None, lite_path: str | None) -> None:
    pymupdf: Any = importlib.import_module("pymupdf")

    pages = _sample(paths)
    print(f"Engines/settings table: {len(pages)} pages "
          f"({', '.join(f'{Path(p).name[:14]}#{i + 1}' for p, i in pages)})")
    print(f"{'engine':<14} {'dpi':>4} {'psm':>3} {'fmt':>4} {'render s/p':>10} {'ocr cpu s/p':>12} {'p/s 2cpu':>9} "
          f"{'wall s/p':>9} {'words':>6} {'known':>6}")
    docs = {p: pymupdf.open(p) for p, _ in pages}
    for engine, dpi, psm, fmt in GRID:
        if engine == "auto" and not ocr_inprocess.available(tessdata_folder(), "por"):
            print(f"tesserocr      {dpi:>4} {psm:>3}: not installed")
            continue
        render_cpu = ocr_cpu = wall = 0.0
        words: list[str] = []
        for path, index in pages:
            c0 = time.process_time()
            pix = docs[path].load_page(index).get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
            image = pix.tobytes(fmt)
            render_cpu += time.process_time() - c0
            k0, t0 = _child_cpu() + time.process_time(), time.perf_counter()
            words += _words(ocr_image(image, psm=psm, dpi=dpi, engine=engine))
            ocr_cpu += _child_cpu() + time.process_time() - k0
            wall += time.perf_counter() - t0
        name = "tesseract-cli" if engine == "cli" else "tesserocr"
        _row(name, dpi, str(psm), fmt, render_cpu, ocr_cpu, wall, words, vocab, len(pages))
    if lite_path:
        _rapidocr_rows(docs, pages, vocab, lite_path, lite=True)
    if rapidocr_path:
        _rapidocr_rows(docs, pages, vocab, rapidocr_path, lite=False)
    for doc in docs.values():
        doc.close()


_rapidocr_folders: list[str] = []


def _import_rapidocr(folder: str) -> Any:
    """``rapidocr`` from ``folder`` (appended to the path: numpy and friends stay the project's; it imports lazily,
    so the folder stays on the path until another one replaces it)."""
    if _rapidocr_folders[-1:] != [folder]:
        for name in [m for m in sys.modules if m == "rapidocr" or m.startswith("rapidocr.")]:
            del sys.modules[name]
        for old in _rapidocr_folders:
            sys.path.remove(old)
        _rapidocr_folders[:] = [folder]
        sys.path.append(folder)
    try:
        return importlib.import_module("rapidocr")
    except ImportError as exc:
        print(f"rapidocr not importable from {folder}: {exc}")
        return None


def _rapidocr_engine(folder: str, lite: bool) -> Any:
    """A RapidOCR engine on the models its wheel ships (explicit paths: nothing is downloaded), one thread."""
    module = _import_rapidocr(folder)
    if module is None:
        return None
    params: dict[str, Any] = {"Global.log_level": "warning", "Global.use_cls": False,
                              "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                              "EngineConfig.onnxruntime.inter_op_num_threads": 1}
    if lite:
        params |= {"Det.model_type": "lite", "Rec.model_type": "lite"}
    else:
        models = Path(module.__file__).parent / "models"
        params |= {"Det.model_path": str(models / "PP-OCRv6_det_small.onnx"),
                   "Rec.model_path": str(models / "PP-OCRv6_rec_small.onnx")}
    return module.RapidOCR(params=params)


def _gray_pnm_to_bgr(image: bytes) -> Any:
    np: Any = importlib.import_module("numpy")
    head = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", image)
    assert head is not None
    width, height = int(head.group(1)), int(head.group(2))
    gray = np.frombuffer(image, dtype=np.uint8, offset=head.end(), count=width * height).reshape(height, width)
    return np.stack([gray, gray, gray], axis=2)


def _rapidocr_rows(docs: dict[str, Any], pages: list[tuple[str, int]], vocab: set[str], folder: str,
                   lite: bool) -> None:
    pymupdf: Any = importlib.import_module("pymupdf")

    name = "rapidocr-lite" if lite else "rapidocr-v6s"
    rss0, t0 = _rss_mb(), time.perf_counter()
    engine = _rapidocr_engine(folder, lite)
    if engine is None:
        return
    warm = engine(_gray_pnm_to_bgr(b"P5 64 32 255\n" + b"\xff" * 64 * 32))  # loads the models (lazily otherwise)
    del warm
    print(f"({name}: import + model load {time.perf_counter() - t0:.1f} s, RSS {rss0:.0f} -> {_rss_mb():.0f} MB)")
    for dpi in (150,):
        cpu = wall = 0.0
        words: list[str] = []
        for path, index in pages:
            pnm = docs[path].load_page(index).get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY).tobytes("pnm")
            c0, t1 = time.process_time(), time.perf_counter()
            result = engine(_gray_pnm_to_bgr(pnm))
            cpu += time.process_time() - c0
            wall += time.perf_counter() - t1
            text = "\n".join(result.txts or ())
            words += _words(text)
        _row(name, dpi, "-", "pnm", None, cpu, wall, words, vocab, len(pages))
    accents = sum(ch in "ãçéêáíóõúâôà" for ch in text)
    print(f"({name}: RSS after the pages {_rss_mb():.0f} MB, peak of the process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; accented letters on the last page: "
          f"{accents})")


def _lite_reader(folder: str) -> Any:
    """Stands in for the in-process reader (bench only): the lite engine, one instance per OCR thread."""
    local = threading.local()

    def read(image: bytes, **_: object) -> str:
        if not hasattr(local, "engine"):
            local.engine = _rapidocr_engine(folder, lite=True)
        return "\n".join(local.engine(_gray_pnm_to_bgr(image)).txts or ())

    return read


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


def _print(path: Path, name: str, row: dict[str, Any]) -> None:
    cpu = row["cpu"] / row["pages"]
    print(f"{path.name[:44]:<44} {name:<7} {row['first']:>8.1f} {row['total']:>8.1f} "
          f"{row['pages'] / row['total']:>8.2f} {cpu:>8.2f} {2 / cpu:>9.2f} "
          f"{row['quick']:>3}/{len(QUICK_FIELDS)} {row['score']:>3}/17  {' '.join(row['wrong'])}", flush=True)


def before_after(paths: list[Path], lite_path: str | None) -> None:
    print()
    print(f"before: {BEFORE}  key {BEFORE.key()}")
    print(f"after:  {DEFAULT_SETTINGS}  keys {DEFAULT_SETTINGS.key()} + {DEFAULT_SETTINGS.rest().key()}")
    print(f"{'document':<44} {'run':<7} {'first s':>8} {'total s':>8} {'pages/s':>8} {'cpu s/p':>8} "
          f"{'p/s 2cpu':>9} {'quick':>5} {'score':>6}")
    for path in paths:
        truth = json.loads(path.with_name(path.name + ".truth.json").read_text(encoding="utf-8"))
        _print(path, "before", _run(path, BEFORE, True, truth, MemoryOcrCache()))
        _print(path, "after", _run(path, DEFAULT_SETTINGS, True, truth, cache := MemoryOcrCache()))
        if lite_path:
            real = ocr_inprocess.read
            ocr_inprocess.read = _lite_reader(lite_path)
            try:
                _print(path, "lite", _run(path, DEFAULT_SETTINGS, True, truth, MemoryOcrCache()))
            finally:
                ocr_inprocess.read = real
        _print(path, "cached", _run(path, DEFAULT_SETTINGS, True, truth, cache))


def scaling(paths: list[Path]) -> None:
    """Whole-document pages/s of the longest scan with 1 OCR worker, then one per core: how the rate grows.

    What a Lambda with more vCPUs (AnalysisMemorySize) would read is this per-worker rate times its workers,
    as long as the growth here stays near linear; this machine cannot show more cores than it has.
    """
    pymupdf: Any = importlib.import_module("pymupdf")

    def pages(path: Path) -> int:
        with pymupdf.open(path) as doc:
            return int(doc.page_count)

    path = max(paths, key=pages)
    cores = os.cpu_count() or 1
    print()
    print(f"Scaling: {path.name[:44]}, whole read (one phase), empty cache")
    print(f"{'workers':>7} {'total s':>8} {'pages/s':>8} {'per worker':>10}")
    for workers in sorted({1, cores}):
        t0 = time.perf_counter()
        reads = list(iter_pdf(path.read_bytes(), first_pages=None, cache=MemoryOcrCache(), workers=workers))
        total = time.perf_counter() - t0
        rate = len(reads[-1].pages) / total
        print(f"{workers:>7} {total:>8.1f} {rate:>8.2f} {rate / workers:>10.2f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-table", action="store_true", help="skip the engines/settings table")
    parser.add_argument("--skip-docs", action="store_true", help="skip the before/after runs")
    parser.add_argument("--scaling", action="store_true", help="also read the largest scan with 1 and N workers")
    parser.add_argument("--only", help="only documents whose name contains this")
    parser.add_argument("--rapidocr-path", default=os.environ.get("LICITA_BENCH_RAPIDOCR"),
                        help="folder where rapidocr + onnxruntime are installed (optional)")
    parser.add_argument("--rapidocr-lite-path", default=os.environ.get("LICITA_BENCH_RAPIDOCR_LITE"),
                        help="folder where rapidocrlite is installed (optional)")
    args = parser.parse_args()
    paths = sorted(p for p in TENDERS.glob("*scanned*.pdf") if not args.only or args.only in p.name)
    if not paths:
        print(f"no scanned documents in {TENDERS}")
        return 1
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"tesseract CLI {tesseract_version()}, tesserocr {ocr_inprocess.version()}")
    if not args.skip_table:
        settings_table(paths, _vocabulary(), args.rapidocr_path, args.rapidocr_lite_path)
    if not args.skip_docs:
        before_after(paths, args.rapidocr_lite_path)
    if args.scaling:
        scaling(paths)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
