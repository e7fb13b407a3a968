"""A found value as a ``Field``: page, quote and locator taken from where it was found."""

from __future__ import annotations

import re

from licita.extraction.models import Field
from licita.extraction.text import Corpus


def field_at(c: Corpus, value: object, hit_start: int | None, hit_end: int | None, confidence: float,
             quote: str | None = None) -> Field:
    """``value`` found at ``hit_start`` (quote up to ``hit_end``); no offset: a value without a place."""
    if hit_start is None:
        return Field(value=value, confidence=confidence, quote=quote)  # type: ignore[arg-type]
    end = hit_end if hit_end is not None else hit_start + 80
    return Field(
        value=value,  # type: ignore[arg-type]
        page=c.page_of(hit_start),
        quote=quote if quote is not None else c.quote(hit_start, end),
        confidence=confidence,
        where=c.where(hit_start),
    )


# Model text that AGU templates keep in every edital: "Caso seja adotado o modo de disputa aberto…"
# (a dot inside a number, "R$ 80.000,00", does not end the clause; nor does a line break inside the sentence, as
# PDF text wraps it: only a blank line or a numbered clause starting its line does).
_CONDITIONAL_RE = re.compile(r"\b(?:caso|quando|se\s+(?:for|houver|adotad\w*|o\s+criterio)|hipotese|havendo|"
                             r"eventual\w*|poder[ao]\s+ser|podera)\b(?:[^.;\n]|\.(?=\d)|"
                             r"\n(?![ \t]*(?:\n|\d+(?:\.\d+)*\.?[ \t)–-]|[a-z]\)))){0,90}$")


def conditional(c: Corpus, start: int) -> bool:
    """True when the text just before ``start`` makes the statement hypothetical."""
    return bool(_CONDITIONAL_RE.search(c.folded, max(0, start - 110), start))
