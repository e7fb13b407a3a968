"""Accuracy and speed of document extraction + the rules extractor on the dev set.

Run: ``python tests/bench/bench_extraction.py [--no-ocr] [--repeat N]`` (not collected by pytest).
Prints per-document and per-field accuracy (and the "empty extractor" baseline), pages/s of
text extraction + rules on one core (text-layer pages only), OCR pages/s separately, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TENDERS = ROOT.parent / "shared" / "data" / "tenders"
sys.path.insert(0, str(ROOT / "shared"))

from licita.documents import DocumentEmpty, extract_document  # noqa: E402
from licita.extraction import extract_tender  # noqa: E402
from licita.extraction.models import FIELD_NAMES  # noqa: E402
from licita.extraction.scoring import accuracy, empty_result, score  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-ocr", action="store_true", help="skip OCR (the scanned edital then scores low)")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per text document (best is kept)")
    args = parser.parse_args()
    from licita.documents import text_workers

    # One reader, no text worker process: the CPU figure below is then this process's whole cost per page
    # (bench_pipeline measures the split read's wall time).
    text_workers._pool = text_workers.TextWorkerPool(size=0)
    if not TENDERS.is_dir():
        print(f"dev set not found: {TENDERS}")
        return 1
    files = sorted(p for p in TENDERS.iterdir() if p.suffix in (".pdf", ".docx"))
    rules_marks: list[dict[str, bool]] = []
    empty_marks: list[dict[str, bool]] = []
    text_pages = 0
    text_seconds = 0.0
    text_cpu = 0.0
    ocr_pages = 0
    ocr_seconds = 0.0
    print(f"{'document':<50} {'pages':>5} {'ocr':>4} {'ms':>8} {'rules':>6} {'empty':>6}")
    for path in files:
        data = path.read_bytes()
        truth: dict[str, Any] = json.loads(path.with_name(path.name + ".truth.json").read_text(encoding="utf-8"))
        t0 = time.perf_counter()
        try:
            doc = extract_document(data, path.name, ocr=not args.no_ocr)
        except DocumentEmpty:
            print(f"{path.name:<50} skipped: no text layer and --no-ocr")
            continue
        result = extract_tender(doc).to_dict()
        first = time.perf_counter() - t0
        pages = len(doc.pages) if doc.file_type == "pdf" else 1
        if doc.ocr_pages:
            ocr_pages += doc.ocr_pages
            ocr_seconds += first
            elapsed = first
        else:
            elapsed = first
            cpu = float("inf")
            for _ in range(max(1, args.repeat)):
                t0, c0 = time.perf_counter(), time.process_time()
                extract_tender(extract_document(data, path.name, ocr=False))
                elapsed = min(elapsed, time.perf_counter() - t0)
                cpu = min(cpu, time.process_time() - c0)
            text_pages += pages
            text_seconds += elapsed
            text_cpu += cpu
        marks = score(result, truth)
        baseline = score(empty_result(), truth)
        rules_marks.append(marks)
        empty_marks.append(baseline)
        wrong = [k for k, ok in marks.items() if not ok]
        print(f"{path.name:<50} {pages:>5} {doc.ocr_pages:>4} {elapsed * 1000:>8.0f} "
              f"{sum(marks.values()):>3}/17 {sum(baseline.values()):>3}/17  {' '.join(wrong)}")
    print()
    n = len(rules_marks)
    print("ACCURACY PER FIELD on the shared set (rules | empty extractor):")
    print(f"  {'field':<17} {'rules':>7} {'%':>6}  | {'empty':>7} {'%':>6}")
    for name in FIELD_NAMES:
        r = sum(m[name] for m in rules_marks)
        e = sum(m[name] for m in empty_marks)
        print(f"  {name:<17} {r:>3}/{n:<3} {r / max(1, n):>6.0%}  | {e:>3}/{n:<3} {e / max(1, n):>6.0%}")
    exact_items = sum(m["items_count"] for m in rules_marks)
    print(f"  items_count exact on {exact_items}/{n} documents = {exact_items / max(1, n):.0%}")
    total = len(rules_marks) * len(FIELD_NAMES)
    rules_ok = sum(sum(m.values()) for m in rules_marks)
    empty_ok = sum(sum(m.values()) for m in empty_marks)
    print(f"\nOVERALL rules: {rules_ok}/{total} = {accuracy(rules_marks):.1%}")
    print(f"OVERALL empty extractor baseline: {empty_ok}/{total} = {accuracy(empty_marks):.1%}")
    if text_seconds:
        print(f"SPEED text-layer extraction + rules (one core, single thread): {text_pages} pages, "
              f"CPU {text_cpu:.2f} s = {text_pages / text_cpu:.0f} pages/s; wall {text_seconds:.2f} s = "
              f"{text_pages / text_seconds:.0f} pages/s (DOCX counted as 1 page; best of {args.repeat})")
        print(f"      load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    if ocr_seconds:
        workers = min(4, os.cpu_count() or 1)
        print(f"SPEED OCR (tesseract, {workers} parallel page(s), 300 dpi) + rules: {ocr_pages} pages in "
              f"{ocr_seconds:.1f} s = {ocr_pages / ocr_seconds:.2f} pages/s")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"PEAK RSS: {peak_kb / 1024:.0f} MB (this process; tesseract runs in child processes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
