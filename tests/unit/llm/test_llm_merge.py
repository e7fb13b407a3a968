"""Merge policy: agreement, filling gaps only with verified quotes, conflicts recorded, rules always kept."""

from __future__ import annotations

import copy

import pytest
from llm_servers.samples import GOOD_ANSWER, rules_result, sample_pages

from licita.extraction.llm.merge import (
    CONFLICT_PENALTY,
    LLM_UNVERIFIED,
    LLM_VERIFIED,
    PageIndex,
    merge_field,
    merge_results,
    text_overlap,
    value_supported,
    values_agree,
)

PAGES = sample_pages()
INDEX = PageIndex(PAGES)


def r(value: object, conf: float = 0.8, page: int | None = 1, quote: str | None = "x") -> dict[str, object]:
    return {"value": value, "page": page, "quote": quote, "confidence": conf}


def test_agreement_boosts_confidence_and_keeps_rules_value() -> None:
    out = merge_field("modality", r("pregao_eletronico", 0.8), GOOD_ANSWER["modality"], INDEX)
    assert out["value"] == "pregao_eletronico"
    assert out["source"] == "both"
    assert out["confidence"] == pytest.approx(1 - 0.2 * (1 - LLM_VERIFIED), abs=1e-3)
    assert out["conflict"] is False
    assert out["alternatives"] == []


def test_agreement_is_capped_below_one() -> None:
    out = merge_field("modality", r("pregao_eletronico", 0.999), GOOD_ANSWER["modality"], INDEX)
    assert out["confidence"] <= 0.99


def test_rules_null_llm_verified_quote_is_taken() -> None:
    out = merge_field("dispute_mode", r(None, 0.0, None, None), GOOD_ANSWER["dispute_mode"], INDEX)
    assert out["value"] == "aberto"
    assert out["source"] == "llm"
    assert out["page"] == 3
    assert out["confidence"] == LLM_VERIFIED
    assert out["evidence"] == "cited_page"
    assert out["conflict"] is False


def test_rules_null_llm_quote_not_in_document_is_rejected() -> None:
    invented = {"value": "fechado", "page": 3, "quote": "modo de disputa FECHADO com lances sigilosos"}
    out = merge_field("dispute_mode", r(None, 0.0, None, None), invented, INDEX)
    assert out["value"] is None
    assert out["source"] == "rules"
    assert out["conflict"] is False
    [alt] = out["alternatives"]
    assert alt["value"] == "fechado"
    assert alt["rejected"] == "quote_not_found"
    assert alt["confidence"] == LLM_UNVERIFIED


def test_rules_null_llm_without_quote_is_rejected() -> None:
    out = merge_field("uasg", r(None, 0.0, None, None), {"value": "925001", "page": 1, "quote": None}, INDEX)
    assert out["value"] is None
    assert out["alternatives"][0]["rejected"] == "quote_not_found"


def test_quote_on_another_page_corrects_the_page() -> None:
    wrong_page = {"value": "aberto", "page": 1, "quote": "modo de disputa ABERTO"}
    out = merge_field("dispute_mode", None, wrong_page, INDEX)
    assert out["value"] == "aberto"
    assert out["page"] == 3
    assert out["page_cited"] == 1
    assert out["evidence"] == "other_page"


def test_quote_matching_ignores_accents_case_punctuation_and_line_breaks() -> None:
    # the quote spans a line break in the page text and drops accents
    quote = "aquisicao de eletrodomesticos (aspirador, bebedouro, fogoes industriais"
    assert INDEX.verify(quote, 1).verified
    assert INDEX.verify("valor total estimado da contratacao e de R$ 78.067,58", 2).verified


def test_quote_with_ellipsis_must_match_parts_in_order() -> None:
    assert INDEX.verify("INÍCIO DA SESSÃO ... 15/12/2025", 1).verified
    assert not INDEX.verify("15/12/2025 ... INÍCIO DA SESSÃO", 1).verified


def test_fuzzy_quote_tolerates_one_changed_word_in_a_long_quote() -> None:
    check = INDEX.verify("apresentarão lances públicos e sucessivos, com muitas prorrogações", 3)
    assert check.verified
    assert check.how == "fuzzy"


def test_short_quote_is_not_evidence() -> None:
    assert not INDEX.verify("de", 1).verified


def test_conflict_verified_llm_loses_to_confident_rules_and_is_recorded() -> None:
    llm = {"value": "fechado", "page": 1, "quote": "PREFEITURA MUNICIPAL DE BILAC"}  # verified text, wrong value
    out = merge_field("dispute_mode", r("aberto", 0.9, 3, "modo de disputa ABERTO"), llm, INDEX)
    assert out["value"] == "aberto"
    assert out["source"] == "rules"
    assert out["conflict"] is True
    assert out["confidence"] == pytest.approx(0.9 * CONFLICT_PENALTY, abs=1e-3)
    [alt] = out["alternatives"]
    assert alt == {"source": "llm", "value": "fechado", "page": 1, "quote": "PREFEITURA MUNICIPAL DE BILAC",
                   "confidence": LLM_VERIFIED, "evidence": "cited_page"}


def test_conflict_verified_llm_beats_unsure_rules() -> None:
    out = merge_field("dispute_mode", r("fechado", 0.4, 7, "algo"), GOOD_ANSWER["dispute_mode"], INDEX)
    assert out["value"] == "aberto"
    assert out["source"] == "llm"
    assert out["conflict"] is True
    assert out["confidence"] == pytest.approx(LLM_VERIFIED * CONFLICT_PENALTY, abs=1e-3)
    assert out["alternatives"][0]["source"] == "rules"
    assert out["alternatives"][0]["value"] == "fechado"


def test_conflict_tie_goes_to_rules() -> None:
    out = merge_field("dispute_mode", r("fechado", LLM_VERIFIED), GOOD_ANSWER["dispute_mode"], INDEX)
    assert out["value"] == "fechado"
    assert out["conflict"] is True


def test_unverified_llm_disagreement_is_not_a_conflict() -> None:
    llm = {"value": "fechado", "page": 3, "quote": "texto que não existe no documento"}
    out = merge_field("dispute_mode", r("aberto", 0.3), llm, INDEX)
    assert out["value"] == "aberto"
    assert out["conflict"] is False
    assert out["alternatives"][0]["rejected"] == "quote_not_found"


def test_llm_silent_keeps_rules() -> None:
    out = merge_field("modality", r("pregao_eletronico", 0.7), {"value": None, "page": None, "quote": None}, INDEX)
    assert out["value"] == "pregao_eletronico"
    assert out["source"] == "rules"
    assert out["confidence"] == 0.7


def test_both_null_is_agreement_on_absence() -> None:
    out = merge_field("uasg", r(None, 0.0, None, None), {"value": None, "page": None, "quote": None}, INDEX)
    assert out["value"] is None
    assert out["source"] == "both"


def test_identifier_must_appear_in_its_quote() -> None:
    # the quote exists in the document but does not contain the CNPJ the model claims
    llm = {"value": "11222333000181", "page": 1, "quote": "PREFEITURA MUNICIPAL DE BILAC"}
    out = merge_field("agency_cnpj", None, llm, INDEX)
    assert out["value"] is None
    assert out["alternatives"][0]["evidence"] == "value_not_in_quote"
    assert value_supported("agency_cnpj", "44430783000119", "CNPJ nº 44.430.783/0001-19")
    assert value_supported("estimated_value", 78067.58, "R$ 78.067,58")
    assert not value_supported("estimated_value", 99999.0, "R$ 78.067,58")


@pytest.mark.parametrize(("name", "a", "b", "same"), [
    ("estimated_value", 78067.58, 78067.585, True),
    ("estimated_value", 78067.58, 78067.6, False),
    ("session_datetime", "2025-12-15T09:00:00-03:00", "2025-12-15T12:00:00+00:00", True),
    ("session_datetime", "2025-12-15T09:00:00-03:00", "2025-12-15T09:00:00+00:00", False),
    ("agency_cnpj", "44.430.783/0001-19", "44430783000119", True),
    ("number", "042/2025", "42/2025", True),
    ("number", "042/2025", "043/2025", False),
    ("object", "Registro de preços para aquisição de eletrodomésticos",
     "Aquisição de eletrodomésticos (registro de preços) por 12 meses", True),
    ("object", "Aquisição de eletrodomésticos", "Contratação de serviços de limpeza", False),
    ("srp", True, True, True),
    ("srp", True, False, False),
    ("items_count", 15, 15, True),
    ("modality", "pregao_eletronico", "pregao_presencial", False),
])
def test_values_agree_per_type(name: str, a: object, b: object, same: bool) -> None:
    assert values_agree(name, a, b) is same


def test_text_overlap_is_symmetric_and_bounded() -> None:
    a, b = "Prefeitura Municipal de Bilac", "Município de Bilac - Prefeitura"
    assert text_overlap(a, b) == text_overlap(b, a)
    assert 0.0 <= text_overlap(a, b) <= 1.0


def test_merge_results_whole_document() -> None:
    rules = rules_result()
    before = copy.deepcopy(rules)
    merged = merge_results(rules, GOOD_ANSWER, PAGES)
    assert rules == before, "merge must not mutate its input"
    assert merged["items"] == rules["items"]
    assert merged["file"] == rules["file"]
    assert merged["fields"]["dispute_mode"]["value"] == "aberto"
    assert merged["llm_fields"] == ["dispute_mode"]
    assert merged["conflicts"] == []
    assert merged["fields"]["modality"]["source"] == "both"
    assert merged["fields"]["uasg"]["value"] is None
    for entry in merged["fields"].values():
        assert set(entry) >= {"value", "page", "quote", "confidence", "source", "alternatives", "conflict"}


def test_merge_results_without_llm_annotates_rules() -> None:
    merged = merge_results(rules_result(), None, PAGES)
    assert all(f["source"] == "rules" and not f["conflict"] for f in merged["fields"].values())
    assert merged["fields"]["estimated_value"]["value"] == 78067.58
    assert merged["conflicts"] == [] and merged["llm_fields"] == []


def test_merge_keeps_extra_rules_keys_and_tolerates_missing_fields() -> None:
    rules = {"fields": {"modality": {"value": "pregao_eletronico", "page": 1, "quote": "q", "confidence": 0.9,
                                     "where": "cover"}}}
    merged = merge_results(rules, {"dispute_mode": GOOD_ANSWER["dispute_mode"]}, PAGES)
    assert merged["fields"]["modality"]["where"] == "cover"
    assert merged["fields"]["dispute_mode"]["value"] == "aberto"
    assert merged["items"] == []


def test_rules_without_confidence_get_the_default() -> None:
    out = merge_field("modality", {"value": "pregao_eletronico", "page": 1}, None, INDEX)
    assert out["confidence"] == 0.5
