"""Helpers for the rule tests: short synthetic documents built in memory (no files, no OCR)."""

from __future__ import annotations

from typing import Any

from licita.documents import ExtractedDocument, Page
from licita.extraction import extract_tender

# Procurement vocabulary so that a short synthetic passage reads as a procurement document.
FILLER = "\n" + "A licitação e o pregão seguem a habilitação do licitante no certame. " * 12


def doc(*pages: str) -> ExtractedDocument:
    return ExtractedDocument(file_type="pdf", sha256="0" * 64,
                             pages=[Page(number=i + 1, text=t) for i, t in enumerate(pages)])


def fields(*pages: str) -> dict[str, Any]:
    return {k: v["value"] for k, v in extract_tender(doc(*pages)).to_dict()["fields"].items()}


def result(*pages: str) -> dict[str, Any]:
    return extract_tender(doc(*pages)).to_dict()
