"""Pure vault rules: document kinds, which extracted habilitação requirement each kind satisfies, validity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

KINDS: dict[str, str] = {
    "cnd_federal": "CND federal (Receita Federal / Dívida Ativa da União)",
    "fgts": "Certificado de regularidade do FGTS (CRF)",
    "trabalhista": "Certidão negativa de débitos trabalhistas (CNDT)",
    "estadual": "Certidão de regularidade estadual",
    "municipal": "Certidão de regularidade municipal",
    "balanco": "Balanço patrimonial e demonstrações contábeis",
    "atestado": "Atestado de capacidade técnica",
    "contrato_social": "Contrato social / ato constitutivo",
    "falencia": "Certidão negativa de falência e recuperação judicial",
    "outro": "Outro documento",
}

# requirement kind (licita.extraction.sections) → vault kinds that satisfy it (all of them are needed)
REQUIREMENT_KINDS: dict[str, tuple[str, ...]] = {
    "regularidade_fiscal": ("cnd_federal", "estadual", "municipal"),
    "fgts": ("fgts",),
    "regularidade_trabalhista": ("trabalhista",),
    "balanco_patrimonial": ("balanco",),
    "indices_contabeis": ("balanco",),
    "atestado_capacidade_tecnica": ("atestado",),
    "habilitacao_juridica": ("contrato_social",),
    "certidao_falencia": ("falencia",),
}
REMINDER_DAYS = (30, 15, 7, 1)


def required_kinds(requirements: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """vault kind → the requirement descriptions that ask for it."""
    out: dict[str, list[str]] = {}
    for req in requirements:
        for kind in REQUIREMENT_KINDS.get(str(req.get("kind")), ()):
            out.setdefault(kind, []).append(str(req.get("description") or req.get("kind")))
    return out


def check(requirements: Iterable[Mapping[str, Any]], documents: Sequence[Mapping[str, Any]],
          session_day: date | None, today: date) -> dict[str, list[dict[str, Any]]]:
    """{ok, missing, expiring}: for each required kind, the best document (latest expiry) and its state.

    ``expiring``: valid today but expired by the session day (or already expired)."""
    result: dict[str, list[dict[str, Any]]] = {"ok": [], "missing": [], "expiring": []}
    deadline = session_day or today
    for kind, asked_by in sorted(required_kinds(requirements).items()):
        docs = [d for d in documents if d.get("kind") == kind]
        entry: dict[str, Any] = {"kind": kind, "label": KINDS[kind], "required_by": asked_by}
        if not docs:
            result["missing"].append(entry)
            continue
        best = max(docs, key=lambda d: d.get("expires_on") or date.max)
        entry.update(document_id=str(best.get("id")), title=best.get("title"), expires_on=best.get("expires_on"))
        expires = best.get("expires_on")
        if expires is not None and expires < deadline:
            entry["reason"] = ("vencido" if expires < today else "vence antes da sessão")
            result["expiring"].append(entry)
        else:
            result["ok"].append(entry)
    return result


def due_reminder(expires_on: date, today: date, sent: Mapping[str, Any]) -> int | None:
    """The threshold (days) to remind about now, if any (each threshold once)."""
    left = (expires_on - today).days
    if left < 0:
        return None
    due = min((d for d in REMINDER_DAYS if left <= d), default=None)  # the nearest threshold only
    return due if due is not None and f"{due}d" not in sent else None
