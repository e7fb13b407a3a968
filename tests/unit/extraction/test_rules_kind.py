"""Document kind: the document's main kind, not the first notice it quotes."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields


def test_gazette_masthead_makes_a_diario_oficial_even_with_a_notice_inside() -> None:
    page = ("DIÁRIO OFICIAL DO MUNICÍPIO DE EXEMPLO\nANO IX - EDIÇÃO Nº 1.234\n"
            "AVISO DE DISPENSA ELETRÔNICA Nº 3/2025\nA Prefeitura torna público ...") + FILLER
    values = fields(page, "Diário Oficial do Município de Exemplo - pág. 2\n" + FILLER,
                    "Diário Oficial do Município de Exemplo - pág. 3\n" + FILLER)
    assert values["document_kind"] == "diario_oficial"


def test_gazette_without_procurement_has_no_fields() -> None:
    page = "DIÁRIO OFICIAL ELETRÔNICO\nANO XLII n. 10.295\nPORTARIA Nº 15 aplica penalidade de trânsito.\n" * 3
    values = fields(page, page, page)
    assert values["document_kind"] == "diario_oficial"
    assert all(v is None for k, v in values.items() if k != "document_kind")


def test_homologation_title_beats_the_modality_header() -> None:
    values = fields("PREGÃO ELETRÔNICO Nº 90001/2025\nTERMO DE HOMOLOGAÇÃO\n"
                    "Homologo o resultado do pregão, adjudicado ao licitante vencedor." + FILLER)
    assert values["document_kind"] == "termo_homologacao"


def test_aviso_de_licitacao_cover_of_an_edital_is_the_edital() -> None:
    page1 = "AVISO DE LICITAÇÃO\nPREGÃO ELETRÔNICO Nº 5/2025\nObjeto: aquisição de pneus." + FILLER
    page2 = "EDITAL\n1. DO OBJETO\n2. DA PARTICIPAÇÃO\n3. DA PROPOSTA\n4. DA HABILITAÇÃO" + FILLER
    assert fields(page1, page2, page2, page2)["document_kind"] == "edital"


def test_one_page_announcement_is_not_the_edital() -> None:
    page = ("PREGÃO PRESENCIAL Nº 001/2021\nO INSTITUTO DE PREVIDÊNCIA torna público que se acha aberta "
            "licitação. Objeto: locação de software, conforme as condições estabelecidas no Edital e Anexos. "
            "As propostas deverão ser apresentadas até as 14:00 hs do dia 29/03/2021, para abertura do certame.")
    values = fields(page + FILLER)
    assert values["document_kind"] == "other"
    assert values["modality"] == "pregao_presencial"
    assert values["session_datetime"] == "2021-03-29T14:00:00-03:00"
    assert values["srp"] is None and values["me_epp"] is None


def test_wrapped_sentence_is_not_a_title() -> None:
    page = ("PREGÃO PRESENCIAL Nº 2/2021\nOs pedidos de esclarecimentos acerca do\nedital deverão ser "
            "encaminhados ao setor de licitações do órgão, conforme as condições estabelecidas no Edital.")
    assert fields(page + FILLER)["document_kind"] == "other"


def test_termo_de_referencia_fragment_without_procurement_words() -> None:
    values = fields("TERMO DE REFERÊNCIA\n1. DO OBJETO:\n1.1 Contratação de empresa especializada para "
                    "manutenção de computadores e redes do Instituto por 12 meses.\n")
    assert values["document_kind"] == "termo_referencia"
    assert values["srp"] is None and values["legal_basis"] is None


def test_contract_is_other_but_keeps_its_procedure() -> None:
    values = fields("TERMO DE CONTRATO Nº 10/2023\nProcesso administrativo nº 466/2023\n"
                    "Dispensa de Licitação - Lei Federal nº 8.666/93, artigo 24, inciso II\n" + FILLER)
    assert values["document_kind"] == "other"
    assert values["modality"] == "dispensa"
    assert values["process_number"] == "466/2023"
    assert values["legal_basis"] == "lei_8666_10520"
    assert values["platform"] is None and values["items_count"] is None


def test_annex_title_below_anexo_line_does_not_name_the_document() -> None:
    page = "PREGÃO ELETRÔNICO Nº 7/2025\nANEXO I\nTERMO DE REFERÊNCIA\n" + FILLER
    assert fields(page)["document_kind"] == "edital"


# -- files that bind a one-page act before the document they really are ----------------------------

_EDITAL = "EDITAL DE PREGÃO ELETRÔNICO Nº 5/2025\n1. DO OBJETO\n2. DA PARTICIPAÇÃO\n3. DA PROPOSTA" + FILLER
_TR = "TERMO DE REFERÊNCIA\n1. DO OBJETO\nAquisição de pneus.\n2. DA JUSTIFICATIVA" + FILLER
_ATA = "ATA DE REGISTRO DE PREÇOS Nº 3/2025\nPREGÃO ELETRÔNICO Nº 5/2025\nA União registra os preços." + FILLER
_HOMOLOGATION = "TERMO DE HOMOLOGAÇÃO\nPREGÃO ELETRÔNICO Nº 5/2025\nHomologo o resultado." + FILLER
_EXTRACT = "EXTRATO DE CONTRATO Nº 12/2025\nPregão Eletrônico nº 5/2025. Contratada: Empresa X." + FILLER
_DISPENSA = "AVISO DE DISPENSA ELETRÔNICA Nº 5/2025\nObjeto: pneus. Lei nº 14.133/2021." + FILLER


@pytest.mark.parametrize(("pages", "kind"), [
    # a short opener and a document three times longer from the next page: the longer document
    ((_ATA, *[_EDITAL] * 4), "edital"),
    ((_HOMOLOGATION, *[_EDITAL] * 4), "edital"),
    ((_EXTRACT, *[_EDITAL] * 4), "edital"),
    ((_DISPENSA, *[_TR] * 4), "termo_referencia"),
    ((_HOMOLOGATION, *[_ATA] * 4), "ata_registro_precos"),
    # the opener is the document: alone, or followed by less than three times its length
    ((_ATA,), "ata_registro_precos"),
    ((_ATA, _EDITAL), "ata_registro_precos"),
    ((_HOMOLOGATION, _EDITAL), "termo_homologacao"),
    ((_DISPENSA, _TR), "aviso_dispensa"),
    # an annex title, or a title inside the page, starts no document
    ((_DISPENSA, *["ANEXO I\n" + _TR] * 4), "aviso_dispensa"),
    ((_ATA, *["Ver o edital abaixo.\n" * 30 + _EDITAL] * 4), "ata_registro_precos"),
    # an edital's cover page is the edital, whatever follows it
    (("EDITAL\nPREGÃO ELETRÔNICO Nº 5/2025" + FILLER, *[_TR] * 4), "edital"),
])
def test_kind_of_a_file_bundling_acts(pages: tuple[str, ...], kind: str) -> None:
    assert fields(*pages)["document_kind"] == kind


CREDENCIAMENTO = ("PREFEITURA MUNICIPAL DE EXEMPLO\nEDITAL DE CREDENCIAMENTO Nº 002/2024\nPROCESSO Nº 15.432/2024\n"
                  "O MUNICÍPIO DE EXEMPLO torna público que receberá documentação para credenciamento de clínicas "
                  "interessadas na prestação de serviços de exames de imagem, nos termos do art. 79 da Lei nº "
                  "14.133/2021.\n1. DO OBJETO\n1.1. Credenciamento de pessoas jurídicas para prestação de serviços de "
                  "ultrassonografia, conforme Termo de Referência.\n")


def test_a_short_credenciamento_edital_is_a_procurement() -> None:
    values = fields(CREDENCIAMENTO)
    assert values["document_kind"] == "edital" and values["modality"] == "credenciamento"
    assert values["process_number"] == "15.432/2024"


def test_the_accreditation_of_representatives_alone_makes_no_procurement() -> None:
    page = ("CONGRESSO REGIONAL DE EXEMPLO\nCREDENCIAMENTO DE IMPRENSA\nO credenciamento de jornalistas será feito "
            "na recepção. O credenciamento é gratuito.\n" + "Programação do evento, palestras e oficinas. " * 10)
    assert fields(page)["document_kind"] == "other"


@pytest.mark.parametrize("title", ["RATIFICAÇÃO", "TERMO DE RATIFICAÇÃO", "RATIFICAÇÃO DE DISPENSA DE LICITAÇÃO"])
def test_the_ratification_of_a_dispensa_is_no_edital(title: str) -> None:
    page = ("CÂMARA MUNICIPAL DE EXEMPLO\nPROCESSO Nº 018/2020\nDISPENSA DE LICITAÇÃO Nº 005/2020\n" + title + "\n"
            "O Presidente da Câmara RATIFICA a dispensa de licitação, com fundamento no art. 24, II, da Lei nº "
            "8.666/93, para a contratação da empresa Beta Ltda." + FILLER)
    values = fields(page)
    assert values["document_kind"] == "other" and values["modality"] == "dispensa"


CHANGE_NOTICE = ("PREFEITURA MUNICIPAL DE EXEMPLO\nAVISO DE RETIFICAÇÃO\nPREGÃO ELETRÔNICO Nº 018/2024\nA Prefeitura "
                 "Municipal de Exemplo comunica aos interessados que a sessão pública do pregão em epígrafe, "
                 "anteriormente marcada para 10/04/2024 às 09h00, fica adiada para o dia 22/04/2024 às 09h00. As "
                 "demais condições do edital permanecem inalteradas.\n")


def test_a_notice_of_change_is_no_edital_and_gives_the_new_session() -> None:
    values = fields(CHANGE_NOTICE + FILLER)
    assert values["document_kind"] == "other" and values["modality"] == "pregao_eletronico"
    assert values["session_datetime"] == "2024-04-22T09:00:00-03:00"


def test_an_edital_behind_its_notice_of_change_is_the_edital() -> None:
    edital = ("EDITAL DE PREGÃO ELETRÔNICO Nº 018/2024\nPROCESSO Nº 045/2024\n1. DO OBJETO\n1.1. Aquisição de "
              "medicamentos.\n2. DA PARTICIPAÇÃO\n2.1. Poderão participar as empresas do ramo.\n3. DA PROPOSTA\n"
              "3.1. As propostas serão enviadas pelo sistema.\n4. DA HABILITAÇÃO\n4.1. Documentos de habilitação.\n")
    assert fields(CHANGE_NOTICE, edital + FILLER, FILLER * 3)["document_kind"] == "edital"


@pytest.mark.parametrize("title", [
    "ATA DA SESSÃO PÚBLICA", "RELATÓRIO DE JULGAMENTO DE PROPOSTAS", "DECISÃO DE RECURSO ADMINISTRATIVO",
    "RESPOSTA À IMPUGNAÇÃO", "RESPOSTA AO PEDIDO DE ESCLARECIMENTO", "PARECER JURÍDICO",
])
def test_records_of_a_running_procurement_are_no_edital(title: str) -> None:
    page = ("PREFEITURA MUNICIPAL DE EXEMPLO\n" + title + "\nPREGÃO ELETRÔNICO Nº 12/2024\nProcesso nº 45/2024\n"
            "Trata-se do pregão em epígrafe." + FILLER)
    values = fields(page)
    assert values["document_kind"] == "other"
    assert values["modality"] == "pregao_eletronico" and values["process_number"] == "45/2024"


def test_an_edital_keeps_its_kind_with_an_appeals_clause_in_its_head() -> None:
    page = ("EDITAL DE PREGÃO ELETRÔNICO Nº 12/2024\n1. DO OBJETO\n1.1. Aquisição de pneus.\n2. DOS RECURSOS\n"
            "2.1. Julgamento dos recursos pela autoridade competente.\n" + FILLER)
    assert fields(page)["document_kind"] == "edital"
