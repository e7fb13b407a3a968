"""Item tables as Tesseract prints them (issue 12): a row's number and quantity on one line, the taller
description cell read apart, borders read as "|", and short numbers in the narrow item column lost. The
passages are synthetic; the negatives show that a lost number is only tolerated on OCR'd pages and only
for rows shaped like the table's."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, doc

from licita.documents import ExtractedDocument
from licita.extraction.items import find_items
from licita.extraction.text import Corpus

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n" + FILLER + "\n\n"
DESCRIPTION = "EM PLÁSTICO APROPRIADO, ATÓXICA,\nESTERILIZADA, EMBALADA\nINDIVIDUALMENTE.\n"


def _scanned(*pages: str) -> ExtractedDocument:
    scanned = doc(*pages)
    for page in scanned.pages:
        page.ocr = True
    return scanned


def _count(document: ExtractedDocument) -> int | None:
    return find_items(Corpus(document)).count


def test_number_and_quantity_lead_a_sentence_case_description() -> None:
    table = ("ITEM QTD DESCRIÇÃO RESUMIDA\n1 05 Computador Desktop\n2 05 Monitor 18,5\"\n3 05 Teclado Padrão\n"
             "4 05 Mouse Padrão\n5 01 Roteador\n\n2 - DAS CONDIÇÕES DE PARTICIPAÇÃO\n")
    result = find_items(Corpus(_scanned(HEAD + table)))
    assert result.count == 5
    assert [item.description for item in result.items][:2] == ["Computador Desktop", "Monitor 18,5\""]


def test_number_and_quantity_alone_with_the_description_below() -> None:
    rows = "".join(f"{n} {n * 1000:,}".replace(",", ".") + f"\n\nUNIDADE\n\nSERINGA TIPO {n}\n{DESCRIPTION}\n"
                   for n in range(1, 5))
    table = "Item Qtde Unid. de Descrição do item Valor Valor\nmáx. medida Unitário Total R$\n\n" + rows
    result = find_items(Corpus(_scanned(HEAD + table)))
    assert result.count == 4
    assert result.items[1].quantity == 2000
    assert result.items[1].unit == "UNIDADE"


def test_rows_whose_number_ocr_lost_still_count() -> None:
    # "3" and "4" were not read at all; "7" stands for "71"-like misreads where the row is still there
    kept = (1, 2, 5, 6, 7, 8)
    rows = "".join(f"{n} | SERINGA TIPO {n} | UNIDADE | 100\n{DESCRIPTION}" for n in kept)
    lost = "".join(f"SERINGA TIPO {n} | UNIDADE | 100\n{DESCRIPTION}" for n in (3, 4))
    body = rows.split("5 | ")[0] + lost + "5 | " + rows.split("5 | ", 1)[1]
    table = "ITEM | DESCRIÇÃO | UNID | QTD\n" + body
    result = find_items(Corpus(_scanned(HEAD + table)))
    assert result.count == 8
    assert [item.number for item in result.items] == list(kept)  # no invented item for the lost rows


def test_a_lost_number_is_not_tolerated_on_a_text_layer_page() -> None:
    rows = "".join(f"{n} | SERINGA TIPO {n} | UNIDADE | 100\n{DESCRIPTION}" for n in (1, 2, 4, 5))
    table = "ITEM | DESCRIÇÃO | UNID | QTD\n" + rows
    assert _count(doc(HEAD + table)) == 2  # the text layer does not lose numbers: "4" starts nothing
    assert _count(_scanned(HEAD + table)) == 5


def test_a_lost_number_needs_a_row_shaped_like_the_table() -> None:
    rows = "".join(f"{n} | SERINGA TIPO {n} | UNIDADE | 100\n{DESCRIPTION}" for n in (1, 2, 3))
    # a clause numbered "5" two numbers later is no row of the table
    after = "5\nDA HABILITAÇÃO\n5.1 Os licitantes apresentarão os documentos.\n"
    assert _count(_scanned(HEAD + "ITEM | DESCRIÇÃO | UNID | QTD\n" + rows + after)) == 3


def test_no_more_than_two_numbers_may_be_lost_in_a_row() -> None:
    rows = "".join(f"{n} | SERINGA TIPO {n} | UNIDADE | 100\n{DESCRIPTION}" for n in (1, 2, 3, 7, 8))
    assert _count(_scanned(HEAD + "ITEM | DESCRIÇÃO | UNID | QTD\n" + rows)) == 3


def test_a_lone_one_read_as_l_starts_the_table_on_an_ocr_page_only() -> None:
    table = ("ITEM QTD DESCRIÇÃO RESUMIDA\nl 05 Computador Desktop\n2 05 Monitor\n3 05 Teclado Padrão\n"
             "4 01 Roteador\n\n2 - DAS CONDIÇÕES DE PARTICIPAÇÃO\n")
    assert _count(_scanned(HEAD + table)) == 4
    assert _count(doc(HEAD + table)) != 4  # a text layer's "l" or "I" is no digit


def _cell_rows(numbers: tuple[int, ...]) -> str:
    # one cell per line, as column layouts come out: number, description, unit, quantity, prices
    return "".join(f"{n:02d}\n\nPANELA DE ALUMÍNIO TIPO {n}\nCOM TAMPA E CABO.\n\nUND\n\n10\n\nR$ 5,00\n\nR$ 50,00\n\n"
                   if n < 10 else f"{n}\n\nPANELA TIPO {n}\nCOM TAMPA.\n\nUND\n\n10\n\nR$ 5,00\n\nR$ 50,00\n\n"
                   for n in numbers)


def test_a_bare_row_number_past_a_lost_one_counts_when_its_cells_follow() -> None:
    kept = tuple(n for n in range(1, 13) if n not in (5, 11))
    table = "ITEM\nDESCRIÇÃO\nUND\nQTD\nVALOR UNITÁRIO\nVALOR TOTAL\n\n" + _cell_rows(kept)
    assert _count(_scanned(HEAD + table)) == 12
    # a quantity in thousands is a cell, not a sub-clause "1.500"
    assert _count(_scanned(HEAD + table.replace("UND\n\n10\n", "UND\n\n1.500\n"))) == 12


@pytest.mark.parametrize(("written", "read"), [("Il", "II"), ("HI", "III"), ("IV", "IV"), ("XL", "XL")])
def test_lot_numerals_as_ocr_reads_them(written: str, read: str) -> None:
    lots = "".join(f"LOTE {name} - MATERIAL\nITEM | DESCRIÇÃO | UNID | QTD\n"
                   + "".join(f"{n} | PRODUTO {name} {n} | UN | 10\n" for n in (1, 2, 3)) + "VALOR TOTAL DO LOTE\n\n"
                   for name in ("I", written))
    result = find_items(Corpus(_scanned(HEAD + lots)))
    assert result.count == 6
    assert {item.lot for item in result.items} == {"I", read}


CENTRED = ("ANEXO I\nLOTE DESCRIÇÃO DO LOTE AVALIAÇÃO (R$) DÉBITOS\nUm imóvel, Mercado Municipal,\ndenominado antigo "
           "açougue público\n001 situado na Praça Central e R$ 1.500.000,00 XXXXX\n\nTravessa Sete de Setembro, com "
           "área\nque mede 650,26 m².\n\nAv. Principal 184, Centro - Fone 75 3272-2181\n")


def test_a_row_number_centred_in_a_tall_cell_is_read_with_its_cell() -> None:
    items = find_items(Corpus(_scanned(HEAD + CENTRED))).items
    assert len(items) == 1 and items[0].unit_price == 1500000.0
    assert items[0].description.startswith("Um imóvel, Mercado Municipal, denominado antigo açougue público situado")
    assert items[0].description.endswith("que mede 650,26 m².")  # not the page's footer


def test_a_centred_number_is_only_an_ocr_reading() -> None:
    # on a text layer, "001 situado …" is a line of a paragraph, not a row
    assert find_items(Corpus(doc(HEAD + CENTRED))).count is None
