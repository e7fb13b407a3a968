"""Section selection: first pages, cue paragraphs, page headers, the budget."""

from __future__ import annotations

import re

from llm_servers.samples import FILLER, sample_pages

from licita.extraction.llm.sections import fold, select_sections, split_paragraphs


def test_small_document_is_sent_whole_with_page_headers() -> None:
    pages = sample_pages(filler_pages=0)
    sel = select_sections(pages, budget=12_000)
    assert sel.pages == [1, 2, 3, 4]
    for number in (1, 2, 3, 4):
        assert f"[página {number}]" in sel.text
    assert "R$ 78.067,58" in sel.text
    assert "modo de disputa ABERTO" in sel.text


def test_budget_is_respected_and_boilerplate_left_out() -> None:
    pages = sample_pages(filler_pages=150)
    total = sum(len(t) for _, t in pages)
    sel = select_sections(pages, budget=3_000)
    assert sel.chars <= 3_000
    assert sel.source_chars == total
    assert total > 100 * sel.chars / 2
    # the fields' evidence made it in; the 150 filler pages did not
    assert "PREGÃO ELETRÔNICO Nº 042/2025" in sel.text
    assert "R$ 78.067,58" in sel.text
    assert "modo de disputa ABERTO" in sel.text
    assert "15 itens" in sel.text
    assert sel.text.count("Cláusula genérica") <= 2


def test_every_chunk_is_prefixed_by_its_page() -> None:
    sel = select_sections(sample_pages(filler_pages=40), budget=2_500)
    headers = [int(n) for n in re.findall(r"\[página (\d+)\]", sel.text)]
    assert headers == sorted(headers) == sel.pages
    assert sel.text.startswith("[página 1]")


def test_fields_take_turns_and_focus_goes_first() -> None:
    pages = [(1, "capa sem nada")] + [(i, f"O modo de disputa será o aberto, conforme item {i}.\n\n" + FILLER[:300])
                                      for i in range(2, 40)] + [(40, "UASG 925001 - Comando da Marinha")]
    sel = select_sections(pages, budget=700, focus=["uasg"])
    assert "UASG 925001" in sel.text
    assert "uasg" in sel.fields_covered


def test_long_lines_are_cut_into_paragraphs() -> None:
    paras = split_paragraphs(5, "palavra " * 1000)
    assert len(paras) > 5
    assert all(len(p.text) <= 700 for p in paras)
    assert all(p.page == 5 for p in paras)


def test_cues_ignore_accents_and_case() -> None:
    [p] = split_paragraphs(1, "VALOR ESTIMADO DA CONTRATAÇÃO: R$ 10,00 - Sessão Pública às 10h00")
    assert {"estimated_value", "session_datetime"} <= p.fields
    assert fold("Licitação PÚBLICA") == "licitacao publica"


def test_empty_document() -> None:
    sel = select_sections([], budget=1000)
    assert sel.text == "" and sel.pages == [] and sel.chars == 0
