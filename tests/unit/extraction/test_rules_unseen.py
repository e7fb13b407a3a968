"""Patterns of editais the rules were not developed against (issue 12's typical misses on unseen
documents): contracting unit vs parent body, lots and result tables, mixed ME/EPP rules, process
labels, dates in words and compilations. Every passage is synthetic and follows common models."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields, result

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nLei nº 14.133/2021\n"


# -- the contracting unit, not the parent body -------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    pytest.param("PREFEITURA MUNICIPAL DE EXEMPLO\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nO MUNICÍPIO DE EXEMPLO, "
                 "por intermédio do FUNDO MUNICIPAL DE SAÚDE, torna público que realizará licitação.",
                 "Município de Exemplo – Fundo Municipal de Saúde", id="fund named in the preamble"),
    pytest.param("PREFEITURA MUNICIPAL DE EXEMPLO\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nA Prefeitura Municipal de "
                 "Exemplo, através da Secretaria Municipal de Educação, torna público que realizará licitação.",
                 "Prefeitura Municipal de Exemplo – Secretaria Municipal de Educação", id="secretaria via preamble"),
    pytest.param("MINISTÉRIO DA EDUCAÇÃO\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nUASG 153000 - UNIVERSIDADE FEDERAL "
                 "DE EXEMPLO\nA realização de licitação.", "Universidade Federal de Exemplo", id="uasg line"),
    pytest.param("MINISTÉRIO DA SAÚDE\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nÓrgão gerenciador: Hospital Federal "
                 "de Exemplo\nA realização de licitação.", "Hospital Federal de Exemplo", id="orgao gerenciador"),
    pytest.param("GOVERNO DO ESTADO DE EXEMPLO\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nUnidade compradora: 925001 - "
                 "SECRETARIA DE ESTADO DA SAÚDE\nA realização de licitação.", "Secretaria de Estado da Saúde",
                 id="unidade compradora"),
    pytest.param("PREFEITURA MUNICIPAL DE EXEMPLO\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nO FUNDO MUNICIPAL DE SAÚDE DE "
                 "EXEMPLO, inscrito no CNPJ sob o nº 11.211.433/0001-02, torna público que realizará licitação.",
                 "Fundo Municipal de Saúde de Exemplo", id="fund publishing in its own name"),
    pytest.param("PREFEITURA MUNICIPAL DE EXEMPLO\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nA SECRETARIA MUNICIPAL DE "
                 "SAÚDE DE EXEMPLO torna público que realizará licitação.", "Secretaria Municipal de Saúde de Exemplo",
                 id="secretaria publishing in its own name"),
    pytest.param("MINISTÉRIO DA DEFESA\nEXÉRCITO BRASILEIRO\n1º BATALHÃO DE ENGENHARIA\nEDITAL\nPREGÃO ELETRÔNICO Nº "
                 "4/2025", "Exército Brasileiro – 1º Batalhão de Engenharia", id="numbered military unit"),
    pytest.param("ESTADO DE MINAS GERAIS\nMUNICÍPIO DE EXEMPLO\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025",
                 "Município de Exemplo", id="municipality letterhead"),
    pytest.param("EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nMunicípio de Exemplo\nData da publicação", None,
                 id="a municipality in lower case is no letterhead"),
    pytest.param("EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nO SERVIÇO AUTÔNOMO DE ÁGUA E ESGOTO DE EXEMPLO - SAAE, torna "
                 "público que realizará licitação.", "Serviço Autônomo de Água e Esgoto de Exemplo - SAAE",
                 id="acronym after a dash stays upper case"),
    pytest.param("PREFEITURA MUNICIPAL DE EXEMPLO\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nO Pregoeiro da Prefeitura "
                 "torna público que realizará licitação.", "Prefeitura Municipal de Exemplo",
                 id="no unit named: the prefeitura"),
    # the body named in the text (contracts, termos de referência)
    pytest.param("TERMO DE CONTRATO Nº 3/2025\nO INSTITUTO DE PREVIDÊNCIA DE EXEMPLO, autarquia municipal, "
                 "pessoa jurídica de direito público, inscrito no CNPJ sob nº 18.853.149/0001-89.\nContrato com o "
                 "INSTITUTO DE PREVIDÊNCIA DE EXEMPLO - IPEX, e a empresa X.",
                 "Instituto de Previdência de Exemplo (IPEX)", id="acronym written after the name"),
    pytest.param("TERMO DE CONTRATO Nº 3/2025\nO INSTITUTO DE PREVIDÊNCIA DE EXEMPLO, autarquia municipal, "
                 "pessoa jurídica de direito público, inscrito no CNPJ sob nº 18.853.149/0001-89.\nO INSTITUTO DE "
                 "PREVIDÊNCIA DE EXEMPLO - CNPJ 18.853.149/0001-89.",
                 "Instituto de Previdência de Exemplo", id="a document label is no acronym"),
    pytest.param("TERMO DE REFERÊNCIA\n1. DO OBJETO\nManutenção dos computadores do INSTITUTO DE PREVIDÊNCIA\n"
                 "SOCIAL DE EXEMPLO – IPSE, por 12 meses.", "Instituto de Previdência Social de Exemplo (IPSE)",
                 id="body named in capitals inside the object"),
    pytest.param("TERMO DE REFERÊNCIA\n1. DO OBJETO\nManutenção dos computadores da secretaria municipal de "
                 "saúde, por 12 meses.", None, id="a body in lower case is no name"),
])
def test_contracting_unit(text: str, value: str | None) -> None:
    assert fields(text + FILLER)["agency"] == value


# -- process numbers, session dates, platforms: one field per line of a common model's wording ----------

SICAF = "O licitante deverá estar cadastrado no SICAF, no Portal de Compras do Governo Federal (www.gov.br/compras). "

WORDING: list[tuple[str, str, str | None]] = [
    # process labels
    ("process_number", "Processo Administrativo: 23072.012345/2024-11", "23072.012345/2024-11"),
    ("process_number", "PA nº 12/2024", "12/2024"),
    ("process_number", "Proc. nº 33/2024", "33/2024"),
    ("process_number", "NUP 23072.012345/2024-11", "23072.012345/2024-11"),
    ("process_number", "Processo SEI 23072.012345/2024-11", "23072.012345/2024-11"),
    ("process_number", "Protocolo nº 4521/2024", "4521/2024"),
    ("process_number", "Nº do Processo: 23072.012345/2024-11", "23072.012345/2024-11"),
    ("process_number", "Número do processo administrativo: 088/2024", "088/2024"),
    ("process_number", "Processo n.º 045/2024", "045/2024"),
    ("process_number", "Processo nº: SEI 23072.012345/2024-11", "23072.012345/2024-11"),
    # a protocol without a number is not a process
    ("process_number", "O protocolo de entrega das propostas será feito no sistema.", None),
    ("process_number", "Protocolo de intenções assinado em 2023.", None),
    # session dates, in words and under cover labels
    ("session_datetime", "A sessão pública será realizada aos quinze dias do mês de março de dois mil e vinte e "
     "quatro, às nove horas.", "2024-03-15T09:00:00-03:00"),
    ("session_datetime", "Abertura da sessão pública: dia 5 de março de 2024, às 9h30min.",
     "2024-03-05T09:30:00-03:00"),
    ("session_datetime", "Data da sessão: 05/03/2024\nHorário: 09h00", "2024-03-05T09:00:00-03:00"),
    ("session_datetime", "Início da sessão de disputa: 05/03/2024 às 9:00 horas (horário de Brasília)",
     "2024-03-05T09:00:00-03:00"),
    ("session_datetime", "ABERTURA: 05/03/2024 às 09h00", "2024-03-05T09:00:00-03:00"),
    ("session_datetime", "ABERTURA DAS PROPOSTAS: 05/03/2024 às 09h00", "2024-03-05T09:00:00-03:00"),
    ("session_datetime", "Data de abertura: 05 de março de 2024 - Horário: 09h00 (horário de Brasília)",
     "2024-03-05T09:00:00-03:00"),
    ("session_datetime", "às 9h30 (nove horas e trinta minutos) do dia 5 (cinco) de março de 2024, será realizada "
     "a sessão pública", "2024-03-05T09:30:00-03:00"),
    ("session_datetime", "DATA: 05/03/2024\nHORA: 09:00\nLOCAL: www.gov.br/compras", "2024-03-05T09:00:00-03:00"),
    ("session_datetime", "ENTREGA E ABERTURA DOS ENVELOPES: 05/03/2024 às 09h00", "2024-03-05T09:00:00-03:00"),
    # an "abertura" without a date, or inside a sentence, is no session
    ("session_datetime", "ABERTURA: conforme aviso a ser publicado no Diário Oficial.", None),
    ("session_datetime", "A abertura de crédito: 05/03/2024 às 09h00 no banco.", None),
    ("session_datetime", "DATA: 05/03/2024 às 09h00\nAssinatura do pregoeiro", None),
    # the platform the session runs on, not the one named most
    ("platform", "Local: www.comprasnet.ba.gov.br", "other"),
    ("platform", "Sistema Comprasnet.GO (www.comprasnet.go.gov.br)", "other"),
    ("platform", "Sessão pública no ComprasGOV", "comprasgov"),
    ("platform", "Pregão cadastrado no SIASG", "comprasgov"),
    ("platform", "Plataforma: www.licitamaisbrasil.com.br", "other"),
    ("platform", "A sessão será realizada no endereço eletrônico www.bll.org.br.\n" + SICAF * 3, "bll"),
    ("platform", "A sessão pública será realizada por meio do sistema www.gov.br/compras.\nPublicado também no "
     "site www.bll.org.br e no www.bll.org.br/editais", "comprasgov"),
    ("platform", SICAF, "comprasgov"),
]


@pytest.mark.parametrize(("field", "line", "value"), WORDING)
def test_a_field_in_the_wording_of_unseen_models(field: str, line: str, value: str | None) -> None:
    assert fields(HEAD + line + FILLER)[field] == value


# -- ME/EPP ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "value"), [
    pytest.param("Os itens cujo valor estimado seja de até R$ 80.000,00 são de participação exclusiva de "
                 "microempresas e empresas de pequeno porte (art. 48, I, da LC 123/2006). Nos itens de natureza "
                 "divisível acima desse valor, será reservada cota de até 25% para ME/EPP.", "mixed",
                 id="exclusive up to 80k and a quota"),
    pytest.param("Em cumprimento ao art. 48 da LC 123/2006, os itens 1 a 10 são exclusivos para ME/EPP e os "
                 "itens 11 a 20 são de ampla concorrência.", "mixed", id="exclusive items and open items"),
    pytest.param("ITEM\nDESCRIÇÃO\nCOTA\n1\nCANETA\nCOTA PRINCIPAL - AMPLA CONCORRÊNCIA\n2\nCANETA\n"
                 "COTA RESERVADA - EXCLUSIVA ME/EPP", "reserved_quota", id="a quota split of one item"),
    pytest.param("Não haverá itens exclusivos nem cota reservada para ME/EPP, nos termos do art. 49 da LC 123.",
                 "none", id="explicit no"),
    pytest.param("Fica reservada cota de até 25% do objeto para ME/EPP (cota reservada).", "reserved_quota",
                 id="quota only"),
    pytest.param("Os itens com valor estimado igual ou inferior a R$ 80.000,00 são exclusivos para ME/EPP; os "
                 "demais itens são de ampla participação.", "mixed", id="exclusive up to 80k, the rest open"),
    pytest.param("Nos itens de valor até R$ 80.000,00 a participação será exclusiva de ME/EPP; nos demais, fica "
                 "reservada cota de 25% (art. 48, III).", "mixed", id="80k rule and quota in one sentence"),
    pytest.param("A participação neste certame é exclusiva a microempresas e empresas de pequeno porte, por se "
                 "tratar de contratação de valor até R$ 80.000,00.", "exclusive", id="the whole procedure under 80k"),
    pytest.param("Caso os itens tenham valor de até R$ 80.000,00, serão exclusivos para ME/EPP.", "none",
                 id="conditional model text"),
    pytest.param("Não haverá itens exclusivos para ME/EPP, pois os itens de valor até R$ 80.000,00 não são "
                 "divisíveis.", "none", id="negated"),
    pytest.param("ITENS EXCLUSIVOS PARA ME/EPP (COTA RESERVADA)\nITEM\nDESCRIÇÃO\n1\nCANETA", "reserved_quota",
                 id="the quota's own items are exclusive"),
])
def test_me_epp_art_48(line: str, value: str) -> None:
    assert fields(HEAD + line + FILLER)["me_epp"] == value


# -- items -------------------------------------------------------------------------------------

def _rows(numbers: range) -> str:
    return "".join(f"{n}\nPRODUTO DE TESTE {n}\nUN\n10\n" for n in numbers)


def test_lot_summary_repeated_in_annexes_is_not_added_to_the_items() -> None:
    table = "ITEM\nDESCRIÇÃO\nUNID\nQTD\nLOTE 1\n" + _rows(range(1, 4)) + "LOTE 2\n" + _rows(range(1, 3))
    summary = "LOTE\nDESCRIÇÃO DO LOTE\nVALOR ESTIMADO\n1\nMATERIAL DE ESCRITÓRIO\nR$ 100,00\n2\nMATERIAL DE " \
              "LIMPEZA\nR$ 200,00\n"
    res = result(HEAD + FILLER, summary, table, "ANEXO III - RESUMO DOS LOTES\n" + summary)
    assert res["fields"]["items_count"]["value"] == 5


def test_lot_headings_with_items_inside_count_items_once() -> None:
    table = ("LOTE 01 - MATERIAL DE ESCRITÓRIO\nITEM\nDESCRIÇÃO\nUNID\nQTD\n" + _rows(range(1, 4))
             + "LOTE 02 - MATERIAL DE LIMPEZA\nITEM\nDESCRIÇÃO\nUNID\nQTD\n" + _rows(range(4, 6)))
    assert result(HEAD + FILLER, table)["fields"]["items_count"]["value"] == 5


@pytest.mark.parametrize("lots", [
    pytest.param("LOTE 1\nDESCRIÇÃO: MÓVEIS\nLOTE 3\nDESCRIÇÃO: CADEIRAS\n", id="a broken sequence"),
    pytest.param("LOTE 1\nDESCRIÇÃO: MÓVEIS\n", id="a single lot heading"),
])
def test_lot_headings_that_are_no_lot_list(lots: str) -> None:
    assert result(HEAD + FILLER, "ANEXO I\n" + lots)["fields"]["items_count"]["value"] is None


def test_lots_only_count_lots() -> None:
    lots = "".join(f"LOTE {n}\nDESCRIÇÃO: CONJUNTO DE MÓVEIS {n}\nVALOR: R$ 1.000,00\n" for n in range(1, 5))
    assert result(HEAD + FILLER, "ANEXO I\n" + lots)["fields"]["items_count"]["value"] == 4


@pytest.mark.parametrize("report", [
    pytest.param("TERMO DE ADJUDICAÇÃO E HOMOLOGAÇÃO\nItem\nDescrição\nFornecedor\nValor adjudicado\n"
                 + "".join(f"{n}\nCANETA TIPO {n}\nEMPRESA {n} LTDA\nR$ 1{n},00\n" for n in range(1, 5)),
                 id="one cell per line"),
    pytest.param("TERMO DE HOMOLOGAÇÃO\nItem | Descrição | Fornecedor | Valor adjudicado\n"
                 + "".join(f"{n} | CANETA TIPO {n} | EMPRESA {n} LTDA | R$ 1{n},00\n" for n in range(1, 5)),
                 id="table rows"),
    pytest.param("RESULTADO POR FORNECEDOR\n" + "".join(
        f"Item {n} - CANETA TIPO {n}\nQuantidade: 10\nValor adjudicado: R$ 1{n},00\nSituação: Homologado\n"
        for n in range(1, 5)), id="compras.gov.br blocks"),
])
def test_homologation_tables(report: str) -> None:
    res = result(report + FILLER)
    assert res["fields"]["document_kind"]["value"] == "termo_homologacao" or "RESULTADO" in report
    assert res["fields"]["items_count"]["value"] == 4


# -- document kind of compilations -----------------------------------------------------------

@pytest.mark.parametrize(("page", "kind"), [
    pytest.param("AVISO DE LICITAÇÃO\nPREGÃO ELETRÔNICO Nº 5/2025\nObjeto: aquisição de pneus. O edital está "
                 "disponível no site.\nEXTRATO DE CONTRATO Nº 12/2025\nContratada: Empresa X. Objeto: limpeza.\n"
                 "AVISO DE HOMOLOGAÇÃO\nPREGÃO ELETRÔNICO Nº 3/2025\nHomologo o resultado.\nPORTARIA Nº 45/2025\n"
                 "Nomeia servidor.\nDECRETO Nº 100/2025\nDispõe sobre o expediente.", "diario_oficial",
                 id="a compilation of notices is a gazette"),
    pytest.param("EDITAL\nPREGÃO ELETRÔNICO Nº 5/2025\nAVISO DE LICITAÇÃO\nFUNDAMENTAÇÃO LEGAL\n"
                 "Lei nº 14.133, de 1º de abril de 2021\nDecreto nº 11.462, de 31 de março de 2023\n"
                 "Lei Complementar nº 123, de 14 de dezembro de 2006\nPortaria nº 8.678, de 19 de julho de 2021\n"
                 "Resolução nº 5, de 2020", "edital", id="a legal-basis list is no compilation"),
])
def test_kind_of_a_page_of_several_titles(page: str, kind: str) -> None:
    assert fields(page + FILLER)["document_kind"] == kind


def test_edital_after_a_cover_notice_is_the_edital() -> None:
    page1 = "AVISO DE LICITAÇÃO\nPREGÃO ELETRÔNICO Nº 5/2025\nObjeto: aquisição de pneus." + FILLER
    page2 = "EDITAL DE PREGÃO ELETRÔNICO Nº 5/2025\n1. DO OBJETO\n2. DA PARTICIPAÇÃO\n3. DA PROPOSTA" + FILLER
    assert fields(page1, page2, page2)["document_kind"] == "edital"


def test_group_headings_restart_numbering_like_lots() -> None:
    table = "ITEM\nDESCRIÇÃO\nUNID\nQTD\nGRUPO 1\n" + _rows(range(1, 4)) + "GRUPO 2\n" + _rows(range(1, 3))
    assert result(HEAD + FILLER, table)["fields"]["items_count"]["value"] == 5


def test_result_table_by_supplier_does_not_take_the_last_quantity_for_a_row() -> None:
    report = ("TERMO DE HOMOLOGAÇÃO\n" + FILLER + "\nFornecedor: EMPRESA A LTDA\nItem\nDescrição\nQuantidade\n"
              "Valor adjudicado\n1\nCANETA\n10\nR$ 1,00\n2\nLÁPIS\n5\nR$ 0,50\nFornecedor: EMPRESA B LTDA\nItem\n"
              "Descrição\nQuantidade\nValor adjudicado\n3\nBORRACHA\n10\nR$ 1,00\n4\nRÉGUA\n5\nR$ 0,50\n")
    assert result(report)["fields"]["items_count"]["value"] == 4


def test_last_row_with_quantity_before_the_description_is_kept() -> None:
    table = "ITEM\nQTD\nUNID\nDESCRIÇÃO\n" + "".join(f"{n}\n10\nUN\nPRODUTO {n}\n" for n in range(1, 4))
    assert result(HEAD + FILLER, table)["fields"]["items_count"]["value"] == 3


# -- object ------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "1. DO OBJETO\n1.1. Constitui objeto da presente licitação a aquisição de pneus para a frota municipal.",
    "1 – DO OBJETO\nA presente licitação visa a aquisição de pneus para a frota municipal.",
    "Resumo do objeto: Aquisição de pneus para a frota municipal.",
])
def test_object_without_its_lead_in(line: str) -> None:
    assert str(fields(HEAD + line + FILLER)["object"]).lower() == "aquisição de pneus para a frota municipal"


def test_object_lead_in_words_inside_a_sentence_are_not_an_object() -> None:
    values = fields(HEAD + "A presente licitação visa." + FILLER)
    assert values["object"] is None


_GOODS = ["Arroz tipo 1", "Feijão carioca", "Óleo de soja", "Açúcar cristal"]


@pytest.mark.parametrize(("answers", "value"), [
    (["EXCLUSIVA ME/EPP", "AMPLA", "EXCLUSIVA ME/EPP", "AMPLA"], "mixed"),
    (["EXCLUSIVA ME/EPP"] * 4, "exclusive"),
    (["AMPLA PARTICIPAÇÃO"] * 4, "none"),
    (["COTA PRINCIPAL (75%)", "COTA RESERVADA (25%)", "AMPLA", "AMPLA"], "reserved_quota"),
    (["COTA PRINCIPAL (75%)", "COTA RESERVADA (25%)", "EXCLUSIVA ME/EPP", "AMPLA"], "mixed"),
])
def test_a_participation_column_answered_per_row(answers: list[str], value: str) -> None:
    table = "ITEM | DESCRIÇÃO | UNID | QTD | PARTICIPAÇÃO\n" + "".join(
        f"{n} | {_GOODS[n - 1]} | KG | {10 * n} | {answer}\n" for n, answer in enumerate(answers, 1))
    assert fields(HEAD + FILLER + "\n\n" + table + FILLER)["me_epp"] == value
