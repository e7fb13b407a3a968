"""EventBridge schedules: ``rate(...)`` and AWS's 6-field ``cron(...)``, fired on time or by hand.

AWS cron differs from Unix cron: six fields (minutes hours day-of-month month day-of-week year), one of
day-of-month / day-of-week must be ``?``, day-of-week is 1-7 = SUN-SAT, and ``L`` / ``W`` / ``#`` exist.
All times are UTC, like EventBridge.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import re
import threading
from calendar import monthrange
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from licita_local.events import schedule_payload
from licita_local.functions import FunctionHost
from licita_local.template import ScheduleEvent

log = logging.getLogger("licita.local.schedules")

_MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.I)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    """An expression EventBridge would reject."""


def parse_rate(expression: str) -> timedelta:
    m = _RATE.match(expression.strip())
    if not m:
        raise ScheduleError(f"not a rate expression: {expression!r}")
    n, unit = int(m.group(1)), m.group(2).lower()
    if n <= 0:
        raise ScheduleError("rate value must be positive")
    if (n == 1) != (not unit.endswith("s")):
        raise ScheduleError(f"use '{unit.rstrip('s')}' for 1 and '{unit.rstrip('s')}s' otherwise")
    return timedelta(seconds=n * _UNIT_SECONDS[unit.rstrip("s")])


def _field(text: str, lo: int, hi: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """A cron field (``*``, ``a``, ``a-b``, ``a/s``, ``a-b/s``, lists) as the set of allowed values."""
    out: set[int] = set()

    def value(tok: str) -> int:
        tok = tok.upper()
        if names and tok in names:
            return names[tok]
        if not tok.isdigit():
            raise ScheduleError(f"bad cron value {tok!r}")
        v = int(tok)
        if not lo <= v <= hi:
            raise ScheduleError(f"cron value {v} outside {lo}-{hi}")
        return v

    for part in text.split(","):
        base, _, step_s = part.partition("/")
        step = int(step_s) if step_s else 1
        if step <= 0:
            raise ScheduleError("cron step must be positive")
        if base in ("*", "?"):
            start, end = lo, hi
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = value(a), value(b)
        else:
            start = value(base)
            end = hi if step_s else start
        if start <= end:
            out.update(range(start, end + 1, step))
        else:  # wrap-around range such as FRI-MON
            out.update(v for i, v in enumerate([*range(start, hi + 1), *range(lo, end + 1)]) if i % step == 0)
    return frozenset(out)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: str  # kept raw: may hold L, W, ?
    months: frozenset[int]
    dow: str  # may hold L, #, ?
    years: frozenset[int]

    @classmethod
    def parse(cls, expression: str) -> Cron:
        body = expression.strip()
        if body.lower().startswith("cron(") and body.endswith(")"):
            body = body[5:-1]
        fields = body.split()
        if len(fields) != 6:
            raise ScheduleError(f"AWS cron needs 6 fields (min hour dom month dow year), got {len(fields)}")
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ScheduleError("exactly one of day-of-month and day-of-week must be '?'")
        cron = cls(_field(minute, 0, 59), _field(hour, 0, 23), dom.upper(), _field(month, 1, 12, _MONTHS),
                   dow.upper(), _field(year, 1970, 2199))
        cron._day_matches(2024, 1, 1)  # validate the day fields once
        return cron

    def _day_matches(self, y: int, mo: int, d: int) -> bool:
        last = monthrange(y, mo)[1]
        if self.dom != "?":
            return _dom_matches(self.dom, y, mo, d, last)
        aws_dow = (datetime(y, mo, d).weekday() + 1) % 7 + 1  # Monday=0 -> 2 ... Sunday=6 -> 1
        return _dow_matches(self.dow, aws_dow, d, last)

    def next_after(self, after: datetime) -> datetime:
        """First fire time strictly after ``after`` (UTC, minute resolution)."""
        t = after.astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
        for _ in range(200_000):
            if t.year > 2199:
                break
            if t.year not in self.years:
                t = datetime(t.year + 1, 1, 1)
                continue
            if t.month not in self.months:
                t = datetime(t.year + (t.month == 12), t.month % 12 + 1, 1)
                continue
            if not self._day_matches(t.year, t.month, t.day):
                t = datetime(t.year, t.month, t.day) + timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = datetime(t.year, t.month, t.day, t.hour) + timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += timedelta(minutes=1)
                continue
            return t.replace(tzinfo=UTC)
        raise ScheduleError("cron expression never fires")


def _dom_matches(spec: str, y: int, mo: int, d: int, last: int) -> bool:
    for part in spec.split(","):
        if part == "L":
            if d == last:
                return True
        elif part.startswith("L-"):
            if d == last - int(part[2:]):
                return True
        elif part.endswith("W"):
            target = last if part[:-1] == "L" else int(part[:-1])
            target = min(target, last)
            wd = datetime(y, mo, target).weekday()
            if wd == 5:  # Saturday -> Friday, unless that leaves the month
                target = target - 1 if target > 1 else target + 2
            elif wd == 6:
                target = target + 1 if target < last else target - 2
            if d == target:
                return True
        elif d in _field(part, 1, 31):
            return True
    return False


def _dow_matches(spec: str, aws_dow: int, d: int, last: int) -> bool:
    for part in spec.split(","):
        if "#" in part:
            day_s, nth = part.split("#", 1)
            day = _DAYS.get(day_s) or int(day_s)
            if aws_dow == day and (d - 1) // 7 + 1 == int(nth):
                return True
        elif part.endswith("L") and part != "L":
            day = _DAYS.get(part[:-1]) or int(part[:-1])
            if aws_dow == day and d + 7 > last:
                return True
        elif part == "L":
            if aws_dow == 7:
                return True
        elif aws_dow in _field(part, 1, 7, _DAYS):
            return True
    return False


def next_fire(expression: str, after: datetime, created: datetime | None = None) -> datetime:
    """Next fire time of ``rate(...)`` / ``cron(...)`` / ``at(...)`` strictly after ``after``."""
    expr = expression.strip()
    if expr.lower().startswith("rate("):
        period = parse_rate(expr)
        origin = created or after
        if after < origin + period:
            return origin + period
        n = int((after - origin) / period) + 1
        return origin + n * period
    if expr.lower().startswith("cron("):
        return Cron.parse(expr).next_after(after)
    if expr.lower().startswith("at(") and expr.endswith(")"):
        when = datetime.fromisoformat(expr[3:-1]).replace(tzinfo=UTC)
        if when > after:
            return when
        raise ScheduleError("one-time schedule already fired")
    raise ScheduleError(f"unsupported schedule expression {expression!r}")


@dataclass
class ScheduleEntry:
    event: ScheduleEvent
    host: FunctionHost
    created: datetime
    next_at: datetime | None
    fired: int = 0
    last_fired_at: datetime | None = None
    error: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        e = self.event
        return (e.rule_name, e.name, f"{e.function}.{e.name}")

    def describe(self) -> dict[str, Any]:
        e = self.event
        return {
            "name": e.name, "rule_name": e.rule_name, "function": e.function, "expression": e.expression,
            "enabled": e.enabled, "input": e.input, "description": e.description, "kind": e.kind,
            "next_fire": self.next_at.isoformat() if self.next_at else None, "fired": self.fired,
            "last_fired_at": self.last_fired_at.isoformat() if self.last_fired_at else None,
            "error": self.error,
        }


class Scheduler(threading.Thread):
    """One thread, a heap of next fire times; invocations run on a small pool so a slow job never
    delays the next one."""

    def __init__(self, entries: list[ScheduleEntry], autostart: bool = True,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__(name="licita-local-scheduler", daemon=True)
        self.entries = entries
        self.autostart = autostart
        self.now = now
        self._wake = threading.Event()
        self._stop_flag = False
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="schedule")

    @classmethod
    def build(cls, events: list[tuple[ScheduleEvent, FunctionHost]], autostart: bool = True) -> Scheduler:
        now = datetime.now(UTC)
        entries: list[ScheduleEntry] = []
        for ev, host in events:
            try:
                nxt = next_fire(ev.expression, now, now) if ev.enabled else None
                entries.append(ScheduleEntry(ev, host, now, nxt))
            except ScheduleError as exc:
                log.error("schedule %s: %s", ev.name, exc)
                entries.append(ScheduleEntry(ev, host, now, None, error=str(exc)))
        return cls(entries, autostart)

    def find(self, name: str) -> ScheduleEntry | None:
        for e in self.entries:
            if name in e.names:
                return e
        return None

    def fire(self, entry: ScheduleEntry, when: datetime | None = None, manual: bool = True) -> Any:
        """Invoke now (synchronously); returns the function's result, raises what it raised."""
        when = when or self.now()
        entry.fired += 1
        entry.last_fired_at = when
        payload = schedule_payload(entry.event.input, entry.event.rule_name, when)
        target = entry.event.rule_name + (" (manual)" if manual else "")
        return entry.host.invoke(payload, source="schedule", target=target)

    def run(self) -> None:
        if not self.autostart:
            return
        heap: list[tuple[datetime, int]] = [(e.next_at, i) for i, e in enumerate(self.entries) if e.next_at]
        heapq.heapify(heap)
        while not self._stop_flag and heap:
            when, i = heap[0]
            delay = (when - self.now()).total_seconds()
            if delay > 0:
                self._wake.wait(min(delay, 60))
                self._wake.clear()
                continue
            heapq.heappop(heap)
            entry = self.entries[i]
            self._pool.submit(self._fire_logged, entry, when)
            try:
                entry.next_at = next_fire(entry.event.expression, max(when, self.now()), entry.created)
                heapq.heappush(heap, (entry.next_at, i))
            except ScheduleError:
                entry.next_at = None

    def _fire_logged(self, entry: ScheduleEntry, when: datetime) -> None:
        with contextlib.suppress(Exception):  # already logged and recorded by the host
            self.fire(entry, when, manual=False)

    def stop(self) -> None:
        self._stop_flag = True
        self._wake.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
