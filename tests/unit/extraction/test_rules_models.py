"""Covers and preambles as the common models print them (AGU's Lei 14.133 editais, municipal models, Lei
8.666/10.520 wording, ComprasNet/Compras.gov.br exports and DOU notices, BLL, BNC, Licitanet, Portal de Compras
Públicas, Licitar Digital), for the fields the unseen documents missed most. Every passage is synthetic; each
rule has passages that must not match."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields

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
    # a bare number is a process only under the word "processo", and never a year or a short number
    ("Documento SEI nº 0123456", None),
    ("Processo nº 2024", None),
    ("PROCESSO Nº 45", None),
    ("O processo nº 123, de 2024, foi arquivado.", None),
])
def test_process_labels_of_the_models(line: str, value: str | None) -> None:
    assert _value("process_number", line) == value
