"""Pure report rules: the pipeline aggregation, file names, the text the PDF can hold. No I/O."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from licita.core.time import BRT

STATUS_LABELS = {"UPLOADING": "Enviando", "QUEUED": "Na fila", "PROCESSING": "Em análise", "READY": "Analisado",
                 "NEEDS_REVIEW": "Precisa de revisão", "FAILED": "Falhou"}
KIND_FILES = {"tender_summary": ("resumo-edital", "pdf", "application/pdf"),
              "quote_comparison": ("comparativo-cotacao", "xlsx",
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              "pipeline": ("licitacoes", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
_PDF_REPLACE = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "•": "-", "\u00a0": " ",
                "º": "º", "ª": "ª", "≥": ">=", "≤": "<=", "€": "EUR"}


def filename_for(kind: str, day: date) -> tuple[str, str]:
    stem, ext, ctype = KIND_FILES[kind]
    return f"{stem}-{day.strftime('%d-%m-%Y')}.{ext}", ctype


def pdf_text(text: Any, limit: int | None = None) -> str:
    """Text the PDF core fonts (Latin-1) can draw: Portuguese accents kept, typographic marks simplified."""
    value = "" if text is None else str(text)
    value = "".join(_PDF_REPLACE.get(c, c) for c in value)
    value = "".join(c if ord(c) < 256 else unicodedata.normalize("NFKD", c).encode("latin-1", "ignore").decode(
        "latin-1") for c in value)
    value = " ".join(value.split()) if "\n" not in value else value
    return value if limit is None or len(value) <= limit else value[: limit - 3] + "..."


@dataclass
class PipelineRow:
    status: str
    count: int = 0
    value: Decimal = Decimal(0)
    ids: list[str] = field(default_factory=list)


def pipeline(tenders: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Tenders grouped by status and by result (from the tender's quotes: priced or not), with values."""
    by_status: dict[str, PipelineRow] = {}
    total = Decimal(0)
    count = 0
    by_result: dict[str, PipelineRow] = {}
    for t in tenders:
        value = Decimal(str(t.get("estimated_value") or 0))
        row = by_status.setdefault(str(t["status"]), PipelineRow(str(t["status"])))
        row.count += 1
        row.value += value
        result = str(t.get("result") or "Sem cotação")
        res = by_result.setdefault(result, PipelineRow(result))
        res.count += 1
        res.value += value
        total += value
        count += 1
    return {"by_status": sorted(by_status.values(), key=lambda r: (-r.count, r.status)),
            "by_result": sorted(by_result.values(), key=lambda r: (-r.count, r.status)),
            "total_value": total, "count": count}


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """A report period in Brasília days: [start 00:00, end + 1 day 00:00)."""
    low = datetime.combine(start, time.min, tzinfo=BRT)
    return low, datetime.combine(end + timedelta(days=1), time.min, tzinfo=BRT)
