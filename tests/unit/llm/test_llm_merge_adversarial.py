"""Rules + LLM never below rules alone: an adversarial model (wrong values, real quotes, high claimed confidence).

The model here answers through the ``LLMProvider`` boundary with a JSON text, as a server would; ``enrich``
parses, validates and merges it for real. Every wrong value cites a passage that really is in the document
(so its quote verifies) and claims confidence 0.99, the worst case for a merge that trusts the model.
"""

from __future__ import annotations

import json
from typing import Any

from llm_servers.samples import rules_result, sample_pages
from test_llm_enrich import ScriptedProvider, opts

from licita.extraction.llm import enrich
from licita.extraction.llm.merge import (
    LLM_FUZZY,
    LLM_OTHER_PAGE,
    LLM_UNVERIFIED,
    LLM_VERIFIED,
    RULES_STRONG,
    PageIndex,
    merge_field,
    merge_results,
    strong_rules,
)
from licita.extraction.scoring import score

PAGES = sample_pages()
INDEX = PageIndex(PAGES)

# Wrong values, each with a quote copied from the document and a high claimed confidence.
ADVERSARY: dict[str, dict[str, Any]] = {
    "document_kind": {"value": "ata_registro_precos", "page": 1, "quote": "Registro de preços para aquisição"},
    "modality": {"value": "concorrencia_eletronica", "page": 1, "quote": "realizará licitação na modalidade PREGÃO"},
    "number": {"value": "067/2025", "page": 1, "quote": "PROCESSO ADMINISTRATIVO Nº 067/2025"},
    "process_number": {"value": "042/2025", "page": 1, "quote": "EDITAL DE PREGÃO ELETRÔNICO Nº 042/2025"},
    "agency": {"value": "Estado de São Paulo", "page": 1, "quote": "Estado de São Paulo"},  # the parent body
    "award_criterion": {"value": "maior_desconto", "page": 1, "quote": "critério de julgamento MENOR PREÇO"},
    "session_datetime": {"value": "2021-04-01T09:00:00-03:00", "page": 1, "quote": "de 1º de abril de 2021"},
    "estimated_value": {"value": 543.3, "page": 10, "quote": "R$ 543,30"},  # one item's price
    "items_count": {"value": 4, "page": 10, "quote": "4 Unidades"},
    "me_epp": {"value": "exclusive", "page": 2, "quote": "microempresas e empresas de pequeno porte"},
    "platform": {"value": "comprasgov", "page": 1, "quote": "horário de Brasília"},
    "legal_basis": {"value": "lei_8666_10520", "page": 1, "quote": "Lei nº 14.133"},
}
TRUTH = {"fields": {name: {"value": entry["value"]} for name, entry in rules_result()["fields"].items()}}
TRUTH["fields"]["dispute_mode"] = {"value": "aberto"}


def _adversarial_answer() -> str:
    answer = {name: {**ADVERSARY.get(name, {"value": None, "page": None, "quote": None}), "confidence": 0.99}
              for name in rules_result()["fields"]}
    return json.dumps(answer, ensure_ascii=False)


def test_adversarial_model_cannot_override_rules_backed_fields() -> None:
    rules = rules_result()
    outcome = enrich(rules, PAGES, file_sha256="a" * 64, provider=ScriptedProvider(_adversarial_answer()),
                     options=opts())
    merged = outcome.merged["fields"]
    for name in ADVERSARY:
        assert merged[name]["value"] == rules["fields"][name]["value"], name
        assert merged[name]["source"] == "rules", name
        # its opinion is kept for a person to see, never with the confidence it claimed
        assert all(alt["confidence"] <= LLM_VERIFIED for alt in merged[name]["alternatives"]), name
    # the quotes were real, so these disagreements go to review rather than being silently dropped
    assert {"modality", "agency", "estimated_value"} <= set(outcome.merged["conflicts"])
    assert outcome.merged["llm_fields"] == []


def test_rules_plus_adversary_never_scores_below_rules_alone() -> None:
    rules = rules_result()
    alone = sum(score(merge_results(rules, None, PAGES), TRUTH).values())
    adversary = {n: {"value": e["value"], "page": e["page"], "quote": e["quote"]} for n, e in ADVERSARY.items()}
    together = sum(score(merge_results(rules, adversary, PAGES), TRUTH).values())
    assert together >= alone and alone == 16  # dispute_mode is the rules' one miss


def test_claimed_confidence_is_ignored_and_evidence_sets_it() -> None:
    fill = {"value": "aberto", "page": 3, "quote": "modo de disputa ABERTO", "confidence": 0.99}
    assert merge_field("dispute_mode", None, fill, INDEX)["confidence"] == LLM_VERIFIED
    elsewhere = {**fill, "page": 1}
    assert merge_field("dispute_mode", None, elsewhere, INDEX)["confidence"] == LLM_OTHER_PAGE
    invented = {**fill, "quote": "modo de disputa FECHADO por sorteio"}
    alt = merge_field("dispute_mode", None, invented, INDEX)["alternatives"][0]
    assert alt["confidence"] == LLM_UNVERIFIED and alt["rejected"] == "quote_not_found"
    assert LLM_UNVERIFIED < LLM_FUZZY < LLM_OTHER_PAGE < LLM_VERIFIED <= 0.6


def test_weak_or_unquoted_rules_can_still_be_corrected_by_a_verified_quote() -> None:
    good = {"value": "aberto", "page": 3, "quote": "o modo de disputa ABERTO"}
    weak = {"value": "fechado", "page": 3, "quote": "lances públicos", "confidence": RULES_STRONG - 0.1}
    unquoted = {"value": "fechado", "page": None, "quote": None, "confidence": 0.55}
    for rules_entry in (weak, unquoted):
        assert not strong_rules(rules_entry, float(rules_entry["confidence"]))  # type: ignore[arg-type]
        out = merge_field("dispute_mode", rules_entry, good, INDEX)
        assert out["value"] == "aberto" and out["source"] == "llm" and out["conflict"] is True
    strong = {**weak, "confidence": RULES_STRONG}
    assert merge_field("dispute_mode", strong, good, INDEX)["value"] == "fechado"


def test_agreement_is_both_and_a_gap_filled_by_the_model_is_llm() -> None:
    merged = merge_results(rules_result(), {"modality": {"value": "pregao_eletronico", "page": 1,
                                                         "quote": "PREGÃO ELETRÔNICO Nº 042/2025"},
                                            "dispute_mode": {"value": "aberto", "page": 3,
                                                             "quote": "modo de disputa ABERTO"}}, PAGES)
    sources = {name: f["source"] for name, f in merged["fields"].items()}
    assert sources["modality"] == "both" and sources["dispute_mode"] == "llm" and sources["number"] == "rules"


def test_a_name_fills_a_gap_only_if_its_quote_says_it() -> None:
    elsewhere = {"value": "Câmara Municipal de Bilac", "page": 2, "quote": "microempresas e empresas de pequeno porte"}
    out = merge_field("agency", None, elsewhere, INDEX)
    assert out["value"] is None and out["alternatives"][0]["evidence"] == "value_not_in_quote"
    said = {"value": "Prefeitura Municipal de Bilac", "page": 1, "quote": "PREFEITURA MUNICIPAL DE BILAC"}
    assert merge_field("agency", None, said, INDEX)["value"] == "Prefeitura Municipal de Bilac"
