"""Text layers of long PDFs read on more than one core: the reader's thread reads the first pages while
persistent worker processes read the rest.

PyMuPDF holds the GIL while it lays out a page, so threads cannot share that work; processes can. On the
116-page TRT edital (2 cores) the text pass went from ~360 ms to ~200 ms with one worker. Workers are plain
``python -P .../documents/text_layer.py`` children (``text_layer.serve``) speaking length-prefixed
``marshal`` frames on their pipes, started on the first long PDF and kept for the next ones (a Lambda
sandbox keeps them across warm invocations; a dead or stuck worker is replaced and its pages are read
in-process, so nothing is lost).
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO

from licita.documents import text_layer
from licita.documents.text_layer import HEADER, PageText, read_exactly

log = logging.getLogger(__name__)

# Extra processes beside the caller's thread: one per spare core, at most 3. A Lambda function below
# 1,769 MB gets less than one vCPU whatever ``os.cpu_count()`` says; a worker then only costs the pipe.
TEXT_WORKERS = max(0, min(3, (os.cpu_count() or 1) - 1))
SPLIT_MIN_PAGES = 24  # below this, starting a second reader costs more than it saves
ANSWER_TIMEOUT = 120.0  # seconds a worker may take for its pages before it is replaced


class TextWorker:
    """One child process; used by one caller at a time (the pool hands it out)."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # PyMuPDF where we found it
        # run by path: the worker imports PyMuPDF and text_layer's standard-library imports, not the licita package
        self.proc = subprocess.Popen(
            [sys.executable, "-P", text_layer.__file__], stdin=subprocess.PIPE,  # -P: not its folder on sys.path
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
        )

    def send(self, data: bytes, start: int, stop: int) -> None:
        frame = marshal.dumps((data, start, stop))
        stdin = self._pipe(self.proc.stdin)
        stdin.write(HEADER.pack(len(frame)) + frame)
        stdin.flush()

    def receive(self, timeout: float = ANSWER_TIMEOUT) -> list[PageText]:
        stdout = self._pipe(self.proc.stdout)
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            raise TimeoutError(f"text worker gave no answer in {timeout:.0f} s")
        answer: list[PageText] = marshal.loads(read_exactly(stdout, HEADER.unpack(read_exactly(stdout, 4))[0]))
        return answer

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


def read_split(data: bytes, count: int, read_local: Callable[[int, int], list[PageText]],
               pool: TextWorkerPool | None = None) -> list[PageText]:
    """Every page's text layer, the first share read by ``read_local`` on this thread, the other shares by
    workers at the same time. Pages a worker failed to return are read by ``read_local`` afterwards."""
    pool = pool if pool is not None else default_pool()
    workers = pool.acquire(pool.size) if count >= SPLIT_MIN_PAGES and pool.size > 0 else []
    if not workers:
        return read_local(0, count)
    shares = len(workers) + 1
    bounds = [count * k // shares for k in range(shares + 1)]
    sent: list[tuple[TextWorker, int, int, bool]] = []
    for k, worker in enumerate(workers, start=1):
        try:
            worker.send(data, bounds[k], bounds[k + 1])
            sent.append((worker, bounds[k], bounds[k + 1], True))
        except OSError:
            sent.append((worker, bounds[k], bounds[k + 1], False))
    pages = read_local(0, bounds[1])
    for worker, start, stop, delivered in sent:
        answer: list[PageText] | None = None
        if delivered:
            began = time.perf_counter()
            try:
                answer = worker.receive()
            except (OSError, EOFError, ValueError, TimeoutError):
                log.warning("text worker failed on pages %d-%d after %.0f ms; reading them here", start + 1,
                            stop, (time.perf_counter() - began) * 1000, exc_info=True)
        if answer is None or len(answer) != stop - start:
            pool.release(worker, healthy=False)
            pages.extend(read_local(start, stop))
        else:
            pool.release(worker, healthy=True)
            pages.extend(answer)
    return pages
