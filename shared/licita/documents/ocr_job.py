"""Background OCR of a PDF's image-only pages, the pages that carry fields first.

Order: the first pages (cover, preamble), then pages that look like tables (ruled lines: the item
table is usually one of them), then the rest in page order. One producer thread owns the PyMuPDF
document (it is not thread-safe): it renders each page, looks the page up in the OCR cache and
hands cache misses to a pool of ``workers`` Tesseract processes, keeping at most ``workers + 1``
rendered pages in memory. The caller waits for the priority pages (``wait_priority``), may use
them while the rest is read, then waits for everything (``wait_all``). The priority pages are read
with the careful settings; the rest may use cheaper ones (``rest``: another engine and DPI).
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from licita.documents.errors import OcrUnavailable
from licita.documents.ocr import FallbackText
from licita.documents.ocr_cache import OcrCache, page_key
from licita.documents.ocr_share import PageShare, plan_share, steal_order
from licita.documents.progress import ProgressCallback, notify

# Table detection: rows of a low-resolution render whose longest dark run spans this share of the
# page width are ruled lines; a page with at least TABLE_MIN_LINES of them is "a table page".
TABLE_DPI = 72
TABLE_DARK_BELOW = 200
TABLE_LINE_SHARE = 0.35
TABLE_MIN_LINES = 4
_DARK = bytes(1 if v < TABLE_DARK_BELOW else 0 for v in range(256))
# How often a lead looks for pages its helpers published (and for an idle worker to steal with).
SHARE_POLL_S = 0.25


class TakenElsewhere(OcrUnavailable):
    """A helper's page that another invocation claimed first: not this helper's to read or publish."""


def ruled_lines(samples: bytes, width: int, height: int, stride: int) -> int:
    """Count horizontal ruled lines in an 8-bit gray image (adjacent rows count once)."""
    marked = samples.translate(_DARK)
    lines = 0
    previous = False
    need = TABLE_LINE_SHARE * width
    for y in range(height):
        row = marked[y * stride:y * stride + width]
        hit = max(map(len, row.split(b"\x00"))) >= need
        if hit and not previous:
            lines += 1
        previous = hit
    return lines


def priority_order(scanned: Iterable[int], first: Iterable[int], tables: Iterable[int]) -> list[int]:
    """Pages (0-based) in reading priority: ``first`` pages, then ``tables``, then the rest in order."""
    pending = list(dict.fromkeys(scanned))
    allowed = set(pending)
    order: list[int] = []
    for index in [*first, *tables]:
        if index in allowed and index not in order:
            order.append(index)
    seen = set(order)
    order.extend(i for i in pending if i not in seen)
    return order


class OcrJob:
    """OCR ``scanned`` pages of ``doc`` in the background; results keyed by 0-based page index."""

    def __init__(
        self,
        doc: Any,
        scanned: list[int],
        *,
        first: list[int],
        engine: Callable[[bytes], str],
        settings_key: str,
        dpi: int,
        image_format: str = "pnm",
        rest: tuple[Callable[[bytes], str], str, int] | None = None,
        cache: OcrCache | None = None,
        workers: int = 2,
        find_tables: bool = True,
        hold_rest: bool = False,
        progress: ProgressCallback | None = None,
        share: PageShare | None = None,
        helpers: int = 0,
    ) -> None:
        self._doc = doc
        self._scanned = list(scanned)
        self._first = [i for i in first if i in set(scanned)]
        self._engine = engine
        self._settings_key = settings_key
        self._dpi = dpi
        self._format = image_format
        # (engine, settings key, DPI) for pages outside the priority set; None: the same as those.
        self._rest = rest or (engine, settings_key, dpi)
        self._cache = cache
        self._workers = max(1, workers)
        self._find_tables = find_tables
        # Start the other pages only once the priority ones are read: they never take CPU from the first
        # result, and a cheaper rest engine cannot finish them all first (then no partial result is due).
        self._hold_rest = hold_rest
        self._progress = progress
        self._share = share
        self._helpers = max(0, helpers)
        self._cond = threading.Condition()
        self._cancelled = threading.Event()
        self._slots = threading.Semaphore(self._workers + 1)
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="ocr")
        self._producer = threading.Thread(target=self._produce, name="ocr-render", daemon=True)
        self.results: dict[int, str | OcrUnavailable] = {}
        self.priority: list[int] | None = None  # decided by the producer once tables are known
        self.order: list[int] = []  # the order pages were handed to OCR
        self.cache_hits = 0
        self.shared: list[list[int]] = []  # lead: the chunks helpers were asked to read
        self.stolen: list[int] = []  # lead: pages of those chunks it read itself

    # -- caller side -------------------------------------------------------------------------
    def start(self) -> OcrJob:
        self._producer.start()
        return self

    def wait_priority(self) -> list[int]:
        """Block until the priority pages are read; return them (0-based)."""
        with self._cond:
            self._cond.wait_for(lambda: self.priority is not None
                                and all(i in self.results for i in self.priority))
            assert self.priority is not None
            return list(self.priority)

    def wait_all(self) -> dict[int, str | OcrUnavailable]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.results) >= len(self._scanned))
            return dict(self.results)

    def snapshot(self) -> dict[int, str | OcrUnavailable]:
        with self._cond:
            return dict(self.results)

    def close(self) -> None:
        """Stop handing out pages, wait for the producer and the Tesseract processes in flight."""
        self._cancelled.set()
        self._producer.join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._share is not None and self.shared:
            self._share.close()  # the lead's run is over: helpers stop claiming

    # -- producer thread ---------------------------------------------------------------------
    def _produce(self) -> None:
        try:
            for index in self._first:
                self._submit(index)
            rest = [i for i in self._scanned if i not in set(self._first)]
            tables = self._table_pages(rest) if self._find_tables else []
            with self._cond:
                self.priority = self._first + tables[:1]
                self._cond.notify_all()
            own, chunks = self._split(priority_order(rest, [], tables))
            for index in own:
                if self._cancelled.is_set():
                    break
                if self._hold_rest and index not in self.priority:
                    self._wait_priority_read()
                self._submit(index)
            if chunks:
                self._read_shared(chunks)
        except BaseException as exc:  # never leave the caller waiting forever
            reason = OcrUnavailable(f"O OCR foi interrompido: {exc}")
            with self._cond:
                if self.priority is None:
                    self.priority = list(self._first)
                self._cond.notify_all()
            for index in self._scanned:
                if index not in self.results:
                    self._record(index, reason)
        finally:
            if self._cancelled.is_set():
                with self._cond:
                    if self.priority is None:
                        self.priority = []
                    for index in self._scanned:
                        self.results.setdefault(index, OcrUnavailable("OCR cancelado."))
                    self._cond.notify_all()

    def _split(self, order: list[int]) -> tuple[list[int], list[list[int]]]:
        """The pages the lead reads in order (all, or only the priority ones) and the chunks helpers were given."""
        if self._share is None or not self._helpers:
            return order, []
        priority = set(self.priority or ())
        chunks = plan_share([i for i in order if i not in priority], self._helpers)
        if not chunks or not self._share.dispatch(chunks):
            return order, []
        self.shared = chunks
        return [i for i in order if i in priority], chunks

    def _read_shared(self, chunks: list[list[int]]) -> None:
        """Lead: collect what helpers publish; an idle worker steals a page nobody holds (or a stale claim)."""
        assert self._share is not None
        if self._hold_rest:
            self._wait_priority_read()  # the first result keeps every worker until it is out
        asked = [i for chunk in chunks for i in chunk]
        while not self._cancelled.is_set():
            pending = {i for i in asked if i not in self.results and i not in self.order}
            if pending:
                for index, result in self._share.collect(sorted(pending)).items():
                    self._record(index, result)
                    pending.discard(index)
            if not pending:
                return
            if not self._slots.acquire(timeout=SHARE_POLL_S):
                continue  # every worker is busy: look for published pages again
            stolen = self._share.claim(steal_order(chunks, pending))
            if stolen is None:  # helpers hold every page left: wait for them
                self._slots.release()
                self._cancelled.wait(SHARE_POLL_S)
                continue
            self.stolen.append(stolen)
            self._start(stolen, have_slot=True)

    def _wait_priority_read(self) -> None:
        """Block the producer until the priority pages are read (or the job is cancelled)."""
        with self._cond:
            while not self._cancelled.is_set():
                assert self.priority is not None
                if self._cond.wait_for(lambda: all(i in self.results for i in self.priority or ()), timeout=0.1):
                    return

    def _table_pages(self, indexes: list[int]) -> list[int]:
        pymupdf: Any = importlib.import_module("pymupdf")
        found: list[int] = []
        for index in indexes:
            if self._cancelled.is_set():
                break
            try:
                pix = self._doc.load_page(index).get_pixmap(dpi=TABLE_DPI, colorspace=pymupdf.csGRAY)
                if ruled_lines(pix.samples, pix.width, pix.height, pix.stride) >= TABLE_MIN_LINES:
                    found.append(index)
                del pix
            except Exception:  # a page that cannot be rendered is simply not a table candidate
                continue
        pymupdf.TOOLS.store_shrink(100)
        return found

    def _how(self, index: int) -> tuple[Callable[[bytes], str], str, int]:
        """Engine, settings key and DPI for page ``index``: the priority pages keep the careful ones."""
        if index in self._first or (self.priority is not None and index in self.priority):
            return self._engine, self._settings_key, self._dpi
        return self._rest

    def _render(self, index: int, dpi: int) -> bytes:
        pymupdf: Any = importlib.import_module("pymupdf")
        pix = self._doc.load_page(index).get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        image: bytes = pix.tobytes(self._format)
        del pix
        # MuPDF keeps decoded page images in its store; scanned editais would pile up ~7 MB a page.
        pymupdf.TOOLS.store_shrink(100)
        return image

    def _acquire_slot(self) -> bool:
        while not self._slots.acquire(timeout=0.1):
            if self._cancelled.is_set():
                return False
        return True

    def _submit(self, index: int) -> None:
        if self._cancelled.is_set() or index in self.order:
            return
        if self._share is not None and not self._helpers:
            # helper: claim a page only when a worker is about to take it, so a claim is never held for long
            if not self._acquire_slot():
                return
            if self._share.claim([index]) is None:
                self._slots.release()
                self._record(index, TakenElsewhere("Página lida por outra instância."))
                return
            self._start(index, have_slot=True)
            return
        self._start(index, have_slot=False)

    def _start(self, index: int, *, have_slot: bool) -> None:
        self.order.append(index)
        engine, settings_key, dpi = self._how(index)
        try:
            image = self._render(index, dpi)
        except Exception as exc:
            if have_slot:
                self._slots.release()
            self._done(index, OcrUnavailable(f"A página não pôde ser renderizada: {exc}"))
            return
        key = page_key(image, settings_key)
        if self._cache is not None:
            text = self._cache.get(key)
            if text is not None:
                if have_slot:
                    self._slots.release()
                self.cache_hits += 1
                self._done(index, text)
                return
        if not have_slot and not self._acquire_slot():
            return
        try:
            self._pool.submit(self._read, engine, index, image, key)
        except RuntimeError:  # pool shut down while we waited
            self._slots.release()

    def _read(self, engine: Callable[[bytes], str], index: int, image: bytes, key: str) -> None:
        try:
            text = engine(image)
        except OcrUnavailable as exc:
            self._done(index, exc)
            return
        except Exception as exc:
            self._done(index, OcrUnavailable(f"Falha no OCR: {exc}"))
            return
        finally:
            self._slots.release()
        if self._cache is not None and not isinstance(text, FallbackText):  # fallback: another engine's text
            self._cache.put(key, text)
        self._done(index, str(text))

    def _done(self, index: int, result: str | OcrUnavailable) -> None:
        """A page read here: a helper publishes it for the lead before recording it."""
        if self._share is not None and not self._helpers:
            with contextlib.suppress(Exception):  # the lead reads the page itself once the claim goes stale
                self._share.publish(index, result)
        self._record(index, result)

    def _record(self, index: int, result: str | OcrUnavailable) -> None:
        with self._cond:
            if index in self.results:
                return
            self.results[index] = result
            done = len(self.results)
            self._cond.notify_all()
        notify(self._progress, "ocr", done, len(self._scanned))
