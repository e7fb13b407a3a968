"""A tender's deadlines from its effective session date: stated ones, art. 164 cut-offs, manual ones kept."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from licita.core.brazil import is_ascii_digits
from licita.core.time import BRT
from licita.extraction.deadlines import statutory_deadlines
from licita.tenders.models import Deadline, DeadlineKind, DeadlineSource, Tender

DATE_KINDS = {"session": "session", "proposal": "proposal", "proposal_deadline": "proposal",
              "impugnacao": "impugnacao", "esclarecimento": "esclarecimento", "resposta_limite": "other"}


def clean_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 2**31 else None
    if isinstance(value, str) and is_ascii_digits(value.strip()):
        return int(value.strip()) if len(value.strip()) < 10 else None
    return None


def clean_str(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def _statutory(session: datetime, legal_basis: str | None) -> list[dict[str, Any]]:
    """Art. 164 cut-offs (licita.extraction.deadlines: business days with national holidays), counted on
    the Brasília calendar date of the session; the legal basis note warns when the edital predates 14.133."""
    entries = [deadline_dict(d) for d in statutory_deadlines(session.astimezone(BRT))]
    out = [e for e in entries if e is not None]
    if legal_basis == "lei_8666_10520":
        for entry in out:
            entry["basis"] = clean_str(f"{entry['basis']} (edital do regime anterior: confira o prazo no edital)", 200)
    return out


def deadline_dict(item: Any) -> dict[str, Any] | None:
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
    basis = clean_str(get("basis"), 200) or ("Prazo indicado no edital" if get("stated", True) else None)
    return {"kind": kind, "due_at": due, "basis": basis, "page": clean_int(get("page")),
            "quote": clean_str(get("quote"), 2000)}


def rebuild_deadlines(db: Session, tender: Tender) -> None:
    """Session, proposal, impugnação and esclarecimento; manual deadlines survive, the rest is recomputed."""
    db.execute(delete(Deadline).where(Deadline.tender_id == tender.id, Deadline.company_id == tender.company_id,
                                      Deadline.source != DeadlineSource.MANUAL))
    session = tender.session_at
    extracted: dict[str, dict[str, Any]] = {}
    for raw in (tender.details or {}).get("dates") or []:
        if isinstance(raw, dict) and raw.get("stated") is False:
            continue  # computed by the extractor from the extracted session: recomputed below from the effective one
        entry = deadline_dict(raw)
        if entry is not None and entry["kind"] != DeadlineKind.SESSION and entry["kind"] not in extracted:
            extracted[entry["kind"]] = entry
    rows: list[dict[str, Any]] = list(extracted.values())
    if session is not None:
        evidence = (tender.fields or {}).get("session_datetime") or {}
        corrected = "session_datetime" in (tender.corrections or {})
        rows.append({"kind": DeadlineKind.SESSION, "due_at": session,
                     "basis": "Data da sessão corrigida manualmente" if corrected else "Data de abertura no edital",
                     "source": DeadlineSource.MANUAL if corrected else DeadlineSource.EXTRACTED,
                     "page": None if corrected else clean_int(evidence.get("page")),
                     "quote": None if corrected else clean_str(evidence.get("quote"), 2000)})
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
