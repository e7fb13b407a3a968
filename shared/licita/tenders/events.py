"""Notification kinds the tenders area raises, and how each reads in Portuguese."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from licita.core.events import Kind, Message, format_when, register

TEMPLATES = Path(__file__).with_name("templates")
DEADLINE_LABELS = {"session": "Sessão pública", "proposal": "Envio de propostas", "impugnacao": "Impugnação",
                   "esclarecimento": "Pedido de esclarecimento", "other": "Prazo"}


def _name(p: Mapping[str, Any]) -> str:
    return str(p.get("title") or p.get("filename") or "edital sem título")


def _link(p: Mapping[str, Any]) -> str | None:
    return f"/tenders/{p['tender_id']}" if p.get("tender_id") else None


def _analyzed(p: Mapping[str, Any]) -> Message:
    when = format_when(p.get("session_at"))
    body = f"A leitura de “{p.get('filename') or _name(p)}” terminou."
    body += f" Sessão pública em {when} (horário de Brasília)." if when else " Confira prazos e itens."
    return Message(f"Edital analisado: {_name(p)}", body, _link(p))


def _needs_review(p: Mapping[str, Any]) -> Message:
    reasons = ", ".join(str(r) for r in p.get("review_reasons") or []) or "campos com baixa confiança"
    return Message(f"Edital precisa de revisão: {_name(p)}",
                   f"A análise terminou, mas alguns campos precisam de conferência: {reasons}.", _link(p))


def _failed(p: Mapping[str, Any]) -> Message:
    reason = p.get("failure_reason") or "motivo não informado"
    return Message(f"Não foi possível ler o edital: {_name(p)}",
                   f"Motivo: {reason}. O arquivo continua guardado; envie outra versão ou peça nova análise.",
                   _link(p))


def _field_corrected(p: Mapping[str, Any]) -> Message:
    who = p.get("actor_name") or "Um colega"
    return Message(f"Campo corrigido em {_name(p)}",
                   f"{who} corrigiu o campo “{p.get('field_label') or p.get('field') or '?'}”.", _link(p))


def _deadline(p: Mapping[str, Any]) -> Message:
    label = DEADLINE_LABELS.get(str(p.get("deadline_kind")), "Prazo")
    left = str(p.get("threshold") or "")
    when = format_when(p.get("due_at"))
    return Message(f"{label} em {left.replace('h', ' h')}: {_name(p)}",
                   f"{label} de “{_name(p)}” vence em {when} (horário de Brasília).", _link(p))


register(
    Kind("tender.analyzed", "Edital analisado", "company", "tenders:read", email=True, describe=_analyzed,
         templates=TEMPLATES),
    Kind("tender.needs_review", "Edital precisa de revisão", "company", "tenders:read", email=True,
         describe=_needs_review),
    Kind("tender.failed", "Falha na leitura de edital", "company", "tenders:read", email=True, describe=_failed),
    Kind("tender.field_corrected", "Campo de edital corrigido", "company", "tenders:read", exclude_actor=True,
         describe=_field_corrected),
    Kind("deadline.approaching", "Prazo se aproximando", "company", "tenders:read", email=True,
         describe=_deadline, templates=TEMPLATES),
)
