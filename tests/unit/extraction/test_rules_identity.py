"""Process number labels, the contracting body (unit, not parent nor agent) and its CNPJ."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields

LETTERHEAD = "Av. Central, 184, Centro, Exemplo\nCNPJ nº 13.810.312/0001-02\n"


@pytest.mark.parametrize(("line", "value"), [
    ("Processo nº 123/2025", "123/2025"),
    ("PROCESSO ADMINISTRATIVO Nº 10.504/2025", "10.504/2025"),
    ("Processo Licitatório 067/2025", "067/2025"),
    ("PA nº 45/2025", "45/2025"),
    ("P.A. nº 46/2025", "46/2025"),
    ("Proc. 12/2025", "12/2025"),
    ("Processo SEI nº 23109.012345/2025-11", "23109.012345/2025-11"),
    ("NUP: 00000.000123/2025-00", "00000.000123/2025-00"),
    ("Processo nº 2025.01.00123", "2025.01.00123"),
    ("PROCESSO Nº 1234-2025", "1234-2025"),
])
def test_process_number_labels(line: str, value: str) -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 9/2025\n" + line + FILLER)["process_number"] == value


def test_process_number_is_not_a_clause_reference() -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 9/2025\nconforme o processo 1.1 do edital" + FILLER)[
        "process_number"] is None


@pytest.mark.parametrize(("pages", "expected"), [
    pytest.param(["EDITAL DE LEILÃO Nº 002/2019\nA Comissão Permanente de Licitação, da Prefeitura Municipal de "
                  "Exemplo, Estado da Bahia, através do processo administrativo nº 082/2019, torna público, que "
                  "fará realizar licitação pública, na MODALIDADE DE LEILÃO." + FILLER],
                 {"agency": "Prefeitura Municipal de Exemplo", "modality": "leilao"},
                 id="agent subject leads to the body"),
    pytest.param(["MARINHA DO BRASIL\n\nATA DE REGISTRO DE PREÇOS Nº 1/2024\nA União, por intermédio do Centro de "
                  "Intendência da Marinha em Exemplo (CeIMEx), com sede na Rua A, inscrito no CNPJ sob o nº "
                  "00.394.502/0401-03, neste ato representado pelo Diretor, registra os preços." + FILLER],
                 {"agency": "Marinha do Brasil – Centro de Intendência da Marinha em Exemplo (CeIMEx)",
                  "agency_cnpj": "00394502040103"},
                 id="parent body with unit in the preamble"),
    pytest.param(["MINISTÉRIO DA EDUCAÇÃO\nUNIVERSIDADE FEDERAL DE EXEMPLO\nEDITAL\nPREGÃO ELETRÔNICO Nº 3/2025"
                  + FILLER],
                 {"agency": "Universidade Federal de Exemplo"},
                 id="letterhead: the deepest unit, not the ministry"),
    pytest.param([LETTERHEAD + "EDITAL\nPREGÃO PRESENCIAL Nº 1/2025" + FILLER, LETTERHEAD + FILLER,
                  LETTERHEAD + FILLER],
                 {"agency_cnpj": "13810312000102"},
                 id="letterhead CNPJ repeated on every page"),
    pytest.param(["TERMO DE CONTRATO Nº 10/2023\nO INSTITUTO DE PREVIDÊNCIA DE EXEMPLO, autarquia municipal "
                  "criada pela Lei nº 4.877, pessoa jurídica de direito público, inscrito no CNPJ sob nº "
                  "18.853.149/0001-89, neste ato representado por sua Presidente." + FILLER],
                 {"agency": "Instituto de Previdência de Exemplo", "agency_cnpj": "18853149000189"},
                 id="the contract party is the agency"),
])
def test_contracting_body(pages: list[str], expected: dict[str, str]) -> None:
    values = fields(*pages)
    assert {key: values[key] for key in expected} == expected


@pytest.mark.parametrize(("line", "value"), [
    ("Licitação na modalidade TOMADA DE PREÇOS Nº 3/2019", "tomada_de_precos"),
    ("CARTA-CONVITE Nº 4/2018", "convite"),
    ("LOCAL DA SESSÃO DO LEILÃO: no site do leiloeiro oficial", "leilao"),
])
def test_legacy_and_auction_modalities(line: str, value: str) -> None:
    assert fields("EDITAL\n" + line + "\nLei nº 8.666/93" + FILLER)["modality"] == value


def test_number_after_licitacao_with_a_name() -> None:
    assert fields("EDITAL\nLICITAÇÃO CAIXA Nº 0051/ 0325 - CPVE\nsessão do leilão" + FILLER)["number"] == "0051/0325"


def test_dispute_mode_in_the_feminine() -> None:
    assert fields("EDITAL\nPREGÃO ELETRÔNICO Nº 1/2025\nsob o modo de disputa ABERTA (INTERNET)" + FILLER)[
        "dispute_mode"] == "aberto"
