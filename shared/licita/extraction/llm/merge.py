"""Merge the rules extractor's fields with the model's, field by field, by confidence and evidence.

Policy (pure functions, no I/O):
- agree (after per-type normalisation) → keep the rules value (it is normalised and deterministic),
  source "both", confidence boosted: 1 − (1−r)(1−l).
- rules null, model has a value → taken only if the model's quote really occurs in the document
  (on the cited page, or another page, which then corrects the page); otherwise the opinion is kept
  under ``alternatives`` with ``rejected: "quote_not_found"`` and the value stays null.
- both have values and disagree → strong rule evidence (a quoted value with confidence ≥
  RULES_STRONG) is never overridden: rules + model must never score below rules alone, whatever the
  model. Below that, a verified model opinion with higher confidence wins (ties go to rules). Either
  way the winner's confidence is reduced, the other opinion goes to ``alternatives`` and
  ``conflict: true`` asks for human review. An unverified model opinion never overrides and never
  raises a conflict: hallucinations must not flood the review queue.
- model silent (null or field invalid) → the rules entry stands.
Confidence is calibrated from evidence, never taken from the model (a claimed confidence is not part
of the answer schema and is dropped): LLM_VERIFIED when the quote is on the cited page, LLM_OTHER_PAGE
elsewhere, LLM_FUZZY for a near match, LLM_UNVERIFIED when not found. Every merged field records its
``source``: rules, llm or both (people's corrections, "human", live beside it in the tender).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from licita.extraction.llm.schema import SPECS_BY_NAME
from licita.extraction.llm.sections import fold

LLM_VERIFIED = 0.6
LLM_OTHER_PAGE = 0.55
LLM_FUZZY = 0.45
LLM_UNVERIFIED = 0.3
_LLM_BY_EVIDENCE = {"cited_page": LLM_VERIFIED, "other_page": LLM_OTHER_PAGE, "fuzzy": LLM_FUZZY}
RULES_DEFAULT = 0.5
# Rule evidence this strong (a quoted value at or above this confidence) is never overridden by the model.
# Measured on the shared set (20 documents, 340 fields): every rules value carries 0.6 or more and 206 of
# the 212 values are right (97.2 %); by bucket 0.6: 18/18, 0.7: 12/15, 0.8: 100/103, 0.9: 76/76. A model
# must be right more often than that on exactly the fields where it disagrees to gain anything by
# overriding, which a small local model is not: its disagreement goes to review (conflict) instead.
# Below this (vocabulary defaults without a quote, 0.4-0.5) a verified quote may correct the rules.
RULES_STRONG = 0.5
CONFLICT_PENALTY = 0.85
MAX_CONFIDENCE = 0.99
TEXT_OVERLAP = 0.5
_MIN_QUOTE_CHARS = 4
_FUZZY_MIN_TOKENS = 6
_FUZZY_SHARE = 0.85

_STOPWORDS = frozenset({
    "a", "o", "as", "os", "de", "da", "do", "das", "dos", "e", "em", "para", "por", "com", "sem", "no", "na", "nos",
    "nas", "um", "uma", "ao", "aos", "que", "se", "sob", "sobre", "conforme", "eventual", "futura", "futuro",
    "contratacao", "aquisicao",
})


# --- evidence ----------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def _norm(text: str) -> str:
    return " ".join(_tokens(text))


@dataclass(frozen=True)
class QuoteCheck:
    verified: bool
    page: int | None
    how: str  # cited_page | other_page | fuzzy | not_found | no_quote | value_not_in_quote


class PageIndex:
    """Normalised page texts, built once per document."""

    def __init__(self, pages: Sequence[tuple[int, str]]) -> None:
        self.pages: dict[int, str] = {}
        self.tokens: dict[int, list[str]] = {}
        for number, text in pages:
            toks = _tokens(text or "")
            self.tokens[number] = toks
            self.pages[number] = " ".join(toks)

    def _contains(self, page: int, parts: list[str]) -> bool:
        hay = self.pages.get(page)
        if hay is None:
            return False
        pos = 0
        padded = f" {hay} "
        for part in parts:
            found = padded.find(f" {part} ", pos)
            if found < 0:
                return False
            pos = found + len(part)
        return True

    def _fuzzy(self, page: int, quote_tokens: list[str]) -> bool:
        toks = self.tokens.get(page, [])
        n = len(quote_tokens)
        if n < _FUZZY_MIN_TOKENS or len(toks) < n:
            return False
        want = set(quote_tokens)
        need = _FUZZY_SHARE * len(want)
        return any(len(want & set(toks[start : start + n + 2])) >= need for start in range(len(toks) - n + 1))

    def verify(self, quote: str | None, page: int | None) -> QuoteCheck:
        """Does ``quote`` occur in the document? Cited page first, then every other page."""
        if not quote:
            return QuoteCheck(False, page, "no_quote")
        parts = [_norm(p) for p in re.split(r"\.\.\.|…|\[\s*\.\.\.\s*\]", quote)]
        parts = [p for p in parts if p]
        if sum(len(p) for p in parts) < _MIN_QUOTE_CHARS:
            return QuoteCheck(False, page, "no_quote")
        order = ([page] if page in self.pages else []) + [n for n in self.pages if n != page]
        for number in order:
            if self._contains(number, parts):
                return QuoteCheck(True, number, "cited_page" if number == page else "other_page")
        quote_tokens = _tokens(quote)
        for number in order:
            if self._fuzzy(number, quote_tokens):
                return QuoteCheck(True, number, "fuzzy")
        return QuoteCheck(False, page, "not_found")


def _digits(v: Any) -> str:
    return re.sub(r"\D", "", str(v))


def _money_digits(v: float) -> str:
    return f"{v:.2f}".replace(".", "")


def value_supported(name: str, value: Any, quote: str | None) -> bool:
    """For identifiers and amounts the value itself must be visible in the quote (cheap anti-hallucination)."""
    if value is None or not quote:
        return True
    spec = SPECS_BY_NAME.get(name)
    kind = spec.kind if spec else "text"
    qd = _digits(quote)
    if kind == "digits" or name in ("number", "process_number"):
        vd = _digits(value)
        return not vd or vd in qd or vd.lstrip("0") in qd
    if kind == "number" and isinstance(value, (int, float)):
        whole = str(int(value))
        return _money_digits(float(value)) in qd or whole in qd
    if kind == "text" and isinstance(value, str):
        # a name or an object must share most of its words with the passage that supports it
        return text_overlap(value, quote) >= TEXT_OVERLAP
    return True  # counts, dates and enums are stated in too many ways (words, tables) to demand them verbatim


# --- agreement ---------------------------------------------------------------------------------------


def _content_tokens(text: str) -> set[str]:
    return {t for t in _tokens(text) if len(t) > 2 and t not in _STOPWORDS}


def text_overlap(a: str, b: str) -> float:
    """Overlap coefficient of content words: |A∩B| / min(|A|, |B|)."""
    ta, tb = _content_tokens(a), _content_tokens(b)
    if not ta or not tb:
        return 1.0 if _norm(a) == _norm(b) else 0.0
    return len(ta & tb) / min(len(ta), len(tb))


def _groups(v: Any) -> list[str]:
    return [g.lstrip("0") or "0" for g in re.findall(r"\d+", str(v))]


def values_agree(name: str, a: Any, b: Any) -> bool:
    """Same value for this field, after the normalisation EXTRACTION.md scores with."""
    if a is None or b is None:
        return a is None and b is None
    spec = SPECS_BY_NAME.get(name)
    kind = spec.kind if spec else ("text" if isinstance(a, str) else "other")
    try:
        match kind:
            case "number":
                return abs(float(a) - float(b)) <= 0.01
            case "integer":
                return int(a) == int(b)
            case "boolean":
                return bool(a) is bool(b)
            case "digits":
                return _digits(a) == _digits(b)
            case "datetime":
                return datetime.fromisoformat(str(a)) == datetime.fromisoformat(str(b))
            case "string":
                return _norm(str(a)) == _norm(str(b)) or (bool(_groups(a)) and _groups(a) == _groups(b))
            case "text":
                return text_overlap(str(a), str(b)) >= TEXT_OVERLAP
            case "enum":
                return str(a) == str(b)
    except (TypeError, ValueError):
        return False
    return bool(a == b)


# --- merge -------------------------------------------------------------------------------------------


def _opinion(source: str, entry: Mapping[str, Any], confidence: float, **extra: Any) -> dict[str, Any]:
    return {"source": source, "value": entry.get("value"), "page": entry.get("page"), "quote": entry.get("quote"),
            "confidence": round(confidence, 3), **extra}


def _rules_conf(entry: Mapping[str, Any]) -> float:
    c = entry.get("confidence")
    return float(c) if isinstance(c, (int, float)) and not isinstance(c, bool) else RULES_DEFAULT


def strong_rules(entry: Mapping[str, Any], confidence: float) -> bool:
    """A rules value backed by a quote from the document at RULES_STRONG or more: the model cannot override it."""
    return entry.get("value") is not None and bool(entry.get("quote")) and confidence >= RULES_STRONG


def merge_field(name: str, rules: Mapping[str, Any] | None, llm: Mapping[str, Any] | None,
                index: PageIndex) -> dict[str, Any]:
    """One field's merged entry: {value, page, quote, confidence, source, alternatives, conflict}."""
    r = dict(rules or {})
    r.setdefault("value", None)
    r_conf = _rules_conf(r) if rules else 0.0
    # keep any extra evidence keys of the rules entry (e.g. "where"), then the merge's own keys
    base = {**r, "value": r["value"], "page": r.get("page"), "quote": r.get("quote"),
            "confidence": round(r_conf, 3), "source": "rules", "alternatives": [], "conflict": False}
    if llm is None:
        return base
    l_value = llm.get("value")
    if l_value is None:
        if r["value"] is None:
            base["source"] = "both"
        return base

    check = index.verify(llm.get("quote"), llm.get("page"))
    if check.verified and not value_supported(name, l_value, llm.get("quote")):
        check = QuoteCheck(False, check.page, "value_not_in_quote")
    l_conf = _LLM_BY_EVIDENCE.get(check.how, LLM_VERIFIED) if check.verified else LLM_UNVERIFIED
    l_entry = {"value": l_value, "page": check.page if check.verified else llm.get("page"), "quote": llm.get("quote")}
    evidence: dict[str, Any] = {"evidence": check.how}
    if check.verified and check.page != llm.get("page"):
        evidence["page_cited"] = llm.get("page")

    if r["value"] is None:
        if check.verified:
            return {**_opinion("llm", l_entry, l_conf, **evidence), "alternatives": [], "conflict": False}
        base["alternatives"] = [_opinion("llm", l_entry, l_conf, rejected="quote_not_found", **evidence)]
        return base

    if values_agree(name, r["value"], l_value):
        boosted = min(MAX_CONFIDENCE, 1 - (1 - r_conf) * (1 - l_conf))
        merged = {**base, "confidence": round(boosted, 3), "source": "both"}
        if merged["page"] is None:
            merged["page"], merged["quote"] = l_entry["page"], l_entry["quote"]
        if l_value != r["value"]:  # same meaning, different wording (e.g. the object's paraphrase)
            merged["alternatives"] = [_opinion("llm", l_entry, l_conf, **evidence)]
        return merged

    if not check.verified:
        base["alternatives"] = [_opinion("llm", l_entry, l_conf, rejected="quote_not_found", **evidence)]
        return base
    rules_op = _opinion("rules", r, r_conf)
    llm_op = _opinion("llm", l_entry, l_conf, **evidence)
    if l_conf > r_conf and not strong_rules(r, r_conf):
        return {"value": l_value, "page": l_entry["page"], "quote": l_entry["quote"],
                "confidence": round(l_conf * CONFLICT_PENALTY, 3), "source": "llm", **evidence,
                "alternatives": [rules_op], "conflict": True}
    return {**base, "confidence": round(r_conf * CONFLICT_PENALTY, 3), "alternatives": [llm_op], "conflict": True}


def merge_results(rules_result: Mapping[str, Any], llm_fields: Mapping[str, Mapping[str, Any]] | None,
                  pages: Sequence[tuple[int, str]]) -> dict[str, Any]:
    """The rules result with every field merged; adds ``conflicts`` and ``llm_fields`` (names) at top level.

    ``llm_fields`` None means no model opinion at all: every field is annotated as coming from rules.
    Items and any other top-level keys of ``rules_result`` are kept as they are.
    """
    merged = copy.deepcopy(dict(rules_result))
    rules_fields: Mapping[str, Any] = rules_result.get("fields") or {}
    llm_map = llm_fields or {}
    index = PageIndex(pages) if llm_map else PageIndex([])
    names = list(rules_fields) + [n for n in llm_map if n not in rules_fields]
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        r = rules_fields.get(name)
        out[name] = merge_field(name, r if isinstance(r, Mapping) else None, llm_map.get(name), index)
    merged["fields"] = out
    merged["conflicts"] = [n for n, f in out.items() if f["conflict"]]
    merged["llm_fields"] = [n for n, f in out.items() if f["source"] == "llm"]
    merged.setdefault("items", [])
    return merged
