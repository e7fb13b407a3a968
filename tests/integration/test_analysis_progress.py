"""Live progress of a real analysis on the tender's WebSocket topic (issue 12, item 5).

Real parts: presigned POST to S3 (moto) → ObjectCreated → SQS → the analysis function → PostgreSQL, with the
WebSocket registry in Redis and the subscription made through ``realtime.handle_message`` as the socket
function does. Only API Gateway's ``@connections`` API is replaced, by a port that records each frame with
the moment it was posted. Run with ``-s`` to see the frames of one upload.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest

from licita.documents.progress import STAGES
from licita.tenders.analysis.live import MAX_FRAMES, WINDOW
from tenders_helpers import (
    Aws,
    Caller,
    call,
    edital_pdf,
    make_caller,
    post_file,
    pump,
    request_upload,
    scanned_pdf,
)


@dataclass
class Posted:
    at: float
    frame: dict[str, Any]


@dataclass
class RecordingPush:
    """API Gateway's ``@connections`` API as seen from the function: every frame, when it was posted."""

    frames: dict[str, list[Posted]] = field(default_factory=dict)
    on_post: Callable[[dict[str, Any]], None] | None = None
    fail: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, connection_id: str, data: bytes) -> Any:
        if self.fail:
            raise ConnectionError("management API unreachable")
        frame = json.loads(data)
        with self.lock:
            self.frames.setdefault(connection_id, []).append(Posted(time.monotonic(), frame))
        if self.on_post is not None:
            self.on_post(frame)
        return "sent"

    def delete(self, connection_id: str) -> Any:
        return "deleted"

    def progress(self, connection_id: str) -> list[Posted]:
        with self.lock:
            return [p for p in self.frames.get(connection_id, []) if p.frame.get("type") == "progress"]


@pytest.fixture
def recorder() -> Iterator[RecordingPush]:
    from licita.platform import push

    port = RecordingPush()
    with push.use(port):
        yield port


def _subscribe(caller: Caller, tender_id: str) -> str:
    """``$connect`` then ``{"action": "subscribe", "topics": ["tender:{id}"]}``, as the socket function does."""
    from licita.core.security.principal import Principal
    from licita.realtime import service as realtime

    connection_id = f"c{uuid.uuid4().hex[:14]}="
    realtime.register(connection_id, Principal(user_id=caller.user_id, company_id=caller.company_id,
                                               role=caller.role, session_id=str(uuid.uuid4())), "127.0.0.1")
    reply = realtime.handle_message(connection_id, json.dumps({"action": "subscribe",
                                                               "topics": [f"tender:{tender_id}"]}))
    assert reply["type"] == "subscribed"
    return connection_id


def _upload_watched(app: Any, aws: Aws, analysis_fn: ModuleType, caller: Caller, data: bytes, filename: str,
                    *, watchers: tuple[Caller, ...] = ()) -> tuple[dict[str, Any], str, list[str]]:
    status, created = request_upload(app, caller, filename, "application/pdf", len(data))
    assert status == 201, created
    own = _subscribe(caller, created["tender_id"])
    others = [_subscribe(w, created["tender_id"]) for w in watchers]
    assert post_file(created["upload"], data, filename).status_code in (200, 201, 204)
    pump(aws, analysis_fn)
    status, detail = call(app, "GET", "/tenders/{tender_id}", caller, path_params={"tender_id": created["tender_id"]})
    assert status == 200, detail
    return detail, own, others


def _assert_order_and_rate(posted: list[Posted], tender_id: str) -> None:
    frames = [p.frame for p in posted]
    assert frames and all(f["tender_id"] == tender_id for f in frames)
    order = [STAGES.index(f["stage"]) for f in frames]
    assert order == sorted(order), [f["stage"] for f in frames]  # stages never go back
    assert frames[0]["stage"] == "queued" and frames[-1]["stage"] == "done"
    assert [f["stage"] for f in frames].count("done") == 1
    percents = [f["percent"] for f in frames if f["stage"] not in ("ocr",)]
    assert percents == sorted(percents)
    # at most MAX_FRAMES in any WINDOW: frame i and frame i+MAX_FRAMES are at least a window apart
    # (2 % slack for the time between the throttle's clock reading and the post)
    times = [p.at for p in posted]
    gaps = [times[i + MAX_FRAMES] - times[i] for i in range(len(times) - MAX_FRAMES)]
    assert all(gap >= WINDOW * 0.98 for gap in gaps), gaps


def _show(title: str, posted: list[Posted]) -> None:
    if not posted:
        return
    start = posted[0].at
    print(f"\n{title}: {len(posted)} frames")
    for p in posted:
        f = p.frame
        extra = ""
        if "first_result" in f:
            extra = f"  first_result={json.dumps(f['first_result'], ensure_ascii=False)[:160]}"
        if f["stage"] == "done":
            extra = f"  status={f.get('status')}"
        print(f"  +{p.at - start:6.3f}s {f['stage']:<11} {f['percent']:5.1f}% {f['label']}{extra}")


def test_text_upload_publishes_ordered_throttled_frames_to_the_tender_topic_only(
        aws: Aws, analysis_fn: ModuleType, tenders_app: Any, recorder: RecordingPush) -> None:
    caller = make_caller()
    stranger = make_caller()  # another company subscribing to the same tender id
    detail, own, (foreign,) = _upload_watched(tenders_app, aws, analysis_fn, caller, edital_pdf(pages=12),
                                              "edital.pdf", watchers=(stranger,))
    assert detail["status"] == "READY"
    posted = recorder.progress(own)
    _show("text edital (12 pages)", posted)
    _assert_order_and_rate(posted, detail["id"])
    stages = [p.frame["stage"] for p in posted]
    # a fast document: the throttle keeps only the latest of the frames that come too early (rules, saving)
    assert {"queued", "downloading", "text", "done"} <= set(stages) and len(posted) <= 4 + MAX_FRAMES
    assert "ocr" not in stages and "llm" not in stages  # no scan, no model configured
    assert posted[-1].frame["status"] == "READY" and posted[-1].frame["percent"] == 100.0
    assert posted[-1].frame["document_id"] == detail["documents"][0]["id"]
    assert recorder.frames.get(foreign, []) == []  # tenants never see each other's tenders
    # where each value came from, in the tender detail: the rules here (no model), a person after a correction
    assert detail["fields"]["number"]["source"] == "rules" and detail["fields"]["uasg"]["source"] == "rules"
    status, corrected = call(tenders_app, "PUT", "/tenders/{tender_id}/fields/{field}", caller,
                             path_params={"tender_id": detail["id"], "field": "modality"},
                             body={"value": "pregao_presencial", "reason": "teste"})
    assert status == 200 and corrected["source"] == "human" and corrected["extracted"]["source"] == "rules"


def test_scan_gives_its_first_result_before_the_rest_and_then_the_complete_one(
        aws: Aws, analysis_fn: ModuleType, tenders_app: Any, recorder: RecordingPush) -> None:
    from sqlalchemy import select

    from licita.platform.db.engine import system_transaction
    from licita.tenders.models import Tender

    seen_in_db: list[tuple[str, dict[str, Any]]] = []

    def when_first_result(frame: dict[str, Any]) -> None:
        if "first_result" in frame:  # what GET /tenders/{id} would show at that moment
            with system_transaction() as db:
                tender = db.scalar(select(Tender).where(Tender.id == uuid.UUID(frame["tender_id"])))
                assert tender is not None
                seen_in_db.append((tender.status, dict(tender.fields or {})))

    recorder.on_post = when_first_result
    caller = make_caller()
    started = time.monotonic()
    detail, own, _ = _upload_watched(tenders_app, aws, analysis_fn, caller, scanned_pdf(), "edital-digitalizado.pdf")
    total = time.monotonic() - started
    posted = recorder.progress(own)
    _show("scanned edital (5 image pages)", posted)
    _assert_order_and_rate(posted, detail["id"])
    assert detail["status"] in ("READY", "NEEDS_REVIEW"), detail["review_reasons"]
    assert detail["documents"][0]["ocr_pages"] == 5

    ocr = [p.frame for p in posted if p.frame["stage"] == "ocr"]
    assert ocr and all(f["total"] == 5 for f in ocr)
    firsts = [(i, p) for i, p in enumerate(posted) if "first_result" in p.frame]
    assert len(firsts) == 1, "the first result is announced exactly once"
    index, first = firsts[0]
    result = first.frame["first_result"]
    assert result["complete"] is False and result["pending_pages"] >= 1 and result["saved"] is True
    assert result["fields"]["modality"] == "pregao_eletronico"  # read from the OCR'd cover
    assert index < len(posted) - 1 and posted[-1].frame["stage"] == "done"
    # the first result was already the tender's (still PROCESSING) when it was announced
    (status_then, fields_then), = seen_in_db
    assert status_then == "PROCESSING" and fields_then["modality"]["value"] == "pregao_eletronico"
    # ... and the complete result replaced it: the item table is on page 2, the value on page 1
    assert detail["fields"]["modality"]["value"] == "pregao_eletronico"
    print(f"\nfirst result after {first.at - posted[0].at:.2f}s of {posted[-1].at - posted[0].at:.2f}s "
          f"(whole upload + analysis {total:.2f}s)")


def test_a_broken_socket_push_never_fails_the_analysis(
        aws: Aws, analysis_fn: ModuleType, tenders_app: Any, recorder: RecordingPush) -> None:
    recorder.fail = True
    caller = make_caller()
    detail, own, _ = _upload_watched(tenders_app, aws, analysis_fn, caller, edital_pdf(number="555/2025"),
                                     "edital.pdf")
    assert detail["status"] == "READY" and detail["fields"]["number"]["value"] == "555/2025"
    assert recorder.frames.get(own, []) == []


def test_the_llm_stage_is_shown_while_the_model_thinks(
        aws: Aws, analysis_fn: ModuleType, tenders_app: Any, recorder: RecordingPush) -> None:
    """A one-page edital reaches the model within the first second (queued, downloading, text, rules, llm: five
    frames, one over the rate): the ``llm`` frame goes out before the call, not swallowed by ``saving``."""
    from env_support import env_vars
    from llm_servers import OpenAICompatServer, Reply
    from llm_servers.samples import good_answer_json

    from factories import make_company, make_user
    from licita.core.config import reset_settings

    delay = 2.0
    with OpenAICompatServer("gemma-local", reject_json_schema=True) as server, \
            env_vars({"OPENAI_BASE_URL": server.base_url, "OPENAI_MODEL": "gemma-local"}, reset_settings):
        server.default = Reply(content=good_answer_json(), delay=delay)
        company = make_company(settings={"llm_provider": "openai"})
        caller = Caller(str(make_user(company, role="MANAGER").id), str(company.id))
        detail, own, _ = _upload_watched(tenders_app, aws, analysis_fn, caller,
                                         edital_pdf(number="556/2025", pages=1), "edital.pdf")
        asked = server.count("/chat/completions")
    posted = recorder.progress(own)
    _show("text edital (1 page) with a model that takes 2 s", posted)
    _assert_order_and_rate(posted, detail["id"])
    assert detail["status"] in ("READY", "NEEDS_REVIEW") and asked >= 1
    at = {p.frame["stage"]: p.at for p in posted}
    assert "llm" in at, [p.frame["stage"] for p in posted]
    assert at["done"] - at["llm"] >= delay * 0.95  # shown while the model was thinking, not after
