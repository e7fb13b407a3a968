"""Fixtures for the document-reader tests: PDFs whose pages are pictures (scans) or text."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from documents_fakes import FakeOcr


@pytest.fixture
def scan_pdf() -> Callable[..., bytes]:
    """Build a PDF from page specs: ``"text:..."`` (text layer), ``"scan:..."`` (picture of text),
    ``"table:..."`` (picture of text under a ruled table)."""
    pymupdf: Any = importlib.import_module("pymupdf")

    def picture(text: str, table: bool) -> bytes:
        src = pymupdf.open()
        page = src.new_page()
        page.insert_text((50, 80), text, fontsize=20)
        if table:
            for i in range(6):
                y = 150 + 40 * i
                page.draw_line((40, y), (560, y), width=2)
        png: bytes = page.get_pixmap(dpi=60).tobytes("png")
        return png

    def build(*specs: str) -> bytes:
        out = pymupdf.open()
        for spec in specs:
            kind, _, text = spec.partition(":")
            page = out.new_page()
            if kind == "text":
                page.insert_text((50, 80), text, fontsize=11)
            else:
                page.insert_image(page.rect, stream=picture(text, table=kind == "table"))
        data: bytes = out.tobytes()
        return data

    return build


@pytest.fixture
def fake_ocr(monkeypatch: pytest.MonkeyPatch) -> FakeOcr:
    from licita.documents import ocr as ocr_mod

    fake = FakeOcr()
    monkeypatch.setattr(ocr_mod, "ocr_image", fake)
    return fake


@pytest.fixture
def ocr_orders(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The page order of every OCR job, recorded as each job closes."""
    from licita.documents import ocr_job

    orders: list[list[int]] = []
    original = ocr_job.OcrJob.close

    def spy(self: ocr_job.OcrJob) -> None:
        orders.append(list(self.order))
        original(self)

    monkeypatch.setattr(ocr_job.OcrJob, "close", spy)
    return orders
