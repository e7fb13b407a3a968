"""Brazilian formats: money (R$ 1.234,56), dates (dd/mm/aaaa, "20 de julho de 2022"), times
("09h30", "13:00 horas", OCR's "08HOOMIN"), CNPJ check digits and modality names (old and new law)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation

from licita.core.brazil import is_ascii_digits, is_valid_cnpj
from licita.extraction.text import fold
from licita.extraction.words import written_date, written_time

BRT = timezone(timedelta(hours=-3), "BRT")

MONTHS = {
    "janeiro": 1, "fevereiro": 2, "marco": 3, "abril": 4, "maio": 5, "junho": 6, "julho": 7,
    "agosto": 8, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
}

# -- money ---------------------------------------------------------------------------------------

# Up to 4 decimals: ComprasNet's reports print unit values as "R$ 12,5000" (read "12" before).
# (a scan may print the decimal comma after thousands as a period: "R$ 63.428.30")
# (the amount on the line after "R$" at most, never past a blank line; "R$\n\n§ 4º" is a paragraph number, and
# an ordinal, "4º" folded to "4o", is no amount)
MONEY_RE = re.compile(
    r"r\$[ \t]*\n?[ \t]*(?:r\$\s*)?(\d{1,3}(?:[.\s]\d{3})+(?:,\d{1,4}|\.\d{2}(?![\d.]))?|\d+(?:,\d{1,4})?)(?!\d)"
    r"(?![oa]\b)(?:\s*(mil|milhao|milhoes|bilhao|bilhoes)\b)?"
)
_SCALE = {"mil": 1_000, "milhao": 1_000_000, "milhoes": 1_000_000, "bilhao": 10**9, "bilhoes": 10**9}


def parse_money(text: str) -> float | None:
    """Parse the first Brazilian money amount in ``text`` ("R$ 1.234,56", "R$ 225 milhões")."""
    m = MONEY_RE.search(fold(text))
    if not m:
        m = re.fullmatch(r"\s*(\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+,\d{1,2})\s*", text)
        if not m:
            return None
        return parse_number(m.group(1))
    value = parse_number(m.group(1))
    if value is None:
        return None
    scale = m.group(2) if m.lastindex and m.lastindex >= 2 else None
    return round(value * _SCALE[scale], 2) if scale else value


def parse_number(text: str) -> float | None:
    """Parse "1.234,56" / "135.000" / "10" (dot = thousands, comma = decimals) to a float."""
    text = text.strip()
    if "," not in text and re.search(r"\d\.\d{3}\.\d{2}$", text):
        text = text[:-3] + "," + text[-2:]  # "63.428.30": the decimal comma read as a period after thousands
    cleaned = re.sub(r"[\s.]", "", text).replace(",", ".")
    try:
        return float(Decimal(cleaned))
    except (InvalidOperation, ValueError):
        return None


def format_brl(value: float) -> str:
    s = f"{value:,.2f}"
    return "R$ " + s.replace(",", "_").replace(".", ",").replace("_", ".")


# -- dates and times -----------------------------------------------------------------------------

DATE_NUM_RE = re.compile(r"\b(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4}|\d{2})\b")
DATE_TEXT_RE = re.compile(
    r"\b(\d{1,2})o?\s+de\s+(janeiro|fevereiro|marco|abril|maio|junho|julho|agosto|setembro|outubro|"
    r"novembro|dezembro)\s+de\s+(\d{4})\b"
)
# "09h30", "9h", "09:30", "13:00 horas", "09H00MIN", OCR "08HOOMIN" / "09HOQMIN" (O or Q for a zero: Tesseract's
# usual confusions in upper-case runs), "15 horas", "09hrs";
# "09.30 horas" (a dot or comma only before an hour unit); "9 horas e 30 minutos", "09h e 30min".
TIME_RE = re.compile(
    r"(?<![\d/.,])([01]?\d|2[0-3])\s*(?:\([a-z ]{2,20}\)\s*)?"
    r"(?:(?:h|:|hs|hrs|horas?)\s*([0-5oOqQ][\doOqQ])(?:\s*min(?:utos)?)?|"
    r"[.,]([0-5]\d)\s*(?:hs?\b|hrs\b|horas?\b)|"
    r"\s*(?:h|hs|hrs|horas?)\s+e\s+([0-5]?\d)\s*(?:\([a-z ]{2,20}\)\s*)?min|"
    r"\s*(?:h\b|hs\b|hrs\b|horas?\b|h(?=\s*[^\w]|\s*$)|h(?=\s*min)))"
)


_ZERO_LOOKALIKES = str.maketrans("oOqQ", "0000")


def parse_date(text: str) -> date | None:
    """First date in ``text``: numeric (dd/mm/aaaa, dd.mm.aaaa) or written ("1º de abril de 2021")."""
    return _first_date(fold(text))[0]


def _first_date(folded: str) -> tuple[date | None, int]:
    best: tuple[date | None, int] = (None, -1)
    for regex in (DATE_NUM_RE, DATE_TEXT_RE):
        for m in regex.finditer(folded):
            d = _date_from_match(m)
            if d is not None:
                if best[0] is None or m.start() < best[1]:
                    best = (d, m.start())
                break
    # written out: "aos dez dias do mês de março de dois mil e vinte e cinco"
    w, w_start, _ = written_date(folded)
    if w is not None and (best[0] is None or w_start < best[1]):
        best = (w, w_start)
    return best


def _date_from_match(m: re.Match[str]) -> date | None:
    day, month_s, year_s = m.group(1), m.group(2), m.group(3)
    month = MONTHS.get(month_s) if not is_ascii_digits(month_s) else int(month_s)
    year = int(year_s)
    if year < 100:
        year += 2000
    try:
        return date(year, month or 0, int(day))
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    m = TIME_RE.search(fold(text))
    return _time_from_match(m) if m else None


def _time_from_match(m: re.Match[str]) -> time | None:
    hour = int(m.group(1))
    minutes = (m.group(2) or m.group(3) or m.group(4) or "00").translate(_ZERO_LOOKALIKES)
    try:
        return time(hour, int(minutes))
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | date | None:
    """Date and time found in a short window ("às 09:00 do dia 15/12/2025", "08/12/2025 às 08:30h").

    Returns an aware ``datetime`` in Brasília time when a time is present, a ``date`` otherwise.
    """
    folded = fold(text)
    d, pos = _first_date(folded)
    if d is None:
        return None
    # Times inside the date itself ("15.12.2025") are excluded by TIME_RE's look-behind.
    for m in TIME_RE.finditer(folded):
        if pos <= m.start() < pos + 10:
            continue
        t = _time_from_match(m)
        if t is not None:
            return datetime.combine(d, t, BRT)
    t = written_time(folded)
    if t is not None:
        return datetime.combine(d, t, BRT)
    return d


def iso(value: datetime | date) -> str:
    return value.isoformat()


# -- CNPJ ----------------------------------------------------------------------------------------

# The "no digit before" check comes after the first two digits ((?<!\d\d\d) there is (?<!\d) before them): a
# pattern that opens with a digit class lets ``re`` skip to the next digit, one that opens with a lookbehind is
# tried at every offset. Same matches; the whole TRT edital: 16.7 -> 5.9 ms.
CNPJ_RE = re.compile(r"(\d{2})(?<!\d\d\d)\s?\.?\s?(\d{3})\s?\.?\s?(\d{3})\s?/?\s?(\d{4})\s?-?\s?(\d{2})(?!\d)")


cnpj_is_valid = is_valid_cnpj  # the one CNPJ check (licita.core.brazil), under the engine's name


def format_cnpj(digits: str) -> str:
    return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"


# -- modality names --------------------------------------------------------------------------------

_MODALITY_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"preg[a-z]o\s*(?:,\s*)?(?:na\s+forma\s+|em\s+sua\s+forma\s+|modo\s+|forma\s+)?eletr[o0]nico|"
                r"preg[a-z]o\s*(?:,\s*)?(?:na\s+forma\s+|forma\s+)eletronica|\bpe\s*n[o.]"), "pregao_eletronico"),
    (re.compile(r"preg[a-z]o\s*(?:,\s*)?(?:na\s+forma\s+|forma\s+)?presencial"), "pregao_presencial"),
    (re.compile(r"concorrencia\s*(?:publica\s*)?(?:,\s*)?(?:na\s+forma\s+|forma\s+)?eletronica"),
     "concorrencia_eletronica"),
    (re.compile(r"concorrencia\s*(?:publica\s*)?(?:,\s*)?(?:na\s+forma\s+|forma\s+)?presencial"),
     "concorrencia_presencial"),
    (re.compile(r"dispensa\s+(?:de\s+licitacao\s+)?(?:,\s*)?(?:na\s+forma\s+|forma\s+)?eletronica|"
                r"contratacao\s+direta\s+eletronica"), "dispensa_eletronica"),
    (re.compile(r"dispensa\s+de\s+licitacao|\bdispensa\s+n[o.]|contratacao\s+direta"), "dispensa"),
    (re.compile(r"inexigibilidade"), "inexigibilidade"),
    (re.compile(r"(?:edital\s+de\s+|chamamento\s+publico\s+(?:para\s+)?)credenciamento|credenciamento\s+n[o.]"),
     "credenciamento"),
    (re.compile(r"leilao\s+(?:eletronico|presencial|publico|n[o.])"), "leilao"),
    (re.compile(r"dialogo\s+competitivo"), "dialogo_competitivo"),
    (re.compile(r"tomada\s+de\s+precos?"), "tomada_de_precos"),
    (re.compile(r"\bcarta[\s-]+convite|\bconvite\s*(?:n[o.]|eletronico|presencial|$)"), "convite"),
    (re.compile(r"\bconcurso\s+n[o.]"), "concurso"),
    (re.compile(r"\bpregao\b"), "pregao_eletronico_or_presencial"),
    (re.compile(r"\bconcorrencia\b"), "concorrencia"),
]
# Lei 8.666 modalities that Lei 14.133 abolished (still in the vocabulary for older editais).
LEGACY_MODALITIES = {"tomada de precos": "tomada_de_precos", "convite": "convite"}


def normalize_modality(name: str) -> str | None:
    """Map a written modality ("PREGÃO ELETRÔNICO", "Pregão, na forma eletrônica", "Dispensa
    Eletrônica") to the vocabulary. Bare "pregão"/"concorrência" default to the electronic form,
    the rule under Lei 14.133 (art. 17 §2º); legacy 8.666 names give tomada_de_precos / convite."""
    folded = " ".join(fold(name).split())
    for legacy, value in LEGACY_MODALITIES.items():
        if folded.startswith(legacy):
            return value
    for regex, value in _MODALITY_RULES:
        if regex.search(folded):
            if value == "pregao_eletronico_or_presencial":
                return "pregao_eletronico"
            if value == "concorrencia":
                return "concorrencia_eletronica"
            return value
    return None
