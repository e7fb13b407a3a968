"""OCR fan-out (documents.ocr_share): a lead shares a long scan's tail with helpers and never loses a page.

The helpers here are threads reading through ``read_shared_pages`` with the in-memory share; the Redis/SQS
adapter is covered in tests/integration/test_ocr_fanout.py.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from licita.documents import MemoryOcrCache, OcrSettings
from licita.documents.errors import OcrUnavailable
from licita.documents.ocr_job import TakenElsewhere
from licita.documents.ocr_share import MemoryPageShare, plan_share, steal_order
from licita.documents.pdf_reader import iter_pdf, read_shared_pages

LOW = OcrSettings(dpi=40)  # the fake OCR only needs a picture
PAGES = 16


class PageOcr:
    """Fake Tesseract that knows which page an image is (by its bytes): the text names the page."""

    def __init__(self, data: bytes, dpi: int, delay: float = 0.0) -> None:
        pymupdf: Any = importlib.import_module("pymupdf")
        doc = pymupdf.open(stream=data, filetype="pdf")
        self.pages = {doc.load_page(i).get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY).tobytes("pnm"): i
                      for i in range(doc.page_count)}
        self.delay = delay
        self.read: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, image: bytes, **_: object) -> str:
        index = self.pages[image]
        time.sleep(self.delay)
        with self._lock:
            self.read.append(index)
        return f"texto lido da página {index + 1}"


@pytest.fixture
def scan(scan_pdf: Callable[..., bytes]) -> bytes:
    return scan_pdf(*(f"scan:PAGINA {n} {'x' * n}" for n in range(1, PAGES + 1)))


@pytest.fixture
def page_ocr(scan: bytes, monkeypatch: pytest.MonkeyPatch) -> PageOcr:
    from licita.documents import ocr as ocr_mod

    fake = PageOcr(scan, LOW.dpi, delay=0.02)
    monkeypatch.setattr(ocr_mod, "ocr_image", fake)
    return fake


def _lead(data: bytes, share: MemoryPageShare) -> Any:
    """The complete read of a lead with ``share`` (one OCR worker, as if each invocation had one core)."""
    reads = list(iter_pdf(data, cache=MemoryOcrCache(), workers=1, settings=LOW, share=share))
    return reads[-1]


def _threads(data: bytes, started: list[threading.Thread]) -> Callable[[MemoryPageShare, list[int]], None]:
    def run(share: MemoryPageShare, chunk: list[int]) -> None:
        helper = threading.Thread(target=read_shared_pages, args=(data, chunk, share),
                                  kwargs={"settings": LOW, "cache": MemoryOcrCache(), "workers": 1})
        helper.start()
        started.append(helper)
    return run


def _texts(read: Any) -> list[str]:
    return [page.text for page in read.pages]


EXPECTED = [f"texto lido da página {n}" for n in range(1, PAGES + 1)]


def test_plan_gives_helpers_equal_contiguous_chunks() -> None:
    assert plan_share(list(range(20)), 3) == [list(range(0, 7)), list(range(7, 13)), list(range(13, 20))]
    # never a chunk shorter than the minimum: 9 pages make two chunks at most, 3 pages none
    assert [len(c) for c in plan_share(list(range(9)), 8)] == [4, 5]
    assert plan_share(list(range(3)), 8) == []
    assert plan_share(list(range(40)), 0) == []


def test_steal_order_takes_the_back_of_the_longest_chunk() -> None:
    assert steal_order([[5, 6, 7], [8, 9]], {5, 6, 7, 8, 9}) == [7, 6, 9, 5, 8]
    assert steal_order([[5, 6, 7], [8, 9]], {5, 9}) == [5, 9]


def test_pages_helpers_published_are_collected_not_read_again(scan: bytes, page_ocr: PageOcr) -> None:
    def reads_now(share: MemoryPageShare, chunk: list[int]) -> None:  # a helper done before the lead looks
        read_shared_pages(scan, chunk, share, settings=LOW, cache=MemoryOcrCache(), workers=1)

    share = MemoryPageShare(reads_now, helpers=2)
    read = _lead(scan, share)
    shared = [i for chunk in share.dispatched for i in chunk]
    assert _texts(read) == EXPECTED and all(page.ocr for page in read.pages)
    assert len(share.dispatched) == 2 and share.closed
    assert set(shared) <= set(share.published)  # every page of the chunks came from a helper
    assert sorted(page_ocr.read) == list(range(PAGES))  # and none was read a second time by the lead


def test_helpers_running_beside_the_lead_read_no_page_twice(scan: bytes, page_ocr: PageOcr) -> None:
    helpers: list[threading.Thread] = []
    share = MemoryPageShare(_threads(scan, helpers), helpers=2)
    read = _lead(scan, share)
    for helper in helpers:
        helper.join(5)
    # who read which page depends on timing; that every page is read exactly once does not
    assert _texts(read) == EXPECTED
    assert sorted(page_ocr.read) == list(range(PAGES)) and share.closed


def test_helpers_that_never_start_cost_no_page(scan: bytes, page_ocr: PageOcr) -> None:
    share = MemoryPageShare(None, helpers=3)  # the chunks were sent; nobody reads them
    read = _lead(scan, share)
    assert _texts(read) == EXPECTED
    assert sorted(page_ocr.read) == list(range(PAGES)) and share.dispatched


def test_a_share_that_cannot_dispatch_reads_everything_in_the_lead(scan: bytes, page_ocr: PageOcr) -> None:
    share = MemoryPageShare(None, helpers=3, available=False)
    read = _lead(scan, share)
    assert _texts(read) == EXPECTED and not share.dispatched and not share.claims


def test_a_dead_helpers_claim_goes_stale_and_the_lead_reads_the_page(scan: bytes, page_ocr: PageOcr) -> None:
    def dies_after_claiming(share: MemoryPageShare, chunk: list[int]) -> None:
        assert share.claim(chunk[-1:]) == chunk[-1]  # claimed, never published

    share = MemoryPageShare(dies_after_claiming, helpers=1, stale_after=0.3)
    read = _lead(scan, share)
    assert _texts(read) == EXPECTED


def test_a_page_a_helper_could_not_read_is_reported_not_dropped(scan: bytes, page_ocr: PageOcr) -> None:
    def fails(share: MemoryPageShare, chunk: list[int]) -> None:
        assert share.claim(chunk[:1]) == chunk[0]
        share.publish(chunk[0], OcrUnavailable("Falha no OCR: teste"))

    share = MemoryPageShare(fails, helpers=1)
    read = _lead(scan, share)
    failed = share.dispatched[0][0]
    assert read.pages[failed].text == "" and not read.pages[failed].ocr
    assert any(f"({failed + 1})" in w and "teste" in w for w in read.warnings)
    assert [t for i, t in enumerate(_texts(read)) if i != failed] == [t for i, t in enumerate(EXPECTED) if i != failed]


def test_a_helper_skips_pages_someone_else_claimed(scan: bytes, page_ocr: PageOcr) -> None:
    share = MemoryPageShare(helpers=0)
    share.dispatch([])  # a helper's view: nothing to dispatch
    assert share.claim([5]) == 5  # the lead stole page 6 already
    results = read_shared_pages(scan, [4, 5, 6], share, settings=LOW, cache=MemoryOcrCache(), workers=1)
    assert isinstance(results[5], TakenElsewhere)
    assert results[4] == "texto lido da página 5" and share.published[6] == "texto lido da página 7"
    assert sorted(page_ocr.read) == [4, 6]


def test_a_closed_share_gives_a_late_helper_nothing_to_read(scan: bytes, page_ocr: PageOcr) -> None:
    share = MemoryPageShare(helpers=0)
    share.close()
    results = read_shared_pages(scan, [8, 9], share, settings=LOW, cache=MemoryOcrCache(), workers=1)
    assert all(isinstance(r, TakenElsewhere) for r in results.values()) and page_ocr.read == []
