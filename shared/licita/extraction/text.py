"""Length-preserving text folding and a page-aware corpus, so regexes run on folded text but
quotes and page numbers come from the original."""

from __future__ import annotations

import importlib
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from licita.documents.model import ExtractedDocument

_PAIRS = {
    "áàâãäå": "a", "éèêë": "e", "íìîï": "i", "óòôõöø": "o", "úùûü": "u", "ç": "c", "ñ": "n", "ý": "y",
    "ª": "a", "º°": "o", "\u00a0\u2007\u202f\t\u000b\u000c": " ", "–—‐‑‒−": "-",
    "“”„«»": '"', "‘’‚´`": "'", "\u00ad\u200b": " ",
}
_MAP = {ch: rep for chars, rep in _PAIRS.items() for ch in chars}
# Only tabs/form feeds and non-ASCII characters need mapping; substituting just those is ~5x
# faster than str.translate over the whole text.
_SPECIAL_RE = re.compile(r"[^\x00-\x08\x0a\x0d-\x7f]")


def _map_char(m: re.Match[str]) -> str:
    ch = m.group()
    return _MAP.get(ch, ch)


# Latin-1 characters fold through one bytes.translate table (C speed); only the few wider ones (quotes, dashes,
# bullets) go through a regex callback. Folding the 259k-character TRT edital: 5.4-9.3 ms -> 2.5-2.7 ms (best of 20).
_WIDE_RE = re.compile(r"[^\x00-\xff]")
_LATIN1_FOLD = bytes(ord(_MAP.get(chr(i), chr(i)) if _SPECIAL_RE.match(chr(i)) else chr(i)) for i in range(256))


def fold(text: str) -> str:
    """Lower-case and strip accents *without changing the length*, so offsets stay valid."""
    lowered = text.lower()
    if len(lowered) != len(text):  # e.g. 'İ' lowers to two code points
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    kept: list[tuple[int, str]] = []  # wide characters with no folding: put back as they were

    def wide(m: re.Match[str]) -> str:
        ch = m.group()
        if ch in _MAP:
            return _MAP[ch]
        kept.append((m.start(), ch))
        return "\x00"

    narrow = _WIDE_RE.sub(wide, lowered).encode("latin-1").translate(_LATIN1_FOLD).decode("latin-1")
    if not kept:
        return narrow
    parts: list[str] = []
    last = 0
    for at, ch in kept:
        parts += (narrow[last:at], ch)
        last = at + 1
    parts.append(narrow[last:])
    return "".join(parts)


_HYPHEN_BREAK_RE = re.compile(r"-\n[ \t]*(?=[a-z]{2})")


def join_hyphenated(folded: str) -> str:
    """Words hyphenated across a line break ("licita-\\ncao") joined, *without changing the length*: the
    hyphen, the break and any indent move after the word ("licitacao\\n"), so a rule reads the word whole and
    every offset outside that word stays where it was. Only between letters (a dash after a number or a space
    is no hyphenation); runs on folded text, so "letters" are a-z."""
    out: list[str] = []
    last = 0
    for m in _HYPHEN_BREAK_RE.finditer(folded):
        at, end = m.start(), m.end()
        if at < 2 or not folded[at - 2:at].isalpha() or at < last:
            continue
        tail = end
        while tail < len(folded) and "a" <= folded[tail] <= "z":
            tail += 1
        out += (folded[last:at], folded[end:tail], "\n", " " * (end - at - 1))
        last = tail
    if not out:
        return folded
    out.append(folded[last:])
    return "".join(out)


_WS = re.compile(r"\s+")


_HYPHENATED_RE = re.compile(r"(?<=[^\W\d_])-\n[ \t]*(?=[^\W\d_]{2})")


def squash(text: str) -> str:
    """Collapse whitespace (PDF text breaks lines mid-sentence) and join words hyphenated across a line break
    ("Prefei-\\ntura" → "Prefeitura"; a dash after a number, a space or before another dash stays)."""
    if "-\n" in text:
        text = _HYPHENATED_RE.sub("", text)
    return _WS.sub(" ", text).strip()


# ---------------------------------------------------------------------------------------------
# Anchored scans. A pattern like ``\\bbll\\b|\\bbnc\\b|…`` (a leading ``\\b``, alternatives, named groups)
# gets no prefix optimisation from ``re``: it is tried at every offset of a 250k-character edital, which
# costs ~100 ms. When every match must begin with one of a few literals, ``str.find`` finds the only
# offsets where a match can start and the pattern is tried there alone: the same matches, in the same
# order, as ``finditer`` (a match at an offset is what ``search`` would find there).

_sre: Any = importlib.import_module("re._parser")  # the stdlib's own parser (no public API for the tree)
_MAX_LEAD = 8  # literal prefix length worth finding
_MAX_LEADS = 48
_ANCHORS: dict[re.Pattern[str], tuple[str, ...]] = {}


def _leads(items: list[Any], budget: int = _MAX_LEAD) -> set[str]:
    """Literal prefixes (≤ ``budget`` chars) one of which starts every match of the sequence ``items``.

    "" among them means "a match may start with anything". Only what is certain is kept: zero-width
    assertions are skipped, anything but literals, small literal classes, groups, alternatives and
    repeats ends the prefix.
    """
    if not items or budget <= 0:
        return {""}
    op, av = items[0]
    name = getattr(op, "name", "")
    rest = items[1:]
    if name in ("AT", "ASSERT", "ASSERT_NOT"):  # zero width: the match still starts with what follows
        return _leads(rest, budget)
    if name == "LITERAL":
        return {chr(av) + tail for tail in _leads(rest, budget - 1)}
    if name == "IN" and len(av) <= 4 and all(getattr(o, "name", "") == "LITERAL" for o, _ in av):
        tails = _leads(rest, budget - 1)
        return {chr(c) + tail for _, c in av for tail in tails}
    if name == "BRANCH":
        out: set[str] = set()
        for branch in av[1]:
            out |= _leads([*branch, *rest], budget)
        return out
    if name == "SUBPATTERN":
        _group, add_flags, _del_flags, sub = av
        return {""} if add_flags & re.IGNORECASE else _leads([*sub, *rest], budget)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = av
        # at most once: the body then the rest; more: the body's own prefix, nothing after it
        once = _leads([*body, *rest], budget) if high == 1 else _leads(list(body), budget)
        return once | _leads(rest, budget) if low == 0 else once
    return {""}


def _trimmed(leads: set[str]) -> tuple[str, ...] | None:
    if "" in leads or len(leads) > _MAX_LEADS:
        return None
    # a literal that starts with a shorter one adds no offsets
    return tuple(sorted(lead for lead in leads if not any(o != lead and lead.startswith(o) for o in leads)))


def anchored(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """Register ``pattern`` for anchored scans by ``Corpus``; raises if some match could start anywhere."""
    if pattern.flags & re.IGNORECASE:
        raise ValueError("anchored scans need a case-sensitive pattern (the corpus is folded)")
    leads = _trimmed(_leads(list(_sre.parse(pattern.pattern, pattern.flags))))
    if leads is None:
        raise ValueError(f"no literal starts every match of {pattern.pattern[:60]!r}")
    _ANCHORS[pattern] = leads
    return pattern


def scan(pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, start, end)``, anchored on its literals when ``anchored()`` registered it."""
    start = max(0, start)  # as finditer: a negative pos means 0 (str.find would count from the end)
    stop = len(text) if end is None else max(0, min(end, len(text)))
    leads = _ANCHORS.get(pattern)
    if leads is None:
        yield from pattern.finditer(text, start, stop)
        return
    offsets: list[int] = []
    for lead in leads:
        at = text.find(lead, start, stop)
        while at >= 0:
            offsets.append(at)
            at = text.find(lead, at + 1, stop)
    offsets.sort()
    after = start
    for at in offsets:
        if at < after:
            continue
        m = pattern.match(text, at, stop)
        if m is not None:
            yield m
            after = max(m.end(), at + 1)


def first(pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
    """``pattern.search`` with the same anchoring as ``scan``."""
    if pattern not in _ANCHORS:
        return pattern.search(text, start, len(text) if end is None else end)
    return next(scan(pattern, text, start, end), None)


@dataclass(slots=True)
class Hit:
    """A regex match located in the corpus: page number, offsets and the match object."""

    page: int
    start: int
    end: int
    match: re.Match[str]


class Corpus:
    """All pages as one string (pages separated by blank lines) plus its folded twin.

    Searching one big string with ``pos``/``endpos`` keeps every scan linear; page numbers are
    recovered by bisecting the page start offsets.
    """

    SEP = "\n\n"

    def __init__(self, doc: ExtractedDocument) -> None:
        self.doc = doc
        self.starts: list[int] = []
        self.numbers: list[int] = []
        parts: list[str] = []
        offset = 0
        for page in doc.pages:
            self.starts.append(offset)
            self.numbers.append(page.number)
            parts.append(page.text)
            offset += len(page.text) + len(self.SEP)
        self.raw = self.SEP.join(parts)
        self.folded = join_hyphenated(fold(self.raw))
        self.front_end = self._front_end()
        self.memo: dict[str, object] = {}  # values several rules derive from the whole document, computed once

    def _front_end(self) -> int:
        """End of the "front matter": the first three pages with real text (DOCX: ~15k chars)."""
        if len(self.starts) <= 1:
            return min(len(self.raw), 15000)
        seen = 0
        for i, page in enumerate(self.doc.pages):
            if len(page.text.strip()) >= 200:
                seen += 1
            if seen >= 3:
                return self.page_end(i)
        return len(self.raw)

    def page_end(self, index: int) -> int:
        return self.starts[index + 1] - len(self.SEP) if index + 1 < len(self.starts) else len(self.raw)

    def page_of(self, offset: int) -> int:
        return self.numbers[max(0, bisect_right(self.starts, offset) - 1)]

    def page_index(self, offset: int) -> int:
        return max(0, bisect_right(self.starts, offset) - 1)

    def where(self, offset: int) -> str | None:
        if self.doc.blocks:
            return self.doc.where(offset - self.starts[self.page_index(offset)])
        return None

    def finditer(self, pattern: re.Pattern[str], start: int = 0, end: int | None = None) -> Iterator[Hit]:
        for m in scan(pattern, self.folded, start, end):
            yield Hit(self.page_of(m.start()), m.start(), m.end(), m)

    def search(self, pattern: re.Pattern[str], start: int = 0, end: int | None = None) -> Hit | None:
        m = first(pattern, self.folded, start, end)
        return Hit(self.page_of(m.start()), m.start(), m.end(), m) if m else None

    def front(self, pattern: re.Pattern[str]) -> Hit | None:
        return self.search(pattern, 0, self.front_end)

    def find_all(self, literals: tuple[str, ...]) -> list[int]:
        """Offsets of literal (folded) substrings, sorted; str.find is far cheaper than a regex scan."""
        out: list[int] = []
        for lit in literals:
            pos = self.folded.find(lit)
            while pos >= 0:
                out.append(pos)
                pos = self.folded.find(lit, pos + 1)
        return sorted(out)

    def quote(self, start: int, end: int, limit: int = 160) -> str:
        text = squash(self.raw[max(0, start):end])
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def line_at(self, offset: int) -> tuple[int, int]:
        """Start/end offsets of the line containing ``offset``."""
        s = self.raw.rfind("\n", 0, offset) + 1
        e = self.raw.find("\n", offset)
        return s, (len(self.raw) if e < 0 else e)
