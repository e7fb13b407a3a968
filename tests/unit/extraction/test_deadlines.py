"""Business days with national holidays and the art. 164 cut-offs."""

from __future__ import annotations

from datetime import date, datetime

from licita.extraction.deadlines import (
    BRT,
    add_business_days,
    business_days_between,
    easter,
    is_business_day,
    national_holidays,
    statutory_deadlines,
)


def test_easter_dates() -> None:
    assert easter(2024) == date(2024, 3, 31)
    assert easter(2025) == date(2025, 4, 20)
    assert easter(2026) == date(2026, 4, 5)


def test_movable_holidays_2025() -> None:
    h = national_holidays(2025)
    assert date(2025, 3, 3) in h and date(2025, 3, 4) in h  # Carnaval
    assert date(2025, 4, 18) in h  # Sexta-feira Santa
    assert date(2025, 6, 19) in h  # Corpus Christi
    assert not is_business_day(date(2025, 3, 4))
    assert is_business_day(date(2025, 3, 5))  # Ash Wednesday counts (afternoon work)


def test_consciencia_negra_only_since_2024() -> None:
    assert date(2024, 11, 20) in national_holidays(2024)
    assert date(2023, 11, 20) not in national_holidays(2023)


def test_add_business_days_skips_carnival_and_weekend() -> None:
    # Friday 28/02/2025 + 1 business day jumps the weekend and Carnival Monday/Tuesday.
    assert add_business_days(date(2025, 2, 28), 1) == date(2025, 3, 5)
    assert add_business_days(date(2025, 3, 5), -1) == date(2025, 2, 28)
    assert business_days_between(date(2025, 2, 28), date(2025, 3, 5)) == 1


def test_corpus_christi_2025_is_skipped() -> None:
    # Session Monday 23/06/2025: 3 business days before skip Thu 19/06 (Corpus Christi) -> Tue 17/06.
    assert add_business_days(date(2025, 6, 23), -3) == date(2025, 6, 17)


def test_statutory_deadlines_art_164() -> None:
    session = datetime(2025, 11, 19, 9, 0, tzinfo=BRT)  # Wednesday
    deadlines = {d.kind: d for d in statutory_deadlines(session)}
    # Wed 19 -> Tue 18 (1), Mon 17 (2), Fri 14 (3); Sat 15 and Sun 16 are skipped.
    assert deadlines["impugnacao"].due_at == datetime(2025, 11, 14, 23, 59, 59, tzinfo=BRT)
    assert deadlines["esclarecimento"].due_at == deadlines["impugnacao"].due_at
    assert "art. 164" in deadlines["impugnacao"].basis
    assert deadlines["resposta_limite"].due_at.date() == date(2025, 11, 18)


def test_statutory_deadlines_skip_consciencia_negra() -> None:
    session = datetime(2025, 11, 24, 10, 0, tzinfo=BRT)  # Monday; Thu 20/11 is a holiday
    due = {d.kind: d for d in statutory_deadlines(session)}["impugnacao"].due_at
    assert due.date() == date(2025, 11, 18)
