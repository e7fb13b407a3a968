from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from documents_fakes import FakeOcr

from licita.documents import MemoryOcrCache, OcrSettings, ProgressFrame, read_document
from licita.documents.ocr_job import priority_order, ruled_lines
from licita.documents.pdf_reader import iter_pdf
from licita.documents.text_layer import usable_text

LOW = OcrSettings(dpi=40)  # fake OCR: the picture only has to exist


def test_priority_order_first_then_tables_then_rest() -> None:
    assert priority_order(range(10), [0, 1, 2], [7, 4]) == [0, 1, 2, 7, 4, 3, 5, 6, 8, 9]
    # pages that need no OCR are never scheduled
    assert priority_order([3, 5, 6], [0, 1, 5], [6]) == [5, 6, 3]


def test_ruled_lines_counts_table_rules() -> None:
    width, height = 100, 40
    white = bytearray(b"\xff" * width * height)
    assert ruled_lines(bytes(white), width, height, width) == 0
    for y in (5, 6, 15, 25, 35):  # rows 5-6 are one thick rule
        white[y * width:(y + 1) * width] = b"\x00" * width
    assert ruled_lines(bytes(white), width, height, width) == 4


def test_cover_preamble_and_table_page_are_read_first(scan_pdf: Callable[..., bytes], fake_ocr: FakeOcr,
                                                       ocr_orders: list[list[int]]) -> None:
    data = scan_pdf("scan:CAPA", "scan:PREAMBULO", "scan:OBJETO", "scan:X", "scan:Y",
                    "table:ITENS", "scan:Z")
    orders = ocr_orders
    reads = list(iter_pdf(data, cache=MemoryOcrCache(), workers=1, settings=LOW))
    assert orders == [[0, 1, 2, 5, 3, 4, 6]]
    partial, complete = reads
    # the priority pages are in the first result; how many others the OCR thread finished meanwhile is timing
    assert all(partial.pages[i].ocr for i in (0, 1, 2, 5))
    assert partial.pending == [i + 1 for i, page in enumerate(partial.pages) if not page.ocr]
    assert complete.complete and all(p.ocr for p in complete.pages)


def test_two_phase_read_yields_partial_then_complete(scan_pdf: Callable[..., bytes], fake_ocr: FakeOcr) -> None:
    data = scan_pdf(*(f"scan:PAGINA {n}" for n in range(1, 7)))
    frames: list[ProgressFrame] = []
    docs = list(read_document(data, "scan.pdf", first_pages=2, cache=MemoryOcrCache(), progress=frames.append,
                                settings=LOW))
    assert [d.complete for d in docs] == [False, True]
    assert docs[0].pending_pages and docs[0].pages[0].ocr and docs[0].pages[1].ocr
    assert docs[1].ocr_pages == 6 and fake_ocr.calls == 6
    stages = [f.stage for f in frames]
    assert stages[:6] == ["text"] * 6 and stages[-1] == "ocr" and frames[-1].current == 6


def test_text_pdf_yields_once(scan_pdf: Callable[..., bytes], fake_ocr: FakeOcr) -> None:
    docs = list(read_document(scan_pdf("text:PREGÃO ELETRÔNICO Nº 5/2025 objeto aquisição de materiais"), "t.pdf"))
    assert len(docs) == 1 and docs[0].complete and fake_ocr.calls == 0


def test_pages_with_a_text_layer_are_not_ocred(scan_pdf: Callable[..., bytes], fake_ocr: FakeOcr) -> None:
    data = scan_pdf("text:PREGÃO ELETRÔNICO Nº 5/2025 - objeto: aquisição de material de escritório",
                    "scan:PAGINA DIGITALIZADA", "text:Cláusula segunda: das condições de participação no certame")
    doc = list(read_document(data, "misto.pdf", cache=MemoryOcrCache(), settings=LOW))[-1]
    assert fake_ocr.calls == 1
    assert [p.ocr for p in doc.pages] == [False, True, False]


def test_usable_text_rules() -> None:
    assert usable_text("PREGÃO ELETRÔNICO Nº 5/2025 aquisição de material")
    assert not usable_text("  12  ")
    assert not usable_text("\ufffd" * 40 + "abc")  # glyphs without Unicode mapping


def test_closing_the_generator_early_stops_cleanly(scan_pdf: Callable[..., bytes], fake_ocr: FakeOcr) -> None:
    data = scan_pdf(*(f"scan:PAGINA {n}" for n in range(1, 9)))
    gen = read_document(data, "scan.pdf", first_pages=1, cache=MemoryOcrCache(), settings=LOW)
    first = next(gen)
    assert not first.complete
    gen.close()
    assert fake_ocr.calls <= 8


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_real_tesseract_two_phase(scan_pdf: Callable[..., bytes]) -> None:
    # enough pages after the priority one that the rest cannot all be read (two workers) before the partial is
    # taken: with three pages, a loaded machine sometimes finished them all first, and then no partial is due
    data = scan_pdf("scan:PREGAO ELETRONICO 005/2025", "scan:OBJETO AQUISICAO", "scan:ANEXO I",
                    *(f"scan:PAGINA {n}" for n in range(4, 9)))
    docs = list(read_document(data, "scan.pdf", first_pages=1, cache=MemoryOcrCache(),
                              settings=OcrSettings(dpi=100)))
    assert [d.complete for d in docs] == [False, True]
    assert "005/2025" in docs[0].pages[0].text and not all(page.text for page in docs[0].pages)
    assert "ANEXO" in docs[1].pages[2].text and all(page.text for page in docs[1].pages)
