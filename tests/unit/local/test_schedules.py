"""rate()/cron() next-fire computation (AWS flavour: 6 fields, 1=SUN, ?, L, W, #)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from licita_local.schedules import Cron, ScheduleError, next_fire, parse_rate


def dt(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)  # type: ignore[misc]


def test_rate() -> None:
    assert parse_rate("rate(5 minutes)") == timedelta(minutes=5)
    assert parse_rate("rate(1 hour)") == timedelta(hours=1)
    assert parse_rate("rate(2 days)") == timedelta(days=2)
    for bad in ("rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 weeks)", "every 5 minutes"):
        with pytest.raises(ScheduleError):
            parse_rate(bad)


def test_rate_next_fire_is_anchored_at_creation() -> None:
    created = dt(2026, 1, 1, 10, 0, 30)
    assert next_fire("rate(5 minutes)", created, created) == dt(2026, 1, 1, 10, 5, 30)
    assert next_fire("rate(5 minutes)", dt(2026, 1, 1, 10, 5, 30), created) == dt(2026, 1, 1, 10, 10, 30)
    assert next_fire("rate(5 minutes)", dt(2026, 1, 1, 10, 7), created) == dt(2026, 1, 1, 10, 10, 30)


@pytest.mark.parametrize(("expr", "after", "expected"), [
    ("cron(0/15 * * * ? *)", dt(2026, 3, 4, 10, 7), dt(2026, 3, 4, 10, 15)),
    ("cron(0 12 * * ? *)", dt(2026, 3, 4, 12, 0), dt(2026, 3, 5, 12, 0)),  # strictly after
    ("cron(0 12 * * ? *)", dt(2026, 3, 4, 11, 59, 59), dt(2026, 3, 4, 12, 0)),
    ("cron(0 8 ? * MON-FRI *)", dt(2026, 3, 6, 9, 0), dt(2026, 3, 9, 8, 0)),  # Fri after 8 -> Mon
    ("cron(0 8 ? * 2-6 *)", dt(2026, 3, 7, 0, 0), dt(2026, 3, 9, 8, 0)),  # numeric: 2=MON
    ("cron(30 2 1 * ? *)", dt(2026, 1, 15), dt(2026, 2, 1, 2, 30)),
    ("cron(0 0 L * ? *)", dt(2026, 2, 1), dt(2026, 2, 28, 0, 0)),
    ("cron(0 0 L * ? *)", dt(2028, 2, 1), dt(2028, 2, 29, 0, 0)),  # leap year
    ("cron(0 10 ? * 6#3 *)", dt(2026, 3, 1), dt(2026, 3, 20, 10, 0)),  # third Friday
    ("cron(0 10 ? * 2L *)", dt(2026, 3, 1), dt(2026, 3, 30, 10, 0)),  # last Monday
    ("cron(0 9 15W * ? *)", dt(2026, 8, 1), dt(2026, 8, 14, 9, 0)),  # 15th is a Saturday -> Friday 14th
    ("cron(0 0 1 JAN,JUL ? *)", dt(2026, 2, 1), dt(2026, 7, 1)),
    ("cron(5,35 9-10 * * ? *)", dt(2026, 1, 1, 9, 35), dt(2026, 1, 1, 10, 5)),
    ("cron(0 0 1 1 ? 2030)", dt(2026, 1, 1), dt(2030, 1, 1)),
    ("cron(0 18 ? * FRI-MON *)", dt(2026, 3, 10, 0, 0), dt(2026, 3, 13, 18, 0)),  # wrap-around range
])
def test_cron_next_fire(expr: str, after: datetime, expected: datetime) -> None:
    assert next_fire(expr, after) == expected


def test_cron_validation() -> None:
    for bad in ("cron(* * * * *)", "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(61 * * * ? *)",
                "cron(0 25 * * ? *)", "cron(0 0 ? * XYZ *)"):
        with pytest.raises(ScheduleError):
            Cron.parse(bad)
    with pytest.raises(ScheduleError):
        next_fire("cron(0 0 1 1 ? 2020)", dt(2026, 1, 1))
    with pytest.raises(ScheduleError):
        next_fire("whenever", dt(2026, 1, 1))


def test_at_expression() -> None:
    assert next_fire("at(2030-01-02T03:04:00)", dt(2026, 1, 1)) == dt(2030, 1, 2, 3, 4)
