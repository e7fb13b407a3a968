"""The analysis pipeline run for every uploaded object: S3 → text → rules (→ LLM) → tender, items, deadlines.

Guarantees:
- idempotent: a duplicate delivery (same object version, or same re-analysis request) changes nothing;
  results replace, never append, so a retry cannot duplicate items or deadlines;
- cached: the same bytes (sha256) already analysed for the company are reused unless re-analysis is asked;
- nothing lost: a file that cannot be read ends FAILED with a reason in Portuguese and the object stays in S3;
  such permanent failures return normally (the message is consumed), while infrastructure failures
  (database, S3) raise so SQS redelivers and finally dead-letters the message.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from licita.accounts.models import Company
from licita.core.config import get_settings
from licita.core.errors import AppError
from licita.platform.clients import aws_client
from licita.platform.db.engine import tenant_transaction
from licita.tenders.models import (
    TERMINAL_STATUSES,
    Deadline,
    DeadlineKind,
    DeadlineSource,
    Tender,
    TenderDocument,
    TenderItem,
    TenderStatus,
)
from licita.tenders.service import (
    ACCEPTED_TYPES,
    BRT,
    CANONICAL_TYPES,
    FIELD_NAMES,
    apply_columns,
    max_upload_bytes,
)
from licita.tenders.uploads import PermanentFailure, UploadedObject, parse_s3_notification

log = logging.getLogger("licita.analysis")

LEASE = timedelta(seconds=330)  # > the function timeout (300 s), < the queue visibility timeout (360 s)
LOW_CONFIDENCE = 0.5
# Fields a person must be able to trust before bidding, per document kind (a draft has no session date yet).
KEY_FIELDS: dict[str | None, tuple[str, ...]] = {
    "edital": ("modality", "number", "agency", "object", "session_datetime"),
    "aviso_dispensa": ("modality", "number", "agency", "object", "session_datetime"),
    "minuta_edital": ("modality", "agency", "object"),
}
KEY_FIELDS_DEFAULT = ("agency", "object")


class RetryLater(Exception):
    """Another delivery holds this document; let SQS redeliver after the visibility timeout."""


class Failure(Exception):
    """A permanent, user-readable reason why a file cannot be analysed (the file is kept)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Outcome:
    status: str  # READY | NEEDS_REVIEW | FAILED | SKIPPED
    tender_id: uuid.UUID | None = None
    document_id: uuid.UUID | None = None
    cache_hit: bool = False
    reason: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------- entry points
def handle_notification(body: dict[str, Any]) -> list[Outcome]:
    """One SQS message body: an S3 event notification, or our re-analysis message of the same shape."""
    try:
        if not isinstance(body, dict):
            raise PermanentFailure("message body is not a JSON object")
        objects = parse_s3_notification(body)
    except (PermanentFailure, KeyError, ValueError, TypeError, AttributeError) as exc:
        # A key outside companies/<id>/tenders/<id>/ can never succeed: record it and consume the message.
        log.warning("rejected analysis message: %s", exc)
        _record_rejection(body, str(exc))
        return [Outcome(status="SKIPPED", reason=f"rejected: {exc}")]
    options = _as_dict(body.get("licita"))
    reanalyze = bool(options.get("reanalyze"))
    request_id = str(options.get("request_id") or "") or None
    return [analyse_object(obj, reanalyze=reanalyze, request_id=request_id) for obj in objects]


def analyse_object(obj: UploadedObject, *, reanalyze: bool = False, request_id: str | None = None) -> Outcome:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    run_key = f"reanalyze:{request_id}" if reanalyze and request_id else f"etag:{obj.etag.strip(chr(34))}"

    claim = _claim(obj, run_key, reanalyze)
    timings["claim"] = _ms(started)
    if isinstance(claim, Outcome):
        claim.timings = timings
        _record_run(obj, claim, run_key, {"skipped": claim.reason})
        return claim
    tender_id, document_id, company_settings, filename = claim
    provider = _provider_name(company_settings)

    run: dict[str, Any] = {"provider": provider, "reanalyze": reanalyze, "errors": []}
    try:
        data, size = _download(obj, timings)
        sha256 = hashlib.sha256(data).hexdigest()
        run["sha256"], run["size"] = sha256, size
        file_kind = _sniff(data, filename)
        run["file_kind"] = file_kind
        cached = None if reanalyze else _cached_analysis(obj.company_id, sha256, document_id)
        if cached is not None:
            analysis, pages, ocr_pages, cached_from = cached
            run["cache_hit"] = True
        else:
            analysis, pages, ocr_pages = _analyse(data, filename, obj.company_id, company_settings, sha256,
                                                  timings, run)
            cached_from = None
        run["pages"], run["ocr_pages"] = pages, ocr_pages
        t = time.perf_counter()
        outcome = _persist_success(obj, run_key, tender_id, document_id, analysis=analysis, sha256=sha256,
                                   size=size, file_kind=file_kind, pages=pages, ocr_pages=ocr_pages,
                                   cached_from=cached_from)
        timings["persist"] = _ms(t)
    except Failure as failure:
        run["errors"].append({"code": failure.code, "message": failure.message})
        sha = run.get("sha256")
        outcome = _persist_failure(obj, run_key, tender_id, document_id, failure, sha256=sha, size=run.get("size"))
    except BaseException:
        _release(obj.company_id, document_id, tender_id)
        raise
    timings["total"] = _ms(started)
    outcome.timings = timings
    _finish(obj, outcome, run_key, run)
    return outcome


# ----------------------------------------------------------------------------------------- stages
def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)


def _claim(obj: UploadedObject, run_key: str,
           reanalyze: bool) -> tuple[uuid.UUID, uuid.UUID, dict[str, Any], str] | Outcome:
    """Take a lease on the document (or say why this delivery is a no-op)."""
    now = datetime.now(UTC)
    etag = obj.etag.strip('"')
    with tenant_transaction(obj.company_id) as db:
        tender = db.scalar(select(Tender).where(Tender.id == obj.tender_id, Tender.company_id == obj.company_id)
                           .with_for_update())
        if tender is None:
            log.warning("object %s has no tender (deleted, or uploaded outside the API); kept", obj.key)
            return Outcome(status="SKIPPED", reason="orphan_object")
        doc = db.scalar(select(TenderDocument).where(TenderDocument.s3_key == obj.key,
                                                     TenderDocument.company_id == obj.company_id))
        if doc is None:
            doc = TenderDocument(
                company_id=obj.company_id, tender_id=tender.id, s3_key=obj.key, filename=obj.filename[:200],
                content_type=_content_type_for(obj.filename), status=TenderStatus.UPLOADING,
                file_kind=_kind_for(obj.filename), created_by=tender.created_by, cache_hit=False)
            db.add(doc)
            db.flush()
        duplicate = (doc.status in TERMINAL_STATUSES and
                     (doc.processed_key == run_key if reanalyze else (doc.etag or "") == etag and bool(etag)))
        if duplicate:
            if doc.event_published_at is None:  # the previous run could not publish: try again now
                _publish_for(db, tender, doc)
            return Outcome(status="SKIPPED", tender_id=tender.id, document_id=doc.id, reason="duplicate_delivery")
        leased = (doc.status == TenderStatus.PROCESSING and doc.processing_started_at is not None
                  and doc.processing_started_at > now - LEASE)
        if leased:
            if doc.processed_key == run_key:
                return Outcome(status="SKIPPED", tender_id=tender.id, document_id=doc.id, reason="in_progress")
            raise RetryLater(f"document {doc.id} is being analysed by another delivery")
        doc.status = TenderStatus.PROCESSING
        doc.processing_started_at = now
        doc.processed_key = run_key
        doc.event_published_at = None
        tender.status = TenderStatus.PROCESSING
        tender.failure_reason = None
        company = db.get(Company, obj.company_id)
        company_settings = dict(company.settings or {}) if company is not None else {}
        return tender.id, doc.id, company_settings, doc.filename or obj.filename


def _provider_name(company_settings: dict[str, Any]) -> str:
    """Per-company choice (companies.settings.llm_provider) over the deployment default (LLM_PROVIDER)."""
    chosen = str(company_settings.get("llm_provider") or get_settings().llm_provider or "none").strip().lower()
    return chosen if chosen in ("none", "ollama", "openai") else "none"


def _release(company_id: uuid.UUID, document_id: uuid.UUID, tender_id: uuid.UUID) -> None:
    """Best effort: drop the lease so the redelivery does not wait for it to expire."""
    try:
        with tenant_transaction(company_id) as db:
            doc = db.get(TenderDocument, document_id)
            if doc is not None and doc.status == TenderStatus.PROCESSING:
                doc.status = TenderStatus.QUEUED
                doc.processing_started_at = None
            tender = db.get(Tender, tender_id)
            if tender is not None and tender.status == TenderStatus.PROCESSING:
                tender.status = TenderStatus.QUEUED
    except Exception:
        log.warning("could not release the lease of document %s", document_id, exc_info=True)


def _download(obj: UploadedObject, timings: dict[str, float]) -> tuple[bytes, int]:
    from botocore.exceptions import ClientError

    t = time.perf_counter()
    limit = max_upload_bytes()
    if obj.size > limit:  # never download what the policy should have refused
        raise Failure("file_too_large", _too_large(obj.size, limit))
    bucket = obj.bucket or get_settings().uploads_bucket
    try:
        response = aws_client("s3").get_object(Bucket=bucket, Key=obj.key)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("NoSuchKey", "404", "NotFound"):
            raise Failure("file_missing", "O arquivo não foi encontrado no armazenamento; envie-o novamente.") \
                from None
        if code in ("AccessDenied", "403", "NoSuchBucket"):
            raise  # configuration: retry, then DLQ with the reason
        raise
    size = int(response.get("ContentLength") or 0)
    if size > limit:
        response["Body"].close()
        raise Failure("file_too_large", _too_large(size, limit))
    data: bytes = response["Body"].read()
    timings["download"] = _ms(t)
    if not data:
        raise Failure("empty_file", "O arquivo está vazio (0 bytes).")
    return data, len(data)


def _too_large(size: int, limit: int) -> str:
    return (f"Arquivo grande demais ({size / 1_048_576:.1f} MB): o limite é {limit // 1_048_576} MB. "
            "O arquivo foi guardado, mas não será analisado.")


def _kind_for(filename: str) -> str | None:
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    entry = ACCEPTED_TYPES.get(ext)
    return entry[0] if entry else None


def _content_type_for(filename: str) -> str:
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return CANONICAL_TYPES.get(ext, "application/octet-stream")


def _sniff(data: bytes, filename: str) -> str:
    """The real kind from magic bytes; a lying extension is a clear, permanent failure."""
    head = data[:1024]
    actual = "pdf" if b"%PDF-" in head else "zip" if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") else None
    declared = _kind_for(filename)
    labels = {"pdf": "PDF", "docx": "DOCX", "zip": "ZIP"}
    if declared is None:
        raise Failure("unsupported_file_type", "Tipo de arquivo não aceito: envie PDF, DOCX ou ZIP.")
    if actual is None:
        raise Failure("content_mismatch",
                      f"O conteúdo do arquivo não é um {labels[declared]} válido (a extensão não corresponde "
                      "ao conteúdo). Envie o edital em PDF, DOCX ou ZIP.")
    expected = "zip" if declared in ("docx", "zip") else "pdf"
    if actual != expected:
        raise Failure("content_mismatch",
                      f"O arquivo tem extensão de {labels[declared]}, mas o conteúdo é {labels[actual]}. "
                      "Renomeie-o com a extensão correta e envie de novo.")
    return declared


def _cached_analysis(company_id: uuid.UUID, sha256: str,
                     document_id: uuid.UUID) -> tuple[dict[str, Any], int | None, int | None, uuid.UUID] | None:
    with tenant_transaction(company_id) as db:
        source = db.scalar(
            select(TenderDocument)
            .where(TenderDocument.company_id == company_id, TenderDocument.sha256 == sha256,
                   TenderDocument.analysis.is_not(None),
                   TenderDocument.status.in_([TenderStatus.READY, TenderStatus.NEEDS_REVIEW]))
            .order_by(TenderDocument.analysed_at.desc().nulls_last())
            .limit(1)
        )
        if source is None or source.analysis is None:
            return None
        return dict(source.analysis), source.pages, source.ocr_pages, source.id


def _analyse(data: bytes, filename: str, company_id: uuid.UUID, company_settings: dict[str, Any], sha256: str,
             timings: dict[str, float], run: dict[str, Any]) -> tuple[dict[str, Any], int | None, int | None]:
    """Text extraction and the rules extractor (always), then the optional LLM pass."""
    from licita.documents import extract_document

    t = time.perf_counter()
    try:
        document = extract_document(data, filename)
    except AppError as exc:  # encrypted, corrupt, empty, bomb, unsupported: readable reason, permanent
        raise Failure(exc.code, exc.message) from None
    except MemoryError:
        raise Failure("file_too_complex", "O arquivo é complexo demais para ser lido; tente um PDF menor.") \
            from None
    except Exception as exc:
        log.exception("text extraction crashed on %s", filename)
        raise Failure("unreadable_file", "Não foi possível ler o arquivo (formato danificado ou não suportado). "
                      "O arquivo foi guardado; tente exportá-lo novamente em PDF.") from exc
    timings["extract"] = _ms(t)
    pages, ocr_pages = _page_counts(document)
    if not pages and not _has_text(document):
        raise Failure("empty_document", "O documento não tem texto legível (nenhuma página com conteúdo).")

    from licita.extraction import extract_tender

    t = time.perf_counter()
    try:
        analysis = _to_dict(extract_tender(document))
    except AppError as exc:
        raise Failure(exc.code, exc.message) from None
    timings["rules"] = _ms(t)
    analysis.setdefault("fields", {})
    for value in analysis["fields"].values():
        if isinstance(value, dict):
            value.setdefault("source", "rules")

    if run["provider"] != "none":
        t = time.perf_counter()
        analysis = _enrich(document, analysis, company_id, company_settings, sha256, run)
        timings["llm"] = _ms(t)
    return analysis, pages, ocr_pages


def _to_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        return result
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict):
        out = to_dict()
        if isinstance(out, dict):
            return out
    raise TypeError(f"extract_tender returned {type(result).__name__}, expected to_dict()")


def _page_counts(document: Any) -> tuple[int | None, int | None]:
    pages_attr = getattr(document, "page_count", None)
    pages_list = getattr(document, "pages", None)
    pages = pages_attr if isinstance(pages_attr, int) else (len(pages_list) if isinstance(pages_list, list) else None)
    ocr = getattr(document, "ocr_pages", None)
    if ocr is None and isinstance(pages_list, list):
        flags = [getattr(p, "ocr", None) for p in pages_list]
        ocr = sum(1 for f in flags if f) if any(f is not None for f in flags) else None
    ocr_count = ocr if isinstance(ocr, int) else (len(ocr) if isinstance(ocr, list | tuple | set) else None)
    return pages, ocr_count


def _has_text(document: Any) -> bool:
    text = getattr(document, "text", None)
    if isinstance(text, str):
        return bool(text.strip())
    return True  # unknown shape: let the extractor decide


def _enrich(document: Any, analysis: dict[str, Any], company_id: uuid.UUID, company_settings: dict[str, Any],
            sha256: str, run: dict[str, Any]) -> dict[str, Any]:
    """LLM pass (licita.extraction.llm); any failure keeps the rules result and leaves a note."""
    provider_name = run["provider"]
    run["llm"] = {"provider": provider_name}
    failed_note = (f"A leitura complementar por IA ({provider_name}) falhou; "
                   "o resultado foi obtido só pelas regras.")
    try:
        from licita.extraction.llm import EnrichOptions, enrich, provider_for_company, record_run
    except ImportError as exc:
        run["llm"]["status"] = "unavailable"
        run["errors"].append({"stage": "llm", "message": f"LLM module unavailable: {exc}"[:500]})
        return analysis
    try:
        provider = provider_for_company({**company_settings, "llm_provider": provider_name})
        pages = [(int(p.number), str(p.text)) for p in getattr(document, "pages", [])]
        # a re-analysis asks for a fresh opinion: skip the LLM answer cache too
        options = EnrichOptions(use_cache=not run.get("reanalyze"))
        outcome = enrich(analysis, pages, file_sha256=sha256, provider=provider, company_id=str(company_id),
                         options=options)
    except Exception as exc:  # configuration errors; enrich itself never raises for model/network problems
        log.warning("LLM enrichment (%s) failed: %s", provider_name, exc, exc_info=True)
        run["llm"].update(status="failed", error=str(exc)[:500])
        run["errors"].append({"stage": "llm", "message": str(exc)[:500]})
        return {**analysis, "notes": [*_as_list(analysis.get("notes")), failed_note]}
    record = dict(outcome.run_record)
    run["llm"].update(status=outcome.status_hint, model=record.get("model"),
                      prompt_version=record.get("prompt_version"), tokens=record.get("tokens"),
                      cost_usd=record.get("cost_usd"), cache_hit=(record.get("cache") or {}).get("hit"),
                      duration_ms=record.get("duration_ms"), notes=outcome.notes)
    try:
        run["llm"]["record_id"] = record_run(record)
    except Exception as exc:
        run["errors"].append({"stage": "llm_record", "message": str(exc)[:500]})
    merged = dict(outcome.merged)
    merged["llm"] = {k: run["llm"].get(k) for k in ("provider", "model", "status", "prompt_version", "notes")}
    if outcome.status_hint == "llm_failed":
        merged["notes"] = [*_as_list(merged.get("notes")), failed_note]
    return merged


# ----------------------------------------------------------------------------------------- persistence
def _persist_success(obj: UploadedObject, run_key: str, tender_id: uuid.UUID, document_id: uuid.UUID, *,
                     analysis: dict[str, Any], sha256: str, size: int, file_kind: str, pages: int | None,
                     ocr_pages: int | None, cached_from: uuid.UUID | None) -> Outcome:
    now = datetime.now(UTC)
    with tenant_transaction(obj.company_id) as db:
        tender = db.scalar(select(Tender).where(Tender.id == tender_id, Tender.company_id == obj.company_id)
                           .with_for_update())
        doc = db.get(TenderDocument, document_id)
        if tender is None or doc is None:  # deleted while we worked
            return Outcome(status="SKIPPED", tender_id=tender_id, document_id=document_id, reason="deleted")
        clash = db.scalar(select(TenderDocument.id).where(
            TenderDocument.company_id == obj.company_id, TenderDocument.tender_id == tender_id,
            TenderDocument.sha256 == sha256, TenderDocument.id != document_id))
        doc.sha256 = None if clash else sha256
        doc.etag = obj.etag.strip('"') or doc.etag
        doc.size, doc.file_kind, doc.pages, doc.ocr_pages = size, file_kind, pages, ocr_pages
        doc.analysis = analysis
        doc.cache_hit = cached_from is not None
        doc.cached_from = cached_from
        doc.failure_reason = doc.failure_code = None
        doc.analysed_at = now
        doc.processing_started_at = None
        doc.processed_key = run_key

        apply_analysis(db, tender, analysis)
        if cached_from is not None:
            source_tender = db.scalar(select(TenderDocument.tender_id).where(TenderDocument.id == cached_from))
            tender.duplicate_of = source_tender if source_tender != tender.id else tender.duplicate_of
        status, reasons = review_status(tender, analysis)
        tender.status = doc.status = status
        tender.review_reasons = reasons
        tender.failure_reason = None
        tender.analysed_at = now
        db.flush()
        return Outcome(status=status, tender_id=tender.id, document_id=doc.id, cache_hit=cached_from is not None,
                       reason="; ".join(reasons) or None)


def _persist_failure(obj: UploadedObject, run_key: str, tender_id: uuid.UUID, document_id: uuid.UUID,
                     failure: Failure, *, sha256: str | None, size: int | None) -> Outcome:
    now = datetime.now(UTC)
    with tenant_transaction(obj.company_id) as db:
        tender = db.scalar(select(Tender).where(Tender.id == tender_id, Tender.company_id == obj.company_id)
                           .with_for_update())
        doc = db.get(TenderDocument, document_id)
        if tender is None or doc is None:
            return Outcome(status="SKIPPED", tender_id=tender_id, document_id=document_id, reason="deleted")
        if sha256:
            clash = db.scalar(select(TenderDocument.id).where(
                TenderDocument.company_id == obj.company_id, TenderDocument.tender_id == tender_id,
                TenderDocument.sha256 == sha256, TenderDocument.id != document_id))
            doc.sha256 = None if clash else sha256
        doc.etag = obj.etag.strip('"') or doc.etag
        doc.size = size or obj.size or doc.size
        doc.status = tender.status = TenderStatus.FAILED
        doc.failure_code = failure.code
        doc.failure_reason = tender.failure_reason = failure.message
        doc.analysis = None
        doc.analysed_at = now
        doc.processing_started_at = None
        doc.processed_key = run_key
        tender.analysed_at = now
        tender.review_reasons = []
        return Outcome(status=TenderStatus.FAILED, tender_id=tender.id, document_id=doc.id, reason=failure.message)


def _decimal(value: Any, places: str | None = None) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) >= Decimal("1e14"):
        return None
    return amount.quantize(Decimal(places)) if places else amount


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 2**31 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) if len(value.strip()) < 10 else None
    return None


def _str(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def apply_analysis(db: Session, tender: Tender, analysis: dict[str, Any]) -> None:
    """Replace (never append) the tender's extracted fields, items, risk and deadlines."""
    raw_fields = _as_dict(analysis.get("fields"))
    fields: dict[str, Any] = {}
    for name, evidence in raw_fields.items():
        if isinstance(evidence, dict):
            fields[name] = {k: evidence.get(k) for k in ("value", "page", "quote", "confidence", "source")
                            if k in evidence} | {k: v for k, v in evidence.items() if k in ("alternatives", "conflict")}
        else:
            fields[name] = {"value": evidence, "source": "rules"}
    tender.fields = fields
    tender.risk = _as_dict(analysis.get("risk"))
    tender.details = {key: analysis.get(key) for key in ("requirements", "penalties", "guarantees", "dates",
                                                          "notes", "warnings", "conflicts", "llm") if analysis.get(key)}
    apply_columns(tender)

    db.execute(delete(TenderItem).where(TenderItem.tender_id == tender.id,
                                        TenderItem.company_id == tender.company_id))
    items = _as_list(analysis.get("items"))
    for position, item in enumerate(i for i in items if isinstance(i, dict)):
        description = _str(item.get("description"), 10_000) or "(sem descrição)"
        exclusive = item.get("me_epp_exclusive", item.get("me_epp"))
        db.add(TenderItem(
            company_id=tender.company_id, tender_id=tender.id, position=position + 1,
            number=_int(item.get("number")), lot=_str(item.get("lot"), 40), description=description,
            quantity=_decimal(item.get("quantity"), "0.0001"), unit=_str(item.get("unit"), 60),
            unit_price=_decimal(item.get("unit_price"), "0.0001"),
            total_price=_decimal(item.get("total_price"), "0.01"),
            me_epp_exclusive=exclusive if isinstance(exclusive, bool) else None, page=_int(item.get("page")),
        ))
    if tender.items_count is None and items:
        tender.items_count = len(items)
    rebuild_deadlines(db, tender)


def review_status(tender: Tender, analysis: dict[str, Any]) -> tuple[str, list[str]]:
    """NEEDS_REVIEW when the document is not a tender, key fields are missing or unsure, or opinions clash."""
    reasons: list[str] = []
    kind = tender.document_kind
    if kind == "other":
        reasons.append("O documento não parece ser um edital ou documento de licitação.")
    key_fields = KEY_FIELDS.get(kind, KEY_FIELDS_DEFAULT)
    corrected = set(tender.corrections or {})
    for name in key_fields:
        if name in corrected:
            continue
        evidence = (tender.fields or {}).get(name) or {}
        if evidence.get("value") is None:
            if kind != "other":
                reasons.append(f"Campo '{name}' não encontrado no documento.")
            continue
        confidence = evidence.get("confidence")
        if isinstance(confidence, int | float) and confidence < LOW_CONFIDENCE:
            reasons.append(f"Campo '{name}' com baixa confiança ({confidence:.2f}).")
    conflicts = analysis.get("conflicts")
    if isinstance(conflicts, list | dict) and conflicts:
        names = list(conflicts) if isinstance(conflicts, dict) else [
            c.get("field", "?") if isinstance(c, dict) else str(c) for c in conflicts]
        reasons.append(f"Regras e IA discordam em: {', '.join(map(str, names))}.")
    for name in FIELD_NAMES:
        evidence = (tender.fields or {}).get(name) or {}
        if evidence.get("conflict") and name not in corrected:
            reasons.append(f"Valores divergentes para '{name}'.")
    return (TenderStatus.NEEDS_REVIEW if reasons else TenderStatus.READY), reasons


# ----------------------------------------------------------------------------------------- deadlines
def _statutory(session: datetime, legal_basis: str | None) -> list[dict[str, Any]]:
    """Art. 164 cut-offs (licita.extraction.deadlines: business days with national holidays), counted on
    the Brasília calendar date of the session; the legal basis note warns when the edital predates 14.133."""
    from licita.extraction.deadlines import statutory_deadlines

    entries = [_deadline_dict(d) for d in statutory_deadlines(session.astimezone(BRT))]
    out = [e for e in entries if e is not None]
    if legal_basis == "lei_8666_10520":
        for entry in out:
            entry["basis"] = _str(f"{entry['basis']} (edital do regime anterior: confira o prazo no edital)", 200)
    return out


DATE_KINDS = {"session": "session", "proposal": "proposal", "proposal_deadline": "proposal",
              "impugnacao": "impugnacao", "esclarecimento": "esclarecimento", "resposta_limite": "other"}


def _deadline_dict(item: Any) -> dict[str, Any] | None:
    """A deadline from the extractor's ``dates`` or ``statutory_deadlines`` (dicts or objects), else None."""
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    kind, due = get("kind"), get("due_at") or get("date") or get("value")
    kind = DATE_KINDS.get(str(getattr(kind, "value", kind) or ""), "")
    if isinstance(due, str):
        try:
            due = datetime.fromisoformat(due)
        except ValueError:
            return None
    if isinstance(due, date) and not isinstance(due, datetime):
        due = datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=BRT)
    if not kind or not isinstance(due, datetime):
        return None
    if due.tzinfo is None:
        due = due.replace(tzinfo=BRT)
    basis = _str(get("basis"), 200) or ("Prazo indicado no edital" if get("stated", True) else None)
    return {"kind": kind, "due_at": due, "basis": basis, "page": _int(get("page")),
            "quote": _str(get("quote"), 2000)}


def rebuild_deadlines(db: Session, tender: Tender) -> None:
    """Session, proposal, impugnação and esclarecimento; manual deadlines survive, the rest is recomputed."""
    db.execute(delete(Deadline).where(Deadline.tender_id == tender.id, Deadline.company_id == tender.company_id,
                                      Deadline.source != DeadlineSource.MANUAL))
    session = tender.session_at
    extracted: dict[str, dict[str, Any]] = {}
    for raw in (tender.details or {}).get("dates") or []:
        if isinstance(raw, dict) and raw.get("stated") is False:
            continue  # computed by the extractor from the extracted session: recomputed below from the effective one
        entry = _deadline_dict(raw)
        if entry is not None and entry["kind"] != DeadlineKind.SESSION and entry["kind"] not in extracted:
            extracted[entry["kind"]] = entry
    rows: list[dict[str, Any]] = list(extracted.values())
    if session is not None:
        evidence = (tender.fields or {}).get("session_datetime") or {}
        corrected = "session_datetime" in (tender.corrections or {})
        rows.append({"kind": DeadlineKind.SESSION, "due_at": session,
                     "basis": "Data da sessão corrigida manualmente" if corrected else "Data de abertura no edital",
                     "source": DeadlineSource.MANUAL if corrected else DeadlineSource.EXTRACTED,
                     "page": None if corrected else _int(evidence.get("page")),
                     "quote": None if corrected else _str(evidence.get("quote"), 2000)})
        if DeadlineKind.PROPOSAL not in extracted:
            rows.append({"kind": DeadlineKind.PROPOSAL, "due_at": session, "source": DeadlineSource.COMPUTED,
                         "basis": "Propostas e documentos até a abertura da sessão pública"})
        for entry in _statutory(session, tender.legal_basis):
            if entry["kind"] not in extracted:
                rows.append({**entry, "source": DeadlineSource.COMPUTED})
    for row in rows:
        db.add(Deadline(company_id=tender.company_id, tender_id=tender.id, kind=str(row["kind"]),
                        due_at=row["due_at"], basis=row.get("basis"),
                        source=str(row.get("source") or DeadlineSource.EXTRACTED),
                        page=row.get("page"), quote=row.get("quote"), notified={}))


# ----------------------------------------------------------------------------------------- records + events
def _finish(obj: UploadedObject, outcome: Outcome, run_key: str, run: dict[str, Any]) -> None:
    _record_run(obj, outcome, run_key, run)
    if outcome.status in TERMINAL_STATUSES and outcome.tender_id and outcome.document_id:
        try:
            with tenant_transaction(obj.company_id) as db:
                tender = db.get(Tender, outcome.tender_id)
                doc = db.get(TenderDocument, outcome.document_id)
                if tender is not None and doc is not None and doc.processed_key == run_key:
                    _publish_for(db, tender, doc)
        except Exception:
            log.warning("could not publish the analysis event for %s", obj.key, exc_info=True)


EVENT_TYPES = {TenderStatus.READY: "tender.analyzed", TenderStatus.NEEDS_REVIEW: "tender.needs_review",
               TenderStatus.FAILED: "tender.failed"}


def _publish_for(db: Session, tender: Tender, doc: TenderDocument) -> None:
    """Publish once per finished run (``event_published_at``); a failure is retried by the next delivery."""
    if not get_settings().notifications_queue_url or tender.status not in EVENT_TYPES:
        return
    from licita.platform.queues import publish

    payload = {"tender_id": str(tender.id), "document_id": str(doc.id), "status": tender.status,
               "title": tender.title, "failure_reason": tender.failure_reason, "cache_hit": doc.cache_hit,
               "review_reasons": list(tender.review_reasons or []), "filename": doc.filename,
               "session_at": tender.session_at.isoformat() if tender.session_at else None}
    try:
        publish(EVENT_TYPES[TenderStatus(tender.status)], str(tender.company_id), payload,
                user_id=str(tender.created_by) if tender.created_by else None)
    except Exception:
        log.warning("event for tender %s not published (will retry on redelivery)", tender.id, exc_info=True)
        return
    doc.event_published_at = datetime.now(UTC)


def _record_run(obj: UploadedObject, outcome: Outcome, run_key: str, run: dict[str, Any]) -> None:
    """One ``ai_processing`` document per object version, with every run appended (best effort)."""
    try:
        from licita.platform.clients import get_mongo

        now = datetime.now(UTC)
        entry = {"run_key": run_key, "status": outcome.status, "reason": outcome.reason,
                 "cache_hit": outcome.cache_hit, "timings_ms": outcome.timings, "finished_at": now,
                 **{k: v for k, v in run.items() if k in (
                     "sha256", "size", "file_kind", "pages", "ocr_pages", "provider", "errors", "llm",
                     "reanalyze", "skipped")}}
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


def _record_rejection(body: dict[str, Any], reason: str) -> None:
    try:
        from licita.platform.clients import get_mongo

        get_mongo()["ai_processing"].insert_one({
            "status": "REJECTED", "reason": reason[:500], "received_at": datetime.now(UTC),
            "message": {k: body.get(k) for k in ("Records", "licita", "Event")},
        })
    except Exception:
        log.warning("could not record a rejected analysis message", exc_info=True)
