"""Progress frames leave in order, ``done`` carries the run's outcome, and a failed push never fails the run."""

from __future__ import annotations

from typing import Any

from licita.tenders.analysis.live import LiveProgress


class RecordingSocket:
    """A pusher that records the frames it is given and fails on one stage, like a registry that is down."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on
        self.frames: list[dict[str, Any]] = []

    def __call__(self, topics: list[str], message: dict[str, Any]) -> None:
        if message.get("stage") == self.fail_on:
            raise ConnectionError("registry down")
        self.frames.append(message)


def test_frames_leave_in_order_and_done_carries_the_outcome() -> None:
    socket = RecordingSocket()
    progress = LiveProgress("c1", "t1", "d1", pusher=socket)
    for stage in ("queued", "downloading", "text"):
        progress.stage(stage)
    progress.finish("READY")
    assert [f["stage"] for f in socket.frames] == ["queued", "downloading", "text", "done"]
    assert socket.frames[-1]["status"] == "READY" and socket.frames[-1]["tender_id"] == "t1"
    assert progress.sent == 4 and progress.failed == 0


def test_a_failed_push_is_counted_and_never_raised() -> None:
    socket = RecordingSocket(fail_on="downloading")
    progress = LiveProgress("c1", "t1", "d1", pusher=socket)
    progress.stage("queued")
    progress.stage("downloading")
    progress.finish("FAILED", "arquivo corrompido")
    assert [f["stage"] for f in socket.frames] == ["queued", "done"]
    assert progress.sent == 2 and progress.failed == 1
    assert socket.frames[-1]["reason"] == "arquivo corrompido"
