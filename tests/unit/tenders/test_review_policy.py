"""Review policy (pure): READY only when the file is whole and the key fields are found and sure."""

from __future__ import annotations

from typing import Any

from licita.tenders.analysis.review import INTEGRITY_WARNINGS, KEY_FIELDS, review_status


def _fields(kind: str = "edital", confidence: float = 0.9, **values: Any) -> dict[str, Any]:
    out = {name: {"value": values.get(name, "x"), "confidence": confidence} for name in KEY_FIELDS[kind]}
    out["document_kind"] = {"value": kind, "confidence": 0.9}
    return out


def test_a_complete_confident_edital_is_ready() -> None:
    assert review_status("edital", _fields(), {}, {}) == ("READY", [])


def test_a_repaired_or_truncated_pdf_needs_review_with_a_warning_even_when_every_field_is_found() -> None:
    status, reasons = review_status("edital", _fields(), {}, {"integrity": ["repaired"]})
    assert status == "NEEDS_REVIEW" and reasons == [INTEGRITY_WARNINGS["repaired"]]
    assert "incompleto" in reasons[0]
    status, reasons = review_status("edital", _fields(), {}, {"integrity": ["missing_eof", "repaired", "???"]})
    assert status == "NEEDS_REVIEW" and len(reasons) == 3 and all("incompleto" in r for r in reasons)


def test_missing_unsure_and_conflicting_fields_need_review_unless_corrected() -> None:
    fields = _fields(confidence=0.3)
    fields["number"]["value"] = None
    status, reasons = review_status("edital", fields, {}, {"conflicts": [{"field": "agency"}]})
    assert status == "NEEDS_REVIEW"
    assert any("'number' não encontrado" in r for r in reasons)
    assert any("baixa confiança (0.30)" in r for r in reasons)
    assert any("discordam em: agency" in r for r in reasons)
    corrected = {name: {"value": "ok"} for name in KEY_FIELDS["edital"]}
    assert review_status("edital", fields, corrected, {}) == ("READY", [])


def test_other_documents_need_review_and_drafts_need_no_session_date() -> None:
    status, reasons = review_status("other", {}, {}, {})
    assert status == "NEEDS_REVIEW" and reasons == ["O documento não parece ser um edital ou documento de licitação."]
    assert review_status("minuta_edital", _fields("minuta_edital"), {}, {})[0] == "READY"
