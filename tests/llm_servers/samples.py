"""A small, realistic edital (pages of text), a rules result for it and model answers about it.

Shared by the unit, integration and real-model tests so they all reason about the same document.
"""

from __future__ import annotations

import copy
import json
from typing import Any

PAGE_1 = """PREFEITURA MUNICIPAL DE BILAC
Estado de São Paulo
CNPJ nº 44.430.783/0001-19

EDITAL DE PREGÃO ELETRÔNICO Nº 042/2025
PROCESSO ADMINISTRATIVO Nº 067/2025

OBJETO: Registro de preços para aquisição de eletrodomésticos (aspirador, bebedouro, fogões
industriais, freezer, geladeira) para as unidades da Prefeitura, por 12 meses.

O Município de Bilac torna público que realizará licitação na modalidade PREGÃO, na forma
ELETRÔNICA, com critério de julgamento MENOR PREÇO POR ITEM, nos termos da Lei nº 14.133,
de 1º de abril de 2021.

INÍCIO DA SESSÃO DE DISPUTA DE PREÇOS: às 09:00 do dia 15/12/2025 (horário de Brasília).
LOCAL: Bolsa de Licitações e Leilões do Brasil – BLL, www.bll.org.br
"""

PAGE_2 = """2. DAS CONDIÇÕES DE PARTICIPAÇÃO
2.4. O valor total estimado da contratação é de R$ 78.067,58 (setenta e oito mil, sessenta e sete
reais e cinquenta e oito centavos), conforme Anexo II.

3. DO TRATAMENTO DIFERENCIADO
3.2. Será assegurado às microempresas e empresas de pequeno porte o tratamento favorecido
previsto na Lei Complementar nº 123, de 2006, sem exclusividade de itens nem cota reservada.
"""

PAGE_3 = """7. DA FASE DE LANCES
7.1. Será adotado para o envio de lances o modo de disputa ABERTO, em que os licitantes
apresentarão lances públicos e sucessivos, com prorrogações.
"""

FILLER = (
    "Cláusula genérica sobre obrigações da contratada, prazos de entrega e condições de pagamento, "
    "sem relação com os campos do cabeçalho. "
) * 12

PAGE_LAST = """ANEXO II – PLANILHA ESTIMATIVA
Quantidade de itens: 15 itens, conforme tabela abaixo.
Item 1 – ASPIRADOR DE PÓ E ÁGUA INOX – 4 Unidades – R$ 543,30
"""


def sample_pages(filler_pages: int = 6) -> list[tuple[int, str]]:
    """Pages 1-3 carry the fields, then ``filler_pages`` of boilerplate, then the price annex."""
    pages = [(1, PAGE_1), (2, PAGE_2), (3, PAGE_3)]
    pages += [(4 + i, FILLER) for i in range(filler_pages)]
    pages.append((4 + filler_pages, PAGE_LAST))
    return pages


def _f(value: Any, page: int | None, quote: str | None, confidence: float) -> dict[str, Any]:
    return {"value": value, "page": page, "quote": quote, "confidence": confidence}


RULES_RESULT: dict[str, Any] = {
    "file": "bilac-edital.pdf",
    "sha256": "0" * 64,
    "fields": {
        "document_kind": _f("edital", 1, "EDITAL DE PREGÃO ELETRÔNICO", 0.9),
        "modality": _f("pregao_eletronico", 1, "PREGÃO ELETRÔNICO Nº 042/2025", 0.95),
        "number": _f("042/2025", 1, "PREGÃO ELETRÔNICO Nº 042/2025", 0.9),
        "process_number": _f("067/2025", 1, "PROCESSO ADMINISTRATIVO Nº 067/2025", 0.85),
        "agency": _f("Prefeitura Municipal de Bilac", 1, "PREFEITURA MUNICIPAL DE BILAC", 0.8),
        "agency_cnpj": _f("44430783000119", 1, "CNPJ nº 44.430.783/0001-19", 0.95),
        "uasg": _f(None, None, None, 0.0),
        "object": _f("Registro de preços para aquisição de eletrodomésticos", 1, "OBJETO: Registro de preços", 0.7),
        "srp": _f(True, 1, "Registro de preços", 0.8),
        "award_criterion": _f("menor_preco", 1, "MENOR PREÇO POR ITEM", 0.9),
        "dispute_mode": _f(None, None, None, 0.0),  # the rules missed it: the model should fill it
        "session_datetime": _f("2025-12-15T09:00:00-03:00", 1, "às 09:00 do dia 15/12/2025", 0.85),
        "estimated_value": _f(78067.58, 2, "R$ 78.067,58", 0.9),
        "items_count": _f(15, 10, "15 itens", 0.6),
        "me_epp": _f("none", 2, "sem exclusividade de itens nem cota reservada", 0.5),
        "platform": _f("bll", 1, "Bolsa de Licitações e Leilões do Brasil", 0.9),
        "legal_basis": _f("lei_14133", 1, "Lei nº 14.133", 0.95),
    },
    "items": [{"number": 1, "description": "ASPIRADOR DE PÓ E ÁGUA INOX", "quantity": 4, "unit": "Unidades",
               "unit_price": 543.3, "page": 10}],
}


def rules_result() -> dict[str, Any]:
    return copy.deepcopy(RULES_RESULT)


def _a(value: Any, page: int | None, quote: str | None) -> dict[str, Any]:
    return {"value": value, "page": page, "quote": quote}


GOOD_ANSWER: dict[str, Any] = {
    "document_kind": _a("edital", 1, "EDITAL DE PREGÃO ELETRÔNICO Nº 042/2025"),
    "modality": _a("pregao_eletronico", 1, "PREGÃO ELETRÔNICO Nº 042/2025"),
    "number": _a("042/2025", 1, "PREGÃO ELETRÔNICO Nº 042/2025"),
    "process_number": _a("067/2025", 1, "PROCESSO ADMINISTRATIVO Nº 067/2025"),
    "agency": _a("Prefeitura Municipal de Bilac", 1, "PREFEITURA MUNICIPAL DE BILAC"),
    "agency_cnpj": _a("44430783000119", 1, "CNPJ nº 44.430.783/0001-19"),
    "uasg": _a(None, None, None),
    "object": _a("Registro de preços para aquisição de eletrodomésticos por 12 meses", 1,
                 "Registro de preços para aquisição de eletrodomésticos"),
    "srp": _a(True, 1, "Registro de preços para aquisição de eletrodomésticos"),
    "award_criterion": _a("menor_preco", 1, "critério de julgamento MENOR PREÇO POR ITEM"),
    "dispute_mode": _a("aberto", 3, "o modo de disputa ABERTO"),
    "session_datetime": _a("2025-12-15T09:00:00-03:00", 1, "às 09:00 do dia 15/12/2025"),
    "estimated_value": _a(78067.58, 2, "R$ 78.067,58"),
    "items_count": _a(15, 10, "Quantidade de itens: 15 itens"),
    "me_epp": _a("none", 2, "sem exclusividade de itens nem cota reservada"),
    "platform": _a("bll", 1, "Bolsa de Licitações e Leilões do Brasil – BLL"),
    "legal_basis": _a("lei_14133", 1, "Lei nº 14.133"),
}


def good_answer(**overrides: dict[str, Any]) -> dict[str, Any]:
    answer = copy.deepcopy(GOOD_ANSWER)
    answer.update(overrides)
    return answer


def good_answer_json(**overrides: dict[str, Any]) -> str:
    return json.dumps(good_answer(**overrides), ensure_ascii=False)
