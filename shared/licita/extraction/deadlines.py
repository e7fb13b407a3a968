"""Business days with Brazilian national holidays, and the Lei 14.133 art. 164 cut-offs.

Counting follows art. 183 of Lei 14.133: the day of the event is excluded and only business days
count, so "até 3 dias úteis antes da data de abertura" of a Thursday session is the Monday before.
Carnival (Mon/Tue) and Corpus Christi are federal *pontos facultativos*, but public bodies close on
them and editais treat them as non-business days, so they are counted as holidays here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

BRT = timezone(timedelta(hours=-3), "BRT")

ART_164_BASIS = ("Lei 14.133/2021, art. 164: impugnação e pedido de esclarecimento até 3 dias úteis "
                 "antes da data de abertura do certame")
ART_164_ANSWER_BASIS = ("Lei 14.133/2021, art. 164, parágrafo único: resposta em até 3 dias úteis, "
                        "limitada ao último dia útil anterior à abertura")


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm / Meeus-Jones-Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def national_holidays(year: int) -> dict[date, str]:
    e = easter(year)
    days = {
        date(year, 1, 1): "Confraternização Universal",
        date(year, 4, 21): "Tiradentes",
        date(year, 5, 1): "Dia do Trabalho",
        date(year, 9, 7): "Independência do Brasil",
        date(year, 10, 12): "Nossa Senhora Aparecida",
        date(year, 11, 2): "Finados",
        date(year, 11, 15): "Proclamação da República",
        date(year, 12, 25): "Natal",
        e - timedelta(days=48): "Carnaval (segunda-feira)",
        e - timedelta(days=47): "Carnaval (terça-feira)",
        e - timedelta(days=2): "Sexta-feira Santa",
        e + timedelta(days=60): "Corpus Christi",
    }
    if year >= 2024:  # Lei 14.759/2023
        days[date(year, 11, 20)] = "Dia Nacional de Zumbi e da Consciência Negra"
    return days


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in national_holidays(day.year)


def add_business_days(start: date, n: int) -> date:
    """The n-th business day after (n > 0) or before (n < 0) ``start``, excluding ``start`` itself."""
    step = 1 if n >= 0 else -1
    day = start
    remaining = abs(n)
    while remaining:
        day += timedelta(days=step)
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -business_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day):
            count += 1
    return count


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str  # "impugnacao" | "esclarecimento" | "resposta_limite"
    due_at: datetime
    basis: str


def statutory_deadlines(session: datetime) -> list[Deadline]:
    """Art. 164 cut-offs for a session (opening) date/time; naive datetimes are Brasília time."""
    tz = session.tzinfo or BRT
    cutoff = add_business_days(session.date(), -3)
    end_of_day = datetime.combine(cutoff, time(23, 59, 59), tz)
    last_before = add_business_days(session.date(), -1)
    return [
        Deadline("impugnacao", end_of_day, ART_164_BASIS),
        Deadline("esclarecimento", end_of_day, ART_164_BASIS),
        Deadline("resposta_limite", datetime.combine(last_before, time(23, 59, 59), tz), ART_164_ANSWER_BASIS),
    ]
