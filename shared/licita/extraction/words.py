"""Numbers, dates and times written out in Portuguese words, as 8.666-era avisos and atas do:
"aos dez dias do mês de março de dois mil e vinte e cinco, às nove horas e trinta minutos".

Everything here works on *folded* text (lower case, no accents; see ``text.fold``).
"""

from __future__ import annotations

import re
from datetime import date, time

from licita.core.brazil import is_ascii_digits

_UNITS = {
    "zero": 0, "um": 1, "uma": 1, "primeiro": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5,
    "seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12, "treze": 13,
    "quatorze": 14, "catorze": 14, "quinze": 15, "dezesseis": 16, "dezasseis": 16, "dezessete": 17,
    "dezoito": 18, "dezenove": 19, "vinte": 20, "trinta": 30, "quarenta": 40, "cinquenta": 50,
    "cincoenta": 50, "sessenta": 60, "setenta": 70, "oitenta": 80, "noventa": 90, "cem": 100,
    "cento": 100, "duzentos": 200, "duzentas": 200, "trezentos": 300, "quatrocentos": 400,
    "quinhentos": 500, "seiscentos": 600, "setecentos": 700, "oitocentos": 800, "novecentos": 900,
}
_WORD = r"(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"|mil)"
# "dois mil e vinte e cinco", "vinte e um", "mil novecentos e noventa e nove"
NUMBER_WORDS = _WORD + r"(?:(?:\s+e\s+|\s+)" + _WORD + r")*"
_NUMBER_WORDS_RE = re.compile(r"\b" + NUMBER_WORDS + r"\b")

_MONTHS = ("janeiro|fevereiro|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro")
_MONTH_NUM = {m: i + 1 for i, m in enumerate(_MONTHS.split("|"))}

# "aos dez dias do mês de março de dois mil e vinte e cinco", "no dia 10 (dez) de março do ano de 2025",
# "dia primeiro de abril de 2025"
WRITTEN_DATE_RE = re.compile(
    r"\b(\d{1,2}|" + NUMBER_WORDS + r")o?(?:\s*\([a-z\s]+\))?\s+(?:dias?\s+)?(?:d[oe]\s+)?(?:mes\s+de\s+)?"
    r"(?:de\s+)?(" + _MONTHS + r")\s*(?:,\s*)?(?:d[eo]\s+)?(?:(?:corrente\s+)?ano\s+(?:de\s+)?)?"
    r"(\d{4}|" + NUMBER_WORDS + r")\b"
)
# "às nove horas", "às nove horas e trinta minutos", "às quatorze horas e trinta", "às 9 (nove) horas"
WRITTEN_TIME_RE = re.compile(
    r"\b(?:as|a\s+partir\s+das|das)\s+(\d{1,2}|" + NUMBER_WORDS + r")\s*(?:\([a-z\s]+\)\s*)?horas?"
    r"(?:\s+e\s+(\d{1,2}|" + NUMBER_WORDS + r")(?:\s*\([a-z\s]+\))?(?:\s+minutos?)?)?\b"
)


def words_to_int(text: str) -> int | None:
    """Value of a number written in words ("dois mil e vinte e cinco" = 2025) or in digits."""
    text = text.strip()
    if is_ascii_digits(text):
        return int(text)
    if not _NUMBER_WORDS_RE.fullmatch(text):
        return None
    total = 0
    current = 0
    for word in re.findall(_WORD, text):
        if word == "mil":
            total += (current or 1) * 1000
            current = 0
        else:
            current += _UNITS[word]
    return total + current


def written_date(folded: str) -> tuple[date | None, int, int]:
    """First date written with a month name (day and year in digits or words); (date, start, end)."""
    for m in WRITTEN_DATE_RE.finditer(folded):
        day = words_to_int(m.group(1))
        year = words_to_int(m.group(3))
        if day is None or year is None or not 1900 <= year <= 2100:
            continue
        try:
            return date(year, _MONTH_NUM[m.group(2)], day), m.start(), m.end()
        except ValueError:
            continue
    return None, -1, -1


def written_time(folded: str) -> time | None:
    """First time of day written as "às nove horas (e trinta minutos)"."""
    for m in WRITTEN_TIME_RE.finditer(folded):
        hour = words_to_int(m.group(1))
        minute = words_to_int(m.group(2)) if m.group(2) else 0
        if hour is None or minute is None or hour > 23 or minute > 59:
            continue
        return time(hour, minute)
    return None
