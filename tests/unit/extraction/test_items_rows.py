"""Item rows written the way unseen editais write them (issue 12): "lot.item" numbers leading their
description on the same line, one-line rows ending in their cells, and lots whose heading the lot rules
do not read but whose totals say "lote". Synthetic passages; the negatives are numbered clauses and a
table repeated in the proposal form."""

from __future__ import annotations

import re

import pytest
from _synthetic import FILLER, doc

from licita.extraction.item_rows import line_matches
from licita.extraction.items import find_items
from licita.extraction.text import Corpus

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\n" + FILLER
HEADER = "ITEM\nDESCRIÇÃO\nUNID\nQTD\nVALOR UNIT.\n"


def _rows(numbers: range, row: str, name: str = "PRODUTO") -> str:
    return "".join(row.format(n=n, d=f"{name} TIPO {n}") for n in numbers)


def _lots(sizes: tuple[int, ...], heading: str, row: str, header: str = HEADER) -> str:
    names = ("CANETA", "DETERGENTE", "PNEU")
    return "".join(heading.format(lot=lot) + header + _rows(range(1, size + 1), row.replace("{lot}", str(lot)),
                                                             names[lot - 1])
                   + f"VALOR TOTAL DO LOTE {lot}: R$ 100,00\n" for lot, size in enumerate(sizes, 1))


ROWS = [
    # "lot.item" leading its description, cells on the lines below or at the end of the same line
    (_lots((3, 2), "LOTE {lot}\n", "{lot}.{n} {d}\nUN\n10\nR$ 5,00\n"), 5),
    (_lots((3, 2, 2), "LOTE {lot}\n", "{lot}.{n} {d} UN 10 R$ 5,00\n", "ITEM DESCRIÇÃO UNID QTD VALOR\n"), 7),
    (_lots((3, 2), "LOTE {lot}\n", "{lot}.{n} {d} 10 R$ 5,00 R$ 50,00\n", "ITEM DESCRIÇÃO QTD VALOR\n"), 5),
    # items restarting under a header per lot, the lot named only by its total ("VALOR TOTAL DO LOTE")
    (_lots((3, 2), "", "{n}\n{d}\nUN\n10\nR$ 5,00\n"), 5),
    (_lots((2, 2, 3), "\n", "{n}\n{d}\nUN\n10\nR$ 5,00\n"), 7),
    # the same table again (the proposal form) after the lot's total is not another lot
    (_lots((3,), "", "{n}\n{d}\nUN\n10\nR$ 5,00\n") + "ANEXO II – MODELO DE PROPOSTA\n"
     + _lots((3,), "", "{n}\n{d}\nUN\n10\nR$ 5,00\n"), 3),
    # numbered clauses in capitals are no rows: prose, no cells at the line's end
    ("ITEM 1 - DO OBJETO\n1.1 CONSTITUI OBJETO DESTA LICITAÇÃO A CONTRATAÇÃO POR 12 MESES\n1.2 OS SERVIÇOS "
     "SERÃO PRESTADOS POR 12 MESES\n2.1 O VALOR ESTIMADO É DE R$ 5.000,00\n", None),
    ("LOTE 1\nITEM DESCRIÇÃO\n1.1 DA PARTICIPAÇÃO NO CERTAME\n1.2 DAS PROPOSTAS E DOS LANCES\n", None),
]


@pytest.mark.parametrize(("table", "expected"), ROWS)
def test_item_rows_in_general_layouts(table: str, expected: int | None) -> None:
    assert find_items(Corpus(doc(HEAD, table))).count == expected


def test_line_matches_are_finditer_matches() -> None:
    """The newline-found scan gives the same matches and groups as finditer, first line included."""
    text = ("LOTE 1 – MATERIAL\nITEM\nDESCRIÇÃO\n1\nCANETA\n  2 | LÁPIS | UN\nTexto 3 no meio\n"
            "| LOTE 02\nLOTE\n03\n4 CADERNO UN 10 R$ 1,00\n")
    for pattern in (r"^[ \t|]*lote\s*0*(\d{1,3})[^\n]*$", r"^[ \t|]*0*(\d{1,4})[ \t]*(?:\|[^\n]*)?$",
                    r"^[ \t]*0*(\d{1,3})[ \t]+(?=[A-Z]{3})"):
        regex = re.compile(pattern, re.M | re.I)
        expected = [(m.span(), m.groups()) for m in regex.finditer(text)]
        assert expected
        assert [(m.span(), m.groups()) for m in line_matches(text, regex)] == expected
