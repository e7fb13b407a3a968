"""Tenders of one company: uploads, search, detail with evidence, corrections, re-analysis, deletion.

Every query runs in ``tenant_transaction(company)`` (row-level security) AND filters on ``company_id``
explicitly, so a bug in one layer is caught by the other; an id of another company is simply "not found".
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, quote_plus

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from licita.audit.service import Actor, record
from licita.core.brazil import is_valid_cnpj, only_digits
from licita.core.config import get_settings
from licita.core.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from licita.core.security.principal import Principal
from licita.platform.clients import aws_client
from licita.platform.db.engine import tenant_transaction
from licita.tenders.models import Deadline, Tender, TenderDocument, TenderItem, TenderStatus
from licita.tenders.schemas import (
    Correction,
    DeadlineList,
    DeadlineOut,
    DocumentOut,
    DownloadLink,
    Evidence,
    FieldCorrectionRequest,
    FieldOut,
    ItemList,
    ItemOut,
    PresignedPost,
    ReanalyzeResponse,
    TenderDetail,
    TenderListQuery,
    TenderPage,
    TenderSummary,
    TenderUploadRequest,
    TenderUploadResponse,
)

BRT = timezone(timedelta(hours=-3))  # Brasília time; Brazil has had no daylight saving since 2019
DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
UPLOAD_URL_TTL = 900
DOWNLOAD_URL_TTL = 300

# Accepted uploads: extension -> (kind, content types a browser may declare for it)
ACCEPTED_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    ".pdf": ("pdf", frozenset({"application/pdf", "application/x-pdf"})),
    ".docx": ("docx", frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"})),
    ".zip": ("zip", frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip",
                               "multipart/x-zip"})),
}
GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})
CANONICAL_TYPES = {".pdf": "application/pdf", ".zip": "application/zip",
                   ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def max_upload_bytes() -> int:
    """MAX_UPLOAD_BYTES (template Globals) or 100 MB; read per call so tests and deploys can change it."""
    raw = os.environ.get("MAX_UPLOAD_BYTES", "")
    try:
        value = int(raw) if raw else DEFAULT_MAX_UPLOAD_BYTES
    except ValueError:
        value = DEFAULT_MAX_UPLOAD_BYTES
    return value if value > 0 else DEFAULT_MAX_UPLOAD_BYTES


# ------------------------------------------------------------------------------------ field catalogue
VOCABULARIES: dict[str, frozenset[str]] = {
    "document_kind": frozenset({"edital", "aviso_dispensa", "termo_referencia", "ata_registro_precos",
                                "termo_homologacao", "diario_oficial", "minuta_edital", "etp", "other"}),
    "modality": frozenset({"pregao_eletronico", "pregao_presencial", "concorrencia_eletronica",
                           "concorrencia_presencial", "dispensa_eletronica", "dispensa", "inexigibilidade",
                           "credenciamento", "leilao", "concurso", "dialogo_competitivo"}),
    "award_criterion": frozenset({"menor_preco", "maior_desconto", "tecnica_e_preco", "melhor_tecnica",
                                  "maior_lance", "maior_retorno_economico"}),
    "dispute_mode": frozenset({"aberto", "fechado", "aberto_fechado", "fechado_aberto"}),
    "me_epp": frozenset({"exclusive", "reserved_quota", "mixed", "none"}),
    "platform": frozenset({"comprasgov", "bnc", "licitanet", "bll", "portal_compras_publicas", "licitacoes_e",
                           "bbmnet", "proprio", "other"}),
    "legal_basis": frozenset({"lei_14133", "lei_8666_10520", "other"}),
}

MODALITY_LABELS = {
    "pregao_eletronico": "Pregão Eletrônico", "pregao_presencial": "Pregão Presencial",
    "concorrencia_eletronica": "Concorrência Eletrônica", "concorrencia_presencial": "Concorrência Presencial",
    "dispensa_eletronica": "Dispensa Eletrônica", "dispensa": "Dispensa", "inexigibilidade": "Inexigibilidade",
    "credenciamento": "Credenciamento", "leilao": "Leilão", "concurso": "Concurso",
    "dialogo_competitivo": "Diálogo Competitivo",
}


def _text(limit: int) -> Callable[[Any], Any]:
    def convert(value: Any) -> str:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError("deve ser um texto")
        text = " ".join(str(value).split())
        if not text:
            raise ValueError("não pode ser vazio (use null)")
        if len(text) > limit:
            raise ValueError(f"no máximo {limit} caracteres")
        return text
    return convert


def _vocabulary(name: str) -> Callable[[Any], Any]:
    allowed = VOCABULARIES[name]

    def convert(value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            raise ValueError(f"use um de: {', '.join(sorted(allowed))}")
        return value.strip().lower()
    return convert


def _cnpj(value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError("deve ser um CNPJ")
    digits = only_digits(str(value)).zfill(14) if isinstance(value, int) else only_digits(value)
    if not is_valid_cnpj(digits):
        raise ValueError("CNPJ inválido (dígitos verificadores)")
    return digits


def _uasg(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"\d{1,12}", text):
        raise ValueError("UASG deve ter só dígitos")
    return text


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("deve ser true ou false")
    return value


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("deve ser data e hora ISO 8601, ex. 2025-11-19T09:30:00-03:00")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("deve ser data e hora ISO 8601, ex. 2025-11-19T09:30:00-03:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BRT)


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("deve ser um número em reais")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("deve ser um número em reais, ex. 12345.67") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e16"):
        raise ValueError("valor fora do intervalo")
    return amount.quantize(Decimal("0.01"))


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 1_000_000:
        raise ValueError("deve ser um inteiro não negativo")
    return value


@dataclass(frozen=True)
class FieldSpec:
    column: str
    convert: Callable[[Any], Any]


# EXTRACTION.md field -> tender column and validator (the order is the order shown to users)
FIELD_SPECS: dict[str, FieldSpec] = {
    "document_kind": FieldSpec("document_kind", _vocabulary("document_kind")),
    "modality": FieldSpec("modality", _vocabulary("modality")),
    "number": FieldSpec("number", _text(60)),
    "process_number": FieldSpec("process_number", _text(80)),
    "agency": FieldSpec("agency", _text(300)),
    "agency_cnpj": FieldSpec("agency_cnpj", _cnpj),
    "uasg": FieldSpec("uasg", _uasg),
    "object": FieldSpec("object", _text(5000)),
    "srp": FieldSpec("srp", _bool),
    "award_criterion": FieldSpec("award_criterion", _vocabulary("award_criterion")),
    "dispute_mode": FieldSpec("dispute_mode", _vocabulary("dispute_mode")),
    "session_datetime": FieldSpec("session_at", _datetime),
    "estimated_value": FieldSpec("estimated_value", _money),
    "items_count": FieldSpec("items_count", _count),
    "me_epp": FieldSpec("me_epp", _vocabulary("me_epp")),
    "platform": FieldSpec("platform", _vocabulary("platform")),
    "legal_basis": FieldSpec("legal_basis", _vocabulary("legal_basis")),
}
FIELD_NAMES = tuple(FIELD_SPECS)


def convert_field(name: str, value: Any) -> Any:
    """Validated column value for a field; ``ValueError`` says (in Portuguese) what is wrong."""
    return None if value is None else FIELD_SPECS[name].convert(value)


def effective_value(tender: Tender, name: str) -> Any:
    correction = (tender.corrections or {}).get(name)
    if correction is not None:
        return correction.get("value")
    return ((tender.fields or {}).get(name) or {}).get("value")


def apply_columns(tender: Tender) -> None:
    """Refresh the typed columns from extracted fields and corrections (a correction always wins).

    An extracted value the column cannot hold (a malformed CNPJ, say) leaves the column empty but stays
    visible in ``fields`` with its evidence.
    """
    for name, spec in FIELD_SPECS.items():
        try:
            value = convert_field(name, effective_value(tender, name))
        except ValueError:
            value = None
        setattr(tender, spec.column, value)
    tender.title = tender_title(tender)


def tender_title(tender: Tender) -> str | None:
    label = MODALITY_LABELS.get(tender.modality or "")
    if label and tender.number:
        return f"{label} nº {tender.number}"[:300]
    if tender.number:
        return f"Nº {tender.number}"[:300]
    return tender.title


# ------------------------------------------------------------------------------------------ helpers
def _company(principal: Principal) -> uuid.UUID:
    return uuid.UUID(principal.company_id)


def _parse_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise NotFound("Licitação não encontrada.", code="tender_not_found") from None


def _get_tender(db: Session, company_id: uuid.UUID, tender_id: str, *, lock: bool = False) -> Tender:
    stmt = select(Tender).where(Tender.id == _parse_id(tender_id), Tender.company_id == company_id)
    if lock:
        stmt = stmt.with_for_update()
    tender = db.scalar(stmt)
    if tender is None:
        raise NotFound("Licitação não encontrada.", code="tender_not_found")
    return tender


def _main_document(db: Session, tender: Tender) -> TenderDocument | None:
    return db.scalar(
        select(TenderDocument)
        .where(TenderDocument.tender_id == tender.id, TenderDocument.company_id == tender.company_id)
        .order_by(TenderDocument.created_at.desc())
        .limit(1)
    )


def sanitize_filename(name: str, *, limit: int = 120) -> str:
    """A key-safe file name: no path, no accents, only ``[A-Za-z0-9._-]``, the extension kept and lowercased."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_.") or "documento"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext).lower()
    stem = stem[: max(1, limit - len(ext) - 1)]
    return f"{stem}.{ext}" if ext else stem


def document_key(company_id: uuid.UUID | str, tender_id: uuid.UUID | str, filename: str) -> str:
    return f"companies/{company_id}/tenders/{tender_id}/{filename}"


def _check_upload(body: TenderUploadRequest) -> tuple[str, str]:
    """(kind, content type) of an acceptable upload, or a 415/413/422 that says what to send instead."""
    filename = body.filename.strip()
    ext = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    ctype = body.content_type.split(";")[0].strip().lower()
    allowed = {"extensions": sorted(ACCEPTED_TYPES), "content_types": sorted(
        t for _, types in ACCEPTED_TYPES.values() for t in types)}
    if ext not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            "Tipo de arquivo não aceito: envie o edital em PDF, DOCX ou ZIP (com PDF/DOCX dentro).",
            code="unsupported_file_type", details={"extension": ext or None, **allowed})
    kind, types = ACCEPTED_TYPES[ext]
    if ctype in GENERIC_TYPES:
        ctype = CANONICAL_TYPES[ext]
    elif ctype not in types:
        if any(ctype in t for _, t in ACCEPTED_TYPES.values()):
            raise ValidationFailed(
                f"O tipo declarado ({ctype}) não corresponde à extensão {ext} do arquivo.",
                code="content_type_mismatch", details={"extension": ext, "content_type": ctype,
                                                       "expected": sorted(types)})
        raise UnsupportedMediaType(
            f"Tipo de conteúdo não aceito ({ctype}): envie PDF, DOCX ou ZIP.",
            code="unsupported_file_type", details={"content_type": ctype, **allowed})
    limit = max_upload_bytes()
    if body.size is not None and body.size > limit:
        raise PayloadTooLarge(
            f"Arquivo grande demais: o limite é {limit // (1024 * 1024)} MB.", code="file_too_large",
            details={"size": body.size, "max_bytes": limit})
    return kind, ctype


# ------------------------------------------------------------------------------------------ uploads
def create_upload(principal: Principal, body: TenderUploadRequest, actor: Actor) -> TenderUploadResponse:
    """Create the tender (UPLOADING) and a presigned POST that only accepts this key, type and size."""
    kind, ctype = _check_upload(body)
    company_id = _company(principal)
    tender_id, document_id = uuid.uuid4(), uuid.uuid4()
    safe_name = sanitize_filename(body.filename)
    key = document_key(company_id, tender_id, safe_name)
    display_name = " ".join(body.filename.split())[:200]
    limit = max_upload_bytes()
    settings = get_settings()
    expires_at = datetime.now(UTC) + timedelta(seconds=UPLOAD_URL_TTL)
    try:
        post = aws_client("s3").generate_presigned_post(
            Bucket=settings.uploads_bucket, Key=key,
            Fields={"Content-Type": ctype},
            Conditions=[["content-length-range", 1, limit], {"Content-Type": ctype}],
            ExpiresIn=UPLOAD_URL_TTL,
        )
    except Exception as exc:  # credentials/endpoint problems: the client may retry
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc

    existing: uuid.UUID | None = None
    with tenant_transaction(company_id) as db:
        if body.sha256:
            existing = db.scalar(
                select(TenderDocument.tender_id)
                .where(TenderDocument.company_id == company_id, TenderDocument.sha256 == body.sha256.lower())
                .order_by(TenderDocument.created_at).limit(1)
            )
        tender = Tender(id=tender_id, company_id=company_id, status=TenderStatus.UPLOADING,
                        title=display_name.rsplit(".", 1)[0][:300], created_by=uuid.UUID(principal.user_id),
                        fields={}, corrections={}, risk={}, details={}, review_reasons=[])
        db.add(tender)
        db.flush()
        db.add(TenderDocument(id=document_id, company_id=company_id, tender_id=tender_id, s3_key=key,
                              filename=display_name, content_type=ctype, size=body.size, file_kind=kind,
                              status=TenderStatus.UPLOADING, created_by=uuid.UUID(principal.user_id)))
        record(db, actor, "tender.upload_created", "tender", tender_id, company_id=company_id,
               after={"filename": display_name, "key": key, "content_type": ctype, "size": body.size})
    return TenderUploadResponse(
        tender_id=tender_id, document_id=document_id, status="UPLOADING", key=key, filename=display_name,
        content_type=ctype, max_bytes=limit, expires_at=expires_at,
        upload=PresignedPost(url=post["url"], fields={k: str(v) for k, v in post["fields"].items()}),
        existing_tender_id=existing,
    )


# ------------------------------------------------------------------------------------------ listing
def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BRT)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(stmt: Select[Any], company_id: uuid.UUID, query: TenderListQuery) -> Select[Any]:
    stmt = stmt.where(Tender.company_id == company_id)
    if query.statuses():
        stmt = stmt.where(Tender.status.in_(query.statuses()))
    if query.modality:
        stmt = stmt.where(Tender.modality.in_([m.strip().lower() for m in query.modality.split(",") if m.strip()]))
    if query.agency:
        stmt = stmt.where(Tender.agency.ilike(_like(query.agency), escape="\\"))
    if query.q:
        pattern = _like(query.q)
        stmt = stmt.where(or_(*(col.ilike(pattern, escape="\\") for col in (
            Tender.object, Tender.agency, Tender.number, Tender.title, Tender.process_number))))
    if query.session_from:
        stmt = stmt.where(Tender.session_at >= _day_start(query.session_from))
    if query.session_to:
        stmt = stmt.where(Tender.session_at < _day_start(query.session_to + timedelta(days=1)))
    if query.created_from:
        stmt = stmt.where(Tender.created_at >= _day_start(query.created_from))
    if query.created_to:
        stmt = stmt.where(Tender.created_at < _day_start(query.created_to + timedelta(days=1)))
    if query.value_min is not None:
        stmt = stmt.where(Tender.estimated_value >= query.value_min)
    if query.value_max is not None:
        stmt = stmt.where(Tender.estimated_value <= query.value_max)
    return stmt


def _summary(t: Tender) -> TenderSummary:
    score = (t.risk or {}).get("score")
    return TenderSummary(
        id=t.id, status=t.status, failure_reason=t.failure_reason,  # type: ignore[arg-type]
        title=t.title, object=t.object, document_kind=t.document_kind, modality=t.modality, number=t.number,
        agency=t.agency, session_at=t.session_at,
        estimated_value=None if t.estimated_value is None else float(t.estimated_value),
        items_count=t.items_count, platform=t.platform,
        risk_score=float(score) if isinstance(score, int | float) else None,
        created_at=t.created_at, updated_at=t.updated_at,
    )


def list_tenders(principal: Principal, query: TenderListQuery) -> TenderPage:
    if query.value_min is not None and query.value_max is not None and query.value_min > query.value_max:
        raise ValidationFailed("value_min maior que value_max.", code="invalid_range",
                               details=[{"field": "value_min", "message": "deve ser ≤ value_max"}])
    for lo, hi, name in ((query.session_from, query.session_to, "session"),
                         (query.created_from, query.created_to, "created")):
        if lo and hi and lo > hi:
            raise ValidationFailed(f"{name}_from depois de {name}_to.", code="invalid_range",
                                   details=[{"field": f"{name}_from", "message": f"deve ser ≤ {name}_to"}])
    company_id = _company(principal)
    column = {"created_at": Tender.created_at, "session_at": Tender.session_at,
              "estimated_value": Tender.estimated_value}[query.sort]
    ordering = column.asc().nulls_last() if query.order == "asc" else column.desc().nulls_last()
    tiebreak = Tender.id.asc() if query.order == "asc" else Tender.id.desc()
    with tenant_transaction(company_id) as db:
        total = db.scalar(_filtered(select(func.count()).select_from(Tender), company_id, query)) or 0
        rows = db.scalars(
            _filtered(select(Tender), company_id, query).order_by(ordering, tiebreak)
            .offset((query.page - 1) * query.page_size).limit(query.page_size)
        ).all()
        items = [_summary(t) for t in rows]
    return TenderPage(items=items, total=total, page=query.page, page_size=query.page_size,
                      pages=math.ceil(total / query.page_size) if total else 0)


# ------------------------------------------------------------------------------------------ detail
def _field_out(tender: Tender, name: str) -> FieldOut:
    extracted_raw = (tender.fields or {}).get(name)
    correction_raw = (tender.corrections or {}).get(name)
    extracted = Evidence.model_validate(extracted_raw) if isinstance(extracted_raw, dict) else None
    correction = Correction.model_validate(correction_raw) if isinstance(correction_raw, dict) else None
    return FieldOut(name=name, value=effective_value(tender, name), corrected=correction is not None,
                    extracted=extracted, correction=correction)


def _document_out(d: TenderDocument) -> DocumentOut:
    return DocumentOut(
        id=d.id, filename=d.filename, content_type=d.content_type, size=d.size, sha256=d.sha256,
        status=d.status, failure_reason=d.failure_reason, failure_code=d.failure_code,  # type: ignore[arg-type]
        file_kind=d.file_kind, pages=d.pages, ocr_pages=d.ocr_pages, cache_hit=d.cache_hit,
        analysed_at=d.analysed_at, created_at=d.created_at,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _detail(db: Session, tender: Tender) -> TenderDetail:
    documents = db.scalars(
        select(TenderDocument)
        .where(TenderDocument.tender_id == tender.id, TenderDocument.company_id == tender.company_id)
        .order_by(TenderDocument.created_at)
    ).all()
    details = tender.details or {}
    summary = _summary(tender).model_dump()
    return TenderDetail(
        **summary,
        process_number=tender.process_number, agency_cnpj=tender.agency_cnpj, uasg=tender.uasg, srp=tender.srp,
        me_epp=tender.me_epp, award_criterion=tender.award_criterion, dispute_mode=tender.dispute_mode,
        legal_basis=tender.legal_basis, review_reasons=list(tender.review_reasons or []),
        fields={name: _field_out(tender, name) for name in FIELD_NAMES},
        risk=tender.risk or {}, requirements=_list(details.get("requirements")),
        penalties=_list(details.get("penalties")), guarantees=_list(details.get("guarantees")),
        dates=_list(details.get("dates")),
        notes=_list(details.get("notes")) + _list(details.get("warnings")),
        documents=[_document_out(d) for d in documents], duplicate_of=tender.duplicate_of,
        analysed_at=tender.analysed_at, created_by=tender.created_by,
    )


def get_tender(principal: Principal, tender_id: str) -> TenderDetail:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        return _detail(db, _get_tender(db, company_id, tender_id))


def list_items(principal: Principal, tender_id: str) -> ItemList:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        tender = _get_tender(db, company_id, tender_id)
        rows = db.scalars(
            select(TenderItem)
            .where(TenderItem.tender_id == tender.id, TenderItem.company_id == company_id)
            .order_by(TenderItem.position)
        ).all()
        items = [ItemOut(
            id=i.id, position=i.position, number=i.number, lot=i.lot, description=i.description,
            quantity=None if i.quantity is None else float(i.quantity), unit=i.unit,
            unit_price=None if i.unit_price is None else float(i.unit_price),
            total_price=None if i.total_price is None else float(i.total_price),
            me_epp_exclusive=i.me_epp_exclusive, page=i.page,
        ) for i in rows]
    return ItemList(tender_id=tender.id, items=items, total=len(items))


def list_deadlines(principal: Principal, tender_id: str) -> DeadlineList:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        tender = _get_tender(db, company_id, tender_id)
        rows = db.scalars(
            select(Deadline)
            .where(Deadline.tender_id == tender.id, Deadline.company_id == company_id)
            .order_by(Deadline.due_at, Deadline.kind)
        ).all()
        items = [DeadlineOut(id=d.id, kind=d.kind, due_at=d.due_at, basis=d.basis,  # type: ignore[arg-type]
                             source=d.source, page=d.page, quote=d.quote) for d in rows]  # type: ignore[arg-type]
    return DeadlineList(tender_id=tender.id, items=items)


def download_link(principal: Principal, tender_id: str) -> DownloadLink:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        tender = _get_tender(db, company_id, tender_id)
        document = _main_document(db, tender)
        if document is None:
            raise NotFound("Esta licitação não tem arquivo.", code="document_not_found")
        key, filename, ctype, seen = document.s3_key, document.filename, document.content_type, document.etag
    if seen is None and not _object_exists(get_settings().uploads_bucket, key):
        raise Conflict("O arquivo ainda não foi enviado.", code="upload_pending")
    ascii_name = sanitize_filename(filename)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    url = aws_client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": get_settings().uploads_bucket, "Key": key,
                "ResponseContentDisposition": disposition, "ResponseContentType": ctype},
        ExpiresIn=DOWNLOAD_URL_TTL,
    )
    return DownloadLink(url=url, filename=filename, content_type=ctype,
                        expires_at=datetime.now(UTC) + timedelta(seconds=DOWNLOAD_URL_TTL))


# ------------------------------------------------------------------------------------------ corrections
def correct_field(principal: Principal, tender_id: str, field: str, body: FieldCorrectionRequest,
                  actor: Actor) -> FieldOut:
    """Keep the person's value beside the extractor's; the typed column follows the correction."""
    if field not in FIELD_SPECS:
        raise NotFound(f"Campo desconhecido: {field}.", code="field_not_found",
                       details={"field": field, "allowed": list(FIELD_NAMES)})
    try:
        converted = convert_field(field, body.value)
    except ValueError as exc:
        raise ValidationFailed(f"Valor inválido para {field}: {exc}.", code="invalid_field_value",
                               details=[{"field": "value", "message": str(exc)}]) from None
    stored = json.loads(json.dumps(converted, default=_json_default)) if converted is not None else None
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        tender = _get_tender(db, company_id, tender_id, lock=True)
        if tender.status in (TenderStatus.UPLOADING, TenderStatus.PROCESSING):
            raise Conflict("Aguarde o fim da análise para corrigir campos.", code="analysis_in_progress")
        before = {"value": effective_value(tender, field), "correction": (tender.corrections or {}).get(field)}
        correction = {"value": stored, "reason": body.reason, "by": principal.user_id,
                      "at": datetime.now(UTC).isoformat(), "previous": before["value"]}
        tender.corrections = {**(tender.corrections or {}), field: correction}
        apply_columns(tender)
        if field == "session_datetime":
            from licita.tenders.analysis import rebuild_deadlines

            rebuild_deadlines(db, tender)
        record(db, actor, "tender.field_corrected", "tender", tender.id, company_id=company_id,
               before={"field": field, **before}, after={"field": field, "value": stored, "reason": body.reason})
        db.flush()
        out = _field_out(tender, field)
        title = tender.title
    from licita.platform.queues import publish_quietly

    publish_quietly("tender.field_corrected", str(company_id),
                    {"tender_id": str(tender_id), "title": title, "field": field},
                    user_id=principal.user_id)
    return out


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# ------------------------------------------------------------------------------------------ re-analysis
def reanalysis_message(bucket: str, document: TenderDocument, request_id: str,
                       requested_by: str | None) -> dict[str, Any]:
    """The S3-notification shape the analysis function already consumes, plus a bypass-the-cache flag."""
    return {
        "Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Reanalyze",
            "eventTime": datetime.now(UTC).isoformat(),
            "s3": {"bucket": {"name": bucket}, "object": {
                "key": quote_plus(document.s3_key, safe="/"), "size": document.size or 0,
                "eTag": document.etag or ""}},
        }],
        "licita": {"reanalyze": True, "request_id": request_id, "requested_by": requested_by},
    }


def reanalyze(principal: Principal, tender_id: str, actor: Actor) -> ReanalyzeResponse:
    settings = get_settings()
    company_id = _company(principal)
    request_id = uuid.uuid4().hex
    with tenant_transaction(company_id) as db:
        tender = _get_tender(db, company_id, tender_id, lock=True)
        if not settings.analysis_queue_url:
            raise ServiceUnavailable("Fila de análise não configurada.", code="analysis_queue_unavailable")
        document = _main_document(db, tender)
        if document is None:
            raise NotFound("Esta licitação não tem arquivo.", code="document_not_found")
        if document.etag is None and not _object_exists(settings.uploads_bucket, document.s3_key):
            raise Conflict("O arquivo ainda não foi enviado; envie-o antes de pedir nova análise.",
                           code="upload_pending")
        if tender.status == TenderStatus.PROCESSING:
            raise Conflict("A análise já está em andamento.", code="analysis_in_progress")
        message = reanalysis_message(settings.uploads_bucket, document, request_id, principal.user_id)
        before = {"status": tender.status}
        tender.status = TenderStatus.QUEUED
        document.status = TenderStatus.QUEUED
        record(db, actor, "tender.reanalysis_requested", "tender", tender.id, company_id=company_id,
               before=before, after={"status": "QUEUED", "request_id": request_id})
        db.flush()
        # Sent inside the transaction: if SQS refuses, nothing changes and the caller sees a 503.
        try:
            sent = aws_client("sqs").send_message(QueueUrl=settings.analysis_queue_url,
                                                  MessageBody=json.dumps(message, ensure_ascii=False))
        except Exception as exc:
            raise ServiceUnavailable("Fila de análise indisponível; tente novamente.") from exc
        return ReanalyzeResponse(tender_id=tender.id, document_id=document.id, status="QUEUED",
                                 message_id=str(sent.get("MessageId", request_id)))


def _object_exists(bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        aws_client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


# ------------------------------------------------------------------------------------------ deletion
def delete_tender(principal: Principal, tender_id: str, actor: Actor) -> None:
    """Rows and S3 objects go together: the objects are deleted before the transaction commits."""
    company_id = _company(principal)
    bucket = get_settings().uploads_bucket
    with tenant_transaction(company_id) as db:
        tender = _get_tender(db, company_id, tender_id, lock=True)
        documents = db.scalars(select(TenderDocument).where(
            TenderDocument.tender_id == tender.id, TenderDocument.company_id == company_id)).all()
        keys = [d.s3_key for d in documents]
        snapshot = {"status": tender.status, "title": tender.title, "number": tender.number,
                    "agency": tender.agency, "documents": [{"filename": d.filename, "sha256": d.sha256,
                                                            "key": d.s3_key} for d in documents]}
        for model in (Deadline, TenderItem, TenderDocument):
            db.execute(delete(model).where(model.tender_id == tender.id, model.company_id == company_id))
        db.delete(tender)
        record(db, actor, "tender.deleted", "tender", tender.id, company_id=company_id, before=snapshot)
        db.flush()
        _delete_objects(bucket, keys, prefix=f"companies/{company_id}/tenders/{tender.id}/")


def _delete_objects(bucket: str, keys: list[str], *, prefix: str) -> None:
    """Every object of the tender (known keys and anything else under its prefix); failures abort the delete."""
    s3 = aws_client("s3")
    try:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        targets = sorted({*keys, *(o["Key"] for o in listed)})
        if not targets:
            return
        result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in targets], "Quiet": True})
    except Exception as exc:
        raise ServiceUnavailable("Armazenamento indisponível; a licitação não foi excluída.") from exc
    if result.get("Errors"):
        raise ServiceUnavailable("Não foi possível apagar o arquivo; a licitação não foi excluída.",
                                 details={"errors": result["Errors"][:5]})
