"""Score the rules extractor on any folder of documents labelled with ``<file>.truth.json``
(design/EXTRACTION.md format), field by field, with ``licita.extraction.scoring``.

Used by ``licita eval DIR`` and by the extraction benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from licita.documents import extract_document
from licita.extraction import extract_tender
from licita.extraction.models import FIELD_NAMES
from licita.extraction.scoring import score

DOCUMENT_SUFFIXES = (".pdf", ".docx", ".zip")


@dataclass(slots=True)
class DocumentScore:
    name: str
    marks: dict[str, bool]
    wrong: dict[str, tuple[object, object]] = field(default_factory=dict)  # field -> (got, truth)
    error: str | None = None

    @property
    def right(self) -> int:
        return sum(self.marks.values())


@dataclass(slots=True)
class EvalReport:
    documents: list[DocumentScore]

    def per_field(self) -> dict[str, tuple[int, int]]:
        scored = [d for d in self.documents if d.error is None]
        return {name: (sum(d.marks.get(name, False) for d in scored), len(scored)) for name in FIELD_NAMES}

    @property
    def right(self) -> int:
        return sum(r for r, _ in self.per_field().values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.per_field().values())

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": [
                {"file": d.name, "right": d.right, "total": len(d.marks), "error": d.error,
                 "wrong": {k: {"value": got, "truth": want} for k, (got, want) in d.wrong.items()}}
                for d in self.documents
            ],
            "fields": {name: {"right": r, "total": t} for name, (r, t) in self.per_field().items()},
            "right": self.right,
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
        }


def labelled_documents(folder: Path) -> list[tuple[Path, Path]]:
    """(document, truth) pairs: every document with a ``.truth.json`` next to it, sorted by name."""
    pairs = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in DOCUMENT_SUFFIXES:
            truth = path.with_name(path.name + ".truth.json")
            if truth.is_file():
                pairs.append((path, truth))
    return pairs


def score_result(name: str, result: dict[str, Any], truth: dict[str, Any]) -> DocumentScore:
    marks = score(result, truth)
    wrong = {k: (_value(result, k), _value(truth, k)) for k, ok in marks.items() if not ok}
    return DocumentScore(name, marks, wrong)


def _value(data: dict[str, Any], name: str) -> object:
    entry = data.get("fields", {}).get(name)
    return entry.get("value") if isinstance(entry, dict) else entry


def evaluate_folder(folder: Path, ocr: bool = True,
                    analyze: Callable[[bytes, str, bool], dict[str, Any]] | None = None,
                    progress: Callable[[str], None] | None = None) -> EvalReport:
    """Extract and score every labelled document of ``folder`` (rules extractor unless ``analyze``)."""
    run = analyze or _rules
    docs: list[DocumentScore] = []
    for path, truth_path in labelled_documents(folder):
        if progress:
            progress(path.name)
        truth: dict[str, Any] = json.loads(truth_path.read_text(encoding="utf-8"))
        try:
            result = run(path.read_bytes(), path.name, ocr)
        except Exception as exc:
            docs.append(DocumentScore(path.name, dict.fromkeys(FIELD_NAMES, False), error=str(exc)))
            continue
        docs.append(score_result(path.name, result, truth))
    return EvalReport(docs)


def _rules(data: bytes, name: str, ocr: bool) -> dict[str, Any]:
    return extract_tender(extract_document(data, name, ocr=ocr)).to_dict()


def format_table(report: EvalReport, details: bool = True) -> str:
    """Per-document and per-field table (user-facing, Portuguese)."""
    lines: list[str] = []
    if details:
        width = max([len(d.name) for d in report.documents] + [9])
        lines.append(f"{'documento':<{width}}  acertos  campos errados")
        for d in report.documents:
            if d.error:
                lines.append(f"{d.name:<{width}}  erro: {d.error}")
                continue
            lines.append(f"{d.name:<{width}}  {d.right:>2}/{len(d.marks):<5} {' '.join(d.wrong)}")
        lines.append("")
    lines.append(f"{'campo':<17} {'acertos':>9} {'%':>7}")
    for name, (right, total) in report.per_field().items():
        pct = f"{right / total:.0%}" if total else "-"
        lines.append(f"{name:<17} {right:>4}/{total:<4} {pct:>7}")
    lines.append(f"{'TOTAL':<17} {report.right:>4}/{report.total:<4} {report.accuracy:>7.1%}")
    return "\n".join(lines)
