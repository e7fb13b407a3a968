"""What OCR changes in the fields of a scanned edital (issue 12): dashes read as em dashes or doubled, an
ordinal's ª read as º, a letterhead whose name is cut by a logo, a court's region in the process label.
Synthetic passages; each negative is the same passage without the scanning slip."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields

from licita.extraction.names import tidy_name


@pytest.mark.parametrize(("name", "expected"), [
    ("Obras Contra as Secas — DNOCS", "Obras Contra as Secas – DNOCS"),
    ("Fundação Banco do Brasil —- Fundação BB", "Fundação Banco do Brasil – Fundação BB"),
    ("Tribunal Regional do Trabalho da 18º Região", "Tribunal Regional do Trabalho da 18ª Região"),
    ("Tribunal Regional Federal da 1° Região", "Tribunal Regional Federal da 1ª Região"),
    ("Exército Brasileiro – 4ª Batalhão Logístico", "Exército Brasileiro – 4º Batalhão Logístico"),
    # written right: left as it is (a spaced hyphen, a hyphenated word, a masculine ordinal before a masculine noun)
    ("Caixa Econômica Federal - CEMAB", "Caixa Econômica Federal - CEMAB"),
    ("Secretaria Municipal de Saúde–Fundo", "Secretaria Municipal de Saúde–Fundo"),
    ("18º Batalhão de Polícia Militar", "18º Batalhão de Polícia Militar"),
    ("Tribunal Regional do Trabalho da 18ª Região", "Tribunal Regional do Trabalho da 18ª Região"),
])
def test_tidy_name(name: str, expected: str) -> None:
    assert tidy_name(name) == expected


def test_agency_with_an_em_dash_keeps_the_en_dash() -> None:
    text = ("DEPARTAMENTO NACIONAL DE OBRAS CONTRA AS SECAS — DNOCS\nCONCORRÊNCIA Nº 1/2024\n"
            "A sessão será na sede do DNOCS, em Fortaleza.\n" + FILLER)
    assert fields(text)["agency"] == "Departamento Nacional de Obras Contra as Secas – DNOCS"


TERMO = ("\n\nTERMO DE REFERÊNCIA\n1. DO OBJETO:\n1.1 Contratação de empresa especializada para manutenção de redes "
         "do INSTITUTO DE PREVIDÊNCIA SOCIAL DOS SERVIDORES MUNICIPAIS DE VALINHOS {after}, destinado a manter o "
         "pátio informático.\n" + FILLER)


def test_a_logo_cut_letterhead_takes_the_name_the_body_defines() -> None:
    head = "INSTITUTO DE\nPREVIDÊNCIA SOCIAL\nDOS SERVIDORES\n\nFortalecendo o futuro! VALINHOS\n"
    agency = fields(head + TERMO.format(after="- VALIPREV"))["agency"]
    assert agency == "Instituto de Previdência Social dos Servidores Municipais de Valinhos (VALIPREV)"


def test_a_logo_cut_letterhead_with_a_stray_word_from_the_scan() -> None:
    head = "INSTITUTO DE\nAL PREVIDÊNCIA SOCIAL\nDOS SERVIDORES\n\nFortalecendo o futuro! VALINHOS\n"
    agency = fields(head + TERMO.format(after="- VALIPREV"))["agency"]
    assert agency == "Instituto de Previdência Social dos Servidores Municipais de Valinhos (VALIPREV)"


def test_an_acronym_misread_where_the_name_is_defined_takes_the_documents_usual_spelling() -> None:
    head = "INSTITUTO DE\nPREVIDÊNCIA SOCIAL\nDOS SERVIDORES\n\nFortalecendo o futuro! VALINHOS\n"
    body = ("1.2 Dar orientação sobre os equipamentos do VALIPREV;\n1.3 Testar os equipamentos do VALIPREV;\n"
            "1.4 Manter a rede do VALIPREV.\n")
    assert fields(head + TERMO.format(after="- VALIPREY") + body)["agency"] == (
        "Instituto de Previdência Social dos Servidores Municipais de Valinhos (VALIPREV)")
    # written once each, the spelling where the name is defined stands
    assert fields(head + TERMO.format(after="- VALIPREY") + body.replace("VALIPREV", "IPREVAL"))["agency"] == (
        "Instituto de Previdência Social dos Servidores Municipais de Valinhos (VALIPREY)")


def test_a_letterhead_is_not_extended_by_a_name_without_its_acronym() -> None:
    # the body's longer name is only a definition when its acronym follows it
    head = "INSTITUTO DE\nPREVIDÊNCIA SOCIAL\nDOS SERVIDORES\n\nFortalecendo o futuro! VALINHOS\n"
    agency = fields(head + TERMO.format(after=""))["agency"]
    assert agency is None or "Municipais" not in agency


@pytest.mark.parametrize(("label", "expected"), [
    ("PROCESSO TRT/18º Nº 19754/2017", "19754/2017"),  # the ordinal OCR'd as º
    ("PROCESSO TRT/18ª Nº 19754/2017", "19754/2017"),
    ("PROCESSO TRE/2º Nº 0123/2024", "0123/2024"),
])
def test_process_number_after_a_courts_region(label: str, expected: str) -> None:
    text = "PODER JUDICIÁRIO\nPREGÃO ELETRÔNICO Nº 35/2018\n" + label + "\n" + FILLER
    assert fields(text)["process_number"] == expected


COVER = ("PREGÃO ELETRÔNICO Nº 35/2018\nSISTEMA DE REGISTRO DE PREÇOS - SRP\n\nTipo Menor Preço\n\n"
         "Objeto |Registro de preços para contratação de empresa especializada para\n{next}\n\n"
         "SESSÃO PÚBLICA PARA FORMULAÇÃO DE LANCES\n\nDia 05/07/2018\n" + FILLER)


def test_a_cover_cell_that_wraps_in_a_scan_goes_on_in_lower_case() -> None:
    cover = COVER.format(next="eventual fornecimento e instalação de câmeras de vídeo, conforme o Termo de Referência.")
    assert fields(cover)["object"] == ("Registro de preços para contratação de empresa especializada para eventual "
                                       "fornecimento e instalação de câmeras de vídeo")


def test_a_cover_cell_ends_with_its_line_when_the_next_row_follows() -> None:
    cover = COVER.format(next="Valor | R$ 10.000,00")
    assert fields(cover)["object"] == "Registro de preços para contratação de empresa especializada para"


GAZETTE = ("{edition}\nPODER EXECUTIVO\n\nGovernador ........ceeeraees Fulano de Tal\n"
           "Secretário de Estado de Fazenda .......eeseer Beltrano\n\n"
           "PORTARIA N. 1510, DE 02 DE OUTUBRO DE 2020\nO Diretor-Presidente do Departamento, no uso de suas "
           "atribuições legais, RESOLVE: Art. 1º Aplicar a penalidade aos condutores abaixo relacionados.\n")


@pytest.mark.parametrize("edition", [
    "a ANO XLII n. 10.295 Campo Grande, segunda-feira, 5 de outubro de 2020. 80 páginas Suplemento",
    "ANO CXXXV - Nº 12.345 Porto Alegre, quinta-feira, 3 de março de 2022",
    "Ano XV • Edição nº 3.210 • Sexta-feira, 7 de junho de 2024",
])
def test_a_gazette_whose_title_the_scan_lost_is_told_by_its_edition_line(edition: str) -> None:
    assert fields(GAZETTE.format(edition=edition), GAZETTE.format(edition=""))["document_kind"] == "diario_oficial"


def test_a_weekday_on_an_edital_cover_is_no_edition_line() -> None:
    cover = ("PREGÃO ELETRÔNICO Nº 5/2024\nProcesso nº 12/2024\nA sessão será no dia 7 de junho de 2024, sexta-feira, "
             "às 9h.\n1. DO OBJETO\n1.1 Aquisição de pneus para a frota municipal.\n" + FILLER)
    assert fields(cover)["document_kind"] != "diario_oficial"


VALUE_CELL = ("PREGÃO ELETRÔNICO Nº 138/2025\nProcesso nº 5/2025\n\nGarantia de proposta Não\n\n"
              "{amount}\n. º cinquenta e nove reais e vinte centavos). A planilha\n"
              "Valor Estimado da Contratação = no .\norçamentária com os valores unitários de cada item\n\n" + FILLER)


def test_an_estimate_label_printed_among_its_wrapped_value_lines() -> None:
    amount = "R$ 314.859,20 (trezentos e quatorze mil, oitocentos e"
    assert fields(VALUE_CELL.format(amount=amount))["estimated_value"] == 314859.2


def test_an_amount_above_an_estimate_label_that_does_not_wrap_is_another_cell() -> None:
    # "Valor da garantia: R$ 1.000,00 (mil reais)" is whole on its line: it is not the label's value
    amount = "R$ 1.000,00 (mil reais)"
    assert fields(VALUE_CELL.format(amount=amount))["estimated_value"] is None


AUCTION = ("EDITAL DE LEILÃO Nº 002/2019\n\n1. DO OBJETO\n1.1. A realização de LEILÃO, do tipo MAIOR LANCE, para "
           "alienação do bem identificado no Anexo I deste edital, a ser conduzido pelo Leiloeiro Oficial.\n\n"
           "2. DA PARTICIPAÇÃO\n" + FILLER + "\n\nANEXO I\nLOTE\nDESCRIÇÃO DO LOTE\nAVALIAÇÃO (R$)\n\n{rows}")


def test_an_object_that_points_to_an_annex_names_the_goods_there() -> None:
    rows = ("001\nUm imóvel, Mercado Municipal, situado na Praça José Marcelino, com área de 650,26 m².\n"
            "R$ 1.500.000,00\nXXXXX\n")
    value = fields(AUCTION.format(rows=rows))["object"]
    assert value == ("A realização de LEILÃO, do tipo MAIOR LANCE, para alienação do bem: Um imóvel, Mercado "
                     "Municipal, situado na Praça José Marcelino, com área de 650,26 m²")


def test_an_object_that_points_to_an_annex_of_many_goods_lists_their_names() -> None:
    rows = "".join(f"{n:03d}\nVEÍCULO MARCA {n} ANO 2010, placa ABC{n}\nR$ 10.000,00\n" for n in range(1, 6))
    value = fields(AUCTION.format(rows=rows.replace("LOTE\n", "")))["object"]
    assert value.startswith("A realização de LEILÃO, do tipo MAIOR LANCE, para alienação do bem identificado no "
                            "Anexo I deste edital")
    assert "(veículo marca 1, veículo marca 2" in value


@pytest.mark.parametrize(("written", "expected"), [
    ("59400.000418:2024-32", "59400.000418/2024-32"),  # the slash read as a colon
    ("63402.00151 9/2024-88", "63402.001519/2024-88"),  # a space inside the digits
    ("23109.012345/2025-11", "23109.012345/2025-11"),
    ("12/2024", "12/2024"),  # not a NUP: as written
])
def test_a_nup_with_a_scanning_slip(written: str, expected: str) -> None:
    text = f"PREGÃO ELETRÔNICO Nº 90037/2024\n(Processo Administrativo nº {written})\n" + FILLER
    assert fields(text)["process_number"] == expected


def test_a_speck_after_a_letterhead_line_is_no_part_of_the_name() -> None:
    assert tidy_name("Tribunal Regional do Trabalho da 18ª Região À") == "Tribunal Regional do Trabalho da 18ª Região"
    assert tidy_name("Fundo Municipal de Saúde ~") == "Fundo Municipal de Saúde"
    assert tidy_name("Centro de Intendência (CeIMBra)") == "Centro de Intendência (CeIMBra)"
    assert tidy_name("Batalhão de Engenharia de Construção E") == "Batalhão de Engenharia de Construção E"
