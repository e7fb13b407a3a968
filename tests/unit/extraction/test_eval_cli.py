"""``licita eval DIR``: per-field table and JSON over a folder of labelled documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from licita.cli import main
from licita.extraction.evaluate import evaluate_folder, format_table
from licita.extraction.models import FIELD_NAMES


def _folder(tmp_path: Path, edital_pdf: bytes) -> Path:
    (tmp_path / "edital.pdf").write_bytes(edital_pdf)
    truth: dict[str, dict[str, object]] = {name: {"value": None} for name in FIELD_NAMES}
    truth["document_kind"] = {"value": "edital"}
    truth["number"] = {"value": "012/2025"}
    truth["items_count"] = {"value": 4}  # wrong on purpose: the document has 3 items
    (tmp_path / "edital.pdf.truth.json").write_text(json.dumps({"fields": truth}), encoding="utf-8")
    (tmp_path / "unlabelled.pdf").write_bytes(edital_pdf)  # no truth: ignored
    return tmp_path


def test_eval_prints_the_per_field_table(tmp_path: Path, edital_pdf: bytes,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(_folder(tmp_path, edital_pdf))]) == 0
    out = capsys.readouterr().out
    assert "edital.pdf" in out and "unlabelled.pdf" not in out
    assert "document_kind" in out and "   1/1 " in out
    assert "items_count" in out and "TOTAL" in out


def test_eval_json(tmp_path: Path, edital_pdf: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(_folder(tmp_path, edital_pdf)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fields"]["number"] == {"right": 1, "total": 1}
    assert data["fields"]["items_count"] == {"right": 0, "total": 1}
    assert data["documents"][0]["wrong"]["items_count"] == {"value": 3, "truth": 4}
    assert data["total"] == len(FIELD_NAMES) and 0 < data["accuracy"] < 1


def test_eval_empty_or_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tmp_path)]) == 1
    assert main(["eval", str(tmp_path / "nope")]) == 2
    assert "erro" in capsys.readouterr().err


def test_unreadable_document_is_reported_not_fatal(tmp_path: Path, make_pdf: Callable[..., bytes]) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"not a pdf")
    (tmp_path / "broken.pdf.truth.json").write_text(json.dumps({"fields": {}}), encoding="utf-8")
    report = evaluate_folder(tmp_path, ocr=False)
    assert report.documents[0].error
    assert "erro" in format_table(report)
