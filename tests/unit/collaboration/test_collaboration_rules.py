"""Pure collaboration rules: ranks survive many inserts and concurrent drops, mentions, edit window,
recurrence in São Paulo wall time, form errors in Portuguese, CSV neutralisation."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from licita.boards.rules import parse_mentions, place, rank_between, spread
from licita.calendars.rules import check_rrule, occurrences, reminders_due
from licita.conversations.rules import direct_key, within_edit_window
from licita.forms.rules import BUILTINS, check_schema, to_csv, validate


def test_ranks_stay_ordered_under_random_inserts_and_never_end_in_zero() -> None:
    rnd = random.Random(7)
    ranks = sorted(spread(5))
    for _ in range(2000):
        k = rnd.randint(0, len(ranks))
        lo, hi = (ranks[k - 1] if k else None), (ranks[k] if k < len(ranks) else None)
        new = rank_between(lo, hi, rnd)
        assert (lo is None or lo < new) and (hi is None or new < hi) and not new.endswith("0")
        ranks.insert(k, new)
    assert ranks == sorted(ranks) and max(map(len, ranks)) < 20


def test_concurrent_drops_in_the_same_gap_usually_differ() -> None:
    drops = {rank_between("a", "b", random.Random(seed)) for seed in range(50)}
    assert len(drops) > 40
    with pytest.raises(ValueError):
        rank_between("b", "b")


def test_place_uses_neighbours_and_refuses_stale_ones() -> None:
    ordered = [("x", "1"), ("y", "5"), ("z", "9")]
    assert place(ordered, None, "y") == ("5", "9")
    assert place(ordered, "x", None) == (None, "1")
    assert place(ordered, None, None, moving_id="z") == ("5", None)
    from licita.core.errors import Conflict

    with pytest.raises(Conflict):
        place(ordered, "gone", None)


def test_mentions_edit_window_direct_key() -> None:
    uid = "12345678-1234-1234-1234-123456789abc"
    assert parse_mentions(f"oi @[Ana]({uid}) @[Ana]({uid}) e-mail a@{uid}") == [uid]
    now = datetime.now(UTC)
    assert within_edit_window(now - timedelta(minutes=14), now)
    assert not within_edit_window(now - timedelta(minutes=16), now)
    assert direct_key(["b", "a"]) == direct_key(["a", "b"]) == "a,b"


def test_recurrence_in_brasilia_wall_time_and_reminders() -> None:
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    got = occurrences(start, start + timedelta(hours=1), "FREQ=WEEKLY;COUNT=3;BYDAY=MO", [],
                      datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert [o[0].strftime("%d/%m %H:%M") for o in got] == ["09/03 09:00", "16/03 09:00"]
    with pytest.raises(ValueError):
        check_rrule("FREQ=MINUTELY", start)
    assert reminders_due(start, [60, 1440], start - timedelta(minutes=55)) == [60]


def test_form_errors_name_field_and_rule_in_portuguese() -> None:
    schema = BUILTINS["checklist_habilitacao"]["schema"]
    assert check_schema(schema) == []
    errors = validate(schema, {"habilitacao_juridica": "sim", "regularidade_fiscal": True})
    assert {(e["field"], e["rule"]) for e in errors} == {("habilitacao_juridica", "type"),
                                                         ("qualificacao_economica", "required")}
    assert all(e["message"].startswith("O campo “") for e in errors)
    assert check_schema({"type": "object", "properties": {"a": {"type": "nope"}}})
    assert to_csv(["a", "b"], [{"a": "=HYPERLINK(1)", "b": -3}]).splitlines()[1] == "'=HYPERLINK(1),-3"
