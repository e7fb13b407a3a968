"""ComprasNet's item list ("Relação de Itens", appended to federal editais and TRs): one labelled block per item,
whose "Tratamento Diferenciado:" line says the item's ME/EPP treatment. Synthetic blocks in that layout."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, result

HEAD = "UNIVERSIDADE FEDERAL DE EXEMPLO\nPREGÃO ELETRÔNICO Nº 90012/2025\nOBJETO: Aquisição de reagentes.\n"
EXCLUSIVE = "Tipo I - Participação Exclusiva de ME/EPP/Cooperativas"
QUOTA = "Tipo III - Cota reservada ME/EPP/Cooperativas"


def _block(number: int, name: str, treatment: str, quantity: int) -> str:
    return (f"{number} - Itens de Material\nNome/Descrição:\n{name}\nDescrição Detalhada:\n{name}, grau analítico.\n"
            f"Tratamento Diferenciado: {treatment}\nAplicabilidade Decreto 7174: Não\n"
            f"Aplicabilidade Margem de Preferência: Não\nQuantidade Total: {quantity}\n"
            "Unidade de Fornecimento: Frasco\nCritério de Julgamento: Menor Preço\n"
            "Valor Estimado (unitário): R$ 12,50\n")


def _analyse(*treatments: str) -> dict[str, object]:
    items = "".join(_block(n, f"Reagente {chr(64 + n)}", t, 10 * n) for n, t in enumerate(treatments, start=1))
    return result(HEAD + FILLER, "RELAÇÃO DE ITENS\n" + items)


@pytest.mark.parametrize(("treatments", "me_epp"), [
    ((EXCLUSIVE, "-", EXCLUSIVE), "mixed"),  # an open item between two exclusive ones: not inherited from above
    ((EXCLUSIVE, EXCLUSIVE), "exclusive"),
    (("-", "-", "-"), "none"),
    (("-", QUOTA, "-"), "reserved_quota"),
])
def test_the_treatment_line_of_each_item_decides_me_epp(treatments: tuple[str, ...], me_epp: str) -> None:
    analysis = _analyse(*treatments)
    fields = analysis["fields"]
    assert isinstance(fields, dict)
    assert fields["me_epp"]["value"] == me_epp
    assert fields["items_count"]["value"] == len(treatments)


def test_each_item_keeps_its_name_quantity_and_flag() -> None:
    items = _analyse(EXCLUSIVE, "-", QUOTA)["items"]
    assert isinstance(items, list)
    assert [(i["number"], i["description"], i["quantity"], i["me_epp_exclusive"]) for i in items] == [
        (1, "Reagente A", 10, True), (2, "Reagente B", 20, False), (3, "Reagente C", 30, False)]
    assert all(i["page"] == 2 and i["unit_price"] == 12.5 for i in items)
