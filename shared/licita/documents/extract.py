"""Entry point: bytes + file name in, ``ExtractedDocument`` (text per page, with provenance) out."""

from __future__ import annotations

import hashlib

from licita.documents.archive import unpack_archive
from licita.documents.detect import DOCX, PDF, ZIP, detect_file_type
from licita.documents.docx_reader import read_docx
from licita.documents.errors import DocumentEmpty, FileTooLarge
from licita.documents.model import Block, ExtractedDocument, Page
from licita.documents.pdf_reader import read_pdf

MAX_FILE_BYTES = 100 * 1024 * 1024


def extract_document(data: bytes, filename: str = "", *, ocr: bool = True) -> ExtractedDocument:
    """Read a PDF, DOCX or ZIP (main edital picked) and return its text page by page.

    Raises a ``DocumentError`` subclass (an ``AppError``) with a Portuguese message for encrypted,
    corrupt, empty, oversized or unsupported files and for rejected archives.
    """
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(
            f"O arquivo tem {len(data) / 1048576:.1f} MB; o máximo aceito é {MAX_FILE_BYTES // 1048576} MB."
        )
    sha256 = hashlib.sha256(data).hexdigest()
    kind = detect_file_type(data, filename)
    warnings: list[str] = []
    source_member: str | None = None
    payload = data
    if kind == ZIP:
        members, warnings = unpack_archive(data)
        chosen = members[0]
        source_member, payload, kind = chosen.name, chosen.data, chosen.file_type
        others = [m.name for m in members[1:]]
        if others:
            warnings.append(
                f"ZIP com {len(members)} documentos; analisado '{chosen.name}'. Demais: " + ", ".join(others[:20])
            )
    blocks: list[Block] = []
    pages: list[Page]
    if kind == PDF:
        pages, more = read_pdf(payload, ocr=ocr)
    else:
        assert kind == DOCX
        pages, blocks, more = read_docx(payload)
    warnings.extend(more)
    if not any(p.text.strip() for p in pages):
        detail = next((w for w in warnings if "OCR" in w), None)
        message = DocumentEmpty.default_message
        if not ocr:
            message = "O documento não tem camada de texto e o OCR está desligado."
        elif detail:
            message += f" ({detail})"
        raise DocumentEmpty(message, details={"warnings": warnings})
    return ExtractedDocument(
        file_type=kind, sha256=sha256, pages=pages, warnings=warnings,
        source_member=source_member, filename=filename or None, blocks=blocks,
    )
