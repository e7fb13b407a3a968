"""Brazilian formats: money, dates/times, CNPJ check digits and modality names."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from licita.extraction.formats import (
    BRT,
    MONEY_RE,
    cnpj_is_valid,
    format_brl,
    normalize_modality,
    parse_date,
    parse_datetime,
    parse_money,
    parse_number,
    parse_time,
)
from licita.extraction.text import fold


@pytest.mark.parametrize(("text", "value"), [
    ("R$ 1.234,56", 1234.56),
    ("valor de R$ 8.430.936,71 (oito milhões)", 8430936.71),
    ("R$ 455,00", 455.0),
    ("R$0,01", 0.01),
    ("R$ R$ 61.787,00", 61787.0),
    ("até R$ 225 milhões", 225_000_000.0),
    ("R$ 50 mil", 50_000.0),
    ("1.788.860,72", 1788860.72),
    ("sem valor", None),
    # a scan's period for the decimal comma after thousands; a period before three digits is still thousands
    ("R$ 63.428.30 (sessenta e três mil)", 63428.3),
    ("R$ 1.500.000 (um milhão e meio)", 1_500_000.0),
])
def test_parse_money(text: str, value: float | None) -> None:
    assert parse_money(text) == value


@pytest.mark.parametrize(("text", "amount"), [
    ("O valor estimado é de R$\n1.234,56 (mil …)", "1.234,56"),  # the amount on the next line
    # a paragraph number after a blank line ("§ 4º" read "84º") is no amount, nor an ordinal after "R$"
    ("O valor estimado para despesas é de R$\n\n84º Os preços contratados", None),
    ("conforme o R$ 4º parágrafo", None),
])
def test_money_stays_in_its_paragraph(text: str, amount: str | None) -> None:
    found = MONEY_RE.search(fold(text))
    assert (found.group(1) if found else None) == amount


def test_parse_number_and_format() -> None:
    assert parse_number("135.000") == 135000
    assert parse_number("0,5") == 0.5
    assert parse_number("63.428.30") == 63428.3  # OCR: the decimal comma read as a period
    assert parse_number("1.234.567") == 1234567
    assert format_brl(1234567.8) == "R$ 1.234.567,80"


@pytest.mark.parametrize(("text", "value"), [
    ("08/12/2025", date(2025, 12, 8)),
    ("29.06.2026", date(2026, 6, 29)),
    ("20 de julho de 2022", date(2022, 7, 20)),
    ("1º de abril de 2021", date(2021, 4, 1)),
    ("31/02/2025", None),
])
def test_parse_date(text: str, value: date | None) -> None:
    assert parse_date(text) == value


@pytest.mark.parametrize(("text", "hour", "minute"), [
    ("às 09h30", 9, 30), ("13:00 horas", 13, 0), ("às 15h (horário de Brasília)", 15, 0),
    ("ÀS 09H00MIN", 9, 0), ("ATÉ AS 08HOOMIN", 8, 0), ("08:30h", 8, 30), ("DE | js o9HOQMIN DO DIA", 9, 0),
    ("ÀS 14HQ0MIN", 14, 0), ("às 10h3O", 10, 30),
    # issue 12: "hrs", a dot or comma before an hour unit, minutes after "e"
    ("às 09hrs", 9, 0), ("às 09.30 horas", 9, 30), ("às 09,00h", 9, 0), ("às 9 horas e 30 minutos", 9, 30),
    ("às 09h e 30min", 9, 30), ("às 9 (nove) horas e 15 (quinze) minutos", 9, 15),
])
def test_parse_time(text: str, hour: int, minute: int) -> None:
    t = parse_time(text)
    assert t is not None and (t.hour, t.minute) == (hour, minute)


@pytest.mark.parametrize("text", [
    "08/12/2025 às 08:30h", "às 08:30 do dia 08/12/2025", "Dia\n08/12/2025\nHora\n08:30 h",
    "ÀS 08H30MIN DO DIA: 08/12/2025",
])
def test_parse_datetime_orders(text: str) -> None:
    assert parse_datetime(text) == datetime(2025, 12, 8, 8, 30, tzinfo=BRT)


@pytest.mark.parametrize("text", [
    "R$ 9,30 por unidade em 15/10/2024",  # money is no time
    "sessão em 15/10/2024, item 9.30",  # a dotted number without an hour unit is no time
    "sessão em 15/10/2024, das 9 e 30 pessoas",
])
def test_numbers_that_are_not_times(text: str) -> None:
    assert parse_datetime(text) == date(2024, 10, 15)


def test_parse_datetime_without_time_is_a_date() -> None:
    assert parse_datetime("sessão em 15/10/2024") == date(2024, 10, 15)
    assert parse_datetime("de 08h às 15h do dia 20 de julho de 2022") == datetime(2022, 7, 20, 8, 0, tzinfo=BRT)


@pytest.mark.parametrize(("cnpj", "ok"), [
    ("44.430.783/0001-19", True), ("02.395.868/0001-63", True), ("45781176000166", True),
    ("44.430.783/0001-18", False), ("11.111.111/1111-11", False), ("123", False),
])
def test_cnpj_check_digits(cnpj: str, ok: bool) -> None:
    assert cnpj_is_valid(cnpj) is ok


@pytest.mark.parametrize(("name", "value"), [
    ("PREGÃO ELETRÔNICO", "pregao_eletronico"),
    ("Pregão, na forma Eletrônica", "pregao_eletronico"),
    ("Pregão Presencial", "pregao_presencial"),
    ("CONCORRÊNCIA na forma ELETRÔNICA", "concorrencia_eletronica"),
    ("Concorrência presencial", "concorrencia_presencial"),
    ("Dispensa Eletrônica", "dispensa_eletronica"),
    ("Dispensa de Licitação", "dispensa"),
    ("Inexigibilidade", "inexigibilidade"),
    ("Diálogo Competitivo", "dialogo_competitivo"),
    ("Tomada de Preços", "tomada_de_precos"),  # Lei 8.666 modalities, kept in the vocabulary
    ("Convite", "convite"),
    ("Carta-Convite nº 3/2019", "convite"),
])
def test_modality_names(name: str, value: str | None) -> None:
    assert normalize_modality(name) == value


def test_fold_keeps_length() -> None:
    text = "PREGÃO ELETRÔNICO Nº 035/2018 – Licitação\tÍtem"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded.startswith("pregao eletronico no 035/2018 - licitacao item")


@pytest.mark.parametrize("text", [
    "Ação • item → 1º lote “Único” — §2º ẞ€ İstanbul\u200b\x00 ÿ\u00a0ñ",  # wide characters kept or folded
    "só ASCII\tcom\x0bcontrole\x0c", "", "•", "ÀÉÎÕÜ ÇÑ ªº° ´` « » ‐‑‒−",
])
def test_fold_equals_the_character_by_character_mapping(text: str) -> None:
    """The bytes.translate fast path gives what mapping each lowered character through the table gives."""
    from licita.extraction.text import _MAP

    lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    expected = "".join(_MAP.get(c, c) if c == "\t" or c in "\x0b\x0c" or ord(c) > 0x7F else c for c in lowered)
    assert fold(text) == expected and len(fold(text)) == len(text)


@pytest.mark.parametrize("text", [
    "CNPJ 12.345.678/0001-90 e 12345678000190", "112.345.678/0001-90", "12.345.678/0001-901", "x12 345 678 0001 90",
    "01.234.567/8901-23/45.678.901/2345-67", "1234567800019", "00.000.000/0000-00 9", "",
])
def test_cnpj_pattern_matches_exactly_where_the_lookbehind_first_form_does(text: str) -> None:
    """The digit-first CNPJ pattern (fast: ``re`` skips to digits) finds what "(?<!\\d)" first finds."""
    import re

    from licita.extraction.formats import CNPJ_RE

    reference = re.compile(r"(?<!\d)(\d{2})\s?\.?\s?(\d{3})\s?\.?\s?(\d{3})\s?/?\s?(\d{4})\s?-?\s?(\d{2})(?!\d)")
    for pos in range(len(text) + 1):
        assert [(m.span(), m.groups()) for m in CNPJ_RE.finditer(text, pos)] == \
            [(m.span(), m.groups()) for m in reference.finditer(text, pos)]


@pytest.mark.parametrize(("text", "joined"), [
    ("a licita-\ncao foi", "a licitacao\n  foi"), ("aquisi-\n   cao de", "aquisicao\n     de"),
    ("2024-\n2025", "2024-\n2025"), ("item -\nsegue", "item -\nsegue"), ("guarda-\n-chuva", "guarda-\n-chuva"),
    ("fim-\n", "fim-\n"), ("x-\ny z", "x-\ny z"),
])
def test_hyphenated_words_are_joined_without_moving_other_offsets(text: str, joined: str) -> None:
    from licita.extraction.text import join_hyphenated

    assert join_hyphenated(text) == joined and len(joined) == len(text)


@pytest.mark.parametrize(("text", "squashed"), [
    ("Prefei-\ntura  Municipal", "Prefeitura Municipal"), ("Aquisi-\n  ção de", "Aquisição de"),
    ("2024-\n2025", "2024- 2025"), ("item -\nsegue", "item - segue"), ("guarda-\n-chuva", "guarda- -chuva"),
])
def test_squash_joins_hyphenated_words(text: str, squashed: str) -> None:
    from licita.extraction.text import squash

    assert squash(text) == squashed


@pytest.mark.parametrize(("text", "amount"), [
    ("R$ 12,5000", "12,5000"), ("R$ 0,0450 por unidade", "0,0450"), ("R$ 1.234,56", "1.234,56"), ("R$ 10", "10"),
])
def test_money_keeps_up_to_four_decimals(text: str, amount: str) -> None:
    m = MONEY_RE.search(text.lower())
    assert m is not None and m.group(1) == amount
