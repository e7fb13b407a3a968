"""Review policy (pure): when a finished analysis is READY and when a person must look first (NEEDS_REVIEW)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licita.extraction.models import FIELD_NAMES
from licita.tenders.models import TenderStatus

LOW_CONFIDENCE = 0.5
# Fields a person must be able to trust before bidding, per document kind (a draft has no session date yet).
KEY_FIELDS: dict[str | None, tuple[str, ...]] = {
    "edital": ("modality", "number", "agency", "object", "session_datetime"),
    "aviso_dispensa": ("modality", "number", "agency", "object", "session_datetime"),
    "minuta_edital": ("modality", "agency", "object"),
}
KEY_FIELDS_DEFAULT = ("agency", "object")

# Integrity problems the reader reports (analysis["integrity"]), as the warning a person reads.
INTEGRITY_WARNINGS = {
    "repaired": "O PDF estava danificado ou truncado e precisou ser reparado na leitura: o documento pode estar "
                "incompleto (itens, prazos ou anexos faltando). Confira com o arquivo original.",
    "missing_eof": "O PDF parece truncado (o final do arquivo está faltando): o documento pode estar incompleto. "
                   "Confira com o arquivo original ou envie-o novamente.",
    "pages_unreadable": "Algumas páginas do PDF não puderam ser lidas: o documento pode estar incompleto.",
    "pages_missing": "O PDF declara mais páginas do que foi possível ler: o documento pode estar incompleto.",
}


def integrity_warnings(codes: Any) -> list[str]:
    """The readable warnings for the integrity codes the reader found (unknown codes are kept generic)."""
    if not isinstance(codes, list):
        return []
    out: list[str] = []
    for code in codes:
        text = INTEGRITY_WARNINGS.get(str(code), "O arquivo apresentou problemas de integridade: o documento pode "
                                                 "estar incompleto.")
        if text not in out:
            out.append(text)
    return out


def review_status(document_kind: str | None, fields: Mapping[str, Any] | None, corrections: Mapping[str, Any] | None,
                  analysis: Mapping[str, Any]) -> tuple[str, list[str]]:
    """NEEDS_REVIEW when the file may be incomplete, the document is not a tender, key fields are missing or
    unsure, or opinions clash; READY otherwise. Returns the status and the reasons (Portuguese)."""
    fields = fields or {}
    corrected = set(corrections or {})
    reasons: list[str] = integrity_warnings(analysis.get("integrity"))
    if document_kind == "other":
        reasons.append("O documento não parece ser um edital ou documento de licitação.")
    for name in KEY_FIELDS.get(document_kind, KEY_FIELDS_DEFAULT):
        if name in corrected:
            continue
        evidence = fields.get(name) or {}
        if evidence.get("value") is None:
            if document_kind != "other":
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
        evidence = fields.get(name) or {}
        if evidence.get("conflict") and name not in corrected:
            reasons.append(f"Valores divergentes para '{name}'.")
    return (TenderStatus.NEEDS_REVIEW if reasons else TenderStatus.READY), reasons
