"""``usable_text`` (run on every PDF page) keeps its rule: ≥ 25 visible chars, ≤ 30% unmapped glyphs."""

from __future__ import annotations

import random

from licita.documents.text_layer import MAX_JUNK_SHARE, MIN_TEXT_CHARS, usable_text


def _reference(text: str) -> bool:
    visible = "".join(text.split())
    if len(visible) < MIN_TEXT_CHARS:
        return False
    junk = sum(1 for ch in visible if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff")
    return junk <= MAX_JUNK_SHARE * len(visible)


def test_boundaries() -> None:
    assert usable_text("a" * 25) and not usable_text("a" * 24)
    assert not usable_text(" \n\t\u00a0\u2003".join("a" * 24))  # whitespace of every kind is not visible
    assert usable_text("a" * 70 + "\ufffd" * 30)  # exactly 30% junk
    assert not usable_text("a" * 69 + "\ue000" * 31)
    assert not usable_text(" " * 300 + "\uf8ff" * 40 + "a")  # junk past the first lines still counts


def test_same_answer_as_the_plain_rule_on_random_pages() -> None:
    rng = random.Random(14)
    alphabet = ["a", "É", " ", "\n", "\t", "\u00a0", "\u2003", "\ufffd", "\ue000", "\uf8ff", "\ue123", "x"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 500)))
        assert usable_text(text) == _reference(text), repr(text)
