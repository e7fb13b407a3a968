"""Ranks under long runs of appends: they grow (about one character per ~9 appends, no renumbering), the
service refuses a rank past ``MAX_RANK_LENGTH`` so the list is rebalanced once, and the rebalanced ranks are
short again and keep the order."""

from __future__ import annotations

import random

from licita.boards.rules import MAX_RANK_LENGTH, rank_between, spread
from licita.boards.service import new_rank


def test_appends_grow_slowly_then_hit_the_rebalance_threshold() -> None:
    rnd = random.Random(3)
    ranks: list[str] = []
    for _ in range(300):
        ranks.append(rank_between(ranks[-1] if ranks else None, None, rnd))
    assert ranks == sorted(ranks) and max(map(len, ranks)) <= MAX_RANK_LENGTH  # 300 appends: no rebalance yet

    ordered = [(str(i), r) for i, r in enumerate(ranks)]
    appended = 0
    while (rank := new_rank(ordered, None)) is not None:  # keep appending until the service asks to rebalance
        ordered.append((f"n{appended}", rank))
        appended += 1
        assert appended < 2000, "appends never reached the threshold"
    assert len(ordered) > 300 and len(ordered[-1][1]) <= MAX_RANK_LENGTH

    fresh = spread(len(ordered))  # what rebalance() gives the rows, in display order
    assert fresh == sorted(fresh) and len(set(fresh)) == len(fresh) and max(map(len, fresh)) <= 3
    assert new_rank([(i, r) for (i, _), r in zip(ordered, fresh, strict=True)], None) is not None


def test_middle_inserts_in_one_gap_exhaust_it_only_after_hundreds() -> None:
    rnd = random.Random(5)
    lo, hi, inserted = "a", "b", 0
    while len(candidate := rank_between(lo, hi, rnd)) <= MAX_RANK_LENGTH:
        assert lo < candidate < hi
        hi, inserted = candidate, inserted + 1
    assert inserted > 100
