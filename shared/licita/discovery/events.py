"""Notification kinds of discovery, and how each reads in Portuguese."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from licita.core.events import Kind, Message, format_when, register

TEMPLATES = Path(__file__).with_name("templates")
STALE = " Atenção: o PNCP estava instável neste ciclo; os dados podem estar incompletos."


def _lines(matches: Any, limit: int) -> str:
    out = []
    for m in list(matches or [])[:limit]:
        if not isinstance(m, Mapping):
            continue
        closes = format_when(m.get("data_encerramento_proposta"))
        where = " / ".join(str(x) for x in (m.get("municipio"), m.get("uf")) if x)
        line = f"• {str(m.get('objeto') or m.get('numero_controle'))[:140]}"
        line += f" — {m.get('orgao') or 'órgão não informado'}" + (f" ({where})" if where else "")
        if closes:
            line += f"; propostas até {closes}"
        why = [w for w in (m.get("why") or []) if w]
        if why:
            line += f". Por quê: {why[0]}"
        out.append(line)
    return "\n".join(out)


def _match(p: Mapping[str, Any]) -> Message:
    count = int(p.get("count") or 0)
    name = p.get("search_name") or "busca salva"
    title = (f"Nova oportunidade no PNCP para “{name}”" if count == 1
             else f"{count} novas oportunidades no PNCP para “{name}”")
    body = _lines(p.get("matches"), 5) or "Confira os resultados da busca."
    if p.get("degraded"):
        body += STALE
    return Message(title, body, str(p.get("link") or "/discovery/matches"))


def _changed(p: Mapping[str, Any]) -> Message:
    name = p.get("title") or p.get("numero_controle") or "licitação"
    changes = [c.get("message") for c in p.get("changes") or [] if isinstance(c, Mapping)]
    title = f"Mudança no PNCP: {name}" if len(changes) <= 1 else f"{len(changes)} mudanças no PNCP: {name}"
    body = "\n".join(f"• {m}" for m in changes[:8]) or "A contratação foi atualizada no PNCP."
    if p.get("degraded"):
        body += STALE
    link = f"/tenders/{p['tender_id']}/changes" if p.get("tender_id") else None
    return Message(title, body, link)


def _digest(p: Mapping[str, Any]) -> Message:
    count = int(p.get("count") or 0)
    title = f"Resumo diário do PNCP: {count} oportunidade{'s' if count != 1 else ''} nas suas buscas"
    body = _lines(p.get("matches"), 30) or "Nenhuma oportunidade nova nas últimas 24 horas."
    if p.get("degraded"):
        body += STALE
    return Message(title, body, str(p.get("link") or "/discovery/matches"))


def _dates(p: Mapping[str, Any]) -> Message:
    return Message(f"Datas alteradas: {p.get('title') or 'licitação'}",
                   "As datas da contratação mudaram no PNCP; calendário e quadros acompanham.",
                   f"/tenders/{p['tender_id']}" if p.get("tender_id") else None)


register(
    Kind("discovery.match", "Nova oportunidade no PNCP", "company", "discovery:read", email=True, describe=_match,
         templates=TEMPLATES),
    Kind("discovery.tender_changed", "Mudança em licitação acompanhada", "company", "tenders:read", email=True,
         describe=_changed, templates=TEMPLATES),
    Kind("discovery.digest", "Resumo diário de oportunidades", "target", "discovery:read", in_app=False, email=True,
         describe=_digest, templates=TEMPLATES),
    # a domain event for calendars and boards (licita.notifications.service.react); nobody is notified
    Kind("tender.dates_changed", "Datas da licitação alteradas", "company", "tenders:read", in_app=False,
         email=False, describe=_dates),
)
