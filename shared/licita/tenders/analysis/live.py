"""Live progress of one analysis on the tender's WebSocket topic, and the quick first result of a scan.

Frames are ``documents.progress.ProgressFrame.to_dict()`` plus ``tender_id`` / ``document_id``, at most
4 per second (``documents.progress.Throttle``; the last frame is flushed, never dropped), pushed to
``{company}:tender:{id}``: the topic a tender's viewers subscribe to as ``tender:{id}`` (realtime scopes
it to their own company). The first result of a scanned document rides on the next frame as
``first_result`` so it does not add a frame of its own. Pushing is best effort: a failure is counted and
logged, never raised, so it cannot fail the analysis.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from licita.documents.progress import ProgressFrame, Throttle, notify
from licita.realtime.service import push, scoped_topic

log = logging.getLogger("licita.analysis")

FIRST_RESULT = "primeiro resultado pronto"
MAX_FRAMES = 4  # per WINDOW seconds (issue 12: at most 4 frames per second)
WINDOW = 1.0

Pusher = Callable[[list[str], dict[str, Any]], Any]


def _realtime_push(topics: list[str], message: dict[str, Any]) -> Any:
    return push(topics, message)


def tender_topic(company_id: uuid.UUID | str, tender_id: uuid.UUID | str) -> str:
    """The registry key of ``tender:{id}`` for the tender's own company."""
    return scoped_topic(str(company_id), f"tender:{tender_id}")


class LiveProgress:
    """A ``ProgressCallback`` that publishes throttled frames for one tender document."""

    def __init__(self, company_id: uuid.UUID | str, tender_id: uuid.UUID | str, document_id: uuid.UUID | str, *,
                 pusher: Pusher = _realtime_push, max_frames: int = MAX_FRAMES, window: float = WINDOW) -> None:
        self.topic = tender_topic(company_id, tender_id)
        self._base = {"tender_id": str(tender_id), "document_id": str(document_id)}
        self._pusher = pusher
        self._attach: dict[str, Any] = {}
        self._attach_lock = threading.Lock()
        self.throttle = Throttle(self._send, max_frames=max_frames, window=window)
        self.sent = 0
        self.failed = 0

    def __call__(self, frame: ProgressFrame) -> None:
        self.throttle(frame)

    def stage(self, stage: str, current: int | None = None, total: int | None = None,
              detail: str | None = None) -> None:
        notify(self, stage, current, total, detail)

    def first_result(self, summary: dict[str, Any], current: int | None, total: int | None) -> None:
        """Announce the quick first result: it goes out with the next frame (this one, rate permitting)."""
        with self._attach_lock:
            self._attach["first_result"] = summary
        self.stage("ocr", current, total, FIRST_RESULT)

    def finish(self, status: str, reason: str | None = None) -> None:
        """The ``done`` frame with the run's outcome, sent even if the rate makes it wait (≤ ``window`` s)."""
        with self._attach_lock:
            self._attach.update(status=status, reason=reason)
        self.stage("done")
        self.flush()

    def flush(self) -> None:
        """Send the held frame now, waiting at most ``window`` s for the rate.

        Before a long stage (the model call): a frame held by the throttle is only sent by the next frame,
        which would replace it, so the stage that takes the most time would never be shown.
        """
        try:
            self.throttle.flush()
        except Exception:  # a progress sink must never fail the analysis
            log.warning("progress flush failed for %s", self.topic, exc_info=True)

    def _send(self, frame: ProgressFrame) -> None:
        message = {**frame.to_dict(), **self._base}
        with self._attach_lock:
            if frame.stage == "done":
                message.update(self._attach)
                self._attach.clear()
            elif "first_result" in self._attach:
                message["first_result"] = self._attach.pop("first_result")
        try:
            self._pusher([self.topic], message)
            self.sent += 1
        except Exception:
            self.failed += 1
            log.warning("progress push to %s failed", self.topic, exc_info=self.failed == 1)


def result_summary(analysis: dict[str, Any], pending_pages: list[int]) -> dict[str, Any]:
    """What the first result says, small enough for a socket frame: field values and what is still read."""
    raw = analysis.get("fields")
    fields: dict[str, Any] = raw if isinstance(raw, dict) else {}
    values = {name: (entry.get("value") if isinstance(entry, dict) else entry) for name, entry in fields.items()}
    return {"complete": False, "fields": {k: v for k, v in values.items() if v is not None},
            "pending_pages": len(pending_pages)}
