"""Running every extraction rule over one document (loaded on first use: see the package docstring)."""

from __future__ import annotations

from licita.documents.model import ExtractedDocument
from licita.extraction.models import TenderAnalysis
from licita.extraction.risk import assess
from licita.extraction.rules import extract_fields
from licita.extraction.sections import guarantees, key_dates, penalties, requirements
from licita.extraction.text import Corpus


def extract_tender(doc: ExtractedDocument) -> TenderAnalysis:
    """Run every rule over the document and score its risk."""
    corpus = Corpus(doc)
    fields, items = extract_fields(doc, corpus)
    kind = fields["document_kind"].value
    analysis = TenderAnalysis(
        file=doc.source_member or doc.filename,
        sha256=doc.sha256,
        fields=fields,
        items=items.items,
        warnings=list(doc.warnings),
    )
    if kind != "other":
        analysis.requirements = requirements(corpus)
        analysis.penalties = penalties(corpus)
        analysis.guarantees = guarantees(corpus)
        session = fields["session_datetime"].value
        basis = fields["legal_basis"].value
        analysis.dates = key_dates(corpus, session if isinstance(session, str) else None,
                                   basis if isinstance(basis, str) else None)
    analysis.risk = assess(analysis)
    return analysis
