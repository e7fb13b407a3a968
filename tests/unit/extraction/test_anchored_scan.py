"""Anchored scans (extraction.text.scan) give exactly what ``finditer`` gives, only faster."""

from __future__ import annotations

import random
import re

import pytest

from licita.extraction.text import _ANCHORS, anchored, first, scan

PATTERNS = [
    r"\bbll\b|bllcompras|bll\.org|bolsa\s+de\s+licitacoes",
    r"(?P<a>\bbnc\b|bnc\.org)|(?P<b>\bs?ite\s+do\s+leiloeiro)|(?P<c>www\.[a-z0-9-]*leiloes?\.com)",
    r"licitacoes\s?-\s?e\b|(?:envio|enviar)\s+(?:d[aoe]s?\s+)?propostas?",
    r"(?<![a-z])pregao(?:\s+eletronico)?|n[o.]?\s*\d+",
    r"ab|abc|b(?=c)|(?:c|d)+e",
]


def _spans(matches: object) -> list[tuple[tuple[int, int], str | None, str]]:
    return [(m.span(), m.lastgroup, m.group()) for m in matches]  # type: ignore[attr-defined]


@pytest.mark.parametrize("source", PATTERNS)
def test_scan_matches_finditer_on_random_text(source: str) -> None:
    pattern = anchored(re.compile(source))
    rng = random.Random(source)
    words = ["bll", "bnc", "site", "ite", "do", "leiloeiro", "www.", "leiloes", ".com", "bolsa", "de", "licitacoes",
             "-", "e", "envio", "propostas", "pregao", "eletronico", "no", "n.", "12", "ab", "abc", "cde", "x", "  ",
             "\n", "a", "b", "c", "d"]
    for _ in range(200):
        text = "".join(rng.choice(words) + rng.choice(["", " ", "\n"]) for _ in range(rng.randint(0, 60)))
        start = rng.randint(-3, len(text) + 2)
        end = rng.choice([None, rng.randint(0, len(text) + 5)])
        expected = _spans(pattern.finditer(text, max(0, start), len(text) if end is None else end))
        assert _spans(scan(pattern, text, start, end)) == expected
        found = first(pattern, text, max(0, start), end)
        assert (found.span() if found else None) == (expected[0][0] if expected else None)


def test_leading_literals_cover_optional_prefixes() -> None:
    pattern = anchored(re.compile(r"\bs?ite\s+do|x(?:yz)?w"))
    assert set(_ANCHORS[pattern]) == {"site", "ite", "xyzw", "xw"}


@pytest.mark.parametrize("source", [r"\d+", r"a?b*", r"[a-z]+ite", r"(?i)bll", r"bll|.x"])
def test_patterns_that_may_start_anywhere_are_refused(source: str) -> None:
    with pytest.raises(ValueError):
        anchored(re.compile(source))


def test_unregistered_patterns_fall_back_to_finditer() -> None:
    pattern = re.compile(r"\d+")
    assert [m.group() for m in scan(pattern, "a1 b22 c333", 2)] == ["22", "333"]
