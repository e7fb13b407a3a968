"""Text layers of long PDFs read on more than one core: the reader's thread and persistent worker processes
read the pages together.

PyMuPDF holds the GIL while it lays out a page, so threads cannot share that work; processes can. Pages cost
very different times (the TRT edital's first half takes 57% of its text pass), and the reader's thread also
shares its process with whatever else runs there, so a fixed split leaves one side waiting. Instead the
pages are cut into one segment per reader; each worker reads its segment from the END backwards, one frame
per page, while the reader's thread reads forwards: its own segment, then each worker's, until it meets the
pages that worker already sent. Whoever is faster reads more, and nobody waits for a share.

Workers are plain ``python -P .../documents/text_layer.py`` children (``text_layer.serve``) speaking
length-prefixed ``marshal`` frames on their pipes, started on the first long PDF and kept for the next ones
(a Lambda sandbox keeps them across warm invocations). A worker that dies or stalls is replaced, and its
pages are simply read by the reader's thread as it goes: nothing is lost, and a stalled worker holds the
document up by at most :data:`END_TIMEOUT`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO

from licita.documents import text_layer
from licita.documents.text_layer import PageText, read_frame, write_frame

log = logging.getLogger(__name__)

# Extra processes beside the caller's thread: one per spare core, at most 3. A Lambda function below
# 1,769 MB gets less than one vCPU whatever ``os.cpu_count()`` says; a worker then only costs the pipe.
TEXT_WORKERS = max(0, min(3, (os.cpu_count() or 1) - 1))
SPLIT_MIN_PAGES = 24  # below this, starting a second reader costs more than it saves
# seconds a told-to-stop worker may take to end its answer (it finishes the page it is on) before it is replaced:
# all pages are read by then, so this is the most a stalled worker can hold a document up
END_TIMEOUT = 1.0


class TextWorker:
    """One child process; used by one caller at a time (the pool hands it out)."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # PyMuPDF where we found it
        # run by path: the worker imports PyMuPDF and text_layer's standard-library imports, not the licita package
        self.proc = subprocess.Popen(
            [sys.executable, "-P", text_layer.__file__], stdin=subprocess.PIPE,  # -P: not its folder on sys.path
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
            bufsize=0,  # raw pipes: ``select`` must see every frame not yet read (see text_layer.write_frame)
        )

    def send(self, data: bytes, start: int, stop: int) -> None:
        """Ask for pages ``start``..``stop - 1``; they come back last page first (see ``text_layer.serve``)."""
        write_frame(self._pipe(self.proc.stdin), (data, start, stop))

    def stop(self) -> None:
        """The caller has read up to the pages this worker sent: end the answer."""
        write_frame(self._pipe(self.proc.stdin), None)

    def ready(self, timeout: float = 0.0) -> bool:
        return bool(select.select([self._pipe(self.proc.stdout)], [], [], timeout)[0])

    def receive(self) -> tuple[int, PageText] | None:
        """The next frame: ``(index, page)``, or ``None`` when the answer has ended."""
        frame: tuple[int, PageText] | None = read_frame(self._pipe(self.proc.stdout))
        return frame

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=2)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @staticmethod
    def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
        if stream is None:  # pragma: no cover - Popen was given PIPE
            raise BrokenPipeError("text worker has no pipe")
        return stream


class TextWorkerPool:
    """Idle workers waiting for the next long PDF; at most ``size`` exist at once."""

    def __init__(self, size: int = TEXT_WORKERS, factory: Callable[[], TextWorker] = TextWorker) -> None:
        self.size = size
        self._factory = factory
        self._idle: list[TextWorker] = []
        self._count = 0
        self._lock = threading.Lock()

    def acquire(self, wanted: int) -> list[TextWorker]:
        """Up to ``wanted`` workers (idle ones first, new ones while under ``size``); may be fewer or none."""
        taken: list[TextWorker] = []
        with self._lock:
            while self._idle and len(taken) < wanted:
                worker = self._idle.pop()
                if worker.alive():
                    taken.append(worker)
                else:
                    self._count -= 1
            while len(taken) < wanted and self._count < self.size:
                try:
                    taken.append(self._factory())
                except OSError:
                    log.warning("could not start a text worker", exc_info=True)
                    break
                self._count += 1
        return taken

    def release(self, worker: TextWorker, healthy: bool) -> None:
        with self._lock:
            if healthy and worker.alive():
                self._idle.append(worker)
                return
            self._count -= 1
        worker.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._count = self._idle, [], 0
        for worker in idle:
            worker.close()


_pool: TextWorkerPool | None = None
_pool_lock = threading.Lock()


def default_pool() -> TextWorkerPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = TextWorkerPool()
        return _pool


class _Segment:
    """A worker's pages ``start``..``stop - 1`` and how far down its answer has come."""

    def __init__(self, worker: TextWorker, start: int, stop: int) -> None:
        self.worker, self.start, self.stop = worker, start, stop
        self.low = stop  # the lowest page the worker has sent; it reads downwards
        self.open = True  # its answer has not ended (or failed)
        self.healthy = True

    def drain(self, pages: list[PageText], read: list[bool], timeout: float = 0.0) -> None:
        """Take every frame already sent (waiting up to ``timeout`` for the first one)."""
        try:
            while self.open and self.worker.ready(timeout):
                frame = self.worker.receive()
                timeout = 0.0
                if frame is None:
                    self.open = False
                    return
                index, page = frame
                if self.start <= index < self.low:
                    self.low = index
                    if not read[index]:
                        pages[index], read[index] = page, True
        except (OSError, EOFError, ValueError, TypeError):
            log.warning("text worker failed on pages %d-%d; the reader reads its pages", self.start + 1, self.stop,
                        exc_info=True)
            self.open, self.healthy = False, False

    def end(self, pages: list[PageText], read: list[bool]) -> None:
        """The reader met this worker's pages: tell it, and read what it sent until its answer ends."""
        if not self.open:
            return
        try:
            self.worker.stop()
        except OSError:
            self.open, self.healthy = False, False
            return
        deadline = time.monotonic() + END_TIMEOUT
        while self.open and time.monotonic() < deadline:
            self.drain(pages, read, timeout=max(0.0, deadline - time.monotonic()))
        if self.open:
            log.warning("text worker did not stop in %.1f s; replacing it", END_TIMEOUT)
            self.open, self.healthy = False, False


def read_split(data: bytes, count: int, read_local: Callable[[int, int], list[PageText]],
               pool: TextWorkerPool | None = None) -> list[PageText]:
    """Every page's text layer: this thread reads forwards (``read_local``, one page at a time) while the
    workers read their segments backwards; see the module docstring."""
    pool = pool if pool is not None else default_pool()
    workers = pool.acquire(pool.size) if count >= SPLIT_MIN_PAGES and pool.size > 0 else []
    if not workers:
        return read_local(0, count)
    shares = len(workers) + 1
    bounds = [count * k // shares for k in range(shares + 1)]
    segments: list[_Segment] = []
    for k, worker in enumerate(workers, start=1):
        segments.append(_Segment(worker, bounds[k], bounds[k + 1]))
        try:
            worker.send(data, bounds[k], bounds[k + 1])
        except OSError:
            segments[-1].open, segments[-1].healthy = False, False
    pages: list[PageText] = [None] * count
    read = [False] * count
    try:
        for k in range(shares):
            met = segments[k - 1] if k else None  # the worker whose pages this thread reads towards
            index = bounds[k]
            while index < (met.low if met is not None else bounds[1]):
                if not read[index]:
                    pages[index], read[index] = read_local(index, index + 1)[0], True
                index += 1
                for other in segments:
                    other.drain(pages, read)
            if met is not None:
                met.end(pages, read)
    finally:
        for segment in segments:
            if segment.open:  # an exception left it mid-answer: it cannot be handed out again
                segment.healthy = False
            pool.release(segment.worker, healthy=segment.healthy)
    for index in (i for i, done in enumerate(read) if not done):  # never expected: a page is never lost
        pages[index] = read_local(index, index + 1)[0]
    return pages
