"""The ``ai_processing`` record in MongoDB: one document per object version with every run, and rejections."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from licita.platform.clients import get_mongo
from licita.tenders.analysis.results import Outcome
from licita.tenders.uploads import UploadedObject

log = logging.getLogger("licita.analysis")


def record_run(obj: UploadedObject, outcome: Outcome, run_key: str, run: dict[str, Any]) -> None:
    """Append the run to the object version's record (best effort: the tender rows are the truth)."""
    try:
        now = datetime.now(UTC)
        entry = {"run_key": run_key, "status": outcome.status, "reason": outcome.reason,
                 "cache_hit": outcome.cache_hit, "timings_ms": outcome.timings, "finished_at": now,
                 **{k: v for k, v in run.items() if k in (
                     "sha256", "size", "file_kind", "pages", "ocr_pages", "provider", "errors", "llm",
                     "reanalyze", "skipped", "integrity", "started_at", "ocr_share")}}
        latest = {"status": outcome.status, "updated_at": now, "tender_id": str(outcome.tender_id or obj.tender_id),
                  "document_id": str(outcome.document_id) if outcome.document_id else None}
        for key in ("sha256", "pages", "ocr_pages", "provider", "file_kind"):
            if run.get(key) is not None:
                latest[key] = run[key]
        if outcome.status != "SKIPPED":
            latest.update(timings_ms=outcome.timings, errors=run.get("errors") or [],
                          cache_hit=outcome.cache_hit, reason=outcome.reason)
        get_mongo()["ai_processing"].update_one(
            {"key": obj.key, "etag": obj.etag},
            {"$setOnInsert": {"company_id": str(obj.company_id), "bucket": obj.bucket, "size": obj.size,
                              "received_at": now},
             "$set": latest, "$push": {"runs": entry}},
            upsert=True,
        )
    except Exception:
        log.warning("could not record the ai_processing run for %s", obj.key, exc_info=True)


def record_rejection(body: dict[str, Any], reason: str, *, code: str = "bad_message",
                     obj: UploadedObject | None = None) -> None:
    """A message or an object the pipeline refused, with why (best effort; refused writes are audited too)."""
    try:
        doc: dict[str, Any] = {
            "status": "REJECTED", "code": code, "reason": reason[:500], "received_at": datetime.now(UTC),
            "message": {k: body.get(k) for k in ("Records", "licita", "Event")},
        }
        if obj is not None:
            doc.update(key=obj.key, etag=obj.etag, company_id=str(obj.company_id), tender_id=str(obj.tender_id))
        get_mongo()["ai_processing"].insert_one(doc)
    except Exception:
        log.warning("could not record a rejected analysis message", exc_info=True)
