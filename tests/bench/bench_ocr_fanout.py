"""OCR fan-out (documents.ocr_share): how fast a long scan is read when other invocations read part of it.

Run: ``python tests/bench/bench_ocr_fanout.py [PDF] [--helpers 3,6] [--startup 2.5]`` (not collected by pytest;
default PDF: the shared set's 48-page Turvelândia scan, skipped cleanly when ``../shared`` is absent).

Each row reads the whole document with an empty OCR cache, the defaults' settings, two phases as the pipeline:

1. *measured*: one invocation with one OCR worker (a 1,769 MB Lambda's one vCPU), then with two (3,008 MB);
2. *measured*: a lead with one worker and one helper with one worker, running at the same time in this process
   (in-memory share, helper on a thread: tesserocr releases the GIL, so on two free cores these are two
   invocations of one vCPU each). Same cores as the two-worker row: it shows what the sharing costs;
3. *estimated* for more helpers, which this 2-core machine cannot run side by side: the split the lead would
   make (``plan_share``) replayed page by page (``simulate``) with each page's own OCR time from the one-worker
   row, each invocation reading at the two-worker row's speed-up, helpers starting ``--startup`` seconds after
   the first result (conservative: they really start while it is read). ``--startup`` lists the delays to try:
   by default the measured cold start of a helper process here (imports, the PDF opened, Tesseract's model
   loaded) plus 0.3 s for SQS delivery and the S3 download, and 3 s (a slow Lambda cold start).

What the figures do not show: Lambda's real vCPU speed, cold-start spread across many invocations, and S3/SQS
latency under load; the estimate assumes helpers start together.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PDF = ROOT.parent / "shared" / "data" / "tenders" / "turvelandia-go-pe-005-2025-edital-scanned.pdf"
sys.path.insert(0, str(ROOT / "shared"))

from common import record  # noqa: E402

from licita.documents import MemoryOcrCache  # noqa: E402
from licita.documents import ocr as ocr_module  # noqa: E402
from licita.documents.ocr_share import MemoryPageShare, plan_share  # noqa: E402
from licita.documents.pdf_reader import iter_pdf, read_shared_pages  # noqa: E402

SQS_AND_S3_S = 0.3


class Timed:
    """Wraps the OCR call: how long each page took, in the order pages were read."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.times: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, image: bytes, **kw: Any) -> str:
        t = time.perf_counter()
        text: str = self.inner(image, **kw)
        with self.lock:
            self.times.append(time.perf_counter() - t)
        return text


def _read(data: bytes, workers: int, share: MemoryPageShare | None = None) -> tuple[float, float, Any]:
    """(seconds to the first result, seconds to the whole document, the job's order/priority)."""
    orders: dict[str, Any] = {}
    from licita.documents import ocr_job

    original = ocr_job.OcrJob.close

    def spy(self: ocr_job.OcrJob) -> None:
        orders.update(order=list(self.order), priority=list(self.priority or []), stolen=list(self.stolen))
        original(self)

    ocr_job.OcrJob.close = spy  # type: ignore[method-assign]
    try:
        t = time.perf_counter()
        reads = iter_pdf(data, cache=MemoryOcrCache(), workers=workers, share=share)
        last = next(reads)
        first = time.perf_counter() - t
        last = list(reads)[-1] if not last.complete else last
        total = time.perf_counter() - t
    finally:
        ocr_job.OcrJob.close = original  # type: ignore[method-assign]
    assert last.complete
    return first, total, orders


def _helper_cold_start(path: Path) -> float:
    """A fresh process up to its first page: import the handler's code, open the PDF, load Tesseract's model."""
    code = (
        "import time, sys; t = time.perf_counter(); sys.path.insert(0, 'shared')\n"
        "from licita.tenders.analysis import ocr_fanout  # the handler's import\n"
        "import pymupdf\n"
        "from licita.documents.ocr import DEFAULT_SETTINGS, engine_for\n"
        f"doc = pymupdf.open({str(path)!r})\n"
        "blank = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 64, 64), False)\n"
        "blank.clear_with(255)\n"
        "engine_for(DEFAULT_SETTINGS.rest())(blank.tobytes('pnm'))  # the model is loaded on the first page\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdf", nargs="?", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--helpers", default="3,6")
    parser.add_argument("--startup", default="measured,3",
                        help="helpers' delays before their first page, s ('measured': this machine's cold start)")
    args = parser.parse_args()
    if not args.pdf.exists():
        print(f"skipped: {args.pdf} not found (the shared data set is not here)")
        return
    data = args.pdf.read_bytes()
    pymupdf: Any = importlib.import_module("pymupdf")
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        pages = doc.page_count
    print(f"{args.pdf.name}: {pages} pages, settings {ocr_module.DEFAULT_SETTINGS.key()} / rest "
          f"{ocr_module.DEFAULT_SETTINGS.rest().key()}")
    print(f"{'setup':<44} {'first s':>8} {'total s':>8} {'pages/s':>8}  note")

    timed = Timed(ocr_module.ocr_image)
    ocr_module.ocr_image = timed  # type: ignore[assignment]
    try:
        first1, total1, job1 = _read(data, 1)
        per_page = dict(zip(job1["order"], timed.times, strict=False))
        print(f"{'one invocation, 1 worker (1 vCPU)':<44} {first1:>8.1f} {total1:>8.1f} {pages / total1:>8.2f}  "
              "measured")
        first2, total2, _ = _read(data, 2)
        print(f"{'one invocation, 2 workers (~2 vCPU)':<44} {first2:>8.1f} {total2:>8.1f} {pages / total2:>8.2f}  "
              "measured")
        record("ocr one invocation 2 workers", pages / total2, "pages/s", "1 worker", pages / total1)
        helpers: list[threading.Thread] = []

        def run(share: MemoryPageShare, chunk: list[int]) -> None:
            thread = threading.Thread(target=read_shared_pages, args=(data, chunk, share),
                                      kwargs={"cache": MemoryOcrCache(), "workers": 1})
            thread.start()
            helpers.append(thread)

        share = MemoryPageShare(run, helpers=1)
        first3, total3, job3 = _read(data, 1, share)
        for thread in helpers:
            thread.join()
        from_helper = len([i for c in share.dispatched for i in c if i not in job3["stolen"]])
        print(f"{'lead 1 worker + 1 helper 1 worker, together':<44} {first3:>8.1f} {total3:>8.1f} "
              f"{pages / total3:>8.2f}  measured: {from_helper} pages by the helper, {len(job3['stolen'])} stolen")
        record("ocr lead + 1 helper, same 2 cores", pages / total3, "pages/s", "one invocation 2 workers",
               pages / total2)
    finally:
        ocr_module.ocr_image = timed.inner  # type: ignore[assignment]

    startups: list[float] = []
    for item in (x.strip() for x in args.startup.split(",") if x.strip()):
        if item == "measured":
            cold = _helper_cold_start(args.pdf)
            startups.append(cold + SQS_AND_S3_S)
            print(f"helper start-up: {cold:.2f} s measured cold start here + {SQS_AND_S3_S} s SQS and S3 = "
                  f"{cold + SQS_AND_S3_S:.2f} s")
        else:
            startups.append(float(item))
    # Overheads the OCR timer misses (render, text pass, rules) spread over the pages; 2 workers' speed-up.
    scale = total1 / max(1e-9, sum(per_page.values()))
    speedup = total1 / total2
    priority = set(job1["priority"])
    rest = [i for i in job1["order"] if i not in priority]
    cost = {i: per_page[i] * scale / speedup for i in rest}
    for startup in startups:
        for count in [int(n) for n in args.helpers.split(",") if n.strip()]:
            chunks = plan_share(rest, count)
            total = first2 + simulate(chunks, cost, startup)
            sizes = sorted(map(len, chunks)) or [0]
            label = f"lead + {len(chunks)} helpers, 2 workers each"
            record(f"ocr lead + {len(chunks)} helpers (estimated, start-up {startup:.1f} s)", pages / total,
                   "pages/s", "one invocation 2 workers", pages / total2)
            print(f"{label:<44} {first2:>8.1f} {total:>8.1f} {pages / total:>8.2f}  estimated (simulated, chunks "
                  f"of {sizes[0]}-{sizes[-1]} pages, helpers start {startup:.1f} s late)")


def simulate(chunks: list[list[int]], cost: dict[int, float], startup: float) -> float:
    """Seconds after the first result until every page is read: helpers read their chunk from the front from
    ``startup`` on, the lead from the back of the chunk with most pages left from 0 (``ocr_share``); each reader
    takes its next page when it finishes the last. Conservative: helpers really start before the first result."""
    left = [list(c) for c in chunks]
    free = [0.0] + [startup] * len(chunks)  # reader 0 is the lead
    finish = 0.0
    while any(left):
        reader = min(range(len(free)), key=lambda r: free[r])
        if reader == 0:
            page = max(left, key=len).pop()
        elif left[reader - 1]:
            page = left[reader - 1].pop(0)
        else:
            free[reader] = float("inf")  # its chunk is done (the lead took the rest)
            continue
        free[reader] += cost[page]
        finish = max(finish, free[reader])
    return finish

if __name__ == "__main__":
    main()
