"""Text extraction (licita.documents) and the rules extractor (licita.extraction), with integrity codes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from licita.core.errors import AppError
from licita.documents import extract_text
from licita.extraction import extract_tender
from licita.tenders.analysis.results import Failure, ms

if TYPE_CHECKING:
    from licita.documents import ExtractedDocument
    from licita.documents.ocr_share import PageShare
    from licita.documents.progress import ProgressCallback

log = logging.getLogger("licita.analysis")


def read_document(data: bytes, filename: str, timings: dict[str, float], *,
                  progress: ProgressCallback | None = None,
                  on_partial: Callable[[ExtractedDocument], None] | None = None,
                  share: PageShare | None = None) -> Any:
    """The document's text page by page; unreadable files are permanent failures with a readable reason.

    ``progress`` gets text/ocr page frames; ``on_partial`` (scans only) gets the priority pages first,
    while the OCR of the rest goes on; ``share``: helper invocations that may read part of a long scan.
    """
    t = time.perf_counter()
    try:
        document = extract_text(data, filename, progress=progress, on_partial=on_partial, share=share)
    except AppError as exc:  # encrypted, corrupt, empty, bomb, unsupported: readable reason, permanent
        raise Failure(exc.code, exc.message) from None
    except MemoryError:
        raise Failure("file_too_complex", "O arquivo é complexo demais para ser lido; tente um PDF menor.") \
            from None
    except Exception as exc:
        log.exception("text extraction crashed on %s", filename)
        raise Failure("unreadable_file", "Não foi possível ler o arquivo (formato danificado ou não suportado). "
                      "O arquivo foi guardado; tente exportá-lo novamente em PDF.") from exc
    timings["extract"] = ms(t)
    pages, _ = page_counts(document)
    if not pages and not has_text(document):
        raise Failure("empty_document", "O documento não tem texto legível (nenhuma página com conteúdo).")
    return document


def extract_fields(document: Any, timings: dict[str, float]) -> dict[str, Any]:
    """The rules extractor's result (EXTRACTION.md format) plus the reader's ``integrity`` codes."""
    t = time.perf_counter()
    try:
        analysis = to_dict(extract_tender(document))
    except AppError as exc:
        raise Failure(exc.code, exc.message) from None
    timings["rules"] = ms(t)
    analysis.setdefault("fields", {})
    for value in analysis["fields"].values():
        if isinstance(value, dict):
            value.setdefault("source", "rules")
    codes = integrity(document)
    if codes:
        analysis["integrity"] = codes
    return analysis


def integrity(document: Any) -> list[str]:
    """Signs that the file is damaged or truncated, so its text may be incomplete (see review.INTEGRITY_WARNINGS)."""
    codes: list[str] = []
    if getattr(document, "repaired", False):
        codes.append("repaired")
    return codes


def to_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        return result
    convert = getattr(result, "to_dict", None)
    if callable(convert):
        out = convert()
        if isinstance(out, dict):
            return out
    raise TypeError(f"extract_tender returned {type(result).__name__}, expected to_dict()")


def page_counts(document: Any) -> tuple[int | None, int | None]:
    pages_attr = getattr(document, "page_count", None)
    pages_list = getattr(document, "pages", None)
    pages = pages_attr if isinstance(pages_attr, int) else (len(pages_list) if isinstance(pages_list, list) else None)
    ocr = getattr(document, "ocr_pages", None)
    if ocr is None and isinstance(pages_list, list):
        flags = [getattr(p, "ocr", None) for p in pages_list]
        ocr = sum(1 for f in flags if f) if any(f is not None for f in flags) else None
    ocr_count = ocr if isinstance(ocr, int) else (len(ocr) if isinstance(ocr, list | tuple | set) else None)
    return pages, ocr_count


def has_text(document: Any) -> bool:
    text = getattr(document, "text", None)
    if isinstance(text, str):
        return bool(text.strip())
    return True  # unknown shape: let the extractor decide
