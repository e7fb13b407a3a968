"""Progress frames leave on a background thread, in order, and ``finish`` returns only once ``done`` is out."""

from __future__ import annotations

import threading
import time
from typing import Any

from licita.tenders.analysis import live as live_mod
from licita.tenders.analysis.live import LiveProgress


class SlowSocket:
    """A pusher that takes ``delay`` seconds per frame, like a registry lookup plus posts per socket."""

    def __init__(self, delay: float, fail_on: str | None = None) -> None:
        self.delay = delay
        self.fail_on = fail_on
        self.frames: list[dict[str, Any]] = []
        self.threads: set[str] = set()

    def __call__(self, topics: list[str], message: dict[str, Any]) -> None:
        time.sleep(self.delay)
        self.threads.add(threading.current_thread().name)
        if message.get("stage") == self.fail_on:
            raise ConnectionError("registry down")
        self.frames.append(message)


def test_stages_do_not_wait_for_pushes_and_done_is_out_when_finish_returns() -> None:
    socket = SlowSocket(0.05)
    progress = LiveProgress("c1", "t1", "d1", pusher=socket)
    started = time.perf_counter()
    for stage in ("queued", "downloading", "text"):
        progress.stage(stage)
    staged = time.perf_counter() - started
    assert staged < 0.05  # three pushes of 50 ms each would take 150 ms on this thread
    progress.finish("READY")
    assert [f["stage"] for f in socket.frames] == ["queued", "downloading", "text", "done"]
    assert socket.frames[-1]["status"] == "READY" and socket.frames[-1]["tender_id"] == "t1"
    assert progress.sent == 4 and progress.failed == 0
    assert threading.current_thread().name not in socket.threads


def test_a_failed_push_is_counted_and_never_raised() -> None:
    socket = SlowSocket(0.0, fail_on="downloading")
    progress = LiveProgress("c1", "t1", "d1", pusher=socket)
    progress.stage("queued")
    progress.stage("downloading")
    progress.finish("FAILED", "arquivo corrompido")
    assert [f["stage"] for f in socket.frames] == ["queued", "done"]
    assert progress.sent == 2 and progress.failed == 1
    assert socket.frames[-1]["reason"] == "arquivo corrompido"


def test_a_stuck_push_does_not_hold_the_run_forever(monkeypatch: Any) -> None:
    monkeypatch.setattr(live_mod, "DONE_WAIT_SECONDS", 0.1)
    release = threading.Event()
    progress = LiveProgress("c1", "t-stuck", "d1", pusher=lambda topics, message: release.wait(5))
    progress.stage("queued")
    started = time.perf_counter()
    progress.finish("READY")
    assert time.perf_counter() - started < 1.0
    release.set()
