"""Entry points and orchestration of one analysis run (see the package docstring for the guarantees)."""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from licita.platform.db.engine import tenant_transaction
from licita.platform.storage import ObjectStorage, StoredObject, uploads_storage
from licita.tenders.analysis.admission import Claim, claim, release
from licita.tenders.analysis.cache import cached_analysis
from licita.tenders.analysis.enrich import enrich, provider_name
from licita.tenders.analysis.fetch import download, prefetch, sniff
from licita.tenders.analysis.live import LiveProgress, result_summary
from licita.tenders.analysis.notify import publish_for
from licita.tenders.analysis.ocr_fanout import lead_share
from licita.tenders.analysis.persistence import persist_failure, persist_partial, persist_success
from licita.tenders.analysis.read import extract_fields, page_counts, read_document
from licita.tenders.analysis.results import Failure, Outcome, as_dict, ms
from licita.tenders.analysis.runlog import record_rejection, record_run
from licita.tenders.models import TERMINAL_STATUSES, Tender, TenderDocument
from licita.tenders.uploads import PermanentFailure, UploadedObject, parse_s3_notification

log = logging.getLogger("licita.analysis")


def handle_notification(body: dict[str, Any], *, storage: ObjectStorage | None = None) -> list[Outcome]:
    """One SQS message body: an S3 event notification, or our re-analysis message of the same shape."""
    try:
        if not isinstance(body, dict):
            raise PermanentFailure("message body is not a JSON object")
        objects = parse_s3_notification(body)
    except (PermanentFailure, KeyError, ValueError, TypeError, AttributeError) as exc:
        # A key outside companies/<id>/tenders/<id>/ can never succeed: record it and consume the message.
        log.warning("rejected analysis message: %s", exc)
        record_rejection(body if isinstance(body, dict) else {}, str(exc))
        return [Outcome(status="SKIPPED", reason=f"rejected: {exc}")]
    options = as_dict(body.get("licita"))
    reanalyze = bool(options.get("reanalyze"))
    request_id = str(options.get("request_id") or "") or None
    store = storage or uploads_storage()
    return [analyse_object(obj, reanalyze=reanalyze, request_id=request_id, storage=store, body=body)
            for obj in objects]


def run_key_for(obj: UploadedObject, reanalyze: bool, request_id: str | None) -> str:
    """What makes two deliveries the same run: the re-analysis request, else the object version."""
    return f"reanalyze:{request_id}" if reanalyze and request_id else f"etag:{obj.etag}"


def analyse_object(obj: UploadedObject, *, reanalyze: bool = False, request_id: str | None = None,
                   storage: ObjectStorage | None = None, body: dict[str, Any] | None = None) -> Outcome:
    store = storage or uploads_storage()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    started_at = datetime.now(UTC)  # wall clock: queue wait = started_at - the upload (bench_pipeline)
    run_key = run_key_for(obj, reanalyze, request_id)

    early = prefetch(store, obj)
    claimed = claim(store, obj, run_key, reanalyze)
    timings["claim"] = ms(started)
    if isinstance(claimed, Outcome):
        claimed.timings = timings
        if claimed.status == "REJECTED":
            record_rejection(body or {}, f"refused write: {claimed.reason}", code=claimed.reason or "refused",
                             obj=obj)
        else:
            record_run(obj, claimed, run_key, {"skipped": claimed.reason})
        return claimed

    run: dict[str, Any] = {"provider": provider_name(claimed.company_settings), "reanalyze": reanalyze,
                           "errors": [], "started_at": started_at}
    live = LiveProgress(obj.company_id, claimed.tender_id, claimed.document_id)
    live.stage("queued")
    try:
        outcome = _run(store, obj, claimed, run_key, run, timings, live, early)
    except Failure as failure:
        run["errors"].append({"code": failure.code, "message": failure.message})
        outcome = persist_failure(obj, run_key, claimed.tender_id, claimed.document_id, failure,
                                  sha256=run.get("sha256"), size=run.get("size"))
    except BaseException:
        release(obj.company_id, claimed.document_id, claimed.tender_id)
        raise
    live.finish(outcome.status, outcome.reason)
    run["progress"] = {"frames": live.sent, "push_failures": live.failed}
    timings["total"] = ms(started)
    outcome.timings = timings
    _finish(obj, outcome, run_key, run)
    return outcome


def _run(store: ObjectStorage, obj: UploadedObject, claimed: Claim, run_key: str, run: dict[str, Any],
         timings: dict[str, float], live: LiveProgress, early: Future[StoredObject] | None) -> Outcome:
    """The stages of a claimed run; a ``Failure`` anywhere ends the run FAILED with its reason."""
    live.stage("downloading")
    data, size = download(store, obj, timings, claimed.etag, early)
    sha256 = hashlib.sha256(data).hexdigest()
    run["sha256"], run["size"] = sha256, size
    file_kind = sniff(data, claimed.filename)
    run["file_kind"] = file_kind
    cached = None if run["reanalyze"] else cached_analysis(obj.company_id, sha256, claimed.document_id)
    if cached is not None:
        analysis, pages, ocr_pages, cached_from = cached
        run["cache_hit"] = True
    else:
        started = time.perf_counter()

        def first_result(partial: Any) -> None:
            _first_result(obj, run_key, claimed, partial, live, run)
            timings["first_result"] = ms(started)

        share = lead_share(obj.bucket, obj.key, claimed.etag or obj.etag, claimed.filename, sha256) \
            if file_kind in ("pdf", "zip") else None
        document = read_document(data, claimed.filename, timings, progress=live, on_partial=first_result,
                                 share=share)
        if share is not None and share.dispatched:
            run["ocr_share"] = share.summary()
        pages, ocr_pages = page_counts(document)
        live.stage("rules")
        analysis = extract_fields(document, timings)
        if run["provider"] != "none":
            live.stage("llm")
            live.flush()  # seconds to minutes with the model: say so now, not after it (≤ 1 s wait)
            t = time.perf_counter()
            analysis = enrich(document, analysis, obj.company_id, claimed.company_settings, sha256, run)
            timings["llm"] = ms(t)
        cached_from = None
    run["pages"], run["ocr_pages"] = pages, ocr_pages
    if analysis.get("integrity"):
        run["integrity"] = analysis["integrity"]
    live.stage("saving")
    t = time.perf_counter()
    outcome = persist_success(obj, run_key, claimed.tender_id, claimed.document_id, analysis=analysis,
                              sha256=sha256, size=size, file_kind=file_kind, pages=pages, ocr_pages=ocr_pages,
                              cached_from=cached_from)
    timings["persist"] = ms(t)
    return outcome


def _first_result(obj: UploadedObject, run_key: str, claimed: Claim, partial: Any, live: LiveProgress,
                  run: dict[str, Any]) -> None:
    """Rules on the priority pages of a scan: written to the tender and announced, while OCR goes on.

    Best effort: the complete result follows anyway, so nothing here may fail the run.
    """
    try:
        analysis = extract_fields(partial, {})
        pending = list(getattr(partial, "pending_pages", []) or [])
        saved = persist_partial(obj, run_key, claimed.tender_id, claimed.document_id, analysis)
        summary = result_summary(analysis, pending)
        summary["saved"] = saved
        _, read = page_counts(partial)
        run["first_result"] = {"saved": saved, "fields": len(summary["fields"]), "pending_pages": len(pending)}
        live.first_result(summary, read or 0, (read or 0) + len(pending))
    except Exception:
        log.warning("first result of %s not published", obj.key, exc_info=True)


def _finish(obj: UploadedObject, outcome: Outcome, run_key: str, run: dict[str, Any]) -> None:
    """Publish the run's event, then record the run (so its ``push`` timing is in the record)."""
    t = time.perf_counter()
    _publish(obj, outcome, run_key)
    outcome.timings["push"] = ms(t)
    record_run(obj, outcome, run_key, run)


def _publish(obj: UploadedObject, outcome: Outcome, run_key: str) -> None:
    if outcome.status in TERMINAL_STATUSES and outcome.tender_id and outcome.document_id:
        try:
            with tenant_transaction(obj.company_id) as db:
                tender = db.get(Tender, outcome.tender_id)
                doc = db.get(TenderDocument, outcome.document_id)
                if tender is not None and doc is not None and doc.processed_key == run_key:
                    publish_for(db, tender, doc)
        except Exception:
            log.warning("could not publish the analysis event for %s", obj.key, exc_info=True)
