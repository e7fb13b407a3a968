"""Rules-based tender extraction (pure Python + regex, no network).

``extract_tender(doc)`` turns an ``ExtractedDocument`` into a ``TenderAnalysis`` whose
``to_dict()`` is the design/EXTRACTION.md format. Importing this package loads only the field catalogue
(``models``): the API functions read it, and compiling the rules' patterns on their cold start cost them
more than their own imports. The rules load on the first ``extract_tender``; PyMuPDF and python-docx only
when ``licita.documents`` readers need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.extraction.models import FIELD_NAMES, Evidence, Field, Item, KeyDate, RiskReport, TenderAnalysis

if TYPE_CHECKING:
    from licita.documents.model import ExtractedDocument

__all__ = [
    "FIELD_NAMES",
    "Evidence",
    "Field",
    "Item",
    "KeyDate",
    "RiskReport",
    "TenderAnalysis",
    "extract_tender",
]


def extract_tender(doc: ExtractedDocument) -> TenderAnalysis:
    """Run every rule over the document and score its risk."""
    from licita.extraction import engine  # noqa: PLC0415  (the rules: off the API functions' cold start)

    return engine.extract_tender(doc)
