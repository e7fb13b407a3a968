"""DOCX text with python-docx: headers, then paragraphs and tables in body order.

A DOCX has no stable pages, so the whole body is one ``Page(number=0)`` (as in the truth files);
each paragraph/table is recorded as a ``Block`` so evidence can say "paragraph 11" or "table 0".
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from licita.documents.errors import DocumentCorrupt
from licita.documents.model import Block, Page

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes) -> tuple[list[Page], list[Block], list[str]]:
    import docx  # noqa: PLC0415  (heavy: python-docx, lazy for cold start)
    from docx.table import Table  # noqa: PLC0415  (heavy: python-docx, lazy for cold start)
    from docx.text.paragraph import Paragraph  # noqa: PLC0415  (heavy: python-docx, lazy for cold start)

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentCorrupt(details={"reason": str(exc)[:200]}) from exc
    except Exception as exc:  # lxml XMLSyntaxError, PackageNotFoundError, ...
        raise DocumentCorrupt(details={"reason": type(exc).__name__}) from exc

    parts: list[str] = []
    blocks: list[Block] = []
    offset = 0

    def add(kind: str, index: int, text: str) -> None:
        nonlocal offset
        blocks.append(Block(kind=kind, index=index, start=offset, end=offset + len(text)))
        parts.append(text)
        offset += len(text) + 1  # the joining newline

    seen_headers: set[str] = set()
    header_index = 0
    for section in document.sections:
        for header in _section_headers(section):
            for para in header.paragraphs:
                text = para.text.strip()
                if text and text not in seen_headers:
                    seen_headers.add(text)
                    add("header", header_index, text)
                    header_index += 1

    p_index = t_index = 0
    for element in _body_elements(document.element.body):
        if element.tag == _W + "p":
            add("paragraph", p_index, Paragraph(element, document).text)
            p_index += 1
        else:
            add("table", t_index, _table_text(Table(element, document)))
            t_index += 1
    return [Page(number=0, text="\n".join(parts))], blocks, []


def _section_headers(section: Any) -> Iterator[Any]:
    yield section.header
    if section.different_first_page_header_footer:
        yield section.first_page_header


def _body_elements(body: Any) -> Iterator[Any]:
    """Paragraphs and tables in order, looking inside content controls (w:sdt) like Word does."""
    for child in body.iterchildren():
        if child.tag in (_W + "p", _W + "tbl"):
            yield child
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _body_elements(content)


def _table_text(table: Any) -> str:
    """One line per row, cells joined by " | "; horizontally merged cells are printed once."""
    lines: list[str] = []
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            key = id(cell._tc)
            if key in seen:
                continue
            seen.add(key)
            cells.append(" ".join(cell.text.split()))
        line = " | ".join(c for c in cells if c)
        if line:
            lines.append(line)
    return "\n".join(lines)
