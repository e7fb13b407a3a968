"""The text of a document as the extractor sees it: pages (or DOCX blocks) with provenance."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(slots=True)
class Page:
    """One unit of evidence: a PDF page (1-based) or, for DOCX, the whole body as page 0."""

    number: int
    text: str
    ocr: bool = False


@dataclass(slots=True)
class Block:
    """A DOCX paragraph/table/header and where it sits in ``Page.text`` (for the "where" evidence)."""

    kind: str  # "paragraph" | "table" | "header"
    index: int  # 0-based among blocks of the same kind (python-docx body order)
    start: int
    end: int

    def describe(self) -> str:
        return f"{self.kind} {self.index}"


@dataclass(slots=True)
class ExtractedDocument:
    file_type: str  # "pdf" | "docx"
    sha256: str
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)
    source_member: str | None = None
    filename: str | None = None
    blocks: list[Block] = field(default_factory=list)
    # 1-based pages whose OCR is still running: non-empty only in the quick first result of a
    # two-phase read (``licita.documents.read_document``); those pages have no text yet.
    pending_pages: list[int] = field(default_factory=list)
    # The PDF was damaged or truncated (MuPDF had to rebuild its xref, or the %%EOF marker is missing):
    # the text read may be incomplete.
    repaired: bool = False

    @property
    def complete(self) -> bool:
        return not self.pending_pages

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    @property
    def ocr_pages(self) -> int:
        return sum(1 for p in self.pages if p.ocr)

    def where(self, offset: int) -> str | None:
        """Name the DOCX block containing a character offset of page 0 (None for PDFs)."""
        if not self.blocks:
            return None
        starts = [b.start for b in self.blocks]
        i = bisect_right(starts, offset) - 1
        if i < 0:
            return None
        block = self.blocks[i]
        return block.describe() if offset <= block.end else None
