"""Long PDFs are read by this thread and real worker processes together, page for page the same as one
reader, and a worker that dies, stalls or cannot read never loses a page."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from licita.documents import text_workers
from licita.documents.pdf_reader import read_pdf
from licita.documents.text_layer import PageText, read_pages
from licita.documents.text_workers import SPLIT_MIN_PAGES, TextWorker, TextWorkerPool, read_split


@pytest.fixture(autouse=True)
def _patient_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded test machine (CI runs two test processes beside these workers) can hold a worker past the
    production END_TIMEOUT (1 s), and it is then replaced, which the reuse assertions would read as a bug. Only
    the stall test asks for a short one (it sets its own)."""
    monkeypatch.setattr(text_workers, "END_TIMEOUT", 30.0)


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


def local_reader(data: bytes, read: list[int], pause: float = 0.0) -> Callable[[int, int], list[PageText]]:
    """This thread's reader; it records the pages it read and may take ``pause`` seconds per page."""
    def reader(start: int, stop: int) -> list[PageText]:
        read.extend(range(start, stop))
        time.sleep(pause * (stop - start))
        return read_pages(data, start, stop)

    return reader


def slow_worker(pause: float) -> Callable[[TextWorker], None]:
    """A real worker process whose page reads each take ``pause`` seconds longer."""
    script = ("import time; from licita.documents import text_layer as t; read = t.read_page; "
              f"t.read_page = lambda doc, i: (time.sleep({pause}), read(doc, i))[1]; t.main()")

    def start(self: TextWorker) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     bufsize=0, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})

    return start


def test_split_read_equals_one_reader_and_idle_workers_read_their_segments(long_pdf: bytes,
                                                                          pool: TextWorkerPool) -> None:
    expected = read_pages(long_pdf, 0, 30)
    assert read_split(long_pdf, 30, local_reader(long_pdf, []), pool) == expected  # starts both workers
    workers = pool.acquire(2)
    pids = {w.proc.pid for w in workers}
    for worker in workers:
        pool.release(worker, healthy=True)
    read: list[int] = []
    pages = read_split(long_pdf, 30, local_reader(long_pdf, read, pause=0.02), pool)
    assert pages == expected
    assert pages[7] is not None and pages[7][1] is True and pages[0] is not None and pages[0][1] is False
    assert read == list(range(10))  # this slow thread read its third; the workers read theirs meanwhile
    again = pool.acquire(2)
    assert {w.proc.pid for w in again} == pids  # kept and reused, stops that came late were ignored
    for worker in again:
        pool.release(worker, healthy=True)


def test_a_fast_reader_reads_a_slow_workers_pages(long_pdf: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TextWorker, "__init__", slow_worker(0.2))
    pool = TextWorkerPool(size=1)
    try:
        read: list[int] = []
        assert read_split(long_pdf, 30, local_reader(long_pdf, read, pause=0.005), pool) == read_pages(long_pdf, 0, 30)
        assert len(read) > 15 and read == list(range(len(read)))  # past its half, in order; the worker did the rest
        (worker,) = pool.acquire(1)
        assert worker.alive()  # told to stop, it ended its answer and stays for the next document
        pool.release(worker, healthy=True)
    finally:
        pool.close()


def test_short_documents_and_an_empty_pool_stay_in_process(long_pdf: bytes) -> None:
    read: list[int] = []
    none = TextWorkerPool(size=0)
    assert read_split(long_pdf, 30, local_reader(long_pdf, read), none) == read_pages(long_pdf, 0, 30)
    assert read == list(range(30))
    read.clear()
    counting = TextWorkerPool(size=2)
    short = SPLIT_MIN_PAGES - 1
    read_split(long_pdf, short, local_reader(long_pdf, read), counting)
    assert read == list(range(short)) and counting.acquire(0) == []


def test_a_dead_worker_is_replaced(long_pdf: bytes, pool: TextWorkerPool) -> None:
    workers = pool.acquire(2)
    workers[0].proc.kill()
    workers[0].proc.wait()
    for worker in workers:
        pool.release(worker, healthy=True)  # the dead one is dropped, not handed out again
    read_split(long_pdf, 30, local_reader(long_pdf, []), pool)  # a fresh worker takes its place
    read: list[int] = []
    assert read_split(long_pdf, 30, local_reader(long_pdf, read, pause=0.02), pool) == read_pages(long_pdf, 0, 30)
    assert read == list(range(10))


def test_a_worker_that_dies_mid_answer_loses_no_page(long_pdf: bytes, pool: TextWorkerPool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    original = TextWorker.send
    killed: list[int] = []

    def send_then_die(self: TextWorker, data: bytes, start: int, stop: int) -> None:
        original(self, data, start, stop)
        self.proc.kill()
        killed.append(self.proc.pid)

    monkeypatch.setattr(TextWorker, "send", send_then_die)
    read: list[int] = []
    assert read_split(long_pdf, 30, local_reader(long_pdf, read), pool) == read_pages(long_pdf, 0, 30)
    assert sorted(read) == list(range(30))  # both workers' pages were read here
    fresh = pool.acquire(2)
    assert len(fresh) == 2 and not {w.proc.pid for w in fresh} & set(killed)  # the dead were not handed out again
    for worker in fresh:
        pool.release(worker, healthy=True)


def test_a_stalled_worker_is_replaced_without_holding_up_the_document(long_pdf: bytes, pool: TextWorkerPool,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TextWorker, "send", lambda self, data, start, stop: None)  # asked nothing: never answers
    monkeypatch.setattr(text_workers, "END_TIMEOUT", 0.2)
    read: list[int] = []
    started = time.monotonic()
    assert read_split(long_pdf, 30, local_reader(long_pdf, read), pool) == read_pages(long_pdf, 0, 30)
    assert time.monotonic() - started < 10  # two 0.2 s waits for an end that never comes
    assert read == list(range(30))
    stalled = pool.acquire(2)
    assert len(stalled) == 2  # new processes: the stalled ones were closed
    for worker in stalled:
        pool.release(worker, healthy=True)


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
        [sys.executable, "-c", "from licita.documents.text_layer import main; main(idle_exit=0.3)"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})))
    pool = TextWorkerPool(size=1)
    try:
        assert read_split(long_pdf, 30, local_reader(long_pdf, []), pool) == read_pages(long_pdf, 0, 30)
        (first,) = pool.acquire(1)
        pool.release(first, healthy=True)
        assert first.proc.wait(timeout=10) == 0  # left on its own after 0.3 s without work
        read: list[int] = []
        assert read_split(long_pdf, 30, local_reader(long_pdf, read, pause=0.05), pool) == read_pages(long_pdf, 0, 30)
        assert len(read) < 30  # a new worker read some pages
    finally:
        pool.close()
