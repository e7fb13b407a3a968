"""The rules extractor against the hand-labelled dev documents in ../shared/data/tenders.

Each document must keep at least the number of correct fields (of 17) the extractor reaches today,
so a regression on any document fails here. Skipped when the shared folder is absent (user clones).
"""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from licita.documents import extract_document
from licita.extraction import extract_tender
from licita.extraction.scoring import accuracy, score

REPO_ROOT = Path(__file__).resolve().parents[3]
TENDERS_DIR = REPO_ROOT.parent / "shared" / "data" / "tenders"

# Correct fields (of 17) per document, as measured with tests/bench/bench_extraction.py.
MIN_CORRECT = {
    "americana-sp-pe-138-2025-edital.pdf": 17,
    "bilac-sp-pe-042-2025-edital.pdf": 17,
    "caixa-cpve-re-licitacao-0051-0325-2025-venda-imoveis.pdf": 15,  # composite agency label; object paraphrase
    "dnocs-concorrencia-001-2024-edital.pdf": 17,
    "doe-ms-10295-2020-suplemento-diario.pdf": 17,
    "dom-macedo-costa-ba-pe-021-2025-edital.pdf": 17,
    "fames-cabo-frio-dispensa-001-2022.pdf": 16,  # agency only named in the contract minute (p.15)
    "fbb-chamada-publica-2026-001-not-a-tender.pdf": 17,
    "marinha-ceimbra-pe-15-2024-minuta-edital.docx": 16,  # agency label written "Unit (ACR) - Parent"
    "marinha-ceimma-pe-26-2023-ata-house.docx": 16,  # idem
    "marinha-de-37-2024-termo-referencia.pdf": 17,
    "marinha-de-37-2024-termo-referencia.docx": 17,
    "marinha-pe-14-2024-minuta-edital.docx": 17,
    "marinha-pe-90006-2024-ata.docx": 16,  # agency label adds the órgão gerenciador
    "trt18-pe-035-2018-edital.pdf": 17,
    "tucano-ba-leilao-002-2019-edital.pdf": 16,  # object paraphrase
    "valiprev-sp-ic-01-2022-termo-referencia.pdf": 16,  # agency label adds the acronym
    # One field of slack on scans because OCR output varies between Tesseract versions.
    "ipma-monte-alegre-de-minas-mg-pp-001-2021-aviso-scanned.pdf": 15,  # 16 today
    "turvelandia-go-pe-005-2025-edital-scanned.pdf": 16,  # 17 today
    "valiprev-sp-contrato-010-2023-dispensa-scanned.pdf": 15,  # 16 today
}


def _require_dev_set() -> None:
    if not TENDERS_DIR.is_dir():
        pytest.skip(f"dev documents not found at {TENDERS_DIR}")


@cache
def _result(name: str) -> dict[str, Any]:
    doc = extract_document((TENDERS_DIR / name).read_bytes(), name)
    return extract_tender(doc).to_dict()


def _truth(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TENDERS_DIR / f"{name}.truth.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", sorted(MIN_CORRECT))
def test_dev_document(name: str) -> None:
    _require_dev_set()
    if "scanned" in name and shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed (needed for the scanned edital)")
    result = _result(name)
    truth = _truth(name)
    assert result["sha256"] == truth["sha256"]
    marks = score(result, truth)
    wrong = {k: (result["fields"][k]["value"], truth["fields"][k]["value"]) for k, ok in marks.items() if not ok}
    assert sum(marks.values()) >= MIN_CORRECT[name], f"wrong fields: {wrong}"
    for entry in result["fields"].values():
        assert 0.0 <= entry["confidence"] <= 1.0
        if entry["value"] is not None and entry["page"] is not None:
            assert entry["quote"]


def test_non_tender_is_other() -> None:
    _require_dev_set()
    result = _result("fbb-chamada-publica-2026-001-not-a-tender.pdf")
    assert result["fields"]["document_kind"]["value"] == "other"
    assert result["risk"]["score"] == 0


def test_dev_set_accuracy_target() -> None:
    _require_dev_set()
    names = [n for n in sorted(MIN_CORRECT) if "scanned" not in n or shutil.which("tesseract")]
    marks = [score(_result(n), _truth(n)) for n in names]
    assert accuracy(marks) >= 0.95


def test_every_dev_document_is_labelled() -> None:
    _require_dev_set()
    on_disk = {p.name for p in TENDERS_DIR.iterdir() if p.suffix in (".pdf", ".docx")}
    assert on_disk == set(MIN_CORRECT)
