"""One call turns a PNCP compra into a watched tender: header, items with estimated prices, documents.

Deduplicated per company on ``numeroControlePNCP`` (a unique index): importing twice returns the first.
The main document (Edital, else Aviso de contratação direta, else Termo de Referência, else the first) is
downloaded, typed by its magic bytes and sent through the upload path (S3 → SQS → analysis); every
document's hash and type are kept for the change watch. PNCP's header values are stored as the tender's
official corrections (source "pncp"), so a later reading of the edital never hides them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from licita.audit.service import record
from licita.core.actor import Actor
from licita.core.errors import Conflict, NotFound, ServiceUnavailable
from licita.core.security.principal import Principal
from licita.discovery import store
from licita.discovery.pncp import get_client
from licita.discovery.schemas import ImportRequest, ImportResponse
from licita.platform.db.engine import system_transaction, tenant_transaction
from licita.platform.pncp import (
    CircuitOpenError,
    Compra,
    CompraRef,
    Documento,
    Download,
    Item,
    PncpClient,
    PncpError,
    PncpNotFound,
)
from licita.tenders.imports import register_imported_document
from licita.tenders.models import Tender, TenderItem, TenderStatus

MAIN_DOCUMENT_TYPES = (2, 1, 4)  # Edital, Aviso de contratação direta, Termo de referência
ANALYSABLE = ("pdf", "zip")
MODALITIES = {1: "leilao", 2: "dialogo_competitivo", 3: "concurso", 4: "concorrencia_eletronica",
              5: "concorrencia_presencial", 6: "pregao_eletronico", 7: "pregao_presencial", 8: "dispensa",
              9: "inexigibilidade", 12: "credenciamento", 13: "leilao"}


def main_document(documentos: list[Documento]) -> Documento | None:
    active = [d for d in documentos if d.ativo]
    for tipo in MAIN_DOCUMENT_TYPES:
        found = [d for d in active if d.tipo_documento_id == tipo]
        if found:
            return max(found, key=lambda d: d.sequencial_documento)
    return active[0] if active else None


def me_epp(items: list[Item]) -> str | None:
    if not items:
        return None
    friendly = [i.tipo_beneficio_id in (1, 3) for i in items]
    exclusive = [i.tipo_beneficio_id == 1 for i in items]
    if all(exclusive):
        return "exclusive"
    if any(friendly):
        return "mixed" if not all(friendly) else "reserved_quota"
    return "none"


def header_fields(compra: Compra, items: list[Item]) -> dict[str, Any]:
    """Field name → value (JSON) as PNCP states it; None values are left out."""
    values: dict[str, Any] = {
        "object": compra.objeto[:5000] if compra.objeto else None,
        "agency": (compra.orgao_razao_social or "")[:300] or None,
        "agency_cnpj": compra.cnpj,
        "number": (compra.numero_compra or "")[:60] or None,
        "process_number": (compra.processo or "")[:80] or None,
        "modality": MODALITIES.get(compra.modalidade_id or 0),
        "srp": compra.srp,
        "estimated_value": str(compra.valor_total_estimado) if compra.valor_total_estimado is not None else None,
        "session_datetime": compra.data_encerramento_proposta.isoformat() if compra.data_encerramento_proposta
        else None,
        "items_count": len(items) or None,
        "me_epp": me_epp(items),
    }
    return {k: v for k, v in values.items() if v is not None}


def _fetch(client: PncpClient, ref: CompraRef) -> tuple[Compra, list[Item], list[Documento], Any, Download | None]:
    try:
        compra = client.get_compra(ref)
        items = client.list_itens(ref)
        documentos = client.list_documentos(ref)
        historico = client.list_historico(ref)
        main = main_document(documentos)
        download = client.download_documento(ref, main.sequencial_documento) if main is not None else None
    except PncpNotFound:
        raise NotFound("Contratação não encontrada no PNCP.", code="pncp_not_found") from None
    except (PncpError, CircuitOpenError) as exc:
        raise ServiceUnavailable("O PNCP não respondeu; tente novamente em instantes.",
                                 code="pncp_unavailable", details={"reason": type(exc).__name__}) from exc
    return compra, items, documentos, historico, download


def import_compra(principal: Principal, body: ImportRequest, actor: Actor,
                  client: PncpClient | None = None) -> ImportResponse:
    company_id = uuid.UUID(principal.company_id)
    ref = CompraRef.parse(body.numero_controle)
    numero = ref.numero_controle
    with tenant_transaction(company_id) as db:
        existing = db.scalar(select(Tender).where(Tender.company_id == company_id,
                                                  Tender.pncp_numero_controle == numero))
        if existing is not None:
            return ImportResponse(tender_id=existing.id, created=False, numero_controle=numero,
                                  link=existing.pncp_url or ref.public_url, items=existing.items_count or 0,
                                  documents=0, analysed_document_id=None)
    compra, items, documentos, historico, download = _fetch(client or get_client(), ref)
    main = main_document(documentos)
    with system_transaction() as db:  # PNCP's public records, shared by every company
        ids = store.upsert_compras(db, [compra], degraded=False)
        compra_id = ids[compra.numero_controle_pncp]
        store.replace_items(db, compra_id, items)
        store.refresh_documents_tsv(db, [compra_id])
        store.save_documents(db, compra_id, documentos,
                             {main.sequencial_documento: download} if main is not None and download else None)
        store.save_historico(db, compra_id, historico)
    return _create_tender(principal, company_id, compra, items, documentos, download, actor)


def _create_tender(principal: Principal, company_id: uuid.UUID, compra: Compra, items: list[Item],
                   documentos: list[Documento], download: Download | None, actor: Actor) -> ImportResponse:

    user_id = uuid.UUID(principal.user_id)
    now = datetime.now(UTC).isoformat()
    fields = header_fields(compra, items)
    analysable = download is not None and download.kind in ANALYSABLE
    filename = None
    if download is not None:
        stem = (download.filename or f"edital-{compra.sequencial}").rsplit(".", 1)[0]
        filename = f"{stem}.{download.kind}"
    try:
        with tenant_transaction(company_id) as db:
            tender = Tender(
                id=uuid.uuid4(), company_id=company_id, title=(compra.objeto or compra.numero_controle_pncp)[:300],
                object=compra.objeto, agency=fields.get("agency"), agency_cnpj=compra.cnpj,
                number=fields.get("number"), process_number=fields.get("process_number"),
                modality=fields.get("modality"), srp=compra.srp, estimated_value=compra.valor_total_estimado,
                session_at=compra.data_encerramento_proposta, items_count=len(items) or None,
                me_epp=fields.get("me_epp"), created_by=user_id, review_reasons=[], risk={}, details={},
                status=TenderStatus.UPLOADING if analysable else TenderStatus.NEEDS_REVIEW,
                fields={k: {"value": v, "source": "pncp"} for k, v in fields.items()},
                corrections={k: {"value": v, "note": "Dado oficial do PNCP", "by": None, "source": "pncp",
                                 "at": now, "previous": None} for k, v in fields.items()},
                pncp_numero_controle=compra.numero_controle_pncp, pncp_cnpj=compra.cnpj, pncp_ano=compra.ano,
                pncp_sequencial=compra.sequencial, pncp_url=compra.public_url, pncp_watched=True)
            if not analysable:
                tender.review_reasons = ["Nenhum edital em PDF ou ZIP foi publicado no PNCP para esta contratação."]
            db.add(tender)
            db.flush()
            db.add_all(TenderItem(
                company_id=company_id, tender_id=tender.id, position=n, number=i.numero_item,
                description=(i.descricao or "(sem descrição)")[:10_000], quantity=i.quantidade,
                unit=(i.unidade_medida or "")[:60] or None, unit_price=i.valor_unitario_estimado,
                total_price=i.valor_total, me_epp_exclusive=i.tipo_beneficio_id == 1 if i.tipo_beneficio_id else None)
                for n, i in enumerate(items, 1))
            record(db, actor, "tender.imported_from_pncp", "tender", tender.id, company_id=company_id,
                   after={"numero_controle": compra.numero_controle_pncp, "items": len(items),
                          "documents": len(documentos), "analysable": analysable})
            tender_id = tender.id
    except IntegrityError:  # a concurrent import of the same compra won the unique index
        with tenant_transaction(company_id) as db:
            existing = db.scalar(select(Tender).where(Tender.company_id == company_id,
                                                      Tender.pncp_numero_controle == compra.numero_controle_pncp))
        if existing is None:
            raise Conflict("Importação concorrente; tente novamente.", code="import_conflict") from None
        return ImportResponse(tender_id=existing.id, created=False, numero_controle=compra.numero_controle_pncp,
                              link=compra.public_url, items=existing.items_count or 0, documents=0,
                              analysed_document_id=None)
    # The tender is committed first: the document is then stored under its row lock (the analysis' claim
    # waits for that commit). A row still being inserted would be invisible, not locked.
    document_id = None
    if analysable and download is not None:
        try:
            with tenant_transaction(company_id) as db:
                document_id = register_imported_document(db, company_id=company_id, tender_id=tender_id,
                                                         content=download.content, kind=download.kind,
                                                         filename=filename, created_by=user_id).document_id
        except Exception as exc:
            _failed(company_id, tender_id)
            raise ServiceUnavailable("O edital não pôde ser guardado para análise; a licitação foi criada e pode "
                                     "receber o arquivo depois.", code="storage_unavailable",
                                     details={"tender_id": str(tender_id)}) from exc
    return ImportResponse(tender_id=tender_id, created=True, numero_controle=compra.numero_controle_pncp,
                          link=compra.public_url, items=len(items), documents=len(documentos),
                          analysed_document_id=document_id)


def _failed(company_id: uuid.UUID, tender_id: uuid.UUID) -> None:
    with tenant_transaction(company_id) as db:
        tender = db.get(Tender, tender_id)
        if tender is not None and tender.status == TenderStatus.UPLOADING:
            tender.status = TenderStatus.FAILED
            tender.failure_reason = "O edital baixado do PNCP não pôde ser guardado; envie-o manualmente."
