"""Covers and preambles as the common models print them (AGU's Lei 14.133 editais, municipal models, Lei
8.666/10.520 wording, ComprasNet/Compras.gov.br exports and DOU notices, BLL, BNC, Licitanet, Portal de Compras
Públicas, Licitar Digital), for the fields the unseen documents missed most. Every passage is synthetic; each
rule has passages that must not match."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields, result

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nLei nº 14.133/2021\n"


def _value(field: str, line: str, head: str = HEAD) -> object:
    return fields(head + line + FILLER)[field]


# -- process number: labels not written "Processo nº 45/2025" ------------------------------------

@pytest.mark.parametrize(("line", "value"), [
    # ComprasNet's notices and exports write the process without separators
    ("PREGÃO ELETRÔNICO Nº 90005/2024 - UASG 153000 Nº Processo: 23090001234202411. Objeto: Aquisição de pneus.",
     "23090001234202411"),
    ("Processo Administrativo nº 0451", "0451"),
    ("PROCESSO ADMINISTRATIVO Nº 045 / 2025", "045/2025"),
    ("Processo nº E-04/123.456/2024", "E-04/123.456/2024"),
    ("PROCESSO | 045/2025", "045/2025"),
    ("Processo Administrativo Eletrônico (e-Processo) nº 45/2025", "45/2025"),
    ("Processo Licitatório: Nº 45/2025", "45/2025"),
    ("PROCESSO Nª 045/2025", "045/2025"),
    ("O processo na 1ª fase de habilitação seguirá o edital.", None),
    ("Protocolo: 45/2025", "45/2025"),
    ("Expediente: 45/2025", "45/2025"),
    ("PROCESSO COMPRAS Nº 45/2025", "45/2025"),
    ("Processo SEI/UFX nº 23090.001234/2024-11", "23090.001234/2024-11"),
    ("Processo SEI! nº 23090.001234/2024-11", "23090.001234/2024-11"),
    # a label without a number, a bare number under "protocolo"; a bare number is a process only under the word
    # "processo", and never a year or a short number
    ("Expediente: das 8h às 17h, de segunda a sexta.", None),
    ("Protocolo: 12345", None),
    ("Documento SEI nº 0123456", None),
    ("Processo nº 2024", None),
    ("PROCESSO Nº 45", None),
    ("O processo nº 123, de 2024, foi arquivado.", None),
])
def test_process_labels_of_the_models(line: str, value: str | None) -> None:
    assert _value("process_number", line) == value


# -- session date and time -----------------------------------------------------------------------

T9 = "2024-03-15T09:00:00-03:00"
PRESENCIAL = "EDITAL\nPREGÃO PRESENCIAL Nº 4/2025\nLei nº 10.520/2002\n"
DOU_NOTICE = ("PREGÃO ELETRÔNICO Nº 90005/2024 - UASG 153000 Nº Processo: 23090001234202411. Objeto: Aquisição de "
              "pneus. Total de Itens Licitados: 12. Edital: 01/03/2024 das 08h00 às 12h00 e de 14h00 às 17h00. "
              "Endereço: Rua X, Centro - Exemplo/MG ou https://www.gov.br/compras/edital/153000-5-90005-2024. "
              "Entrega das Propostas: a partir de 01/03/2024 às 08h00 no site www.gov.br/compras. Abertura das "
              "Propostas: 15/03/2024 às 09h00 no site www.gov.br/compras.")


@pytest.mark.parametrize(("line", "head", "value"), [
    pytest.param(DOU_NOTICE, HEAD, T9, id="ComprasNet notice in the DOU, one run-on paragraph"),
    pytest.param("HORÁRIO DE ABERTURA: 09h00\nDATA DE ABERTURA: 15/03/2024", HEAD, T9, id="the hour above the date"),
    pytest.param("Abertura do Pregão: 15/03/2024 às 9h", HEAD, T9, id="abertura do pregão"),
    pytest.param("ABERTURA DO CERTAME: 15/03/2024 às 09h00", HEAD, T9, id="abertura do certame"),
    pytest.param("Sessão de abertura: 15/03/2024 09:00", HEAD, T9, id="sessão de abertura"),
    pytest.param("Dia 15/03/2024, às 9h, será aberta a sessão pública.", HEAD, T9, id="date before 'será aberta'"),
    pytest.param("Os envelopes serão recebidos e abertos no dia 15/03/2024, às 09h, na sala da CPL.", PRESENCIAL, T9,
                 id="envelopes recebidos e abertos"),
    pytest.param("O credenciamento será às 8h30 do dia 15/03/2024 e a abertura dos envelopes às 9h do mesmo dia.",
                 PRESENCIAL, T9, id="abertura dos envelopes do mesmo dia"),
    pytest.param("O Município de Exemplo torna público que às 09:00 horas do dia 15 de março de 2024, na sala de "
                 "reuniões da Prefeitura, realizará licitação na modalidade Pregão Presencial.", PRESENCIAL, T9,
                 id="the date before 'realizará licitação'"),
    pytest.param("Abertura prevista para 15/03/2024 às 9h", HEAD, T9, id="abertura prevista para"),
    pytest.param("Sessão pública. Data: 15/03/2024, às 9h.", HEAD, T9, id="a label ended by a period"),
    pytest.param("Data da sessão: 15/03/2024.\nHorário: 09h00", HEAD, T9, id="a date ended by a period"),
    pytest.param("A reunião de abertura dos envelopes será às 9h do dia 15/03/2024.", PRESENCIAL, T9,
                 id="a abertura dos envelopes será às"),
    pytest.param("A abertura dos envelopes será feita pela comissão designada.\nPublicado em 01/03/2024 às 10h.",
                 PRESENCIAL, None, id="a abertura será without a date"),
    pytest.param("Abertura prevista para o segundo semestre.\nPublicado em 01/03/2024 às 10h.", HEAD, None,
                 id="abertura prevista without a date"),
    # negatives: the proposals' delivery, a label whose sentence has no date, an hour above another date, a law's
    # date before 'realizará licitação', a date in the sentence before
    pytest.param("O Município torna público que, nos termos da Lei nº 8.666, de 21 de junho de 1993, realizará "
                 "licitação na modalidade Pregão Presencial.", PRESENCIAL, None, id="a law's date is no session"),
    pytest.param("Publicado em 01/03/2024 às 10h. O Município torna público que realizará licitação.", PRESENCIAL,
                 None, id="the sentence before is another statement"),
    pytest.param(DOU_NOTICE.rsplit(" Abertura", 1)[0], HEAD, None, id="the delivery of the proposals is no session"),
    pytest.param("Abertura da sessão: conforme aviso.\nPublicação: 01/03/2024 às 10h", HEAD, None,
                 id="a label without a date does not reach the next sentence"),
    pytest.param("Os envelopes serão abertos na presença dos licitantes.\nPublicado em 01/03/2024 às 10h.", PRESENCIAL,
                 None, id="a sentence without a date"),
    pytest.param("HORÁRIO: 09h00\nDATA DA PUBLICAÇÃO: 01/03/2024", HEAD, None, id="an hour above a publication date"),
])
def test_session_as_the_models_print_it(line: str, head: str, value: str | None) -> None:
    assert _value("session_datetime", line, head) == value


# -- platform: the cover's label names the system, whatever else the edital cites ------------------

CITES_COMPRAS_GOV = "\nOs licitantes deverão consultar o Compras.gov.br. " * 3


@pytest.mark.parametrize(("line", "head", "value"), [
    pytest.param("PLATAFORMA ELETRÔNICA: www.bll.org.br" + CITES_COMPRAS_GOV, HEAD, "bll", id="plataforma eletrônica"),
    pytest.param("Local de realização: www.bll.org.br" + CITES_COMPRAS_GOV, HEAD, "bll", id="local de realização"),
    pytest.param("Site: www.licitanet.com.br" + CITES_COMPRAS_GOV, HEAD, "licitanet", id="site"),
    pytest.param("Endereço: https://bnc.org.br" + CITES_COMPRAS_GOV, HEAD, "bnc", id="endereço"),
    pytest.param("Local da sessão: www.portaldecompraspublicas.com.br" + CITES_COMPRAS_GOV, HEAD,
                 "portal_compras_publicas", id="local da sessão"),
    pytest.param("Sistema: https://licitar.digital", HEAD, "other", id="Licitar Digital's address"),
    pytest.param("Portal de Compras do Paraná - www.comprasparana.pr.gov.br", HEAD, "other", id="a state's system"),
    pytest.param("A sessão será realizada no Sistema ComprasNet Goiás.", HEAD, "other", id="ComprasNet Goiás"),
    pytest.param("A sessão será realizada no ComprasNet.", HEAD, "comprasgov", id="the federal ComprasNet"),
    # a pregão presencial runs on no system: sites named for the edital or a price survey are no platform
    pytest.param("Consulte o edital no site www.bll.org.br", PRESENCIAL, None, id="presencial: the edital's site"),
    pytest.param("Os preços foram pesquisados no Painel de Preços e no Comprasnet.", PRESENCIAL, None,
                 id="presencial: a price survey"),
    pytest.param("Endereço: Rua das Flores, 100, Centro, Exemplo/MG" + CITES_COMPRAS_GOV, HEAD, "comprasgov",
                 id="a street address is no platform label"),
])
def test_platform_labels_of_the_covers(line: str, head: str, value: str | None) -> None:
    assert _value("platform", line, head) == value


# -- object ----------------------------------------------------------------------------------------

PNEUS = "aquisição de pneus para a frota municipal"


@pytest.mark.parametrize("line", [
    "Constitui objeto deste Pregão a aquisição de pneus para a frota municipal.",
    "Constitui objeto desta licitação a aquisição de pneus para a frota municipal.",
    "1.1. É objeto desta licitação a aquisição de pneus para a frota municipal.",
    "I – DO OBJETO\n1.1 - Aquisição de pneus para a frota municipal.",
    "Objeto: Pregão Eletrônico - Aquisição de pneus para a frota municipal.",
    "OBJETO: Objeto: Aquisição de pneus para a frota municipal.",
    "DO OBJETO\nArt. 1º Aquisição de pneus para a frota municipal.",
])
def test_object_as_the_models_write_it(line: str) -> None:
    assert str(_value("object", line)).lower() == PNEUS


@pytest.mark.parametrize("line", [
    "O licitante deverá cotar o item e objeto desta licitação.",
    "II - A proposta deverá conter a descrição completa.",
])
def test_object_words_in_a_sentence_are_no_object(line: str) -> None:
    assert _value("object", line) is None


# -- document kind: a termo de referência published on its own under its annex heading ------------------

TR_BODY = "1. DO OBJETO\n1.1. Aquisição de pneus.\n" + FILLER * 3


@pytest.mark.parametrize(("page", "kind"), [
    pytest.param("ANEXO I\nTERMO DE REFERÊNCIA\n" + TR_BODY, "termo_referencia", id="annex line above the title"),
    pytest.param("ANEXO I – TERMO DE REFERÊNCIA\n" + TR_BODY, "termo_referencia", id="one line"),
    pytest.param("PREFEITURA MUNICIPAL DE EXEMPLO\nSECRETARIA MUNICIPAL DE SAÚDE\nANEXO I - TERMO DE REFERÊNCIA\n"
                 + TR_BODY, "termo_referencia", id="under the letterhead"),
    pytest.param("ANEXO II - ESTUDO TÉCNICO PRELIMINAR\n" + TR_BODY, "etp", id="an ETP"),
    # an edital's list of annexes, its table of contents, its title above: an annex of the edital
    pytest.param("PREGÃO ELETRÔNICO Nº 4/2025\nANEXOS:\nANEXO I – TERMO DE REFERÊNCIA\nANEXO II – MODELO DE "
                 "PROPOSTA\n" + TR_BODY, "edital", id="a list of annexes"),
    pytest.param("SUMÁRIO\nANEXO I – TERMO DE REFERÊNCIA\n" + TR_BODY, "edital", id="a table of contents"),
    pytest.param("EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nANEXO I – TERMO DE REFERÊNCIA\n" + TR_BODY, "edital",
                 id="the edital's title above"),
    pytest.param("ANEXO I – TERMO DE REFERÊNCIA ........ 25\n" + TR_BODY, "edital", id="a contents line"),
    pytest.param("PREGÃO ELETRÔNICO Nº 4/2025\nANEXO I – TERMO DE REFERÊNCIA\n" + TR_BODY, "edital",
                 id="the procedure's header above"),
])
def test_a_termo_de_referencia_under_its_annex_heading(page: str, kind: str) -> None:
    assert fields(page, FILLER * 3)["document_kind"] == kind


# -- items: a homologação that adjudicates lots, one winner a row -----------------------------------------

HOMOLOGATION = "TERMO DE HOMOLOGAÇÃO\nPREGÃO ELETRÔNICO Nº 4/2025\n" + FILLER + "\n"


@pytest.mark.parametrize(("pages", "count"), [
    pytest.param([HOMOLOGATION + "LOTE | EMPRESA VENCEDORA | CNPJ | VALOR\n" + "".join(
        f"{n} | EMPRESA {n} LTDA | 11.222.333/0001-81 | R$ 1.000,00\n" for n in range(1, 5))], 4, id="table rows"),
    pytest.param([HOMOLOGATION + "LOTE\nEMPRESA VENCEDORA\nVALOR ADJUDICADO\n" + "".join(
        f"{n}\nEMPRESA {n} LTDA\nR$ 1.000,00\n" for n in range(1, 4))], 3, id="one cell per line"),
    # a clause about the winner is no table
    pytest.param([HEAD + FILLER, "ITEM 5 - DO VENCEDOR\nO licitante vencedor deverá:\n1\napresentar documentos;\n2\n"
                  "assinar o contrato.\n"], None, id="a clause about the winner"),
])
def test_result_tables_by_lot_count_lots(pages: list[str], count: int | None) -> None:
    assert result(*pages)["fields"]["items_count"]["value"] == count


# -- document kind: the publication of a homologação ------------------------------------------------

@pytest.mark.parametrize(("title", "kind"), [
    ("AVISO DE HOMOLOGAÇÃO", "termo_homologacao"),
    ("AVISO DE HOMOLOGAÇÃO E ADJUDICAÇÃO", "termo_homologacao"),
    ("EXTRATO DE HOMOLOGAÇÃO", "termo_homologacao"),
    ("DECISÃO DE HOMOLOGAÇÃO", "termo_homologacao"),
    ("AVISO DE LICITAÇÃO", "other"),
])
def test_notices_of_homologation(title: str, kind: str) -> None:
    text = ("PREFEITURA MUNICIPAL DE EXEMPLO\n" + title + "\nPREGÃO ELETRÔNICO Nº 4/2025\nO Prefeito homologa o "
            "resultado. O edital poderá ser obtido no site.\n" + FILLER)
    assert fields(text)["document_kind"] == kind


# -- ME/EPP: lots answered one by one, exclusive items named with a quota ----------------------------------

@pytest.mark.parametrize(("line", "value"), [
    ("LOTE 1 - CANETAS\nBenefício: Participação exclusiva ME/EPP\nLOTE 2 - PAPEL\nBenefício: Sem benefício\n", "mixed"),
    ("Item | Descrição | Qtd | Benefício\n1 | CANETA | 10 | Exclusivo ME/EPP\n2 | PAPEL | 900 | Sem benefício\n"
     "3 | LÁPIS | 50 | Exclusivo ME/EPP", "mixed"),
    ("TRATAMENTO DIFERENCIADO ME/EPP: Itens exclusivos e cota reservada, conforme Anexo I.", "mixed"),
    # every lot the same answer; the quota's own items; one exclusive answer for the whole procedure
    ("LOTE 1 - CANETAS\nBenefício: Sem benefício\nLOTE 2 - PAPEL\nBenefício: Sem benefício\n", "none"),
    ("ITENS EXCLUSIVOS PARA ME/EPP (COTA RESERVADA)\nITEM\nDESCRIÇÃO\n1\nCANETA", "reserved_quota"),
    ("Benefício: Participação exclusiva ME/EPP", "exclusive"),
])
def test_me_epp_as_the_platforms_print_it(line: str, value: str) -> None:
    assert _value("me_epp", line) == value


def test_one_line_rows_with_a_product_code_count_items() -> None:
    """Municipal systems print a product code between the row number and its text ("1 12345 CANETA AZUL UN …")."""
    report = (HOMOLOGATION + "Item Código Especificação Unidade Marca Quantidade Unitário Valor Total\n"
              + "".join(f"{n} 1234{n} PRODUTO DE TESTE {n} UN MARCA 10,0000 1,5000 15,00\n" for n in range(1, 7)))
    assert result(report)["fields"]["items_count"]["value"] == 6


@pytest.mark.parametrize(("rows", "count"), [
    pytest.param([(1, 1, "A"), (1, 2, "A"), (1, 3, "B"), (1, 4, "B")], 4, id="one lot, items by supplier"),
    pytest.param([(1, 1, "A"), (1, 2, "A"), (2, 1, "B"), (2, 2, "B"), (2, 3, "B")], 5, id="items restart per lot"),
])
def test_lot_and_item_columns_set_apart_by_spaces(rows: list[tuple[int, int, str]], count: int) -> None:
    """A municipal homologação: "Lote Item Especificação …" then one row a line, "1 2 LÁPIS PRETO UN 20,00 …"."""
    report = HOMOLOGATION
    supplier = ""
    for lot, item, name in rows:
        if name != supplier:
            supplier = name
            report += (f"Fornecedor: 1234 - EMPRESA {name} LTDA\nLote Item Especificação Unidade Quantidade Valor "
                       "Unitário Valor Total\n")
        report += f"{lot} {item} PRODUTO DE TESTE {lot}.{item} UN 10,00 1,50 15,00\n"
    assert result(report)["fields"]["items_count"]["value"] == count


# -- object: a cover's OBJETO label ends where the next label starts ------------------------------------------

@pytest.mark.parametrize("line", [
    "OBJETO: AQUISIÇÃO DE PNEUS PARA A FROTA MUNICIPAL\nVALOR ESTIMADO: R$ 100.000,00\nDATA DA SESSÃO: 15/03/2024",
    "OBJETO: Aquisição de pneus para a frota municipal\nTIPO: Menor preço por item\nMODO DE DISPUTA: Aberto",
    "Objeto: Aquisição de pneus para a frota municipal\nCritério de julgamento: menor preço",
    "OBJETO: AQUISIÇÃO DE PNEUS PARA A FROTA\nMUNICIPAL\nVALOR ESTIMADO: R$ 100.000,00",
    "OBJETO\nAquisição de pneus para a frota municipal\nVALOR TOTAL ESTIMADO\nR$ 100.000,00",
    "OBJETO: Aquisição de pneus para a frota municipal\nEXCLUSIVO ME/EPP: NÃO",
    "OBJETO\nAquisição de pneus para a frota municipal\nDATA DA SESSÃO:\n15/03/2024",
])
def test_object_of_a_cover_stops_at_the_next_label(line: str) -> None:
    assert str(_value("object", line)).lower() == PNEUS


@pytest.mark.parametrize("line", [
    "OBJETO: Contratação de empresa para prestação de\nserviços de limpeza nos seguintes locais: escolas e creches.",
    "OBJETO: CONTRATAÇÃO DE EMPRESA PARA PRESTAÇÃO DE\nSERVIÇOS DE LIMPEZA NOS SEGUINTES LOCAIS:\nESCOLAS E CRECHES.",
])
def test_a_wrapped_object_line_ending_in_a_colon_is_no_label(line: str) -> None:
    assert str(_value("object", line)).lower() == ("contratação de empresa para prestação de serviços de limpeza nos "
                                                   "seguintes locais: escolas e creches")


@pytest.mark.parametrize(("title", "kind"), [
    ("ETP - ESTUDO TÉCNICO PRELIMINAR", "etp"),
    ("ETP DIGITAL", "etp"),
    ("ESTUDOS PRELIMINARES", "etp"),
    ("TR - TERMO DE REFERÊNCIA", "termo_referencia"),
    ("EDITAL DE LICITAÇÃO – MINUTA", "minuta_edital"),
    # a clause that names the studies, an edital title without "minuta"
    ("2. DOS ESTUDOS PRELIMINARES", "edital"),
    ("EDITAL DE LICITAÇÃO – PREGÃO ELETRÔNICO", "edital"),
])
def test_titles_with_their_abbreviation(title: str, kind: str) -> None:
    page = ("PREFEITURA MUNICIPAL DE EXEMPLO\n" + title + "\n1. DO OBJETO\n1.1. Aquisição de pneus.\n"
            "2. DA JUSTIFICATIVA\n" + FILLER * 3)
    assert fields(page, FILLER * 3)["document_kind"] == kind


# -- agency: an armed force's chain of commands down to the unit that buys ------------------------------------

@pytest.mark.parametrize(("letterhead", "value"), [
    ("MINISTÉRIO DA DEFESA\nEXÉRCITO BRASILEIRO\nCOMANDO MILITAR DO SUL\n4º BATALHÃO LOGÍSTICO",
     "Exército Brasileiro – 4º Batalhão Logístico"),
    ("MARINHA DO BRASIL\nDIRETORIA DE ABASTECIMENTO DA MARINHA\nCENTRO DE OBTENÇÃO DA MARINHA NO RIO DE JANEIRO",
     "Marinha do Brasil – Centro de Obtenção da Marinha no Rio de Janeiro"),
    # the agent below the unit, an address line
    ("MARINHA DO BRASIL\nCENTRO DE INTENDÊNCIA DA MARINHA EM BRASÍLIA\nDEPARTAMENTO DE LICITAÇÕES",
     "Marinha do Brasil – Centro de Intendência da Marinha em Brasília"),
    ("MARINHA DO BRASIL\nCENTRO DE INTENDÊNCIA DA MARINHA EM BRASÍLIA\nCentro, Brasília - DF",
     "Marinha do Brasil – Centro de Intendência da Marinha em Brasília"),
])
def test_the_deepest_unit_of_a_military_letterhead(letterhead: str, value: str) -> None:
    assert fields(letterhead + "\nEDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n" + FILLER)["agency"] == value


# -- preambles of state and 8.666-era models: an official signs, the object runs on, the session in words ----------

@pytest.mark.parametrize(("preamble", "value"), [
    ("O Senhor Diretor Técnico de Saúde III do Hospital Regional de Exemplo, usando a competência delegada, torna "
     "público que se acha aberta licitação na modalidade PREGÃO.", "Hospital Regional de Exemplo"),
    ("O Reitor da Universidade Estadual de Exemplo, no uso de suas atribuições, torna público que realizará "
     "licitação.", "Universidade Estadual de Exemplo"),
    ("O Ordenador de Despesas do Hospital Militar de Exemplo torna público que realizará licitação.",
     "Hospital Militar de Exemplo"),
    # a body whose name starts like a title stays the body
    ("A Diretoria de Abastecimento de Exemplo, com sede na Rua A, torna público que realizará licitação.",
     "Diretoria de Abastecimento de Exemplo"),
    ("A Superintendência Regional de Exemplo, inscrita no CNPJ sob nº 11.222.333/0001-81, torna público que "
     "realizará licitação.", "Superintendência Regional de Exemplo"),
])
def test_an_official_signing_the_preamble_names_the_body_after_the_title(preamble: str, value: str) -> None:
    page = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n" + preamble + FILLER
    assert fields(page)["agency"] == value


@pytest.mark.parametrize(("sentence", "value"), [
    ("realizará licitação na modalidade PREGÃO, objetivando a AQUISIÇÃO DE PNEUS, que será regida pela Lei federal "
     "nº 14.133/2021 e demais normas.", "Aquisição de pneus"),
    ("realizará licitação objetivando a contratação de serviços de limpeza, a qual será processada e julgada de "
     "acordo com a Lei nº 8.666/93.", "contratação de serviços de limpeza"),
    # a relative clause that belongs to the object is kept
    ("realizará licitação objetivando a aquisição de pneus que serão utilizados pela frota municipal.",
     "aquisição de pneus que serão utilizados pela frota municipal"),
])
def test_an_objects_sentence_stops_where_the_procedures_rules_begin(sentence: str, value: str) -> None:
    page = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nA Prefeitura Municipal de Exemplo torna público que " + sentence
    assert fields(page + FILLER)["object"] == value


@pytest.mark.parametrize(("sentence", "value"), [
    ("torna público que às nove horas do dia quinze de março de dois mil e dezenove, na sala de reuniões, situada na "
     "Rua A, 123, reunir-se-á a Comissão para receber e abrir os envelopes de documentação e propostas.",
     "2019-03-15T09:00:00-03:00"),
    ("torna público que a Comissão Permanente de Licitação reunir-se-á às 14h30 do dia 20/05/2019 para receber os "
     "envelopes.", "2019-05-20T14:30:00-03:00"),
    # the commission meets, but the sentence gives no date: no session
    ("informa que a Comissão reunir-se-á em data a ser divulgada.", None),
])
def test_the_commission_meets_to_open_the_envelopes(sentence: str, value: str | None) -> None:
    page = "EDITAL\nTOMADA DE PREÇOS Nº 3/2019\nLei nº 8.666/93\nO Município de Exemplo " + sentence
    assert fields(page + FILLER)["session_datetime"] == value


@pytest.mark.parametrize(("line", "value"), [
    ("Local: www.gov.br/compras, UASG 158515.", "158515"),
    ("no endereço eletrônico www.gov.br/compras, UASG 158515, Campus Exemplo", "158515"),
    ("UASG 158515.001 (subunidade)", None),
])
def test_uasg_at_the_end_of_a_sentence(line: str, value: str | None) -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n" + line + FILLER)["uasg"] == value


# -- ComprasNet's DOU notice: one run-on paragraph ------------------------------------------------------------

DOU_NOTICE = ("MINISTÉRIO DA SAÚDE\nAVISO DE LICITAÇÃO\nPREGÃO ELETRÔNICO Nº 90045/2024 - UASG 250005\nNº Processo: "
              "25000.123456/2024-01. Objeto: Aquisição de insulina humana NPH e regular, para atender às necessidades "
              "do Ministério. Total de Itens Licitados: 12. Edital: 15/08/2024 das 08h00 às 12h00. Entrega das "
              "Propostas: a partir de 15/08/2024 às 08h00 no site www.gov.br/compras. Abertura das Propostas: "
              "28/08/2024 às 10h00 no site www.gov.br/compras.\n")


def test_a_dou_notice_gives_its_object_and_its_item_count_in_one_paragraph() -> None:
    values = fields(DOU_NOTICE + FILLER)
    assert values["object"] == "Aquisição de insulina humana NPH e regular, para atender às necessidades do Ministério"
    assert values["items_count"] == 12 and values["session_datetime"] == "2024-08-28T10:00:00-03:00"


@pytest.mark.parametrize(("line", "count"), [
    ("1.1. Alienação de 25 (vinte e cinco) lotes de veículos e máquinas inservíveis, descritos no Anexo I.", 25),
    ("1.1. Contratação de serviços de vigilância, divididos em 4 (quatro) lotes, conforme o Termo de Referência.", 4),
    # a limit on a proposal is no count of the items
    ("1.1. Aquisição de pneus. Cada licitante poderá cotar até 2 itens.", None),
])
def test_an_item_count_stated_in_words_without_a_table(line: str, count: int | None) -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n1. DO OBJETO\n" + line + FILLER)["items_count"] == count


def test_an_auction_states_what_its_lots_are_worth() -> None:
    page = ("EDITAL DE LEILÃO Nº 001/2024\nO Município de Exemplo realizará LEILÃO, do tipo MAIOR LANCE, por "
            "intermédio do Leiloeiro Oficial.\n1. DO OBJETO\n1.1. Alienação de 25 (vinte e cinco) lotes de "
            "veículos.\n1.2. O valor total de avaliação dos lotes é de R$ 845.300,00.\n")
    values = fields(page + FILLER)
    assert values["modality"] == "leilao" and values["estimated_value"] == 845300.0


@pytest.mark.parametrize(("letterhead", "value"), [
    ("MINISTÉRIO DA JUSTIÇA E SEGURANÇA PÚBLICA\nPOLÍCIA RODOVIÁRIA FEDERAL\nSUPERINTENDÊNCIA NO ESTADO DE SANTA "
     "CATARINA", "Polícia Rodoviária Federal – Superintendência no Estado de Santa Catarina"),
    # a unit that names its body keeps its name alone
    ("MINISTÉRIO DA FAZENDA\nSECRETARIA ESPECIAL DA RECEITA FEDERAL\nDELEGACIA DA RECEITA FEDERAL EM EXEMPLO",
     "Delegacia da Receita Federal em Exemplo"),
])
def test_a_regional_unit_named_by_its_place_belongs_to_the_body_above(letterhead: str, value: str) -> None:
    page = letterhead + "\nTERMO DE REFERÊNCIA\nProcesso Administrativo nº 08660.012345/2024-77\n" + FILLER
    assert fields(page)["agency"] == value


def test_item_names_the_object_already_gives_are_not_repeated() -> None:
    page = ("TERMO DE REFERÊNCIA\n1. CONDIÇÕES GERAIS DA CONTRATAÇÃO\n1.1. Aquisição de coletes balísticos nível "
            "III-A, masculinos e femininos, conforme condições e quantidades deste instrumento:\nITEM | "
            "ESPECIFICAÇÃO | UNIDADE | QUANTIDADE\n1 | Colete balístico nível III-A masculino | UN | 150\n"
            "2 | Colete balístico nível III-A feminino | UN | 50\n3 | Capa de colete tática | UN | 200\n")
    assert fields(page + FILLER)["object"] == ("Aquisição de coletes balísticos nível III-A, masculinos e femininos "
                                               "(capa de colete)")


@pytest.mark.parametrize(("line", "value"), [
    ("Procedimento Licitatório nº 321/2024", "321/2024"),
    ("PAC nº 321/2024", "321/2024"),
    ("Autos nº 0001234-56.2024.8.26.0100", "0001234-56.2024.8.26.0100"),
    ("Processo Administrativo nº 321, de 12 de março de 2024", "321"),
    # a number with decimals after "processo" is no process number
    ("O processo nº 1,5 da tabela", None),
])
def test_process_labels_of_courts_and_municipal_systems(line: str, value: str | None) -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 12/2024\n" + line + "\n" + FILLER)["process_number"] == value


@pytest.mark.parametrize(("line", "value"), [
    ("A presente licitação não se destina a registro de preços.", False),
    ("Nesta licitação não se utilizará o sistema de registro de preços.", False),
    ("A presente licitação destina-se a registro de preços.", True),
])
def test_srp_said_not_to_apply(line: str, value: bool) -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 12/2024\n" + line + "\n" + FILLER)["srp"] is value


@pytest.mark.parametrize(("letterhead", "value"), [
    ("INSTITUTO NACIONAL DO SEGURO SOCIAL\nGERÊNCIA EXECUTIVA EM EXEMPLO",
     "Instituto Nacional do Seguro Social – Gerência Executiva em Exemplo"),
    ("SERVIÇO NACIONAL DE APRENDIZAGEM INDUSTRIAL – SENAI\nDEPARTAMENTO REGIONAL DE EXEMPLO",
     "Serviço Nacional de Aprendizagem Industrial – SENAI – Departamento Regional de Exemplo"),
    # a regional unit named by its field keeps its own name
    ("GOVERNO DO ESTADO DE EXEMPLO\nSECRETARIA DE ESTADO DE SAÚDE\nSUPERINTENDÊNCIA REGIONAL DE SAÚDE DE EXEMPLÓPOLIS",
     "Superintendência Regional de Saúde de Exemplópolis"),
])
def test_regional_units_of_federal_and_s_system_bodies(letterhead: str, value: str) -> None:
    assert fields(letterhead + "\nEDITAL\nPREGÃO ELETRÔNICO Nº 12/2024\n" + FILLER)["agency"] == value


@pytest.mark.parametrize(("line", "value"), [
    ("O pregão será regido pelo Decreto Federal nº 10.024/2019 e pela Lei Complementar nº 123/2006.", "lei_8666_10520"),
    ("Registro de preços nos termos do Decreto nº 7.892/2013.", "lei_8666_10520"),
    ("Registro de preços nos termos do Decreto nº 11.462, de 31 de março de 2023.", "lei_14133"),
    ("A licitação seguirá a Nova Lei de Licitações e Contratos Administrativos.", "lei_14133"),
    # the law itself outranks a decree
    ("Lei nº 8.666/93 e Decreto nº 11.462/2023", "lei_8666_10520"),
])
def test_legal_basis_from_the_decree_that_regulates_the_law(line: str, value: str) -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 12/2021\n" + line + "\n" + FILLER)["legal_basis"] == value
