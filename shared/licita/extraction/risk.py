"""Explainable risk score (0..100): a sum of named factors, each with its weight, a reason in
Portuguese and the page/quote it came from, so a bid manager can check every point."""

from __future__ import annotations

from licita.extraction.deadlines import business_days_between
from licita.extraction.models import RiskFactor, RiskReport, TenderAnalysis
from licita.extraction.sections import parse_iso_date

# Lei 14.133 art. 55: minimum business days between publication and proposals.
MIN_DAYS_GOODS = 8
MIN_DAYS_SERVICES = 10


def assess(analysis: TenderAnalysis) -> RiskReport:
    factors: list[RiskFactor] = []
    _deadline(analysis, factors)
    _penalties(analysis, factors)
    _requirements(analysis, factors)
    _guarantees(analysis, factors)
    _me_epp(analysis, factors)
    _budget(analysis, factors)
    total = min(100, sum(f.weight for f in factors))
    level = "alto" if total >= 50 else "medio" if total >= 25 else "baixo"
    return RiskReport(score=total, level=level, factors=factors)


def _deadline(a: TenderAnalysis, out: list[RiskFactor]) -> None:
    session = a.value("session_datetime")
    if not isinstance(session, str):
        return
    start = next((d for d in a.dates if d.kind in ("publication", "proposal_start") and d.stated), None)
    s_day, p_day = parse_iso_date(session), parse_iso_date(start.value) if start else None
    if s_day is None or p_day is None or p_day > s_day:
        return
    days = business_days_between(p_day, s_day)
    minimum = MIN_DAYS_GOODS if a.value("modality") != "dispensa_eletronica" else 3
    if days < minimum:
        out.append(RiskFactor("prazo_curto", 20 if days < minimum / 2 else 12,
                              f"Apenas {days} dia(s) útil(eis) entre a divulgação ({p_day:%d/%m/%Y}) e a sessão "
                              f"({s_day:%d/%m/%Y}); o mínimo legal usual é {minimum}.", start.page if start else None,
                              start.quote if start else None))
    elif days < minimum + 3:
        out.append(RiskFactor("prazo_apertado", 6, f"{days} dias úteis para preparar a proposta.",
                              start.page if start else None, start.quote if start else None))


def _penalties(a: TenderAnalysis, out: list[RiskFactor]) -> None:
    multas = [p for p in a.penalties if p.kind.startswith("multa") and p.percent is not None]
    if multas:
        worst = max(multas, key=lambda p: p.percent or 0)
        pct = worst.percent or 0
        daily = [p for p in multas if p.kind == "multa_moratoria" and "por dia" in (p.quote or "").lower()]
        if pct >= 20:
            out.append(RiskFactor("multa_elevada", 15, f"Multa de até {pct:g}% prevista.", worst.page, worst.quote))
        elif pct >= 10:
            out.append(RiskFactor("multa_relevante", 8, f"Multa de até {pct:g}% prevista.", worst.page, worst.quote))
        if daily:
            d = daily[0]
            out.append(RiskFactor("multa_diaria", 5, f"Multa moratória de {d.percent:g}% (por dia/atraso).",
                                  d.page, d.quote))
    for p in a.penalties:
        if p.kind == "inidoneidade" and (p.amount or 0) >= 6:
            out.append(RiskFactor("sancao_grave", 3, p.description, p.page, p.quote))
            break


def _requirements(a: TenderAnalysis, out: list[RiskFactor]) -> None:
    for r in a.requirements:
        if r.kind in ("capital_social_minimo", "patrimonio_liquido_minimo"):
            size = f"{r.percent:g}%" if r.percent is not None else f"R$ {r.amount:,.2f}" if r.amount else ""
            out.append(RiskFactor("exigencia_economica", 12 if (r.percent or 0) >= 10 or r.amount else 8,
                                  f"{r.description} exigido ({size}).", r.page, r.quote))
        elif r.kind == "indices_contabeis":
            out.append(RiskFactor("indices_contabeis", 4, "Índices contábeis mínimos (LG/SG/LC) exigidos.",
                                  r.page, r.quote))
        elif r.kind == "atestado_capacidade_tecnica":
            if r.percent is not None:
                out.append(RiskFactor("atestado_quantitativo", 10 if r.percent >= 50 else 6,
                                      f"Atestado de capacidade técnica com quantitativo mínimo de {r.percent:g}%.",
                                      r.page, r.quote))
            else:
                out.append(RiskFactor("atestado", 4, "Atestado de capacidade técnica exigido.", r.page, r.quote))
        elif r.kind == "visita_tecnica" and r.required:
            out.append(RiskFactor("visita_obrigatoria", 10, "Visita técnica obrigatória antes da proposta.",
                                  r.page, r.quote))
        elif r.kind == "amostra":
            out.append(RiskFactor("amostra", 6, "Apresentação de amostra exigida.", r.page, r.quote))
        elif r.kind == "registro_conselho":
            out.append(RiskFactor("registro_conselho", 3, "Registro em conselho profissional exigido.",
                                  r.page, r.quote))


def _guarantees(a: TenderAnalysis, out: list[RiskFactor]) -> None:
    for g in a.guarantees:
        if not g.required:
            continue
        pct = f" de {g.percent:g}%" if g.percent is not None else ""
        if g.kind == "garantia_proposta":
            out.append(RiskFactor("garantia_proposta", 10, f"Garantia de proposta exigida{pct}.", g.page, g.quote))
        else:
            out.append(RiskFactor("garantia_contratual", 8 if (g.percent or 5) >= 5 else 5,
                                  f"Garantia contratual exigida{pct}.", g.page, g.quote))


def _me_epp(a: TenderAnalysis, out: list[RiskFactor]) -> None:
    field = a.fields.get("me_epp")
    if field is None:
        return
    if field.value == "exclusive":
        out.append(RiskFactor("exclusivo_me_epp", 15, "Licitação exclusiva para ME/EPP: empresa que não seja "
                              "ME/EPP não pode participar.", field.page, field.quote))
    elif field.value == "mixed":
        out.append(RiskFactor("itens_exclusivos_me_epp", 8, "Parte dos itens é exclusiva para ME/EPP.",
                              field.page, field.quote))
    elif field.value == "reserved_quota":
        out.append(RiskFactor("cota_reservada_me_epp", 5, "Há cota reservada a ME/EPP em parte dos itens.",
                              field.page, field.quote))


def _budget(a: TenderAnalysis, out: list[RiskFactor]) -> None:
    field = a.fields.get("estimated_value")
    if field is None or field.value is not None:
        return
    if field.quote and "sigilos" in field.quote.lower():
        out.append(RiskFactor("orcamento_sigiloso", 5, "Orçamento estimado sigiloso: preço de referência "
                              "desconhecido.", field.page, field.quote))
    elif a.value("document_kind") in ("edital", "aviso_dispensa"):
        out.append(RiskFactor("valor_nao_informado", 3, "O valor estimado não foi encontrado no documento.",
                              None, None))
