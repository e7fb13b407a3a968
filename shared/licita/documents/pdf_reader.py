"""PDF text with PyMuPDF, page by page; pages without a usable text layer are sent to OCR.

``iter_pdf`` reads in two phases when OCR is needed: it yields a partial ``PdfRead`` as soon as
the priority pages (cover, preamble, first table page) are read, then the complete one. The OCR of
the remaining pages goes on in the background while the caller works on the partial result.
"""

from __future__ import annotations

import importlib
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from licita.documents.errors import DocumentCorrupt, DocumentEncrypted, FileTooLarge, OcrUnavailable
from licita.documents.model import Page
from licita.documents.ocr import DEFAULT_SETTINGS, OCR_WORKERS, OcrSettings, engine_for
from licita.documents.ocr_cache import OcrCache, default_cache
from licita.documents.ocr_job import OcrJob
from licita.documents.ocr_share import PageShare
from licita.documents.progress import ProgressCallback, notify
from licita.documents.text_layer import PageText, read_page

MAX_PAGES = 3000
MAX_OCR_PAGES = 300
OCR_DPI = DEFAULT_SETTINGS.dpi  # kept for callers that read it
# Pages read before the first (partial) result: the cover and the preamble.
FIRST_PAGES = 3

FirstPages = int | Sequence[int] | None


@dataclass(slots=True)
class PdfRead:
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)  # 1-based pages still waiting for OCR
    repaired: bool = False  # MuPDF rebuilt a broken xref, or %%EOF is missing: probably truncated

    @property
    def complete(self) -> bool:
        return not self.pending


def read_pdf(data: bytes, *, ocr: bool = True, progress: ProgressCallback | None = None,
             cache: OcrCache | None = None, settings: OcrSettings = DEFAULT_SETTINGS) -> tuple[list[Page], list[str]]:
    """Return the pages (1-based numbers) and user-readable warnings (everything read, one phase)."""
    reads = list(iter_pdf(data, ocr=ocr, progress=progress, first_pages=None, cache=cache, settings=settings))
    return reads[-1].pages, reads[-1].warnings


def iter_pdf(
    data: bytes,
    *,
    ocr: bool = True,
    progress: ProgressCallback | None = None,
    first_pages: FirstPages = FIRST_PAGES,
    cache: OcrCache | None = None,
    settings: OcrSettings = DEFAULT_SETTINGS,
    workers: int = OCR_WORKERS,
    find_tables: bool = True,
    share: PageShare | None = None,
) -> Generator[PdfRead]:
    """Yield a partial read (priority pages OCR'd) when OCR remains after them, then the full read.

    ``first_pages``: how many leading pages (an int) or which 1-based pages (a sequence) make the
    first result; None or 0 means "one phase only" (no partial read is yielded). ``cache``: where
    OCR text is looked up by page hash (the process-wide cache when None). ``share``: other invocations that
    may read part of the rest of a long scan (``ocr_share``; this reader leads).
    """
    pymupdf: Any = importlib.import_module("pymupdf")  # lazy: keeps cold starts cheap

    warnings: list[str] = []
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # pymupdf raises FileDataError/RuntimeError variants
        raise DocumentCorrupt(details={"reason": str(exc)[:200]}) from exc
    repaired = bool(getattr(doc, "is_repaired", False)) or b"%%EOF" not in data[-1024:]
    job: OcrJob | None = None
    try:
        if doc.needs_pass and not doc.authenticate(""):
            raise DocumentEncrypted()
        count = doc.page_count
        if count == 0:
            raise DocumentCorrupt("O PDF não contém nenhuma página.")
        if count > MAX_PAGES:
            raise FileTooLarge(f"O PDF tem {count} páginas; o máximo aceito é {MAX_PAGES}.")
        pages, scanned, broken = _text_pass(doc, data, count, progress)
        if broken == count:
            raise DocumentCorrupt(details={"reason": "no page could be read"})
        if broken:
            warnings.append(f"{broken} página(s) não puderam ser lidas e foram ignoradas.")
        if not scanned:
            yield PdfRead(pages, warnings, repaired=repaired)
            return
        if not ocr:
            warnings.append(f"{len(scanned)} página(s) sem camada de texto não passaram por OCR.")
            yield PdfRead(pages, warnings, repaired=repaired)
            return
        if len(scanned) > MAX_OCR_PAGES:
            warnings.append(
                f"{len(scanned)} páginas são imagens; apenas as primeiras {MAX_OCR_PAGES} passaram por OCR."
            )
            scanned = scanned[:MAX_OCR_PAGES]
        first = _first_indexes(first_pages, count)
        notify(progress, "ocr", 0, len(scanned))
        rest = settings.rest()
        job = OcrJob(
            # one phase: the leading pages and the first table page still get the careful settings
            doc, scanned, first=first or _first_indexes(FIRST_PAGES, count), engine=engine_for(settings),
            settings_key=settings.key(), dpi=settings.dpi, image_format=settings.image_format,
            rest=None if rest == settings else (engine_for(rest), rest.key(), rest.dpi),
            cache=default_cache() if cache is None else cache, workers=workers,
            find_tables=find_tables, hold_rest=bool(first), progress=progress,
            share=share, helpers=share.helpers if share is not None else 0,
        ).start()
        if first:
            job.wait_priority()
            done = job.snapshot()
            if len(done) < len(scanned):
                partial = _merge(pages, done)
                pending = sorted(i + 1 for i in scanned if i not in done)
                yield PdfRead(partial, list(warnings), pending, repaired=repaired)
        results = job.wait_all()
        final = _merge(pages, results)
        failed = sorted(i + 1 for i, r in results.items() if isinstance(r, OcrUnavailable))
        if failed:
            reason = next(r.message for r in results.values() if isinstance(r, OcrUnavailable))
            shown = ", ".join(map(str, failed[:10])) + ("…" if len(failed) > 10 else "")
            warnings.append(f"OCR falhou em {len(failed)} página(s) ({shown}): {reason}")
        yield PdfRead(final, warnings, repaired=repaired)
    finally:
        if job is not None:
            job.close()
        doc.close()


def read_shared_pages(data: bytes, pages: list[int], share: PageShare, *, settings: OcrSettings = DEFAULT_SETTINGS,
                      cache: OcrCache | None = None, workers: int = OCR_WORKERS) -> dict[int, str | OcrUnavailable]:
    """A helper's part of a lead's scan: ``pages`` (0-based) read with the lead's settings for the rest, each
    claimed before it is read and published when read (``ocr_share``). Pages another invocation claimed first
    come back as ``TakenElsewhere``."""
    pymupdf: Any = importlib.import_module("pymupdf")
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:
        raise DocumentCorrupt(details={"reason": str(exc)[:200]}) from exc
    rest = settings.rest()
    job: OcrJob | None = None
    try:
        wanted = [i for i in dict.fromkeys(pages) if 0 <= i < min(doc.page_count, MAX_PAGES)]
        job = OcrJob(doc, wanted, first=[], engine=engine_for(rest), settings_key=rest.key(), dpi=rest.dpi,
                     image_format=rest.image_format, cache=default_cache() if cache is None else cache,
                     workers=workers, find_tables=False, share=share, helpers=0).start()
        return job.wait_all()
    finally:
        if job is not None:
            job.close()
        doc.close()


def _text_pass(doc: Any, data: bytes, count: int,
               progress: ProgressCallback | None) -> tuple[list[Page], list[int], int]:
    from licita.documents.text_workers import read_split  # noqa: PLC0415  (cold start: PDFs only)

    def read_local(start: int, stop: int) -> list[PageText]:
        read: list[PageText] = []
        for index in range(start, stop):
            notify(progress, "text", index + 1, count)
            read.append(read_page(doc, index))
        return read

    pages: list[Page] = []
    scanned: list[int] = []
    broken = 0
    for index, found in enumerate(read_split(data, count, read_local)):
        if found is None:
            broken += 1
            pages.append(Page(number=index + 1, text=""))
            continue
        text, needs_ocr = found
        if needs_ocr:
            scanned.append(index)
        pages.append(Page(number=index + 1, text=text))
    notify(progress, "text", count, count)
    return pages, scanned, broken


def _first_indexes(first_pages: FirstPages, count: int) -> list[int]:
    if first_pages is None:
        return []
    if isinstance(first_pages, int):
        return list(range(min(max(0, first_pages), count)))
    return [n - 1 for n in dict.fromkeys(first_pages) if 1 <= n <= count]


def _merge(pages: list[Page], results: dict[int, str | OcrUnavailable]) -> list[Page]:
    merged = list(pages)
    for index, result in results.items():
        if isinstance(result, OcrUnavailable):
            continue
        # Keep whatever text layer the page had (e.g. a stamped header) before the OCR text.
        old = pages[index].text.strip()
        merged[index] = Page(number=index + 1, text=(old + "\n" + result) if old else result, ocr=True)
    return merged
