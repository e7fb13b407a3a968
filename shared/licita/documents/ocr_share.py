"""Sharing one scanned document's OCR with other invocations (on AWS: other Lambda instances).

One invocation has the cores its memory buys; Tesseract reads a page per core, so a long scan is read at a
few pages a second whatever the settings (``ocr.py``). Other invocations have cores of their own: the one
that analyses the document (the *lead*) reads the pages that carry fields, and asks up to N *helpers* to read
the others in contiguous chunks. Every page a helper reads is *claimed* first and *published* when read; the
lead collects what is published and, whenever one of its workers is idle, claims and reads a page nobody has
claimed yet (from the back of the largest chunk left: helpers read from the front) or one whose claim went
stale (a helper that died). So a helper that never starts, starts late or crashes costs time, never pages:
the lead ends up reading them itself.

``PageShare`` is the port; ``licita.tenders.analysis.ocr_fanout`` is the adapter (Redis holds claims and
texts, SQS carries the chunks), ``MemoryPageShare`` the in-process fake the unit tests use.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from licita.documents.errors import OcrUnavailable

# A helper's chunk below this many pages costs more in start-up (queue, download, parse) than it saves.
MIN_CHUNK_PAGES = 4


class PageShare(Protocol):
    helpers: int  # how many helpers a lead may ask (0: a helper's own view of the share)

    def dispatch(self, chunks: list[list[int]]) -> bool:
        """Ask one helper per chunk (0-based page indexes) to read it; False: nobody was asked."""
        ...

    def claim(self, indexes: Sequence[int]) -> int | None:
        """Claim the first page of ``indexes`` that nobody holds (or whose holder went stale); None if none."""
        ...

    def publish(self, index: int, result: str | OcrUnavailable) -> None:
        """A claimed page's text (or why it could not be read)."""
        ...

    def collect(self, indexes: Sequence[int]) -> dict[int, str | OcrUnavailable]:
        """What has been published for ``indexes``."""
        ...

    def close(self) -> None:
        """The lead has every page: helpers stop claiming."""
        ...


def plan_share(pages: Sequence[int], helpers: int, *, min_chunk: int = MIN_CHUNK_PAGES) -> list[list[int]]:
    """Split pages (in reading order) into up to ``helpers`` contiguous chunks of at least ``min_chunk`` pages.

    The lead keeps no static share: once its priority pages are read it reads chunks from their tails while
    helpers read them from the front, so the two meet wherever their speeds put the boundary (a lead slowed by
    the careful first pages, a helper's cold start, pages that cost very different times).
    """
    pages = list(pages)
    helpers = max(0, min(helpers, len(pages) // max(1, min_chunk)))
    if helpers == 0:
        return []
    share = len(pages) / helpers
    bounds = [round(share * k) for k in range(helpers + 1)]
    return [pages[bounds[k]:bounds[k + 1]] for k in range(helpers)]


def steal_order(chunks: Sequence[Sequence[int]], pending: set[int]) -> list[int]:
    """The lead's preference among pages helpers were asked for: the back of the chunk with most pages left first.

    A helper reads its chunk from the front, so its last pages are the ones it reaches last.
    """
    left = [[i for i in chunk if i in pending] for chunk in chunks]
    order: list[int] = []
    while any(left):
        longest = max(left, key=len)
        order.append(longest.pop())
    return order


class MemoryPageShare:
    """In-process ``PageShare``: ``dispatch`` hands each chunk to ``runner`` (e.g. a thread that reads it)."""

    def __init__(self, runner: Callable[[MemoryPageShare, list[int]], None] | None = None, *, helpers: int = 2,
                 stale_after: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 available: bool = True) -> None:
        self._runner = runner
        self.helpers = helpers
        self._stale_after = stale_after
        self._clock = clock
        self._available = available
        self._lock = threading.Lock()
        self.claims: dict[int, float] = {}
        self.published: dict[int, str | OcrUnavailable] = {}
        self.dispatched: list[list[int]] = []
        self.closed = False

    def dispatch(self, chunks: list[list[int]]) -> bool:
        if not self._available:
            return False
        self.dispatched.extend(list(c) for c in chunks)
        for chunk in chunks:
            if self._runner is not None:
                self._runner(self, list(chunk))
        return True

    def claim(self, indexes: Sequence[int]) -> int | None:
        with self._lock:
            if self.closed:
                return None
            now = self._clock()
            for index in indexes:
                if index in self.published:
                    continue
                held = self.claims.get(index)
                if held is None or now - held > self._stale_after:
                    self.claims[index] = now
                    return index
            return None

    def publish(self, index: int, result: str | OcrUnavailable) -> None:
        with self._lock:
            self.published.setdefault(index, result)

    def collect(self, indexes: Sequence[int]) -> dict[int, str | OcrUnavailable]:
        with self._lock:
            return {i: self.published[i] for i in indexes if i in self.published}

    def close(self) -> None:
        with self._lock:
            self.closed = True
