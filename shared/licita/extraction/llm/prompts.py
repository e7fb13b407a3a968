"""The versioned prompt. Bump PROMPT_VERSION on any change: it is part of the cache key and the run record."""

from __future__ import annotations

from licita.extraction.llm.schema import FIELD_SPECS

PROMPT_VERSION = "tender-v1"

_RULES = """\
Você é um analista de licitações públicas brasileiras (Lei 14.133/2021 e legislação anterior).
Recebe trechos de um documento de licitação (edital, aviso, termo de referência, ata...). Cada trecho
começa com "[página N]". Extraia os campos pedidos e responda SOMENTE com um objeto JSON.

Regras:
- Cada campo é um objeto {"value": ..., "page": N, "quote": "..."}.
- "value": use exatamente os códigos do vocabulário quando houver; se o documento não disser, use null.
  Nunca invente nem deduza o que não está escrito.
- "page": o número N do trecho "[página N]" onde a informação aparece.
- "quote": cópia literal curta (até 120 caracteres) do texto que comprova o valor, copiada do trecho.
  Quando "value" for null, "page" e "quote" também são null.
- Datas e horas: ISO 8601 com fuso -03:00 (horário de Brasília), ex. 2025-11-19T09:30:00-03:00.
- Valores em reais como número (R$ 1.234,56 -> 1234.56). Valor sigiloso -> null.
- CNPJ e UASG apenas com dígitos.
- "object": paráfrase curta e fiel do objeto.
"""


def _field_lines() -> str:
    lines = []
    for spec in FIELD_SPECS:
        vocab = f" — um de: {', '.join(spec.vocabulary)}" if spec.vocabulary else ""
        lines.append(f"- {spec.name}: {spec.description}{vocab}")
    return "\n".join(lines)


_VOCAB_NOTES = """\
Notas de vocabulário:
- me_epp: exclusive = todos os itens exclusivos para ME/EPP; reserved_quota = cota reservada;
  mixed = alguns itens exclusivos; none = sem exclusividade nem cota (só o tratamento geral da LC 123).
- platform: comprasgov (Compras.gov.br/Comprasnet), bll (Bolsa de Licitações e Leilões), bnc, licitanet,
  portal_compras_publicas, licitacoes_e (Banco do Brasil), bbmnet, proprio (sistema do próprio órgão), other.
- legal_basis: lei_14133; lei_8666_10520 (Lei 8.666/93 e/ou 10.520/02); other.
- items_count: número de itens da tabela principal (ou de lotes quando só houver lotes).
"""

SYSTEM_PROMPT = f"{_RULES}\nCampos:\n{_field_lines()}\n\n{_VOCAB_NOTES}"


def build_user_prompt(sections_text: str) -> str:
    """The document excerpt, framed so the model answers about this document only."""
    return (
        "Trechos do documento:\n"
        "<<<DOCUMENTO\n"
        f"{sections_text}\n"
        "DOCUMENTO>>>\n\n"
        "Responda com o objeto JSON com todos os campos."
    )
