"""Item tables printed one cell per line (as PyMuPDF prints them) whose items restart in each lot: lot
headings, numbering styles, column orders, repeated and split tables, and what is not an item table."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, doc

from licita.extraction.items import find_items
from licita.extraction.text import Corpus

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n" + FILLER
GOODS = ("DETERGENTE LÍQUIDO NEUTRO", "ÁGUA SANITÁRIA", "SABÃO EM PÓ", "PAPEL A4", "CANETA AZUL")
# Column orders of the one-cell-per-line rows: {n} row number, {d} description, {q} quantity
ORDERS = {
    "desc-unit-qty": ("ITEM\nDESCRIÇÃO\nUNID.\nQTD.\nVALOR UNIT. (R$)\nVALOR TOTAL (R$)\n", "{n}\n{d}\nUN\n{q}\n"),
    "desc-qty-unit": ("ITEM\nESPECIFICAÇÃO\nQUANT.\nUNID.\nVALOR UNITÁRIO\nVALOR TOTAL\n", "{n}\n{d}\n{q}\nUN\n"),
    "qty-unit-desc": ("ITEM\nQTDE\nUND\nDESCRIÇÃO DO PRODUTO\nPREÇO UNIT.\nPREÇO TOTAL\n", "{n}\n{q}\nUND\n{d}\n"),
}
CLAUSES = ("1.\nDO OBJETO\n1.1.\nO objeto é o registro de preços de material de limpeza, conforme o Termo de "
           "Referência.\n1.2.\nO critério de julgamento é o menor preço por lote.\n2.\nDA PARTICIPAÇÃO\n2.1.\n"
           "Poderão participar as empresas do ramo.\n2.2.\nNão poderão participar as impedidas.\n")
LOT_SUMMARY = "LOTE\nDESCRIÇÃO\nVALOR ESTIMADO (R$)\n" + "".join(f"{n}\nMATERIAL {n}\n1.000,00\n" for n in (1, 2, 3))


def _lots(sizes: tuple[int, ...], heading: str = "LOTE {}", number: str = "{i}", order: str = "desc-unit-qty",
          desc: str = "{}") -> str:
    """Lots whose items restart at 1; each item's quantity is the next item's number (the trap: a "2" right
    after row 1), and every lot closes with its total, as in AGU and municipal term-of-reference tables."""
    header, row = ORDERS[order]
    out = ""
    for lot, size in enumerate(sizes, 1):
        out += heading.format(lot) + "\n" + header
        for i in range(1, size + 1):
            out += row.format(n=number.format(i=i, lot=lot), d=desc.format(GOODS[i % 5]), q=i + 1)
            out += f"2,50\n{(i + 1) * 2.5:.2f}\n".replace(".", ",")
        out += f"VALOR TOTAL DO LOTE {lot}\nR$ 1.000,00\n"
    return out


def _split(text: str, at: int) -> tuple[str, str]:
    """The table broken across two pages after its ``at``-th "VALOR TOTAL" cell, header repeated."""
    cut = text.split("2,50\n")
    head = "2,50\n".join(cut[:at + 1])
    return head, ORDERS["desc-unit-qty"][0] + text[len(head):].split("\n", 2)[2]


LONG = "\nCOM GARANTIA DE 12 MESES, ASSISTÊNCIA TÉCNICA E ENTREGA NO ALMOXARIFADO CENTRAL DO ÓRGÃO. " * 6


@pytest.mark.parametrize(("pages", "expected"), [
    ((_lots((3, 2)),), 5),
    ((_lots((3, 2), "LOTE {:02d}"),), 5),
    ((_lots((3, 2), "LOTE Nº {}"),), 5),
    ((_lots((3, 2), "LOTE: {}"),), 5),
    ((_lots((3, 2), "LOTE Nº: {:02d}"),), 5),
    ((_lots((3, 2), "LOTE - {:02d}"),), 5),
    ((_lots((3, 2), "{}º LOTE – MATERIAL DE LIMPEZA"),), 5),
    ((_lots((3, 2), "{}º GRUPO"),), 5),
    ((_lots((2, 2, 3), "GRUPO {}"),), 7),
    ((_lots((3, 2), "LOTE {} – MATERIAL DE LIMPEZA"),), 5),
    ((_lots((3, 2), "LOTE {}\nMATERIAL DE LIMPEZA"),), 5),
    ((_lots((3, 2), number="{i:02d}"),), 5),
    ((_lots((3, 2, 4), number="{lot}.{i}"),), 9),
    ((_lots((3, 2), number="{lot:02d}.{i:02d}"),), 5),
    ((_lots((4, 3, 5), order="desc-qty-unit"),), 12),
    ((_lots((3, 2), order="qty-unit-desc"),), 5),
    ((_lots((3, 2), desc="{}\n2 LITROS\n3 UNIDADES POR CAIXA"),), 5),
    ((_lots((9, 6), desc="MONITOR {}" + LONG),), 15),
    ((_lots((3, 2)), "ANEXO II – MODELO DE PROPOSTA\n" + _lots((3, 2))), 5),
    ((_lots((3, 2), number="{lot}.{i}"), "ANEXO II – MODELO DE PROPOSTA\n" + _lots((3, 2), number="{lot}.{i}")), 5),
    (_split(_lots((3, 2)), 1), 5),
    (_split(_lots((3, 2), "LOTE {} – MATERIAL"), 3), 5),
    ((CLAUSES,), None),
    (("ITEM\nDESCRIÇÃO\nQUANTIDADE\n" + CLAUSES,), None),
    ((CLAUSES, _lots((3, 2), number="{lot}.{i}")), 5),
    ((LOT_SUMMARY,), 3),
    ((LOT_SUMMARY, _lots((3, 2, 2))), 7),
    ((_lots((3, 2, 2), number="{lot}.{i}"), "ANEXO III\n" + LOT_SUMMARY), 7),
])
def test_items_restarting_in_each_lot(pages: tuple[str, ...], expected: int | None) -> None:
    assert find_items(Corpus(doc(HEAD, *pages))).count == expected


def test_rows_are_the_item_numbers_not_the_quantities() -> None:
    for number in ("{i}", "{lot}.{i}"):
        res = find_items(Corpus(doc(HEAD, _lots((3, 2), number=number, order="desc-qty-unit"))))
        assert [(i.lot, i.number, i.quantity) for i in res.items] == [
            ("1", 1, 2), ("1", 2, 3), ("1", 3, 4), ("2", 1, 2), ("2", 2, 3)]
        assert res.page == 2 and res.quote and res.quote.startswith("5 itens em 2 lotes")


def test_quantity_and_unit_before_the_description_on_the_numbers_line() -> None:
    table = ("ANEXO I – TERMO DE REFERÊNCIA\nITEM  QUANT.  UNID.  DESCRIÇÃO\n01    2.000   UN     Camiseta manga curta "
             "em malha PV\n02    1.500   PAR    Tênis escolar preto\n03    300     CX     Giz de cera com 12 cores\n")
    items = find_items(Corpus(doc(HEAD, table))).items
    assert [(i.number, i.quantity, i.unit, i.description) for i in items] == [
        (1, 2000, "UN", "Camiseta manga curta em malha PV"), (2, 1500, "PAR", "Tênis escolar preto"),
        (3, 300, "CX", "Giz de cera com 12 cores")]


def test_a_result_tables_winner_and_the_text_after_it_are_no_part_of_the_goods() -> None:
    table = ("Homologo o presente processo, adjudicando os itens às empresas vencedoras:\nITEM | DESCRIÇÃO | QTD | "
             "EMPRESA | VALOR UNIT. | VALOR TOTAL\n1 | Papel A4 | 500 | Alfa Comércio Ltda | 24,90 | 12.450,00\n"
             "2 | Caneta azul | 1000 | Beta S/A | 1,10 | 1.100,00\n3 | Borracha | 400 | Gama ME | 0,90 | 360,00\n"
             "Exemplo, 10 de maio de 2024.\nFulano de Tal\nPrefeito Municipal\n")
    items = find_items(Corpus(doc(HEAD, table))).items
    assert [(i.description, i.quantity, i.unit_price) for i in items] == [
        ("Papel A4", 500, 24.9), ("Caneta azul", 1000, 1.1), ("Borracha", 400, 0.9)]


def test_item_headings_with_their_labelled_description_below() -> None:
    blocks = "".join(f"ITEM {n:02d}\nDescrição: {GOODS[n % 5]} de boa qualidade\nUnidade: UN\nQuantidade: {10 * n}\n"
                     f"Valor unitário estimado: R$ {n},50\n\n" for n in range(1, 7))
    items = find_items(Corpus(doc(HEAD, blocks))).items
    assert [(i.number, i.quantity, i.unit) for i in items] == [(n, 10 * n, "UN") for n in range(1, 7)]
    assert items[0].description == f"{GOODS[1]} de boa qualidade"
