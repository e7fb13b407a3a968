"""PDF text with PyMuPDF, page by page; pages without a text layer are sent to OCR."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from licita.documents.errors import DocumentCorrupt, DocumentEncrypted, FileTooLarge, OcrUnavailable
from licita.documents.model import Page
from licita.documents.ocr import ocr_pages

MAX_PAGES = 3000
MAX_OCR_PAGES = 300
OCR_DPI = 300
# A page with fewer visible characters than this but with images is treated as scanned.
MIN_TEXT_CHARS = 25


def read_pdf(data: bytes, *, ocr: bool = True) -> tuple[list[Page], list[str]]:
    """Return the pages (1-based numbers) and user-readable warnings."""
    pymupdf: Any = importlib.import_module("pymupdf")  # lazy: keeps cold starts cheap

    warnings: list[str] = []
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # pymupdf raises FileDataError/RuntimeError variants
        raise DocumentCorrupt(details={"reason": str(exc)[:200]}) from exc
    with doc:
        if doc.needs_pass and not doc.authenticate(""):
            raise DocumentEncrypted()
        count = doc.page_count
        if count == 0:
            raise DocumentCorrupt("O PDF não contém nenhuma página.")
        if count > MAX_PAGES:
            raise FileTooLarge(f"O PDF tem {count} páginas; o máximo aceito é {MAX_PAGES}.")
        pages: list[Page] = []
        scanned: list[int] = []
        broken = 0
        for index in range(count):
            try:
                page = doc.load_page(index)
                text = page.get_text()
            except Exception:  # a single broken page should not lose the document
                broken += 1
                pages.append(Page(number=index + 1, text=""))
                continue
            if len(text) < 2000 and _visible_chars(text) < MIN_TEXT_CHARS and page.get_images(full=False):
                scanned.append(index)
            pages.append(Page(number=index + 1, text=text))
        if broken == count:
            raise DocumentCorrupt(details={"reason": "no page could be read"})
        if broken:
            warnings.append(f"{broken} página(s) não puderam ser lidas e foram ignoradas.")
        if scanned and ocr:
            if len(scanned) > MAX_OCR_PAGES:
                warnings.append(
                    f"{len(scanned)} páginas são imagens; apenas as primeiras {MAX_OCR_PAGES} passaram por OCR."
                )
                scanned = scanned[:MAX_OCR_PAGES]
            _apply_ocr(doc, pages, scanned, warnings)
        elif scanned:
            warnings.append(f"{len(scanned)} página(s) sem camada de texto não passaram por OCR.")
    return pages, warnings


def _visible_chars(text: str) -> int:
    return len("".join(text.split()))


def _render(doc: Any, indexes: list[int]) -> Iterator[tuple[int, bytes]]:
    pymupdf: Any = importlib.import_module("pymupdf")

    for index in indexes:
        pix = doc.load_page(index).get_pixmap(dpi=OCR_DPI, colorspace=pymupdf.csGRAY)
        png = pix.tobytes("png")
        del pix
        # MuPDF keeps decoded page images in its store; scanned editais would pile up ~7 MB a page.
        pymupdf.TOOLS.store_shrink(100)
        yield index, png


def _apply_ocr(doc: Any, pages: list[Page], scanned: list[int], warnings: list[str]) -> None:
    results = ocr_pages(_render(doc, scanned))
    failed: list[int] = []
    reason = ""
    for index, result in sorted(results.items()):
        if isinstance(result, OcrUnavailable):
            failed.append(index + 1)
            reason = result.message
            continue
        # Keep whatever text layer the page had (e.g. a stamped header) before the OCR text.
        old = pages[index].text.strip()
        pages[index] = Page(number=index + 1, text=(old + "\n" + result) if old else result, ocr=True)
    if failed:
        shown = ", ".join(map(str, failed[:10])) + ("…" if len(failed) > 10 else "")
        warnings.append(f"OCR falhou em {len(failed)} página(s) ({shown}): {reason}")
