"""Wordings common to many editais (municipal and AGU models, Lei 14.133 and 8.666 avisos, platform
exports) that the shared documents do not all use: process labels, session schedules, ME/EPP rules.
Every passage is synthetic; each rule has positives and negatives that must not match."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nLei nº 14.133/2021\n"


def _value(field: str, line: str) -> object:
    return fields(HEAD + line + FILLER)[field]


# -- process number: municipal labels -------------------------------------------------------------

PROCESS_LABELS = [
    ("PROCESSO DE LICITAÇÃO Nº 45/2024", "45/2024"),
    ("Processo de Dispensa nº 12/2024", "12/2024"),
    ("Processo de Dispensa de Licitação nº 12/2024", "12/2024"),
    ("PROCESSO DE CONTRATAÇÃO DIRETA Nº 7/2024", "7/2024"),
    ("Processo de Inexigibilidade nº 3/2024", "3/2024"),
    ("PROC. LICITATÓRIO Nº 45/2024", "45/2024"),
    ("Proc. Administrativo nº 1.234/2024", "1.234/2024"),
    ("PAL nº 45/2024", "45/2024"),
    ("PAL: 45/2024", "45/2024"),
    # the label without a number is prose, not a process
    ("O processo de licitação seguirá o rito da Lei nº 14.133/2021.", None),
    ("O processo de contratação direta fundamenta-se no art. 75, II.", None),
    ("Proc. licitatório em andamento na sede do órgão.", None),
    ("PAL: conforme o edital.", None),
    # issue 12: "Expediente", bare "SEI nº", "Número Único de Protocolo (NUP)", "autos administrativos"
    ("EXPEDIENTE Nº 12.345/2024", "12.345/2024"),
    ("Expediente Administrativo nº 45/2024", "45/2024"),
    ("SEI nº 23000.012345/2024-11", "23000.012345/2024-11"),
    ("Número Único de Protocolo (NUP): 23000.012345/2024-11", "23000.012345/2024-11"),
    ("Autos Administrativos nº 45/2024", "45/2024"),
    ("Processo SEI nº 23000.012345/2024-11", "23000.012345/2024-11"),
    ("Proc. Adm. nº 45/2024", "45/2024"),
    ("Protocolo nº 45/2024", "45/2024"),
    ("Expediente: das 8h às 17h, na sede da Prefeitura.", None),
    ("Documento SEI nº 0123456", None),
    ("Contrato nº 45/2024", None),
]


# -- session date and time -----------------------------------------------------------------------

T9 = "2024-03-05T09:00:00-03:00"


SESSION_LINES = [
    # schedules that write the date before the event
    ("Dia 05/03/2024 às 09h – abertura das propostas", T9),
    ("05/03/2024 às 09h30min - Início da sessão pública", "2024-03-05T09:30:00-03:00"),
    ("5 de março de 2024, às 9 horas: abertura dos envelopes", T9),
    ("04/03/2024 às 17h - Fim do recebimento das propostas\n05/03/2024 às 09h - Abertura das propostas\n"
     "05/03/2024 às 10h - Início da disputa de lances", T9),
    ("RECEBIMENTO DAS PROPOSTAS: até 04/03/2024 às 17h\n05/03/2024 às 09h - Abertura da sessão pública", T9),
    # more cover labels
    ("Realização da sessão: 05/03/2024 às 09:00", T9),
    ("Sessão de lances: 05/03/2024 às 09:00", T9),
    ("Data/Hora de abertura: 05/03/2024 09:00", T9),
    ("Data e hora para início da sessão: 05/03/2024 às 9:00 horas (horário de Brasília)", T9),
    ("Abertura e julgamento das propostas: 05/03/2024 às 09h", T9),
    # written in words before "será realizada a abertura dos envelopes"
    ("Às nove horas do dia cinco de março de dois mil e vinte e quatro, na sala de licitações da sede, "
     "será realizada a abertura dos envelopes.", T9),
    # negatives: a deadline line, a date without its event at the line start, a date without a time
    ("Prazo: até 04/03/2024 às 17h - abertura das propostas em seguida", None),
    ("LIMITE PARA ACOLHIMENTO DAS PROPOSTAS: 04/03/2024 às 17h", None),
    ("05/03/2024 - abertura das propostas", None),
    ("Lei nº 8.666 de 21/06/1993 às 10h - abertura dos envelopes", None),
]


# -- ME/EPP: exclusive items next to a quota or open items are "mixed" ------------------------------

ME_EPP_LINES = [
    ("Itens 1 a 5: participação exclusiva para ME/EPP. Item 6: cota reservada de 25% para ME/EPP.", "mixed"),
    ("Os itens 01 ao 10 são destinados à participação exclusiva de microempresas e empresas de pequeno porte. "
     "Para o item 11 fica reservada cota de até 25% do quantitativo para ME/EPP.", "mixed"),
    ("Benefício: Participação Exclusiva ME/EPP nos itens 1 a 4; Cota Reservada no item 5; Ampla concorrência no "
     "item 6.", "mixed"),
    ("Participação exclusiva de ME/EPP para os itens 3, 4 e 7; os demais itens são de ampla participação.", "mixed"),
    ("TRATAMENTO DIFERENCIADO: Exclusivo ME/EPP (itens até R$ 80 mil) e Cota reservada (itens divisíveis).",
     "mixed"),
    # negatives: the quota's own items, a clause reference, hypothetical or denied exclusivity
    ("Os itens 2, 4 e 6 são exclusivos para ME/EPP (cota reservada de 25% dos itens 1, 3 e 5).", "reserved_quota"),
    ("A participação é exclusiva de ME/EPP, nos termos do item 5.1 deste edital.", "exclusive"),
    ("Caso os itens 1 a 5 sejam exclusivos para ME/EPP, a cota reservada não se aplica.", "none"),
    ("Não haverá itens exclusivos para ME/EPP nos itens 1 a 5.", "none"),
    ("Licitação exclusiva para ME/EPP, com valor total de até R$ 80 mil.", "exclusive"),
    # exclusive items beside open ones in the same passage: mixed
    ("Licitação com itens exclusivos para ME/EPP e itens de ampla concorrência.", "mixed"),
    ("Os lotes exclusivos para ME/EPP estão marcados no Anexo I; os demais lotes são de livre disputa.", "mixed"),
    ("Itens exclusivos para ME/EPP: conforme Anexo I.\nAmpla participação: não.", "exclusive"),
]


@pytest.mark.parametrize(("field", "line", "value"), [
    *(("process_number", line, value) for line, value in PROCESS_LABELS),
    *(("session_datetime", line, value) for line, value in SESSION_LINES),
    *(("me_epp", line, value) for line, value in ME_EPP_LINES),
])
def test_the_field_read_from_one_passage(field: str, line: str, value: str | None) -> None:
    assert _value(field, line) == value


# -- items: a lot column before the item column ----------------------------------------------------

def _lot_table(pairs: list[tuple[int, int]]) -> str:
    return "LOTE | ITEM | DESCRIÇÃO | UNID | QTD\n" + "".join(
        f"{lot} | {item} | PRODUTO {lot}.{item} | UN | 10\n" for lot, item in pairs)


CONTINUOUS = [(1, 1), (1, 2), (1, 3), (2, 4), (2, 5), (2, 6)]
RESTARTING = [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3)]


@pytest.mark.parametrize(("pages", "count"), [
    pytest.param([_lot_table(CONTINUOUS)], 6, id="items run on across lots"),
    pytest.param([_lot_table(RESTARTING)], 5, id="items restart in each lot"),
    pytest.param([_lot_table(CONTINUOUS), "ANEXO II - MODELO DE PROPOSTA\n" + _lot_table(CONTINUOUS)], 6,
                 id="the table repeated in the proposal form is the same items"),
    pytest.param(["ITEM | DESCRIÇÃO | UNID | QTD\n" + "".join(f"{n} | PRODUTO {n} | UN | 10\n" for n in range(1, 4))],
                 3, id="no lot column: the item chain"),
])
def test_lot_column_tables_count_items(pages: list[str], count: int) -> None:
    assert fields(HEAD + FILLER, *pages)["items_count"] == count


def test_lot_column_rows_that_go_back_end_the_table() -> None:
    table = _lot_table([(1, 1), (1, 2), (1, 3)]) + "2 | 1 | OUTRO\n1 | 9 | NOTA DE RODAPÉ | UN | 1\n"
    assert fields(HEAD + FILLER, table)["items_count"] == 4
