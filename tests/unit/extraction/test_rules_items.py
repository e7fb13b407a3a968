"""Item tables: lots, numbering across lots, repeated tables, result reports, single priced lots."""

from __future__ import annotations

from _synthetic import FILLER, doc, result

from licita.extraction.items import find_items
from licita.extraction.text import Corpus

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n"


def _rows(numbers: range, unit: str = "UN") -> str:
    return "".join(f"{n}\nPRODUTO DE TESTE {n}\n{unit}\n10\n" for n in numbers)


def test_items_restart_in_each_lot() -> None:
    table = ("ITEM\nDESCRIÇÃO\nUNID\nQTD\nLOTE 1\n" + _rows(range(1, 4)) + "LOTE 2\n" + _rows(range(1, 3)))
    res = result(HEAD + FILLER, table)
    assert res["fields"]["items_count"]["value"] == 5
    assert {i["lot"] for i in res["items"]} == {"1", "2"}


def test_items_numbered_across_lots_are_not_cut_at_the_lot_heading() -> None:
    table = ("ITEM\nDESCRIÇÃO\nUNID\nQTD\nLOTE 1\n" + _rows(range(1, 4)) + "LOTE 2\n" + _rows(range(4, 7)))
    assert result(HEAD + FILLER, table)["fields"]["items_count"]["value"] == 6


def test_repeated_lot_table_is_not_counted_twice() -> None:
    table = "ITEM\nDESCRIÇÃO\nUNID\nQTD\nLOTE 1\n" + _rows(range(1, 4)) + "LOTE 2\n" + _rows(range(1, 3))
    form = "ANEXO II - MODELO DE PROPOSTA\n" + table
    assert result(HEAD + FILLER, table, form)["fields"]["items_count"]["value"] == 5


def test_homologation_report_items() -> None:
    report = "TERMO DE HOMOLOGAÇÃO\n" + "".join(
        f"Item: {n}\nDescrição: CANETA TIPO {n}\nQuantidade: {n * 10}\nValor estimado: R$ 1,50\n"
        f"Situação: Adjudicado e Homologado\n" for n in (1, 2, 5))
    res = result(report + FILLER)
    assert res["fields"]["document_kind"]["value"] == "termo_homologacao"
    assert res["fields"]["items_count"]["value"] == 3
    assert [i["number"] for i in res["items"]] == [1, 2, 5]
    assert res["items"][0]["quantity"] == 10 and res["items"][0]["description"] == "CANETA TIPO 1"


def test_dash_headed_result_blocks() -> None:
    text = "RESULTADO POR ITEM\n" + "".join(
        f"{n} - CADEIRA MODELO {n}\nQuantidade: 4 Unidade de fornecimento: Unidade\n" for n in range(1, 4))
    items = find_items(Corpus(doc(text)))
    assert items.count == 3 and items.items[1].description == "CADEIRA MODELO 2"


def test_single_priced_lot() -> None:
    annex = "ANEXO I\nLOTE\nDESCRIÇÃO DO LOTE\nAVALIAÇÃO (R$)\n001\nUm imóvel urbano com 650 m²\nR$ 1.500.000,00\n"
    res = result("EDITAL DE LEILÃO Nº 2/2019\nna MODALIDADE DE LEILÃO" + FILLER, annex)
    assert res["fields"]["items_count"]["value"] == 1
    assert res["fields"]["estimated_value"]["value"] == 1500000.0


def test_list_header_of_an_auction() -> None:
    annex = "ANEXO II – RELAÇÃO DE IMÓVEIS\nEndereço\nDescrição\nValor\n" + "".join(
        f"{n}\nCASA NA RUA {n}\n100.000,00\n" for n in range(1, 8))
    assert find_items(Corpus(doc(annex))).count == 7


def test_every_item_keeps_page_and_quote() -> None:
    table = "ITEM\nDESCRIÇÃO\nUNID\nQTD\n" + _rows(range(1, 4))
    res = result(HEAD + FILLER, table)
    entry = res["fields"]["items_count"]
    assert entry["page"] == 2 and entry["quote"]
    assert all(i["page"] == 2 for i in res["items"])
