"""Session date and time: labels of covers, auctions and 8.666 notices; dates written in words."""

from __future__ import annotations

from datetime import date, time

import pytest
from _synthetic import FILLER, fields

from licita.extraction.formats import parse_datetime
from licita.extraction.text import fold
from licita.extraction.words import words_to_int, written_date, written_time


@pytest.mark.parametrize(("text", "value"), [
    ("dois mil e vinte e cinco", 2025), ("vinte e um", 21), ("mil novecentos e noventa e nove", 1999),
    ("quatorze", 14), ("catorze", 14), ("primeiro", 1), ("12", 12), ("abacaxi", None),
])
def test_words_to_int(text: str, value: int | None) -> None:
    assert words_to_int(text) == value


def test_written_date_and_time() -> None:
    text = fold("aos dez dias do mês de março de dois mil e vinte e cinco, às nove horas e trinta minutos")
    assert written_date(text)[0] == date(2025, 3, 10)
    assert written_time(text) == time(9, 30)
    assert written_date(fold("no dia 10 (dez) de março do ano de 2025"))[0] == date(2025, 3, 10)


@pytest.mark.parametrize(("text", "iso"), [
    ("aos dez dias do mês de março de dois mil e vinte e cinco, às nove horas", "2025-03-10T09:00:00-03:00"),
    ("dia 29 de abril de 2019, às 09:00(nove) horas", "2019-04-29T09:00:00-03:00"),
    ("em 05/06/2024, às 9 (nove) horas", "2024-06-05T09:00:00-03:00"),
    ("6 de NOVEMBRO de 2025, às 10h.", "2025-11-06T10:00:00-03:00"),
])
def test_parse_datetime_variants(text: str, iso: str) -> None:
    value = parse_datetime(text)
    assert value is not None and value.isoformat() == iso


@pytest.mark.parametrize("line", [
    "DATA E HORÁRIO: 6 de novembro de 2025, às 10h.",
    "A hasta pública será realizada no dia 6 de novembro de 2025, às 10:00 horas, no auditório.",
    "O leilão será realizado em 06/11/2025 às 10h.",
    "A Prefeitura torna público que realizará, aos seis dias do mês de novembro de dois mil e vinte e cinco, "
    "às dez horas, licitação na modalidade Tomada de Preços.",
    "As propostas deverão ser entregues até as 10:00 hs do dia 06/11/2025, para abertura do certame.",
])
def test_session_labels(line: str) -> None:
    values = fields("EDITAL DE LICITAÇÃO\nPREGÃO PRESENCIAL Nº 1/2025\n" + line + FILLER)
    assert values["session_datetime"] == "2025-11-06T10:00:00-03:00"


def test_session_prefers_a_date_with_time_over_a_bare_date() -> None:
    values = fields("EDITAL\nPREGÃO ELETRÔNICO Nº 1/2025\nData da sessão: 06/11/2025\n"
                    "Abertura da sessão pública: 06/11/2025 às 10h" + FILLER)
    assert values["session_datetime"] == "2025-11-06T10:00:00-03:00"


@pytest.mark.parametrize("line", [
    "Dia 15 de março de 2025 (sábado), às 9h",
    "15/03/2025, sexta-feira, às 09h00",
    "15/03/2025 – segunda-feira – 9h",
    "Sábado, 15 de março de 2025, às 9 horas",
    "15/03/2025 às 09:00h (horário de Brasília)",
    "DIA 15/03/2025 - 9h30min",
])
def test_a_cover_line_with_only_a_date_and_an_hour_is_the_session(line: str) -> None:
    values = fields("PREFEITURA MUNICIPAL DE EXEMPLO\nEDITAL DE PREGÃO ELETRÔNICO Nº 1/2025\n" + line + FILLER)
    minutes = "30" if "9h30" in line else "00"
    assert values["session_datetime"] == f"2025-03-15T09:{minutes}:00-03:00"


@pytest.mark.parametrize("line", [
    "Publicado em 15/03/2025 às 9h",            # the line says what the date is: not the session
    "15/03/2025 às 9h – prazo final para impugnação",
    "Dia 15 de março de 2025 (sábado)",        # no hour
])
def test_other_dated_cover_lines_are_not_the_session(line: str) -> None:
    values = fields("PREFEITURA MUNICIPAL DE EXEMPLO\nEDITAL DE PREGÃO ELETRÔNICO Nº 1/2025\n" + line + FILLER)
    assert values["session_datetime"] is None


@pytest.mark.parametrize("line", [
    "Abertura da sessão pública: Dia 15 de março de 2025 (sábado), às 9h",
    "Abertura da sessão pública: 15/03/2025, sexta-feira, às 09h00",
    "DATA E HORÁRIO DA SESSÃO: 15/03/2025 – segunda-feira – 9h",
    "Data de abertura: 15/03/2025 (sábado)\nHorário: 9 horas",
    "Abertura da sessão pública: 15/03/2025, às 09:00h (horário de Brasília-DF)",
    "Abertura da sessão pública: aos quinze dias do mês de março de 2025 (sábado), às nove horas",
])
def test_labelled_session_with_a_weekday_between_date_and_hour(line: str) -> None:
    values = fields("EDITAL\nPREGÃO ELETRÔNICO Nº 1/2025\n" + line + FILLER)
    assert values["session_datetime"] == "2025-03-15T09:00:00-03:00"


@pytest.mark.parametrize("line", [
    "DATA DO CERTAME: 15/03/2025 HORA: 9h",
    "Data do pregão: 15/03/2025 às 9h",
    "DATA DA LICITAÇÃO: 15/03/2025 às 9h",
    "Realização do pregão: 15/03/2025 às 9h",
    "Data e hora de abertura das propostas: 15/03/2025 às 9h",
])
def test_cover_labels_that_name_the_procedure(line: str) -> None:
    values = fields("EDITAL\nPREGÃO ELETRÔNICO Nº 1/2025\n" + line + FILLER)
    assert values["session_datetime"] == "2025-03-15T09:00:00-03:00"


def test_the_procedure_date_in_prose_is_no_label() -> None:
    values = fields("EDITAL\nPREGÃO ELETRÔNICO Nº 1/2025\nA proposta valerá 60 dias da data do pregão, "
                    "conforme a ata publicada em 15/03/2025 às 9h no mural." + FILLER)
    assert values["session_datetime"] is None


@pytest.mark.parametrize("line", [
    "Fica alterada a data da sessão pública, anteriormente marcada para 10/04/2024, para o dia 22/04/2024 às 09h00.",
    "DATA DA SESSÃO PÚBLICA: 22/04/2024 às 09h00 (inicialmente prevista para 10/04/2024)",
])
def test_a_rescheduled_session_is_the_new_date(line: str) -> None:
    page = "EDITAL\nPREGÃO ELETRÔNICO Nº 18/2024\nLei nº 14.133/2021\n" + line + "\n"
    assert fields(page + FILLER)["session_datetime"] == "2024-04-22T09:00:00-03:00"


@pytest.mark.parametrize(("line", "value"), [
    ("Abertura da sessão pública: 14/05/2024 às 9h (horário de Cuiabá-MT)", "2024-05-14T09:00:00-04:00"),
    ("Data da sessão: 14/05/2024 às 9h, horário oficial de Mato Grosso do Sul", "2024-05-14T09:00:00-04:00"),
    ("Data da sessão: 14/05/2024 às 9h (horário do Acre)", "2024-05-14T09:00:00-05:00"),
    ("Data da sessão: 14/05/2024 às 9h (GMT-4)", "2024-05-14T09:00:00-04:00"),
    ("Data da sessão: 14/05/2024 às 9h (horário de Brasília)", "2024-05-14T09:00:00-03:00"),
])
def test_a_session_held_in_another_time_zone_keeps_its_offset(line: str, value: str) -> None:
    page = "EDITAL\nPREGÃO ELETRÔNICO Nº 12/2024\nLei nº 14.133/2021\n" + line + "\n"
    assert fields(page + FILLER)["session_datetime"] == value
