"""Long PDFs are read by this thread and real worker processes together, page for page the same as one
reader, and a worker that dies, stalls or cannot read never loses a page."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from licita.documents import text_workers
from licita.documents.pdf_reader import read_pdf
from licita.documents.text_layer import PageText, read_pages
from licita.documents.text_workers import SPLIT_MIN_PAGES, TextWorker, TextWorkerPool, read_split


@pytest.fixture
def long_pdf(scan_pdf: Callable[..., bytes]) -> bytes:
    specs = [f"text:Página {n} do edital, cláusula {n}.1 — objeto, prazos e condições." for n in range(1, 31)]
    specs[7] = "scan:ANEXO I TERMO DE REFERENCIA"  # a picture page: flagged for OCR by whoever reads it
    return scan_pdf(*specs)


@pytest.fixture
def pool() -> Iterator[TextWorkerPool]:
    made = TextWorkerPool(size=2)
    yield made
    made.close()


def local_reader(data: bytes, calls: list[tuple[int, int]]) -> Callable[[int, int], list[PageText]]:
    def read(start: int, stop: int) -> list[PageText]:
        calls.append((start, stop))
        return read_pages(data, start, stop)

    return read


def test_split_read_equals_one_reader_and_shares_the_pages(long_pdf: bytes, pool: TextWorkerPool) -> None:
    calls: list[tuple[int, int]] = []
    pages = read_split(long_pdf, 30, local_reader(long_pdf, calls), pool)
    assert pages == read_pages(long_pdf, 0, 30)
    assert calls == [(0, 10)]  # this thread read a third; two workers read the rest
    assert pages[7] is not None and pages[7][1] is True and pages[0] is not None and pages[0][1] is False
    again = read_split(long_pdf, 30, local_reader(long_pdf, []), pool)  # the workers are kept and reused
    assert again == pages


def test_short_documents_and_an_empty_pool_stay_in_process(long_pdf: bytes) -> None:
    calls: list[tuple[int, int]] = []
    none = TextWorkerPool(size=0)
    assert read_split(long_pdf, 30, local_reader(long_pdf, calls), none) == read_pages(long_pdf, 0, 30)
    assert calls == [(0, 30)]
    calls.clear()
    counting = TextWorkerPool(size=2)
    short = SPLIT_MIN_PAGES - 1
    read_split(long_pdf, short, local_reader(long_pdf, calls), counting)
    assert calls == [(0, short)] and counting.acquire(0) == []


def test_a_dead_worker_is_replaced_and_its_pages_read_here(long_pdf: bytes, pool: TextWorkerPool) -> None:
    workers = pool.acquire(2)
    workers[0].proc.kill()
    workers[0].proc.wait()
    for worker in workers:
        pool.release(worker, healthy=True)  # the dead one is dropped, not handed out again
    calls: list[tuple[int, int]] = []
    pages = read_split(long_pdf, 30, local_reader(long_pdf, calls), pool)
    assert pages == read_pages(long_pdf, 0, 30)
    assert calls == [(0, 10)]  # a fresh worker took the dead one's place


def test_a_worker_that_dies_mid_answer_loses_no_page(long_pdf: bytes, pool: TextWorkerPool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    original = TextWorker.send

    def send_then_die(self: TextWorker, data: bytes, start: int, stop: int) -> None:
        original(self, data, start, stop)
        self.proc.kill()

    monkeypatch.setattr(TextWorker, "send", send_then_die)
    calls: list[tuple[int, int]] = []
    pages = read_split(long_pdf, 30, local_reader(long_pdf, calls), pool)
    assert pages == read_pages(long_pdf, 0, 30)
    assert calls == [(0, 10), (10, 20), (20, 30)]  # both workers' shares were read here after they died


def test_a_stalled_worker_times_out(long_pdf: bytes, pool: TextWorkerPool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TextWorker, "send", lambda self, data, start, stop: None)  # asked nothing: never answers
    original = TextWorker.receive
    monkeypatch.setattr(TextWorker, "receive", lambda self, timeout=0.2: original(self, 0.2))
    calls: list[tuple[int, int]] = []
    assert read_split(long_pdf, 30, local_reader(long_pdf, calls), pool) == read_pages(long_pdf, 0, 30)
    assert calls == [(0, 10), (10, 20), (20, 30)]


def test_the_reader_uses_the_workers_and_keeps_scans_for_ocr(long_pdf: bytes,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[TextWorker] = []

    def start() -> TextWorker:
        started.append(TextWorker())
        return started[-1]

    pool = TextWorkerPool(size=1, factory=start)
    monkeypatch.setattr(text_workers, "default_pool", lambda: pool)
    pages, warnings = read_pdf(long_pdf, ocr=False)
    pymupdf: Any = importlib.import_module("pymupdf")
    with pymupdf.open(stream=long_pdf, filetype="pdf") as doc:
        expected = [page.get_text() for page in doc]
    assert [p.text for p in pages if p.number != 8] == [t for n, t in enumerate(expected, 1) if n != 8]
    assert warnings == ["1 página(s) sem camada de texto não passaram por OCR."]
    read_pdf(long_pdf, ocr=False)
    assert len(started) == 1 and started[0].alive()  # one worker read both documents' second halves
    pool.close()
    assert not started[0].alive()


def test_an_idle_worker_leaves_and_the_next_document_starts_another(long_pdf: bytes,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TextWorker, "__init__", lambda self: setattr(self, "proc", subprocess.Popen(
        [sys.executable, "-c", "import sys; from licita.documents.text_layer import serve; "
                               "serve(sys.stdin.buffer, sys.stdout.buffer, idle_exit=0.3)"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})))
    pool = TextWorkerPool(size=1)
    try:
        assert read_split(long_pdf, 30, local_reader(long_pdf, []), pool) == read_pages(long_pdf, 0, 30)
        (first,) = pool.acquire(1)
        pool.release(first, healthy=True)
        assert first.proc.wait(timeout=10) == 0  # left on its own after 0.3 s without work
        calls: list[tuple[int, int]] = []
        assert read_split(long_pdf, 30, local_reader(long_pdf, calls), pool) == read_pages(long_pdf, 0, 30)
        assert calls == [(0, 15)]  # a new worker read the second half
    finally:
        pool.close()
