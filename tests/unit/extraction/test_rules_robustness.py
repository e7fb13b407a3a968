"""Robustness of the rules on the shapes real editais take (issue 12): AGU/ComprasNet models, municipal
models (prefeituras, câmaras, fundos, autarquias, institutos de previdência, consórcios), Lei 8.666 avisos,
platform exports, homologação reports and atas; names wrapped over two lines, all-caps letterheads, dates
and hours in words, the process under its many labels. Every passage is synthetic."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields, result

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nLei nº 14.133/2021\n"


# -- agency: names wrapped over lines, letterheads, preambles --------------------------------------

AGENCY: list[tuple[str, str | None]] = [
    # a letterhead name wrapped over two lines
    ("INSTITUTO DE PREVIDÊNCIA DOS SERVIDORES PÚBLICOS MUNICIPAIS DE\nSANTA RITA DO NORTE\nCNPJ 03.650.395/0001-66\n"
     + HEAD, "Instituto de Previdência dos Servidores Públicos Municipais de Santa Rita do Norte"),
    ("INSTITUTO DE PREVIDÊNCIA DE MONTE\nALEGRE DO NORTE\nRua das Flores, 40 - CNPJ 03.650.395/0001-66\n"
     "PREGÃO PRESENCIAL Nº 001/2021\nO INSTITUTO DE PREVIDÊNCIA DE MONTE ALEGRE DO NORTE torna público que se acha "
     "aberta licitação.", "Instituto de Previdência de Monte Alegre do Norte"),
    # OCR noise between the two lines: the name written in full elsewhere completes it
    ("AGEM INSTITUTO DE PREVIDÊNCIA DE MONTE\n\nAR o ALEGRE DO NORTE\nCNPJ 03.650.395/0001-66\n"
     "PREGÃO PRESENCIAL Nº001/2021\nOINSTITUTO DE PREVIDCENCIA DE MONTE ALEGRE DO NORTE. Torna público que se acha "
     "aberta licitação.\nObjeto: locação de software para o INSTITUTO DE PREVIDÊNCIA de Monte Alegre do Norte "
     "(IPMN), incluindo suporte.", "Instituto de Previdência de Monte Alegre do Norte (IPMN)"),
    ("PREFEITURA MUNICIPAL DE SÃO JOSÉ DOS\nCAMPOS DO SUL\n" + HEAD,
     "Prefeitura Municipal de São José dos Campos do Sul"),
    ("ESTADO DO PARANÁ\nPREFEITURA MUNICIPAL DE EXEMPLO\n" + HEAD, "Prefeitura Municipal de Exemplo"),
    ("CÂMARA MUNICIPAL DE EXEMPLO\nESTADO DE MINAS GERAIS\n" + HEAD, "Câmara Municipal de Exemplo"),
    (HEAD + "A CÂMARA MUNICIPAL DE EXEMPLO, Estado de Minas Gerais, torna público que realizará licitação.",
     "Câmara Municipal de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO\n" + HEAD + "O MUNICÍPIO DE EXEMPLO, Estado de Goiás, por meio da Secretaria "
     "Municipal de Saúde, torna público que realizará licitação.",
     "Município de Exemplo – Secretaria Municipal de Saúde"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO\n" + HEAD + "A PREFEITURA MUNICIPAL DE EXEMPLO, através do seu Pregoeiro, "
     "torna público que realizará licitação.", "Prefeitura Municipal de Exemplo"),
    ("CONSÓRCIO INTERMUNICIPAL DE SAÚDE DO VALE DO EXEMPLO – CISVE\n" + HEAD
     + "O CONSÓRCIO INTERMUNICIPAL DE SAÚDE DO VALE DO EXEMPLO – CISVE, torna público que realizará licitação.",
     "Consórcio Intermunicipal de Saúde do Vale do Exemplo – CISVE"),
    ("SERVIÇO AUTÔNOMO DE ÁGUA E ESGOTO DE EXEMPLO\n" + HEAD + "O SAAE torna público que realizará licitação.",
     "Serviço Autônomo de Água e Esgoto de Exemplo"),
    # the unit printed below the municipal letterhead buys in its own name
    ("PREFEITURA MUNICIPAL DE EXEMPLO\nFUNDO MUNICIPAL DE SAÚDE\n" + HEAD
     + "O Pregoeiro torna público que realizará licitação.",
     "Prefeitura Municipal de Exemplo – Fundo Municipal de Saúde"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO\nFUNDO MUNICIPAL DE SAÚDE DE EXEMPLO\n" + HEAD,
     "Fundo Municipal de Saúde de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO\nESTADO DO PARANÁ\nSECRETARIA MUNICIPAL DE EDUCAÇÃO\n" + HEAD,
     "Prefeitura Municipal de Exemplo – Secretaria Municipal de Educação"),
    # the secretaria of administration and a purchasing department buy for the whole prefeitura
    ("PREFEITURA MUNICIPAL DE EXEMPLO\nSECRETARIA MUNICIPAL DE ADMINISTRAÇÃO\n" + HEAD,
     "Prefeitura Municipal de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO\nDEPARTAMENTO DE LICITAÇÕES E COMPRAS\n" + HEAD,
     "Prefeitura Municipal de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO\nSecretaria Municipal de Saúde\n" + HEAD, "Prefeitura Municipal de Exemplo"),
    # platform exports
    ("Órgão: PREFEITURA MUNICIPAL DE EXEMPLO\nUnidade compradora: SECRETARIA MUNICIPAL DE EDUCAÇÃO\n" + HEAD,
     "Secretaria Municipal de Educação"),
    ("Órgão: PREFEITURA MUNICIPAL DE EXEMPLO\nModalidade: Pregão Eletrônico\n" + HEAD,
     "Prefeitura Municipal de Exemplo"),
    # a homologação report under the municipal letterhead
    ("PREFEITURA MUNICIPAL DE EXEMPLO\nTERMO DE HOMOLOGAÇÃO\nPREGÃO ELETRÔNICO Nº 4/2025\nO Prefeito Municipal, "
     "no uso de suas atribuições, HOMOLOGA o resultado.", "Prefeitura Municipal de Exemplo"),
    # a state body under its government
    ("GOVERNO DO ESTADO DE EXEMPLO\nSECRETARIA DE ESTADO DA SAÚDE\n" + HEAD, "Secretaria de Estado da Saúde"),
    ("ESTADO DE SANTA CATARINA\nMUNICÍPIO DE EXEMPLO\nFUNDO MUNICIPAL DE ASSISTÊNCIA SOCIAL\n" + HEAD,
     "Município de Exemplo – Fundo Municipal de Assistência Social"),
    # a bare acronym as the subject of "torna público": the letterhead writes the name out
    ("SERVIÇO AUTÔNOMO DE ÁGUA E ESGOTO DE EXEMPLO\n" + HEAD + "O SAAE torna público que realizará licitação.",
     "Serviço Autônomo de Água e Esgoto de Exemplo"),
    # title case keeps the acronyms the document uses, not short words of a name
    ("CÂMARA MUNICIPAL DE SANTA RITA DO SUL\n" + HEAD + "A sessão ocorre na sede da CMSR, no plenário.",
     "Câmara Municipal de Santa Rita do Sul"),
    ("TRIBUNAL REGIONAL DO TRABALHO DA 18ª REGIÃO\n" + HEAD, "Tribunal Regional do Trabalho da 18ª Região"),
    ("PREFEITURA MUNICIPAL DE DOM BOSCO/BA\n" + HEAD, "Prefeitura Municipal de Dom Bosco/BA"),
    # justified text hyphenates a word across the line break
    (HEAD + "A PREFEI-\nTURA MUNICIPAL DE EXEMPLO, através do seu Pregoeiro, torna público que realizará licitação.",
     "Prefeitura Municipal de Exemplo"),
]


@pytest.mark.parametrize(("text", "value"), AGENCY)
def test_agency(text: str, value: str | None) -> None:
    assert fields(text + FILLER)["agency"] == value


# -- process numbers -----------------------------------------------------------------------------

PROCESS: list[tuple[str, str | None]] = [
    ("Processo Licitatório nº 045/2025", "045/2025"),
    ("PROCESSO LICITATÓRIO Nº 045/2025", "045/2025"),
    ("Processo Licitatório: 045/2025", "045/2025"),
    ("Processo Administrativo Licitatório nº 045/2025", "045/2025"),
    ("PROCESSO ADMINISTRATIVO N° 045/2025", "045/2025"),
    ("PROC. ADM. Nº 045/2025", "045/2025"),
    ("Processo de Compra nº 12/2025", "12/2025"),
    ("PROCESSO: 045/2025", "045/2025"),
    ("Processo nº 2025/045", "2025/045"),
    ("Processo Administrativo Eletrônico nº 045/2025", "045/2025"),
    ("Nº Processo: 12/2025", "12/2025"),
    ("Nº do Processo Licitatório: 12/2025", "12/2025"),
    ("PA: 045/2025", "045/2025"),
    ("PROTOCOLO Nº 1234/2025", "1234/2025"),
    ("Processo Licitatório 045/2025", "045/2025"),
    ("Processo nº 045/2025 – PMX", "045/2025"),
]


@pytest.mark.parametrize(("line", "value"), PROCESS)
def test_process_number(line: str, value: str | None) -> None:
    assert fields(HEAD + line + FILLER)["process_number"] == value


# -- session date and time -----------------------------------------------------------------------

SESSION: list[tuple[str, str | None]] = [
    ("A sessão pública será realizada aos vinte dias do mês de março de dois mil e vinte e cinco, às nove horas.",
     "2025-03-20T09:00:00-03:00"),
    ("Aos vinte e um dias do mês de março do ano de dois mil e vinte e cinco, às quatorze horas e trinta minutos, "
     "será realizada a sessão pública.", "2025-03-21T14:30:00-03:00"),
    ("Abertura das propostas: dia 20/03/2025, às 09:00h", "2025-03-20T09:00:00-03:00"),
    ("Abertura da sessão: 20/03/2025 às 9h", "2025-03-20T09:00:00-03:00"),
    ("DATA DE INÍCIO DO PREGÃO: 20/03/2025 às 09:00", "2025-03-20T09:00:00-03:00"),
    ("Início da disputa: 20/03/2025 09:00", "2025-03-20T09:00:00-03:00"),
    ("Recebimento das propostas: até 19/03/2025 às 17h\nAbertura das propostas: 20/03/2025 às 09h",
     "2025-03-20T09:00:00-03:00"),
    ("DATA DA SESSÃO: 20/03/2025\nHORÁRIO: 09h00", "2025-03-20T09:00:00-03:00"),
    ("Dia: 20/03/2025\nHora: 09:00", "2025-03-20T09:00:00-03:00"),
    ("A sessão pública terá início no dia 20 de março de 2025, às 9 (nove) horas.", "2025-03-20T09:00:00-03:00"),
    ("Data de abertura: 20.03.2025 às 09:00 horas", "2025-03-20T09:00:00-03:00"),
    ("Abertura da sessão pública: 20 de março de 2025 (quinta-feira), às 09h30min", "2025-03-20T09:30:00-03:00"),
    ("Abertura dos envelopes: às nove horas do dia vinte de março de dois mil e vinte e cinco",
     "2025-03-20T09:00:00-03:00"),
    ("Data e horário da abertura da sessão pública: 20/03/2025, às 09:00 (horário de Brasília)",
     "2025-03-20T09:00:00-03:00"),
    ("Fim do recebimento de propostas: 20/03/2025 08:00\nInício da sessão de disputa de preços: 20/03/2025 09:00",
     "2025-03-20T09:00:00-03:00"),
    ("LOCAL, DATA E HORA: a sessão será realizada em 20/03/2025 às 09h00 no site www.bll.org.br",
     "2025-03-20T09:00:00-03:00"),
]


@pytest.mark.parametrize(("line", "value"), SESSION)
def test_session(line: str, value: str | None) -> None:
    assert fields(HEAD + line + FILLER)["session_datetime"] == value


# -- ME/EPP --------------------------------------------------------------------------------------

MEEPP: list[tuple[str, str]] = [
    ("Os itens 1 a 5 são exclusivos para ME/EPP e os itens 6 a 10 de ampla concorrência.", "mixed"),
    ("TRATAMENTO DIFERENCIADO: Cota reservada de 25% para ME/EPP nos itens divisíveis.", "reserved_quota"),
    ("LOTE 1 – AMPLA CONCORRÊNCIA\nLOTE 2 – COTA RESERVADA PARA ME/EPP (25%)", "reserved_quota"),
    ("LICITAÇÃO EXCLUSIVA PARA MICROEMPRESAS E EMPRESAS DE PEQUENO PORTE", "exclusive"),
    ("Participação: Ampla concorrência.", "none"),
    ("Item | Descrição | Qtd | Participação\n1 | CANETA | 10 | Exclusiva ME/EPP\n2 | PAPEL | 900 | Ampla "
     "concorrência\n3 | LÁPIS | 50 | Exclusiva ME/EPP", "mixed"),
    ("Tipo de participação: Itens 1, 2 e 3 exclusivos ME/EPP; demais itens: ampla participação.", "mixed"),
    ("Este pregão é destinado exclusivamente à participação de microempresas, empresas de pequeno porte e "
     "microempreendedores individuais.", "exclusive"),
    ("Haverá cota reservada de até 25% (vinte e cinco por cento) para ME/EPP, conforme art. 48, III, da LC "
     "123/2006.", "reserved_quota"),
    ("Item 1 - Cota principal (75%) - ampla participação\nItem 2 - Cota reservada (25%) - exclusiva ME/EPP",
     "reserved_quota"),
    ("Os itens 1 a 4 são de participação exclusiva de ME/EPP, o item 5 é de ampla participação e o item 6 é a cota "
     "reservada do item 5.", "mixed"),
]


@pytest.mark.parametrize(("line", "value"), MEEPP)
def test_me_epp(line: str, value: str) -> None:
    assert fields(HEAD + line + FILLER)["me_epp"] == value


# -- items ---------------------------------------------------------------------------------------

def _rows(numbers: range, qty: int = 10) -> str:
    return "".join(f"{n}\nPRODUTO DE TESTE {n}\nUN\n{qty}\nR$ 1{n},00\n" for n in numbers)


def _one_line_rows(numbers: range) -> str:
    return "".join(f"{n:02d} PRODUTO DE TESTE NÚMERO {n} UN 10 R$ 1{n},00 R$ 1{n}0,00\n" for n in numbers)


ITEMS: list[tuple[tuple[str, ...], int | None]] = [
    # lots with items restarting at 1, repeated in the proposal model annex
    ((HEAD + FILLER, "ANEXO I – TERMO DE REFERÊNCIA\nLOTE 1 – MATERIAL DE ESCRITÓRIO\nITEM\nDESCRIÇÃO\nUNID\nQTD\n"
      "VALOR\n" + _rows(range(1, 4)) + "LOTE 2 – MATERIAL DE LIMPEZA\nITEM\nDESCRIÇÃO\nUNID\nQTD\nVALOR\n"
      + _rows(range(1, 3)),
      "ANEXO II – MODELO DE PROPOSTA\nLOTE 1 – MATERIAL DE ESCRITÓRIO\nITEM\nDESCRIÇÃO\nUNID\nQTD\nVALOR\n"
      + _rows(range(1, 4)) + "LOTE 2 – MATERIAL DE LIMPEZA\nITEM\nDESCRIÇÃO\nUNID\nQTD\nVALOR\n"
      + _rows(range(1, 3))), 5),
    # items numbered across lots, repeated in the proposal model
    ((HEAD + FILLER, "ANEXO I\nLOTE 1\nITEM\nDESCRIÇÃO\nUNID\nQTD\nVALOR\n" + _rows(range(1, 4)) + "LOTE 2\nITEM\n"
      "DESCRIÇÃO\nUNID\nQTD\nVALOR\n" + _rows(range(4, 7)),
      "ANEXO II – MODELO DE PROPOSTA\nLOTE 1\nITEM\nDESCRIÇÃO\nUNID\nQTD\nVALOR\n" + _rows(range(1, 4))
      + "LOTE 2\nITEM\nDESCRIÇÃO\nUNID\nQTD\nVALOR\n" + _rows(range(4, 7))), 6),
    # one row per line (text layer of a wide table)
    ((HEAD + FILLER, "ANEXO I – TERMO DE REFERÊNCIA\nITEM DESCRIÇÃO UNID QTD VALOR UNIT VALOR TOTAL\n"
      + _one_line_rows(range(1, 8))), 7),
    # a DOCX-like table with "|" cells, repeated in the proposal form
    ((HEAD + FILLER,
      "ITEM | DESCRIÇÃO | UNID | QTD\n" + "".join(f"{n} | PRODUTO {n} | UN | 10\n" for n in range(1, 10)),
      "MODELO DE PROPOSTA\nITEM | DESCRIÇÃO | UNID | QTD | VALOR\n"
      + "".join(f"{n} | PRODUTO {n} | UN | 10 | \n" for n in range(1, 10))), 9),
    # a homologação report of a platform: "Item 1 - …" blocks with labelled lines
    (("TERMO DE HOMOLOGAÇÃO\nPREGÃO ELETRÔNICO Nº 4/2025\n" + FILLER + "\n" + "".join(
        f"Item {n} - PRODUTO DE TESTE {n}\nQuantidade: 10\nUnidade: UN\nVencedor: EMPRESA {n} LTDA\n"
        f"Valor unitário: R$ 1{n},00\nValor total: R$ 1{n}0,00\n" for n in range(1, 7)),), 6),
    # the Portal de Compras Públicas layout: "Lote 1 - …" with items inside
    (("RELATÓRIO DE ADJUDICAÇÃO E HOMOLOGAÇÃO\nPREGÃO ELETRÔNICO Nº 4/2025\n" + FILLER + "\n" + "".join(
        f"Item: {n:04d} - PRODUTO DE TESTE {n}\nQuantidade: 10\nValor Unitário: R$ 1{n},00\n" for n in range(1, 6)),),
     5),
    # lots only (no item table): one per lot, not twice when the summary repeats them
    ((HEAD + FILLER,
      "".join(f"LOTE {n} – CONJUNTO {n}\nDescrição: móveis do conjunto {n}\nValor estimado: R$ 1.000,00\n"
              for n in range(1, 5)),
      "ANEXO III – RESUMO\n" + "".join(f"LOTE {n} – CONJUNTO {n}\nValor: R$ 1.000,00\n" for n in range(1, 5))), 4),
]


@pytest.mark.parametrize(("pages", "count"), ITEMS)
def test_items_count(pages: tuple[str, ...], count: int | None) -> None:
    assert result(*pages)["fields"]["items_count"]["value"] == count


# -- document kind -------------------------------------------------------------------------------

KINDS: list[tuple[tuple[str, ...], str]] = [
    (("ATA DE REGISTRO DE PREÇOS Nº 12/2025\nPREGÃO ELETRÔNICO Nº 4/2025\nAos vinte dias do mês de março de dois mil "
      "e vinte e cinco, o MUNICÍPIO DE EXEMPLO registra os preços." + FILLER,), "ata_registro_precos"),
    (("PREFEITURA MUNICIPAL DE EXEMPLO\nTERMO DE HOMOLOGAÇÃO E ADJUDICAÇÃO\nPREGÃO PRESENCIAL Nº 4/2025\n" + FILLER,),
     "termo_homologacao"),
    (("AVISO DE LICITAÇÃO\nPREGÃO ELETRÔNICO Nº 5/2025\nObjeto: aquisição de pneus." + FILLER,
      "EDITAL\nPREGÃO ELETRÔNICO Nº 5/2025\n1. DO OBJETO\n2. DA PARTICIPAÇÃO\n3. DA PROPOSTA" + FILLER,
      "EDITAL\n4. DO JULGAMENTO" + FILLER), "edital"),
    (("EXTRATO DA ATA DE REGISTRO DE PREÇOS Nº 3/2025\nPREGÃO ELETRÔNICO Nº 4/2025\n" + FILLER,
      "ATA DE REGISTRO DE PREÇOS Nº 3/2025\nAos vinte dias do mês de março …" + FILLER,
      FILLER), "ata_registro_precos"),
]


KINDS += [
    (("TERMO DE ADJUDICAÇÃO\nPREGÃO ELETRÔNICO Nº 4/2025\nO Pregoeiro adjudica o objeto." + FILLER,),
     "termo_homologacao"),
    (("PREFEITURA MUNICIPAL DE EXEMPLO\nDECRETO DE HOMOLOGAÇÃO\nPREGÃO Nº 4/2025" + FILLER,), "termo_homologacao"),
    (("TERMO DE RATIFICAÇÃO\nDISPENSA DE LICITAÇÃO Nº 4/2025" + FILLER,), "other"),
    (("PROJETO BÁSICO\nContratação de obra de pavimentação" + FILLER,), "termo_referencia"),
    # the project as an annex of the edital is no title of the file
    (("EDITAL\nCONCORRÊNCIA Nº 4/2025\nANEXO I – PROJETO BÁSICO\nANEXO II – PLANILHA" + FILLER,), "edital"),
    (("TERMO DE HOMOLOGAÇÃO\nPregão nº 4/2025" + FILLER, "ATA DE REGISTRO DE PREÇOS Nº 3/2025\n" + FILLER * 3,
      FILLER * 3, FILLER * 3), "ata_registro_precos"),
    # a sentence wrapped before a document's name is no title ("… contidas no / Termo de Referência, Anexo I")
    (("EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nObjeto: aquisição de equipamentos, conforme especificações contidas no\n"
      "Termo de Referência, Anexo I deste Edital." + FILLER,), "edital"),
    (("Centro de Intendência da Marinha em Manaus\nAta de Registro de Preços\nPregão Eletrônico nº 4/2025" + FILLER,),
     "ata_registro_precos"),
]


@pytest.mark.parametrize(("pages", "kind"), KINDS)
def test_document_kind(pages: tuple[str, ...], kind: str) -> None:
    assert fields(*pages)["document_kind"] == kind


# -- object --------------------------------------------------------------------------------------

OBJECT: list[tuple[str, str]] = [
    ("1. DO OBJETO\n1.1. O objeto desta licitação é a aquisição de pneus para a frota municipal.",
     "aquisição de pneus para a frota municipal"),
    ("OBJETO: AQUISIÇÃO DE PNEUS PARA A FROTA MUNICIPAL.", "aquisição de pneus para a frota municipal"),
    ("1 – DO OBJETO\n1.1 – A presente licitação tem por objeto a aquisição de pneus para a frota municipal, conforme "
     "especificações do Anexo I.", "aquisição de pneus para a frota municipal"),
    ("A Prefeitura torna público que realizará licitação na modalidade pregão, objetivando a aquisição de pneus "
     "para a frota municipal, conforme edital.", "aquisição de pneus para a frota municipal"),
    ("A presente Ata tem por objeto o registro de preços para a aquisição de pneus para a frota municipal.",
     "registro de preços para a aquisição de pneus para a frota municipal"),
    # labels of covers, dispensas and platform exports
    ("OBJETO DA CONTRATAÇÃO: Aquisição de pneus para a frota municipal.", "aquisição de pneus para a frota municipal"),
    ("Objeto do Pregão: Aquisição de pneus para a frota municipal.", "aquisição de pneus para a frota municipal"),
    ("DESCRIÇÃO DO OBJETO: Aquisição de pneus para a frota municipal.", "aquisição de pneus para a frota municipal"),
    ("ESPECIFICAÇÃO DO OBJETO\nAquisição de pneus para a frota municipal.",
     "aquisição de pneus para a frota municipal"),
    # a cover table's cell ends with its line
    ("OBJETO    Aquisição de pneus para a frota municipal\nDATA DA SESSÃO    20/03/2025",
     "aquisição de pneus para a frota municipal"),
    ("Objeto | Aquisição de pneus para a frota municipal\nData da sessão | 20/03/2025",
     "aquisição de pneus para a frota municipal"),
    ("CLÁUSULA PRIMEIRA – DO OBJETO\n1.1. O objeto do presente contrato é a aquisição de pneus para a frota municipal.",
     "aquisição de pneus para a frota municipal"),
    # hyphenated across line breaks (justified PDF text)
    ("1. DO OBJETO\n1.1. O objeto desta licitação é a aquisi-\nção de pneus para a fro-\n  ta municipal.",
     "aquisição de pneus para a frota municipal"),
]


@pytest.mark.parametrize(("line", "value"), OBJECT)
def test_object(line: str, value: str) -> None:
    assert str(fields(HEAD + line + FILLER)["object"]).lower() == value


@pytest.mark.parametrize("line", [
    "Poderão participar os interessados cujo ramo seja compatível com o objeto desta licitação, e que estejam "
    "credenciados no sistema.",
    "O objeto da contratação não se enquadra como sendo de bem de luxo.",
    "Não poderão participar empresas cujo objeto social não seja pertinente ao objeto deste pregão.",
])
def test_words_around_an_object_mention_are_no_object(line: str) -> None:
    assert fields(HEAD + line + FILLER)["object"] is None


# -- modality and number -------------------------------------------------------------------------

MODALITY: list[tuple[str, str, str]] = [
    ("TOMADA DE PREÇOS Nº 003/2020\nLei nº 8.666/93", "tomada_de_precos", "003/2020"),
    ("CARTA CONVITE Nº 02/2019\nLei nº 8.666/93", "convite", "02/2019"),
    ("PREGÃO PRESENCIAL Nº 10/2021 – SRP", "pregao_presencial", "10/2021"),
    ("PREGÃO ELETRÔNICO SRP Nº 90012/2024", "pregao_eletronico", "90012/2024"),
    ("CONCORRÊNCIA ELETRÔNICA Nº 1/2025", "concorrencia_eletronica", "1/2025"),
    ("AVISO DE DISPENSA ELETRÔNICA Nº 90005/2024", "dispensa_eletronica", "90005/2024"),
    ("INEXIGIBILIDADE DE LICITAÇÃO Nº 3/2024", "inexigibilidade", "3/2024"),
    ("EDITAL DE CHAMAMENTO PÚBLICO PARA CREDENCIAMENTO Nº 1/2025", "credenciamento", "1/2025"),
    ("PREGÃO Nº 12/2025 (FORMA ELETRÔNICA)", "pregao_eletronico", "12/2025"),
    ("LICITAÇÃO Nº 45/2025\nMODALIDADE: PREGÃO PRESENCIAL Nº 12/2025", "pregao_presencial", "12/2025"),
    # before Lei 14.133 a pregão or concorrência that does not name its form was held in person
    ("CONCORRÊNCIA PÚBLICA Nº 2/2019\nLei nº 8.666/93", "concorrencia_presencial", "2/2019"),
    ("PREGÃO Nº 7/2018\nLei nº 10.520/2002", "pregao_presencial", "7/2018"),
    ("PREGÃO Nº 7/2018\nLei nº 10.520/2002 e Decreto nº 10.024/2019, na forma eletrônica", "pregao_eletronico",
     "7/2018"),
    ("CONCORRÊNCIA Nº 2/2025\nLei nº 14.133/2021", "concorrencia_eletronica", "2/2025"),
    # the number as written: a dot or a dash before the year, no "nº"
    ("PREGÃO ELETRÔNICO Nº 012.2025\nLei nº 14.133/2021", "pregao_eletronico", "012.2025"),
    ("PREGÃO ELETRÔNICO Nº 012-2025\nLei nº 14.133/2021", "pregao_eletronico", "012-2025"),
    ("PREGÃO ELETRÔNICO 012/2025\nLei nº 14.133/2021", "pregao_eletronico", "012/2025"),
    ("PREGÃO ELETRÔNICO Nº 1.234/2025\nLei nº 14.133/2021", "pregao_eletronico", "1.234/2025"),
]


@pytest.mark.parametrize(("line", "modality", "number"), MODALITY)
def test_modality_and_number(line: str, modality: str, number: str) -> None:
    """The edital's modality and number (a date after the modality is no number: see the next test)."""
    values = fields("EDITAL\n" + line + FILLER)
    assert (values["modality"], values["number"]) == (modality, number)


def test_a_date_after_the_modality_is_no_number() -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO 10/03/2025\nLei nº 14.133/2021\n" + FILLER)["number"] is None


# -- platform ------------------------------------------------------------------------------------

PLATFORM: list[tuple[str, str | None]] = [
    ("A sessão será realizada no Portal de Compras Públicas (www.portaldecompraspublicas.com.br).",
     "portal_compras_publicas"),
    ("Endereço eletrônico: https://bnc.org.br", "bnc"),
    ("A disputa ocorrerá na plataforma www.licitanet.com.br.", "licitanet"),
    ("Plataforma: Licitar Digital (www.licitardigital.com.br)", "other"),
    ("Sistema BBMNET Licitações (www.bbmnetlicitacoes.com.br)", "bbmnet"),
    ("A sessão pública será realizada no sistema Licitações-e do Banco do Brasil.", "licitacoes_e"),
    ("Local: BLL Compras – Bolsa de Licitações e Leilões do Brasil", "bll"),
    ("O pregão será realizado no endereço www.comprasnet.gov.br, UASG 925001.", "comprasgov"),
    ("A sessão será conduzida pelo sistema eletrônico da própria Prefeitura (https://licitacao.exemplo.sp.gov.br).",
     "proprio"),
]


@pytest.mark.parametrize(("line", "value"), PLATFORM)
def test_platform(line: str, value: str | None) -> None:
    assert fields(HEAD + line + FILLER)["platform"] == value


# -- homologação reports -------------------------------------------------------------------------

def test_compras_gov_homologation_report_counts_its_items() -> None:
    report = ("Termo de Homologação do Pregão Eletrônico\nNº 00012/2024\n" + FILLER + "\nResultado da Homologação\n"
              + "".join(f"Item: {n}\nDescrição: PRODUTO {n}\nDescrição Complementar: produto de teste\nQuantidade: 100 "
                        f"Unidade de fornecimento: UNIDADE\nValor Estimado: R$ 1,0000\nSituação: Homologado\n"
                        f"Adjudicado para: EMPRESA {n} LTDA , pelo melhor lance de R$ 0,9000 .\n" for n in range(1, 6)))
    assert result(report)["fields"]["items_count"]["value"] == 5


@pytest.mark.parametrize("label", ["Fornecedor", "Empresa", "Detentora", "Fornecedor registrado", "Contratada"])
def test_homologation_by_supplier_counts_items_out_of_order(label: str) -> None:
    blocks = {"A": (1, 4, 7), "B": (2, 3, 5, 6)}
    report = "TERMO DE HOMOLOGAÇÃO\nPREGÃO PRESENCIAL Nº 4/2025\n" + FILLER + "\n"
    for name, numbers in blocks.items():
        report += f"{label}: EMPRESA {name} LTDA\nItem Descrição Unid Qtde Marca Vlr Unit Vlr Total\n"
        report += "".join(f"{n} PRODUTO DE TESTE {n} UN 10 MARCA 1,00 10,00\n" for n in numbers)
        report += "Total do fornecedor: 30,00\n"
    assert result(report)["fields"]["items_count"]["value"] == 7


def test_numbered_declarations_under_supplier_labels_are_no_rows() -> None:
    table = "ITEM\nDESCRIÇÃO\nUNID\nQTD\n" + "".join(f"{n}\nPRODUTO {n}\nUN\n10\n" for n in range(1, 4))
    form = ("MODELO DE PROPOSTA\nFornecedor: ____________\n" + "".join(
        f"{n} Declaramos que cumprimos a exigência número {n} do edital.\n" for n in range(1, 6))
        + "Fornecedor:\n6 Banco e agência para pagamento\n")
    assert result(HEAD + FILLER, table, form)["fields"]["items_count"]["value"] == 3


def test_new_compras_gov_homologation_counts_items() -> None:
    report = ("TERMO DE HOMOLOGAÇÃO\nPregão Eletrônico Nº 90012/2024 (Lei 14.133/2021)\n" + FILLER + "\n"
              + "".join(f"Item {n} - PRODUTO DE TESTE {n}\nQuantidade: 100\nValor estimado: R$ 1,0000 (unitário) "
                        f"R$ 100,0000 (total)\nSituação: Adjudicado e Homologado\nAceito para: EMPRESA {n}, "
                        f"pelo melhor lance de R$ 0,9000.\n" for n in range(1, 9)))
    assert result(report)["fields"]["items_count"]["value"] == 8


# -- batch 3: tables of ME/EPP flags, lot totals, cover labels, covers before the edital --------------

MEEPP_MORE: list[tuple[str, str]] = [
    ("Item | Descrição | Qtd | Exclusivo ME/EPP\n1 | CANETA | 10 | SIM\n2 | PAPEL | 900 | NÃO\n3 | LÁPIS | 50 | SIM",
     "mixed"),
    ("Item | Descrição | Qtd | Exclusivo ME/EPP\n1 | CANETA | 10 | SIM\n2 | PAPEL | 900 | SIM", "exclusive"),
    ("Item | Descrição | Qtd | Exclusivo ME/EPP\n1 | CANETA | 10 | NÃO\n2 | PAPEL | 900 | NÃO", "none"),
    ("ITEM\nDESCRIÇÃO\nQTD\nEXCLUSIVO ME/EPP\n1\nCANETA\n10\nSIM\n2\nPAPEL\n900\nNÃO", "mixed"),
    # cover answers are no column
    ("EXCLUSIVO ME/EPP\nNÃO\nCOTA RESERVADA\nSIM", "reserved_quota"),
    ("EXCLUSIVO ME/EPP: NÃO\nCOTA RESERVADA: NÃO", "none"),
    ("Cota reservada: NÃO", "none"),
    ("Cota reservada (art. 48, III)?\nSim", "reserved_quota"),
    ("Haverá cota reservada de 25% para ME/EPP nos itens divisíveis, não se aplicando aos demais.", "reserved_quota"),
    ("Participação exclusiva de ME/EPP para os itens: 01, 02 e 05.", "mixed"),
    ("Lotes exclusivos ME/EPP: 1, 3 e 5.", "mixed"),
    ("Itens exclusivos: 1 ao 15; Cota reservada: itens 16 a 20.", "mixed"),
    ("Para os itens 1 a 10 a participação é exclusiva a ME/EPP.", "mixed"),
    ("Item 1 – Cota principal\nItem 2 – Cota reservada ME/EPP\nItem 3 – Exclusivo ME/EPP", "mixed"),
    # every lot exclusive is an exclusive procedure; one open lot makes it mixed
    ("LOTE 1 – EXCLUSIVO ME/EPP\nLOTE 2 – EXCLUSIVO ME/EPP", "exclusive"),
    ("LOTE 1 – EXCLUSIVO ME/EPP\nLOTE 2 – AMPLA PARTICIPAÇÃO", "mixed"),
    ("LOTE 1 – EXCLUSIVO ME/EPP\nLOTE 2 – MATERIAL DE LIMPEZA", "mixed"),
    ("Será assegurado às ME/EPP o tratamento diferenciado dos arts. 44 e 45 da LC 123/2006 (empate ficto).", "none"),
]


@pytest.mark.parametrize(("line", "value"), MEEPP_MORE)
def test_me_epp_more(line: str, value: str) -> None:
    assert fields(HEAD + line + FILLER)["me_epp"] == value


SESSION_MORE: list[tuple[str, str]] = [
    ("Data de recebimento e abertura das propostas: 20/03/2025 às 9h", "2025-03-20T09:00:00-03:00"),
    ("RECEBIMENTO DAS PROPOSTAS: até às 08h59 do dia 20/03/2025\nINÍCIO DA SESSÃO DE DISPUTA DE PREÇOS: às 09h00 do "
     "dia 20/03/2025", "2025-03-20T09:00:00-03:00"),
    ("Data e Hora de Início da Disputa: 20/03/2025 09:00", "2025-03-20T09:00:00-03:00"),
    ("Os envelopes deverão ser entregues até as 9 horas do dia 20/03/2025, quando serão abertos pela Comissão.",
     "2025-03-20T09:00:00-03:00"),
    ("A abertura dos envelopes dar-se-á às 9h do dia 20/03/2025, na sala de reuniões.", "2025-03-20T09:00:00-03:00"),
    ("Início da fase de lances: 20/03/2025 às 09h", "2025-03-20T09:00:00-03:00"),
    ("DIA E HORA DA SESSÃO: 20/03/2025 às 09h00", "2025-03-20T09:00:00-03:00"),
    ("DATA DA SESSÃO | HORÁRIO\n20/03/2025 | 09h00", "2025-03-20T09:00:00-03:00"),
    # the proposals' opening, then the dispute: the session is the dispute (either order)
    ("ABERTURA DAS PROPOSTAS: 20/03/2025 às 08h01\nINÍCIO DA DISPUTA: 20/03/2025 às 09h", "2025-03-20T09:00:00-03:00"),
    ("INÍCIO DA DISPUTA: 20/03/2025 às 09h\nABERTURA DAS PROPOSTAS: 20/03/2025 às 08h01", "2025-03-20T09:00:00-03:00"),
    ("Abertura das propostas: 20/03/2025 às 09h\nLocal: www.bll.org.br", "2025-03-20T09:00:00-03:00"),
    ("Os envelopes serão recebidos até às 08h30min do dia 20/03/2025 e abertos às 09h00min do mesmo dia.",
     "2025-03-20T09:00:00-03:00"),
    ("Os envelopes serão recebidos até às oito horas do dia 20/03/2025 e abertos às nove horas do mesmo dia.",
     "2025-03-20T09:00:00-03:00"),
]


@pytest.mark.parametrize(("line", "value"), SESSION_MORE)
def test_session_more(line: str, value: str) -> None:
    assert fields(HEAD + line + FILLER)["session_datetime"] == value


PROCESS_MORE: list[tuple[str, str]] = [
    ("PL Nº 045/2025", "045/2025"),
    ("P.L. nº 045/2025", "045/2025"),
    ("PROCESSO ADMINISTRATIVO\nNº 045/2025", "045/2025"),
    ("Nº PROCESSO\n045/2025", "045/2025"),
    ("PREGÃO PRESENCIAL Nº 012/2025 – PROCESSO Nº 045/2025", "045/2025"),
    ("Proc. Licit. nº 045/2025", "045/2025"),
    ("PROCESSO ADMINISTRATIVO Nº 045.2025", "045.2025"),
    ("Processo Licitatório nº 45-2025", "45-2025"),
]


@pytest.mark.parametrize(("line", "value"), PROCESS_MORE)
def test_process_more(line: str, value: str) -> None:
    assert fields(HEAD + line + FILLER)["process_number"] == value


def test_lot_headings_repeated_with_their_totals_count_once() -> None:
    lots = "".join(f"LOTE {n:02d}\nDescrição: conjunto {n}\nLOTE {n:02d} – VALOR TOTAL: R$ 1.000,00\n"
                   for n in range(1, 5))
    assert result(HEAD + FILLER, "ANEXO I\n" + lots)["fields"]["items_count"]["value"] == 4


@pytest.mark.parametrize("cover", [
    "RECIBO DE RETIRADA DE EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nRazão Social: ____\nCNPJ: ____\nRecebemos cópia "
    "do edital.",
    "ÍNDICE\n1. DO OBJETO .......... 3\n2. DA PARTICIPAÇÃO .......... 4\nANEXO I – TERMO DE REFERÊNCIA .......... 25\n"
    "ANEXO II – MINUTA DA ATA DE REGISTRO DE PREÇOS .......... 30",
    "AVISO DE LICITAÇÃO\nPREGÃO ELETRÔNICO Nº 4/2025\nObjeto: aquisição de pneus.\nTERMO DE HOMOLOGAÇÃO do pregão "
    "3/2025 publicado.",
])
def test_a_cover_page_before_the_edital(cover: str) -> None:
    edital = "EDITAL DE PREGÃO ELETRÔNICO Nº 4/2025\n1. DO OBJETO\n2. DA PARTICIPAÇÃO\n3. DA PROPOSTA" + FILLER
    assert fields(cover + FILLER, *[edital] * 5)["document_kind"] == "edital"


# -- batch 4: federal and state preambles (AGU models), municipal variants ---------------------------

AGENCY_MORE: list[tuple[str, str | None]] = [
    ("MINISTÉRIO DA EDUCAÇÃO\nUNIVERSIDADE FEDERAL DE EXEMPLO\nPRÓ-REITORIA DE ADMINISTRAÇÃO\nEDITAL DE LICITAÇÃO\n"
     "PREGÃO ELETRÔNICO Nº 90012/2024\nTorna-se público que a UNIVERSIDADE FEDERAL DE EXEMPLO, por meio da "
     "Pró-Reitoria de Administração, sediada na Rua X, realizará licitação.",
     "Universidade Federal de Exemplo – Pró-Reitoria de Administração"),
    ("EDITAL DE LICITAÇÃO\nPREGÃO ELETRÔNICO Nº 90012/2024\nTorna-se público que o(a) Tribunal Regional Eleitoral de "
     "Exemplo, por meio da Seção de Licitações, sediado(a) na Rua X, realizará licitação.",
     "Tribunal Regional Eleitoral de Exemplo"),
    ("EDITAL\nPREGÃO ELETRÔNICO Nº 90012/2024\nO ESTADO DE EXEMPLO, por intermédio da SECRETARIA DE ESTADO DE SAÚDE, "
     "torna público que realizará licitação.", "Secretaria de Estado de Saúde"),
    (HEAD + "A Prefeitura Municipal de Exemplo/SP, pessoa jurídica de direito público interno, inscrita no CNPJ sob o "
     "nº 11.211.433/0001-02, com sede na Rua X, torna público que realizará licitação.",
     "Prefeitura Municipal de Exemplo/SP"),
    (HEAD + "A CÂMARA MUNICIPAL DE EXEMPLO, por intermédio de sua Comissão Permanente de Licitação, torna público "
     "que realizará licitação.", "Câmara Municipal de Exemplo"),
    ("PREFEITURA DE EXEMPLO\n" + HEAD, "Prefeitura de Exemplo"),
    ("PREFEITURA DA CIDADE DE EXEMPLO\n" + HEAD, "Prefeitura da Cidade de Exemplo"),
    ("EMPRESA BRASILEIRA DE SERVIÇOS HOSPITALARES – EBSERH\nHOSPITAL UNIVERSITÁRIO DE EXEMPLO\n" + HEAD,
     "Hospital Universitário de Exemplo"),
    (HEAD + "O INSTITUTO DE PREVIDÊNCIA DOS SERVIDORES MUNICIPAIS DE EXEMPLO – IPSEX, autarquia municipal, torna "
     "público que realizará licitação.", "Instituto de Previdência dos Servidores Municipais de Exemplo – IPSEX"),
    (HEAD + "O Município de Exemplo, através da Prefeitura Municipal, torna público que realizará licitação.",
     "Município de Exemplo"),
]


@pytest.mark.parametrize(("text", "value"), AGENCY_MORE)
def test_agency_more(text: str, value: str | None) -> None:
    assert fields(text + FILLER)["agency"] == value


# -- whole documents: every field of a homologação, an ata, an 8.666 aviso and a platform edital -------------

HOMOLOG = """PREFEITURA MUNICIPAL DE EXEMPLO
ESTADO DE MINAS GERAIS
TERMO DE HOMOLOGAÇÃO E ADJUDICAÇÃO
PROCESSO LICITATÓRIO Nº 045/2025
PREGÃO PRESENCIAL Nº 012/2025
O Prefeito Municipal de Exemplo, no uso de suas atribuições legais, e considerando o resultado do julgamento
realizado pelo Pregoeiro, nos termos da Lei nº 10.520/2002, HOMOLOGA o presente processo licitatório e ADJUDICA o
objeto às empresas abaixo relacionadas.
Objeto: Aquisição de material escolar para a rede municipal de ensino.
Fornecedor: PAPELARIA A LTDA – CNPJ 11.222.333/0001-81
Item | Descrição | Unid | Qtde | Vlr Unit | Vlr Total
1 | CADERNO 96 FOLHAS | UN | 500 | 5,00 | 2.500,00
3 | LÁPIS PRETO Nº 2 | UN | 1000 | 0,50 | 500,00
Total do fornecedor: 3.000,00
Fornecedor: COMERCIAL B EIRELI – CNPJ 22.333.444/0001-05
Item | Descrição | Unid | Qtde | Vlr Unit | Vlr Total
2 | BORRACHA BRANCA | UN | 800 | 0,40 | 320,00
4 | RÉGUA 30 CM | UN | 600 | 1,20 | 720,00
5 | APONTADOR | UN | 600 | 0,80 | 480,00
Total do fornecedor: 1.520,00
Exemplo/MG, 20 de março de 2025.
Prefeito Municipal"""

ATA = """ATA DE REGISTRO DE PREÇOS Nº 012/2025
PREGÃO ELETRÔNICO Nº 045/2025
PROCESSO ADMINISTRATIVO Nº 100/2025
VALIDADE: 12 (doze) meses
Aos vinte dias do mês de março de dois mil e vinte e cinco, o MUNICÍPIO DE EXEMPLO, pessoa jurídica de direito
público interno, inscrito no CNPJ sob o nº 11.211.433/0001-02, neste ato representado pelo Prefeito Municipal, nos
termos da Lei nº 14.133/2021, RESOLVE registrar os preços da(s) empresa(s) indicada(s) nesta ATA, atendendo as
condições previstas no edital do Pregão Eletrônico nº 045/2025.
1. DO OBJETO
1.1. A presente Ata tem por objeto o registro de preços para a eventual aquisição de gêneros alimentícios para a
merenda escolar, conforme especificações do Termo de Referência.
2. DOS PREÇOS, ESPECIFICAÇÕES E QUANTITATIVOS
Fornecedor: EMPRESA A LTDA, CNPJ 11.222.333/0001-81
Item | Especificação | Marca | Unidade | Quantidade | Valor Un
1 | ARROZ TIPO 1 5KG | TIO | PCT | 300 | R$ 25,00
2 | FEIJÃO CARIOCA 1KG | BOM | PCT | 400 | R$ 8,00
Fornecedor: EMPRESA B LTDA, CNPJ 22.333.444/0001-05
Item | Especificação | Marca | Unidade | Quantidade | Valor Un
3 | ÓLEO DE SOJA 900ML | SOY | UN | 200 | R$ 7,00"""

AVISO_8666 = """PREFEITURA MUNICIPAL DE SANTA RITA DO NORTE
AVISO DE LICITAÇÃO
TOMADA DE PREÇOS Nº 003/2020
PROCESSO Nº 078/2020
A Prefeitura Municipal de Santa Rita do Norte torna público que fará realizar, às nove horas do dia vinte e
cinco de maio de dois mil e vinte, na sala de licitações, licitação na modalidade Tomada de Preços, tipo menor
preço global, objetivando a contratação de empresa para pavimentação asfáltica de vias urbanas, conforme
Lei nº 8.666/93. O edital completo poderá ser obtido na sede da Prefeitura. Informações: (35) 3333-3333.
Santa Rita do Norte, 5 de maio de 2020. Comissão Permanente de Licitação."""

PCP = """PREFEITURA MUNICIPAL DE EXEMPLO
SECRETARIA MUNICIPAL DE SAÚDE
EDITAL DE PREGÃO ELETRÔNICO Nº 021/2025
PROCESSO ADMINISTRATIVO Nº 1.234/2025
Tipo: Menor preço por item | Modo de disputa: Aberto
Recebimento das propostas: até 08h00 do dia 10/04/2025
Início da sessão de disputa: 10/04/2025 às 09h00 (horário de Brasília)
Local: Portal de Compras Públicas – www.portaldecompraspublicas.com.br
Tratamento diferenciado ME/EPP: itens 1 a 3 exclusivos; item 4 com cota reservada de 25%.
O MUNICÍPIO DE EXEMPLO, por intermédio da Secretaria Municipal de Saúde, torna público que realizará licitação na
modalidade pregão, na forma eletrônica, para registro de preços, nos termos da Lei nº 14.133/2021.
1. DO OBJETO
1.1. O objeto da presente licitação é o registro de preços para aquisição de medicamentos para a farmácia básica.
O valor total estimado da contratação é de R$ 150.000,00."""


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(HOMOLOG, {"document_kind": "termo_homologacao", "modality": "pregao_presencial", "number": "012/2025",
                           "process_number": "045/2025", "agency": "Prefeitura Municipal de Exemplo",
                           "object": "Aquisição de material escolar para a rede municipal de ensino",
                           "items_count": 5, "legal_basis": "lei_8666_10520"}, id="homologação by supplier"),
    pytest.param(ATA, {"document_kind": "ata_registro_precos", "number": "045/2025", "process_number": "100/2025",
                       "agency": "Município de Exemplo", "agency_cnpj": "11211433000102", "srp": True,
                       "items_count": 3, "session_datetime": None}, id="ata opened by a date"),
    pytest.param(AVISO_8666, {"modality": "tomada_de_precos", "number": "003/2020", "process_number": "078/2020",
                              "agency": "Prefeitura Municipal de Santa Rita do Norte",
                              "session_datetime": "2020-05-25T09:00:00-03:00",
                              "object": "contratação de empresa para pavimentação asfáltica de vias urbanas",
                              "legal_basis": "lei_8666_10520"}, id="8.666 aviso in words"),
    pytest.param(PCP, {"document_kind": "edital", "agency": "Município de Exemplo – Secretaria Municipal de Saúde",
                       "process_number": "1.234/2025", "session_datetime": "2025-04-10T09:00:00-03:00",
                       "platform": "portal_compras_publicas", "me_epp": "mixed", "estimated_value": 150000.0,
                       "dispute_mode": "aberto", "srp": True}, id="platform edital"),
])
def test_whole_document(text: str, expected: dict[str, object]) -> None:
    values = fields(text + FILLER)
    assert {k: values[k] for k in expected} == expected


# -- item rows in other shapes ---------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "count"), [
    pytest.param("".join(f"LOTE {lot:02d}\nITEM | DESCRIÇÃO | UNID | QTD\n1 | PRODUTO {lot} | UN | 10\n"
                         for lot in range(1, 4)), 3, id="one item per lot"),
    pytest.param("ITEM\nDESCRIÇÃO\nUNID\nQTD\n" + "".join(f"{n}.\nPRODUTO {n}\nUN\n10\n" for n in range(1, 6)), 5,
                 id="row numbers with a dot"),
    pytest.param("Item Descrição Unid Qtd Valor unit. Valor total\n" + "".join(
        f"{n} Caneta esferográfica modelo {n} UN 100 1,50 150,00\n" for n in range(1, 7)), 6,
        id="one-line rows in sentence case"),
    pytest.param("ITEM\nDESCRIÇÃO\nUNID\nQTD\n" + "".join(f"{n}\nCaneta modelo {n}\nUn\n10\n" for n in range(1, 6)), 5,
                 id="one cell per line in sentence case"),
    pytest.param("LOTE ÚNICO\nITEM\nDESCRIÇÃO\nUNID\nQTD\n"
                 + "".join(f"{n}\nPRODUTO {n}\nUN\n10\n" for n in range(1, 6)), 5, id="a single lot with items"),
])
def test_item_rows_in_other_shapes(table: str, count: int) -> None:
    assert result(HEAD + FILLER, table)["fields"]["items_count"]["value"] == count


def test_numbered_sentences_are_no_one_line_rows() -> None:
    prose = "ITEM\nDESCRIÇÃO\n" + "".join(f"{n} Os licitantes deverão apresentar a declaração número {n}.\n"
                                           for n in range(1, 6))
    assert result(HEAD + FILLER, prose)["fields"]["items_count"]["value"] is None


# -- letterhead lines with more than the name ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("PREFEITURA MUNICIPAL\nDE EXEMPLO\n" + HEAD, "Prefeitura Municipal de Exemplo"),
    ("ESTADO DO PARANÁ\nMUNICÍPIO DE\nEXEMPLO\n" + HEAD, "Município de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO – CNPJ 11.211.433/0001-02\n" + HEAD, "Prefeitura Municipal de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO - CNPJ: 11.211.433/0001-02\n" + HEAD, "Prefeitura Municipal de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO           PREGÃO ELETRÔNICO Nº 4/2025\n" + HEAD,
     "Prefeitura Municipal de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO | Secretaria de Administração\n" + HEAD, "Prefeitura Municipal de Exemplo"),
    ("CÂMARA MUNICIPAL DE EXEMPLO – PODER LEGISLATIVO\n" + HEAD, "Câmara Municipal de Exemplo"),
    ("PREFEITURA MUNICIPAL DE EXEMPLO - SP\n" + HEAD, "Prefeitura Municipal de Exemplo/SP"),
    ("MUNICÍPIO DE EXEMPLO - ESTADO DE GOIÁS\n" + HEAD, "Município de Exemplo/GO"),
    ("PREFEITURA MUNICIPAL DE SÃO JOÃO DEL-REI\n" + HEAD, "Prefeitura Municipal de São João Del-Rei"),
    # the acronym written before the name, when its letters are the name's initials
    ("SAAE – SERVIÇO AUTÔNOMO DE ÁGUA E ESGOTO DE EXEMPLO\n" + HEAD,
     "Serviço Autônomo de Água e Esgoto de Exemplo (SAAE)"),
])
def test_letterhead_line_with_more_than_the_name(text: str, value: str) -> None:
    assert fields(text + FILLER)["agency"] == value


# -- sessions written in sentences, hours and days in words ------------------------------------------------

@pytest.mark.parametrize(("line", "value"), [
    ("A sessão pública terá início às 9 (nove) horas do dia 20 (vinte) de março de 2025.", "2025-03-20T09:00:00-03:00"),
    ("A sessão pública será realizada às 8h30min do dia 20 do mês de março de 2025.", "2025-03-20T08:30:00-03:00"),
    ("Abertura da sessão: dia primeiro de abril de dois mil e vinte e cinco, às quinze horas.",
     "2025-04-01T15:00:00-03:00"),
    ("Data da sessão: 20 de março de 2025, às 9:30 (nove e trinta) horas.", "2025-03-20T09:30:00-03:00"),
    ("Abertura da sessão pública: 1º de abril de 2025, às 14 horas.", "2025-04-01T14:00:00-03:00"),
    ("A sessão pública realizar-se-á no dia 20 de março de 2025, às 9 horas.", "2025-03-20T09:00:00-03:00"),
    ("Os envelopes serão abertos em sessão pública no dia 20/03/2025, às 9h.", "2025-03-20T09:00:00-03:00"),
    ("Sessão pública: às 09h00 do dia 20/03/2025", "2025-03-20T09:00:00-03:00"),
    ("DATA DA SESSÃO: 20/03/2025 – HORÁRIO: 09H00", "2025-03-20T09:00:00-03:00"),
    ("A abertura das propostas ocorrerá no dia vinte e cinco de março de dois mil e vinte e cinco, às dez horas.",
     "2025-03-25T10:00:00-03:00"),
    ("Fica marcada para o dia 20/03/2025, às 9h, a abertura dos envelopes.", "2025-03-20T09:00:00-03:00"),
])
def test_session_in_sentences(line: str, value: str) -> None:
    head = "EDITAL\nPREGÃO PRESENCIAL Nº 4/2025\nLei nº 14.133/2021\n"
    assert fields(head + line + FILLER)["session_datetime"] == value


# -- bodies of every sphere in their letterheads -------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("ESTADO DE MINAS GERAIS – PREFEITURA MUNICIPAL DE EXEMPLO\n" + HEAD, "Prefeitura Municipal de Exemplo"),
    ("AUTARQUIA MUNICIPAL DE TRÂNSITO DE EXEMPLO\n" + HEAD, "Autarquia Municipal de Trânsito de Exemplo"),
    ("EMPRESA MUNICIPAL DE HABITAÇÃO DE EXEMPLO\n" + HEAD, "Empresa Municipal de Habitação de Exemplo"),
    ("MINISTÉRIO PÚBLICO DO ESTADO DE EXEMPLO\n" + HEAD, "Ministério Público do Estado de Exemplo"),
    ("DEFENSORIA PÚBLICA DO ESTADO DE EXEMPLO\n" + HEAD, "Defensoria Pública do Estado de Exemplo"),
    ("TRIBUNAL DE CONTAS DO ESTADO DE EXEMPLO\n" + HEAD, "Tribunal de Contas do Estado de Exemplo"),
    ("PROCURADORIA-GERAL DE JUSTIÇA\n" + HEAD, "Procuradoria-Geral de Justiça"),
    ("UNIVERSIDADE ESTADUAL DE EXEMPLO\n" + HEAD, "Universidade Estadual de Exemplo"),
    ("GOVERNO DO ESTADO DE EXEMPLO\nSECRETARIA DE ESTADO DE EDUCAÇÃO\n" + HEAD, "Secretaria de Estado de Educação"),
    ("PODER JUDICIÁRIO\nTRIBUNAL DE JUSTIÇA DO ESTADO DE EXEMPLO\n" + HEAD, "Tribunal de Justiça do Estado de Exemplo"),
    ("CONSELHO REGIONAL DE MEDICINA DO ESTADO DE EXEMPLO\n" + HEAD,
     "Conselho Regional de Medicina do Estado de Exemplo"),
    ("SERVIÇO SOCIAL DO COMÉRCIO – SESC\n" + HEAD, "Serviço Social do Comércio – SESC"),
    (HEAD + "O MINISTÉRIO PÚBLICO DO ESTADO DE EXEMPLO, por intermédio da Procuradoria-Geral de Justiça, torna "
     "público que realizará licitação.", "Ministério Público do Estado de Exemplo"),
])
def test_bodies_of_every_sphere(text: str, value: str | None) -> None:
    assert fields(text + FILLER)["agency"] == value


# -- spacing and punctuation that vary between documents ----------------------------------------------------

def test_a_preamble_subject_runs_over_abbreviations_and_a_long_apposition() -> None:
    text = (HEAD + "O MUNICÍPIO DE EXEMPLO, pessoa jurídica de direito público interno, inscrito no CNPJ sob o nº "
            "11.211.433/0001-02, com sede na Av. Brasil, nº 100, Centro, CEP 12.345-000, neste ato representado pelo "
            "Prefeito Municipal, Sr. Fulano de Tal, por intermédio da Secretaria Municipal de Saúde, torna público que "
            "realizará licitação.")
    assert fields(text + FILLER)["agency"] == "Município de Exemplo – Secretaria Municipal de Saúde"


@pytest.mark.parametrize(("line", "field", "value"), [
    ("Lei n.º 8.666/93", "legal_basis", "lei_8666_10520"),
    ("Lei n° 10.520/2002", "legal_basis", "lei_8666_10520"),
    ("OBJETO:  Aquisição de pneus para a frota municipal, conforme o Termo de Referência.", "object",
     "Aquisição de pneus para a frota municipal"),
    ("1.1.  O  objeto  da  presente  licitação  é  a  aquisição  de  pneus  para  a  frota\nmunicipal, conforme anexo.",
     "object", "aquisição de pneus para a frota municipal"),
    ("Edital de Licitação CAIXA nº 0051/  0325", "number", "0051/0325"),
    ("Não  haverá  cota  reservada  para  ME/EPP.", "me_epp", "none"),
])
def test_spacing_and_punctuation(line: str, field: str, value: object) -> None:
    head = "EDITAL\nPREGÃO ELETRÔNICO\n" if field == "number" else "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n"
    assert fields(head + line + FILLER)[field] == value


# -- model text wrapped by the PDF's line breaks ------------------------------------------------------------

@pytest.mark.parametrize(("line", "field", "value"), [
    ("O licitante não poderá oferecer valor superior a lance já registrado no\nsistema, quando adotado o critério de "
     "julgamento por menor\npreço; e", "award_criterion", None),
    ("Caso seja adotado para o envio de lances no pregão\neletrônico o modo de disputa “aberto”, os licitantes\n"
     "apresentarão lances públicos.", "dispute_mode", None),
    # a numbered clause on the next line is a statement of its own
    ("5.1. Caso haja dúvida, consulte o pregoeiro.\n5.2 Modo de disputa: aberto", "dispute_mode", "aberto"),
])
def test_conditional_model_text_wrapped_over_lines(line: str, field: str, value: object) -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n" + line + FILLER)[field] == value


# -- names cut by the PDF's line breaks ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("MARINHA DO BRASIL\nCENTRO DE INTENDÊNCIA DA MARINHA EM\nBRASÍLIA\n" + HEAD,
     "Marinha do Brasil – Centro de Intendência da Marinha em Brasília"),
    (HEAD + "A Comissão Permanente de Licitação, da Prefeitura Municipal\nde Exemplo, Estado da Bahia, torna\npúblico "
     "que fará realizar licitação.", "Prefeitura Municipal de Exemplo"),
    ("TERMO DE REFERÊNCIA\n1. DO OBJETO\n1.1 Suporte técnico aos servidores do\nINSTITUTO DE PREVIDÊNCIA SOCIAL\n"
     "DOS SERVIDORES MUNICIPAIS DE EXEMPLO – IPSEX, por 12 meses.",
     "Instituto de Previdência Social dos Servidores Municipais de Exemplo (IPSEX)"),
    # wrapped after a connector in the letterhead; the full name written elsewhere on one line of running text
    ("INSTITUTO DE PREVIDÊNCIA DE MONTE\nALEGRE DO NORTE\n" + HEAD + "Objeto: software para o Instituto de "
     "Previdência de Monte Alegre do\nNorte (IPMN), incluindo suporte.",
     "Instituto de Previdência de Monte Alegre do Norte (IPMN)"),
    # the purchasing secretariat of a tribunal is its agent
    ("PODER JUDICIÁRIO DA UNIÃO\nTRIBUNAL REGIONAL DO TRABALHO DA 18ª REGIÃO\nSECRETARIA DE LICITAÇÕES E CONTRATOS\n"
     + HEAD, "Tribunal Regional do Trabalho da 18ª Região"),
])
def test_names_cut_by_line_breaks(text: str, value: str) -> None:
    assert fields(text + FILLER)["agency"] == value


# -- a lot column before the item column, one cell per line -------------------------------------------------

_LOT_ITEMS = [(1, 1), (1, 2), (1, 3), (2, 4), (2, 5), (3, 6)]


@pytest.mark.parametrize("table", [
    pytest.param("LOTE\nITEM\nDESCRIÇÃO\nUNID\nQTD\n" + "".join(f"{lot}\n{item}\nPRODUTO {item}\nUN\n10\n"
                                                            for lot, item in _LOT_ITEMS), id="items run on"),
    pytest.param("LOTE\nITEM\nDESCRIÇÃO\nUNID\nQTD\n" + "".join(
        f"{lot}\n{item}\nPRODUTO {lot}-{item}\nUN\n10\n"
        for lot, item in [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1)]), id="items restart in each lot"),
])
def test_lot_column_one_cell_per_line_counts_items(table: str) -> None:
    assert result(HEAD + FILLER, table)["fields"]["items_count"]["value"] == 6


# -- the estimated value under its labels --------------------------------------------------------------------

@pytest.mark.parametrize(("line", "value"), [
    ("Valor máximo global: R$ 1.234,56", 1234.56),
    ("Valor total estimado: 1.234,56 (um mil, duzentos e trinta e quatro reais)", 1234.56),
    ("Valor estimado (R$): 1.234,56", 1234.56),
    ("VALOR ESTIMADO\nR$ 1.234,56", 1234.56),
    ("O custo estimado total da contratação é de R$ 1.234,56.", 1234.56),
    ("O valor estimado da contratação é sigiloso, nos termos do art. 24 da Lei 14.133/2021.", None),
    ("Valor unitário estimado: 1.234,56", None),
])
def test_estimated_value_labels(line: str, value: float | None) -> None:
    assert fields(HEAD + line + FILLER)["estimated_value"] == value


# -- headers that PDF text gives after the page's body ------------------------------------------------------

def test_gazette_masthead_given_at_the_foot_of_each_page() -> None:
    page = ("AVISO DE LICITAÇÃO\nPREGÃO ELETRÔNICO Nº 5/2025\nObjeto: aquisição de pneus." + FILLER
            + "\nDIÁRIO OFICIAL DO MUNICÍPIO DE EXEMPLO – EDIÇÃO Nº 1234")
    assert fields(page, page, page)["document_kind"] == "diario_oficial"


def test_armed_force_letterhead_given_after_the_first_page_body() -> None:
    page1 = ("PREGÃO ELETRÔNICO Nº 14/2024\n" + FILLER * 5 + "\nMARINHA DO BRASIL\nCENTRO DE INTENDÊNCIA DA MARINHA EM "
             "BRASÍLIA\n")
    assert fields(page1, FILLER)["agency"] == "Marinha do Brasil – Centro de Intendência da Marinha em Brasília"
