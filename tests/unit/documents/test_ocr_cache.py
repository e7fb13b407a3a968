from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from documents_fakes import FakeOcr

from licita.documents import DirectoryOcrCache, MemoryOcrCache, TieredOcrCache, extract_document
from licita.documents.ocr_cache import page_key


def test_memory_cache_is_lru_bounded() -> None:
    cache = MemoryOcrCache(max_entries=2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"
    cache.put("c", "C")  # evicts b, the least recently used
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") == "C"
    assert cache.hits == 3 and cache.misses == 1


def test_directory_cache_round_trip_and_tiered_promotion(tmp_path: Path) -> None:
    key = page_key(b"image", "tesseract/5/por/dpi200/psm3")
    assert key != page_key(b"image", "tesseract/5/por/dpi300/psm3")
    DirectoryOcrCache(tmp_path).put(key, "texto da página")
    tiered = TieredOcrCache(MemoryOcrCache(), DirectoryOcrCache(tmp_path))
    assert tiered.get(key) == "texto da página"
    assert tiered.memory.get(key) == "texto da página"
    assert DirectoryOcrCache(tmp_path / "missing").get(key) is None


def test_second_read_of_same_pages_hits_the_cache(scan_pdf: Callable[..., bytes], fake_ocr: FakeOcr) -> None:
    data = scan_pdf("scan:PREGAO 1", "scan:PREGAO 2")
    cache = MemoryOcrCache()
    first = extract_document(data, "a.pdf", cache=cache)
    assert fake_ocr.calls == 2 and first.ocr_pages == 2
    again = extract_document(data, "a.pdf", cache=cache)
    assert fake_ocr.calls == 2  # served from the cache
    assert [p.text for p in again.pages] == [p.text for p in first.pages]
    # Another file with one of the same scanned pages reuses it.
    extract_document(scan_pdf("scan:PREGAO 2", "scan:OUTRA"), "b.pdf", cache=cache)
    assert fake_ocr.calls == 3
