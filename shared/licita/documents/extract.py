"""Entry point: bytes + file name in, ``ExtractedDocument`` (text per page, with provenance) out.

Two ways to read:

- ``extract_document(data, filename)`` returns the complete document (one phase);
- ``read_document(data, filename, first_pages=3)`` is a generator: for a scanned PDF it first
  yields a partial document (cover, preamble and the first table page OCR'd; ``complete`` False,
  ``pending_pages`` listing the rest) and then the complete one, while the OCR of the remaining
  pages goes on in the background. Text PDFs and DOCX yield once. ``extract_text(...,
  on_partial=...)`` is the same with a callback.

Both report progress frames (text page k/n, ocr page k/n) to ``progress``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator
from typing import TypedDict, Unpack

from licita.core.config import DEFAULT_MAX_UPLOAD_BYTES
from licita.documents.archive import unpack_archive
from licita.documents.detect import DOCX, PDF, ZIP, detect_file_type
from licita.documents.docx_reader import read_docx
from licita.documents.errors import DocumentChanged, DocumentEmpty, FileTooLarge, OcrUnavailable
from licita.documents.model import Block, ExtractedDocument, Page
from licita.documents.ocr import DEFAULT_SETTINGS, OcrSettings
from licita.documents.ocr_cache import OcrCache
from licita.documents.ocr_share import PageShare
from licita.documents.pdf_reader import FIRST_PAGES, FirstPages, iter_pdf, read_shared_pages
from licita.documents.progress import ProgressCallback, notify

MAX_FILE_BYTES = DEFAULT_MAX_UPLOAD_BYTES  # the one upload limit's default (core.config)


def extract_document(data: bytes, filename: str = "", *, ocr: bool = True,
                     progress: ProgressCallback | None = None, cache: OcrCache | None = None) -> ExtractedDocument:
    """Read a PDF, DOCX or ZIP (main edital picked) and return its text page by page.

    Raises a ``DocumentError`` subclass (an ``AppError``) with a Portuguese message for encrypted,
    corrupt, empty, oversized or unsupported files and for rejected archives.
    """
    return extract_text(data, filename, ocr=ocr, progress=progress, first_pages=None, cache=cache)


class ReadOptions(TypedDict, total=False):
    """How :func:`read_document` reads (keyword-only; its defaults apply to what is left out)."""

    ocr: bool
    progress: ProgressCallback | None
    first_pages: FirstPages
    cache: OcrCache | None
    settings: OcrSettings
    share: PageShare | None


def extract_text(data: bytes, filename: str = "", *, on_partial: Callable[[ExtractedDocument], None] | None = None,
                 **options: Unpack[ReadOptions]) -> ExtractedDocument:
    """Like ``extract_document``; ``on_partial`` gets the quick first result of a scanned PDF.

    ``on_partial`` runs in the caller's thread while the rest of the OCR goes on; the complete
    document is returned. Without ``on_partial`` nothing is read in two phases.
    """
    options["first_pages"] = options.get("first_pages", FIRST_PAGES) if on_partial else None
    final: ExtractedDocument | None = None
    for doc in read_document(data, filename, **options):
        if doc.complete:
            final = doc
        elif on_partial is not None:
            on_partial(doc)
    assert final is not None
    return final


def read_document(
    data: bytes,
    filename: str = "",
    *,
    ocr: bool = True,
    progress: ProgressCallback | None = None,
    first_pages: FirstPages = FIRST_PAGES,
    cache: OcrCache | None = None,
    settings: OcrSettings = DEFAULT_SETTINGS,
    share: PageShare | None = None,
) -> Generator[ExtractedDocument]:
    """Yield at most one partial ``ExtractedDocument`` (``complete`` False) and then the complete one.

    Closing the generator early (``break``) stops the OCR of the pages not yet started.
    ``DocumentEmpty`` is raised only for the complete document. ``share``: other invocations that may read
    part of a long scan (``ocr_share``).
    """
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(
            f"O arquivo tem {len(data) / 1048576:.1f} MB; o máximo aceito é {MAX_FILE_BYTES // 1048576} MB."
        )
    sha256 = hashlib.sha256(data).hexdigest()
    kind, payload, source_member, warnings = _payload(data, filename)

    def build(pages: list[Page], more: list[str], blocks: list[Block], pending: list[int],
              repaired: bool = False) -> ExtractedDocument:
        return ExtractedDocument(
            file_type=kind, sha256=sha256, pages=pages, warnings=[*warnings, *more],
            source_member=source_member, filename=filename or None, blocks=blocks, pending_pages=pending,
            repaired=repaired,
        )

    if kind == PDF:
        for read in iter_pdf(payload, ocr=ocr, progress=progress, first_pages=first_pages, cache=cache,
                             settings=settings, share=share):
            if not read.complete:
                yield build(read.pages, read.warnings, [], read.pending, read.repaired)
                continue
            yield _checked(build(read.pages, read.warnings, [], [], read.repaired), ocr)
        return
    assert kind == DOCX
    notify(progress, "text", 0, 1)
    pages, blocks, more = read_docx(payload)
    notify(progress, "text", 1, 1)
    yield _checked(build(pages, more, blocks, []), ocr)


def _payload(data: bytes, filename: str) -> tuple[str, bytes, str | None, list[str]]:
    """The file to read (a ZIP's main edital), its kind, the member's name and the warnings about the rest."""
    kind = detect_file_type(data, filename)
    if kind != ZIP:
        return kind, data, None, []
    members, warnings = unpack_archive(data)
    chosen = members[0]
    others = [m.name for m in members[1:]]
    if others:
        warnings.append(
            f"ZIP com {len(members)} documentos; analisado '{chosen.name}'. Demais: " + ", ".join(others[:20])
        )
    return chosen.file_type, chosen.data, chosen.name, warnings


def read_shared_part(data: bytes, filename: str, pages: list[int], share: PageShare,
                     *, sha256: str) -> dict[int, str | OcrUnavailable]:
    """A helper's part of another invocation's scan (``ocr_share``): ``data`` must be the file the lead reads
    (its SHA-256), so a helper never publishes another file's text; a ZIP's main edital is picked as the lead
    picks it."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DocumentChanged()
    kind, payload, _member, _warnings = _payload(data, filename)
    if kind != PDF:
        raise DocumentChanged("O arquivo não é um PDF.")
    return read_shared_pages(payload, pages, share)


def _checked(doc: ExtractedDocument, ocr: bool) -> ExtractedDocument:
    if not any(p.text.strip() for p in doc.pages):
        detail = next((w for w in doc.warnings if "OCR" in w), None)
        message = DocumentEmpty.default_message
        if not ocr:
            message = "O documento não tem camada de texto e o OCR está desligado."
        elif detail:
            message += f" ({detail})"
        raise DocumentEmpty(message, details={"warnings": doc.warnings})
    return doc
