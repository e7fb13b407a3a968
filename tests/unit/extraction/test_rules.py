"""The rules extractor on small generated documents, plus scoring and risk."""

from __future__ import annotations

from collections.abc import Callable

from licita.documents import ExtractedDocument, Page, extract_document
from licita.extraction import extract_tender
from licita.extraction.models import FIELD_NAMES
from licita.extraction.scoring import accuracy, empty_result, field_correct, score, token_overlap


def _doc(*pages: str) -> ExtractedDocument:
    return ExtractedDocument(file_type="pdf", sha256="0" * 64,
                             pages=[Page(number=i + 1, text=t) for i, t in enumerate(pages)])


def test_generated_edital(edital_pdf: bytes) -> None:
    result = extract_tender(extract_document(edital_pdf, "edital.pdf")).to_dict()
    values = {k: v["value"] for k, v in result["fields"].items()}
    assert set(values) == set(FIELD_NAMES)
    assert values["document_kind"] == "edital"
    assert values["modality"] == "pregao_eletronico"
    assert values["number"] == "012/2025"
    assert values["process_number"] == "345/2025"
    assert values["agency"] == "Prefeitura Municipal de Exemplo"
    assert values["agency_cnpj"] == "44430783000119"
    assert values["srp"] is True
    assert values["award_criterion"] == "menor_preco"
    assert values["dispute_mode"] == "aberto"
    assert values["session_datetime"] == "2025-11-19T09:30:00-03:00"
    assert values["estimated_value"] == 12345.67
    assert values["items_count"] == 3
    assert values["me_epp"] == "none"
    assert values["platform"] == "bll"
    assert values["legal_basis"] == "lei_14133"
    assert "material de limpeza" in str(values["object"])
    assert result["fields"]["number"]["page"] == 1
    assert result["fields"]["items_count"]["page"] == 2
    items = result["items"]
    assert [i["number"] for i in items] == [1, 2, 3]
    assert items[0]["description"].startswith("DETERGENTE") and items[0]["quantity"] == 100
    assert items[0]["unit"] == "Unidade"
    kinds = {d["kind"]: d for d in result["dates"]}
    assert kinds["impugnacao"]["value"].startswith("2025-11-14")  # 3 business days before Wed 19/11
    assert not kinds["impugnacao"]["stated"]
    codes = {f["code"] for f in result["risk"]["factors"]}
    assert {"multa_elevada", "visita_obrigatoria", "garantia_contratual", "multa_diaria"} <= codes
    assert 0 < result["risk"]["score"] <= 100
    assert all(f["reason"] and f["weight"] > 0 for f in result["risk"]["factors"])
    garantia = next(g for g in result["guarantees"] if g["kind"] == "garantia_contratual")
    assert garantia["required"] is True and garantia["percent"] == 5


def test_old_law_and_uasg() -> None:
    doc = _doc("TRIBUNAL REGIONAL DO TRABALHO DA 99ª REGIÃO\nPREGÃO ELETRÔNICO Nº 035/2018\n"
               "SISTEMA DE REGISTRO DE PREÇOS - SRP\nTipo\nMenor Preço\n"
               "Local www.comprasgovernamentais.gov.br\nCÓDIGO UASG: 80020\n"
               "em obediência ao disposto na Lei nº 10.520/2002 e, subsidiariamente, na Lei nº 8.666/1993, "
               "realizará licitação " + "licitação pregão licitante " * 20)
    values = {k: v["value"] for k, v in extract_tender(doc).to_dict()["fields"].items()}
    assert values["legal_basis"] == "lei_8666_10520"
    assert values["uasg"] == "80020"
    assert values["platform"] == "comprasgov"
    assert values["agency"] == "Tribunal Regional do Trabalho da 99ª Região"
    assert values["award_criterion"] == "menor_preco"


def test_conditional_template_text_is_not_a_statement() -> None:
    doc = _doc("EDITAL\nPREGÃO ELETRÔNICO Nº 14/2024\nLei nº 14.133/2021\n"
               "Caso seja adotado para o envio de lances no pregão eletrônico o modo de disputa “aberto”, "
               "os licitantes apresentarão lances públicos.\n" + "licitação pregão licitante " * 20)
    values = {k: v["value"] for k, v in extract_tender(doc).to_dict()["fields"].items()}
    assert values["dispute_mode"] is None


def test_exclusive_me_epp_and_secret_budget() -> None:
    doc = _doc("EDITAL\nPREGÃO ELETRÔNICO Nº 7/2025\nLei 14.133/2021\n"
               "Licitação exclusiva para microempresas e empresas de pequeno porte.\n"
               "O orçamento estimado da contratação terá caráter sigiloso.\n" + "licitação pregão licitante " * 20)
    result = extract_tender(doc).to_dict()
    assert result["fields"]["me_epp"]["value"] == "exclusive"
    assert result["fields"]["estimated_value"]["value"] is None
    codes = {f["code"] for f in result["risk"]["factors"]}
    assert "exclusivo_me_epp" in codes and "orcamento_sigiloso" in codes


def test_non_tender_is_other() -> None:
    doc = _doc("CHAMADA PÚBLICA Nº 2026/001\nEDITAL DE SELEÇÃO DE PROJETOS COMUNITÁRIOS\n"
               "A Fundação Exemplo torna público este Edital de Chamada Pública. As propostas serão avaliadas "
               "pela Comissão de Seleção, que vai analisar os projetos enviados. " * 5)
    result = extract_tender(doc).to_dict()
    values = {k: v["value"] for k, v in result["fields"].items()}
    assert values["document_kind"] == "other"
    assert values["modality"] is None and values["session_datetime"] is None
    assert values["number"] == "2026/001"
    assert values["legal_basis"] == "other"


def test_import_does_not_load_pdf_libraries() -> None:
    import subprocess
    import sys

    code = ("import sys, licita.extraction, licita.documents; "
            "print(any(m in sys.modules for m in ('pymupdf', 'fitz', 'docx')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_scoring_rules() -> None:
    assert field_correct("agency", "PREFEITURA  MUNICIPAL de Bilác", "Prefeitura Municipal de Bilac")
    assert not field_correct("number", "42/2025", "042/2025")
    assert field_correct("session_datetime", "2025-12-08T08:30:00-03:00", "2025-12-08T11:30:00+00:00")
    assert not field_correct("session_datetime", "2025-12-08", "2025-12-08T08:30:00-03:00")
    assert field_correct("estimated_value", 314859.205, 314859.2)
    assert not field_correct("estimated_value", 314859.22, 314859.2)
    assert field_correct("items_count", 8, 8) and not field_correct("items_count", 6, 8)
    assert field_correct("srp", None, None) and not field_correct("srp", False, None)
    assert not field_correct("srp", 1, True)
    assert token_overlap("aquisição de material de expediente",
                         "Registro de preços para aquisição de material de expediente") >= 0.5
    assert not field_correct("object", "serviços de limpeza", "aquisição de material de expediente")


def test_score_and_empty_baseline() -> None:
    truth = {"fields": {name: {"value": None} for name in FIELD_NAMES}}
    truth["fields"]["modality"] = {"value": "pregao_eletronico"}
    s = score(empty_result(), truth)
    assert set(s) == set(FIELD_NAMES)
    assert accuracy([s]) == (len(FIELD_NAMES) - 1) / len(FIELD_NAMES)


def test_cli_analyze(tmp_path: object, edital_pdf: bytes, capsys: object) -> None:
    import json
    from pathlib import Path

    from licita.cli import main

    path = Path(str(tmp_path)) / "edital.pdf"
    path.write_bytes(edital_pdf)
    assert main(["analyze", str(path), "--json"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert json.loads(out)["fields"]["number"]["value"] == "012/2025"
    assert main(["analyze", str(path)]) == 0
    assert "Risco:" in capsys.readouterr().out  # type: ignore[attr-defined]
    bad = Path(str(tmp_path)) / "falso.pdf"
    bad.write_text("texto")
    assert main(["analyze", str(bad)]) == 1
    assert "unsupported_file_type" in capsys.readouterr().err  # type: ignore[attr-defined]


def test_make_pdf_fixture_roundtrip(make_pdf: Callable[..., bytes]) -> None:
    doc = extract_document(make_pdf("PREGÃO ELETRÔNICO Nº 1/2025"), "x.pdf")
    assert "PREGÃO" in doc.pages[0].text
