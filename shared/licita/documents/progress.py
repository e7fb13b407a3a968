"""Progress frames of one analysis and a throttle that emits at most 4 of them per second.

The engine reports what it is doing through a ``ProgressCallback``: a plain callable taking a
``ProgressFrame``. Readers call it often (once per page, from worker threads too) and unthrottled;
whoever publishes frames (the WebSocket push, the CLI progress bar) wraps its sink in a
``Throttle``, which keeps at most ``max_frames`` frames in any ``window`` seconds and never loses
the latest state: a frame that arrives too early is held and replaces any frame held before it,
then goes out with the next call, ``poll()`` or ``flush()``.

Stages, in order: queued, downloading, text (page k/n), ocr (page k/n), rules, llm, saving, done.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STAGES: tuple[str, ...] = ("queued", "downloading", "text", "ocr", "rules", "llm", "saving", "done")

_LABELS = {
    "queued": "Na fila",
    "downloading": "Baixando o arquivo",
    "text": "Lendo o texto",
    "ocr": "Lendo por OCR",
    "rules": "Extraindo os campos",
    "llm": "Revisando com o modelo de linguagem",
    "saving": "Salvando",
    "done": "Concluído",
}

# Share of the whole analysis each stage stands for (for one overall percentage).
_SPANS: dict[str, tuple[float, float]] = {
    "queued": (0.0, 0.0),
    "downloading": (0.0, 5.0),
    "text": (5.0, 15.0),
    "ocr": (15.0, 85.0),
    "rules": (85.0, 90.0),
    "llm": (90.0, 97.0),
    "saving": (97.0, 100.0),
    "done": (100.0, 100.0),
}


@dataclass(frozen=True, slots=True)
class ProgressFrame:
    """What the analysis is doing now; ``current``/``total`` count pages in text and ocr stages."""

    stage: str
    current: int | None = None
    total: int | None = None
    detail: str | None = None  # e.g. "primeiro resultado pronto"

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown progress stage {self.stage!r}")

    @property
    def label(self) -> str:
        """Portuguese text for people: "Lendo por OCR: página 3 de 48"."""
        text = _LABELS[self.stage]
        if self.current is not None and self.total:
            text += f": página {self.current} de {self.total}"
        if self.detail:
            text += f" ({self.detail})"
        return text

    @property
    def percent(self) -> float:
        """Overall progress of the analysis, 0..100, monotonic along the stages."""
        low, high = _SPANS[self.stage]
        if self.current is None or not self.total:
            return low
        return low + (high - low) * min(1.0, max(0.0, self.current / self.total))

    def to_dict(self) -> dict[str, Any]:
        """The frame as published on the tender's WebSocket topic."""
        return {
            "type": "progress",
            "stage": self.stage,
            "current": self.current,
            "total": self.total,
            "percent": round(self.percent, 1),
            "label": self.label,
        }


ProgressCallback = Callable[[ProgressFrame], None]


def notify(callback: ProgressCallback | None, stage: str, current: int | None = None,
           total: int | None = None, detail: str | None = None) -> None:
    """Send one frame if there is a callback; a failing callback never breaks the analysis."""
    if callback is None:
        return
    # A progress sink (socket, terminal) must not fail the document.
    with contextlib.suppress(Exception):
        callback(ProgressFrame(stage, current, total, detail))


class Throttle:
    """Forward frames to ``sink``, at most ``max_frames`` in any ``window`` seconds.

    - a frame equal to the last one sent is dropped;
    - a frame that would exceed the rate is held (the newest held frame wins) and sent by the next
      call that finds room, by ``poll()`` or by ``flush()``;
    - the last slot of every window is kept for the ``done`` frame (when ``max_frames`` >= 2): the
      other stages share ``max_frames - 1``, so the frame that says the run is over never waits for
      the rate (a client waiting for READY on the socket would otherwise wait up to ``window`` s),
      and the rate still never exceeds ``max_frames``;
    - thread-safe: readers report from worker threads. ``sink`` is called under the lock, so it
      must not call back into the throttle.

    ``clock`` and ``flush(sleep=...)`` are injectable so tests can use a fake clock.
    """

    def __init__(self, sink: ProgressCallback, *, max_frames: int = 4, window: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_frames < 1 or window <= 0:
            raise ValueError("max_frames must be >= 1 and window > 0")
        self._sink = sink
        self._max = max_frames
        self._window = window
        self._clock = clock
        self._sent: deque[float] = deque()
        self._last: ProgressFrame | None = None
        self._held: ProgressFrame | None = None
        self._lock = threading.Lock()
        self.emitted = 0

    def __call__(self, frame: ProgressFrame) -> None:
        with self._lock:
            self._held = frame
            self._try_emit()

    @property
    def held(self) -> ProgressFrame | None:
        return self._held

    def poll(self) -> bool:
        """Send the held frame if the rate allows it now; True if something was sent."""
        with self._lock:
            return self._try_emit()

    def wait_time(self) -> float:
        """Seconds until the held frame may be sent (0 if it can go now or nothing is held)."""
        with self._lock:
            if self._held is None:
                return 0.0
            return self._room_in(self._clock(), self._limit(self._held))

    def flush(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        """Send the held frame, waiting (at most ``window`` seconds) until the rate allows it."""
        while True:
            delay = self.wait_time()
            if delay <= 0:
                self.poll()
                return
            sleep(delay)

    def _limit(self, frame: ProgressFrame) -> int:
        return self._max if frame.stage == "done" or self._max < 2 else self._max - 1

    def _room_in(self, now: float, limit: int) -> float:
        while self._sent and now - self._sent[0] >= self._window:
            self._sent.popleft()
        if len(self._sent) < limit:
            return 0.0
        return self._sent[len(self._sent) - limit] + self._window - now

    def _try_emit(self) -> bool:
        frame = self._held
        if frame is None:
            return False
        if frame == self._last:
            self._held = None
            return False
        now = self._clock()
        if self._room_in(now, self._limit(frame)) > 0:
            return False
        self._held = None
        self._last = frame
        self._sent.append(now)
        self.emitted += 1
        self._sink(frame)
        return True


class TerminalProgress:
    """A one-line progress bar for a terminal (``licita analyze`` on stderr).

    Short documents finish before anything is drawn: the bar appears only once ``delay`` seconds
    have passed or OCR has started. ``close()`` erases it. Wrap it in a ``Throttle``.
    """

    def __init__(self, stream: Any, *, width: int = 24, columns: int = 100, delay: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._width = width
        self._columns = columns
        self._delay = delay
        self._clock = clock
        self._start = clock()
        self._drawn = False

    def __call__(self, frame: ProgressFrame) -> None:
        if not self._drawn and frame.stage != "ocr" and self._clock() - self._start < self._delay:
            return
        filled = round(self._width * frame.percent / 100)
        line = f"[{'#' * filled}{'.' * (self._width - filled)}] {frame.percent:3.0f}% {frame.label}"
        self._stream.write("\r" + line[: self._columns - 1].ljust(self._columns - 1))
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\r" + " " * (self._columns - 1) + "\r")
            self._stream.flush()
            self._drawn = False
