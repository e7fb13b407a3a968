"""Test doubles for the document-reader tests."""

from __future__ import annotations


class FakeOcr:
    """Stands in for Tesseract: counts calls, answers with a numbered text."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, image: bytes, **_: object) -> str:
        self.calls += 1
        return f"PREGÃO ELETRÔNICO Nº {self.calls}/2025 texto lido por OCR"
