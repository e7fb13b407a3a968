"""File detection, safe unpacking and text extraction, with generated fixtures only."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable

import pytest

from licita.core.errors import AppError
from licita.documents import (
    ArchiveRejected,
    DocumentCorrupt,
    DocumentEmpty,
    DocumentEncrypted,
    FileTooLarge,
    UnsupportedFileType,
    detect_file_type,
    extract_document,
    unpack_archive,
)
from licita.documents import archive as archive_mod
from licita.documents import extract as extract_mod
from licita.documents import ocr as ocr_mod


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_detect_types(make_pdf: Callable[..., bytes], make_docx: Callable[..., bytes]) -> None:
    assert detect_file_type(make_pdf("x"), "a.pdf") == "pdf"
    assert detect_file_type(make_docx(["x"]), "a.docx") == "docx"
    assert detect_file_type(_zip({"a.txt": b"x"}), "a.zip") == "zip"
    # content wins over the name
    assert detect_file_type(make_pdf("x"), "edital.docx") == "pdf"


def test_fake_pdf_is_rejected_with_415() -> None:
    with pytest.raises(UnsupportedFileType) as exc:
        extract_document(b"isto nao e um pdf, e texto puro", "edital.pdf")
    assert exc.value.code == "unsupported_file_type"
    assert exc.value.status == 415
    assert isinstance(exc.value, AppError)
    assert ".pdf" in exc.value.message


def test_legacy_doc_is_unsupported() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    with pytest.raises(UnsupportedFileType):
        extract_document(ole, "edital.doc")


def test_empty_bytes() -> None:
    with pytest.raises(DocumentEmpty):
        extract_document(b"", "x.pdf")


def test_encrypted_pdf(make_pdf: Callable[..., bytes]) -> None:
    data = make_pdf("PREGÃO ELETRÔNICO Nº 1/2025", encrypt=True)
    with pytest.raises(DocumentEncrypted) as exc:
        extract_document(data, "edital.pdf")
    assert exc.value.code == "document_encrypted"
    assert exc.value.status == 422
    assert "senha" in exc.value.message


def test_corrupt_pdf(make_pdf: Callable[..., bytes]) -> None:
    good = make_pdf("PREGÃO ELETRÔNICO Nº 1/2025")
    with pytest.raises(DocumentCorrupt) as exc:
        extract_document(b"%PDF-1.7\n" + b"\x00garbage" * 50, "edital.pdf")
    assert exc.value.code == "document_corrupt"
    truncated = good[: len(good) // 3]
    with pytest.raises((DocumentCorrupt, DocumentEmpty)):
        extract_document(truncated, "edital.pdf")


def test_empty_pdf_without_text(make_pdf: Callable[..., bytes]) -> None:
    with pytest.raises(DocumentEmpty) as exc:
        extract_document(make_pdf(""), "vazio.pdf")
    assert exc.value.code == "document_empty"


def test_too_large(monkeypatch: pytest.MonkeyPatch, make_pdf: Callable[..., bytes]) -> None:
    monkeypatch.setattr(extract_mod, "MAX_FILE_BYTES", 100)
    with pytest.raises(FileTooLarge) as exc:
        extract_document(make_pdf("x" * 10), "grande.pdf")
    assert exc.value.code == "file_too_large"


def test_pdf_pages_and_hash(make_pdf: Callable[..., bytes]) -> None:
    data = make_pdf("primeira página", "segunda página")
    doc = extract_document(data, "a.pdf")
    assert doc.file_type == "pdf"
    assert [p.number for p in doc.pages] == [1, 2]
    assert "segunda" in doc.pages[1].text
    assert len(doc.sha256) == 64 and doc.ocr_pages == 0


def test_docx_paragraphs_and_tables_in_order(make_docx: Callable[..., bytes]) -> None:
    data = make_docx(["MARINHA DO BRASIL", "ATA DE REGISTRO DE PREÇOS",
                      [["Item", "Descrição"], ["1", "Caneta azul"]], "Depois da tabela"], header="MINUTA")
    doc = extract_document(data, "ata.docx")
    text = doc.pages[0].text
    assert doc.file_type == "docx" and doc.pages[0].number == 0
    assert text.index("MINUTA") < text.index("MARINHA") < text.index("Caneta azul") < text.index("Depois")
    assert "1 | Caneta azul" in text
    assert doc.where(text.index("Caneta")) == "table 0"
    assert doc.where(text.index("Depois")) == "paragraph 2"


def test_corrupt_docx() -> None:
    data = _zip({"word/document.xml": b"<not xml", "[Content_Types].xml": b"<x/>"})
    assert detect_file_type(data, "a.docx") == "docx"
    with pytest.raises(DocumentCorrupt):
        extract_document(data, "a.docx")


def test_zip_picks_main_edital(make_pdf: Callable[..., bytes], make_docx: Callable[..., bytes]) -> None:
    data = _zip({
        "anexos/Anexo I - Termo de Referencia.pdf": make_pdf("TERMO DE REFERÊNCIA"),
        "Edital PE 12-2025.pdf": make_pdf("EDITAL PREGÃO ELETRÔNICO Nº 12/2025"),
        "planilha.xlsx": b"PK\x03\x04...",
        "minuta contrato.docx": make_docx(["MINUTA"]),
    })
    doc = extract_document(data, "edital.zip")
    assert doc.source_member == "Edital PE 12-2025.pdf"
    assert "EDITAL" in doc.pages[0].text
    assert any("ZIP com 3 documentos" in w for w in doc.warnings)


def test_zip_path_traversal_members_are_ignored(make_pdf: Callable[..., bytes]) -> None:
    data = _zip({"../../etc/edital.pdf": make_pdf("malicioso"), "/abs/edital.pdf": make_pdf("abs"),
                 "ok/edital.pdf": make_pdf("EDITAL bom")})
    members, warnings = unpack_archive(data)
    assert [m.name for m in members] == ["ok/edital.pdf"]
    assert sum("inseguro" in w for w in warnings) == 2


def test_zip_only_traversal_is_rejected(make_pdf: Callable[..., bytes]) -> None:
    with pytest.raises(ArchiveRejected):
        extract_document(_zip({"../edital.pdf": make_pdf("x")}), "a.zip")


def test_zip_bomb_ratio_is_rejected() -> None:
    bomb = _zip({"edital.pdf": b"%PDF-1.7\n" + b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(ArchiveRejected) as exc:
        extract_document(bomb, "bomba.zip")
    assert exc.value.code == "archive_rejected"
    assert "zip bomb" in exc.value.message


def test_zip_limits(monkeypatch: pytest.MonkeyPatch, make_pdf: Callable[..., bytes]) -> None:
    pdf = make_pdf("x")
    monkeypatch.setattr(archive_mod, "MAX_MEMBERS", 2)
    with pytest.raises(ArchiveRejected):
        unpack_archive(_zip({f"{i}.pdf": pdf for i in range(3)}))
    monkeypatch.setattr(archive_mod, "MAX_MEMBERS", 500)
    monkeypatch.setattr(archive_mod, "MAX_TOTAL_UNCOMPRESSED", len(pdf) + 10)
    with pytest.raises(ArchiveRejected):
        unpack_archive(_zip({"a.pdf": pdf, "b.pdf": pdf}))


def test_nested_zip_depth(make_pdf: Callable[..., bytes]) -> None:
    inner = _zip({"edital.pdf": make_pdf("EDITAL interno")})
    members, _ = unpack_archive(_zip({"pacote.zip": inner}))
    assert [m.name for m in members] == ["pacote.zip/edital.pdf"]
    too_deep = _zip({"a.zip": _zip({"b.zip": inner})})
    with pytest.raises(ArchiveRejected):
        unpack_archive(too_deep)


def test_zip_without_documents() -> None:
    with pytest.raises(ArchiveRejected):
        extract_document(_zip({"leiame.txt": b"nada"}), "a.zip")


def _scanned_pdf(text: str) -> bytes:
    """A PDF whose only page is a picture of ``text`` (no text layer)."""
    import pymupdf

    src = pymupdf.open()
    page = src.new_page()
    page.insert_text((50, 80), text, fontsize=20)
    png = page.get_pixmap(dpi=200).tobytes("png")
    out = pymupdf.open()
    out.new_page().insert_image(out[0].rect, stream=png)
    return out.tobytes()


def test_scanned_page_without_tesseract_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr_mod, "tesseract_path", lambda: None)
    with pytest.raises(DocumentEmpty) as exc:
        extract_document(_scanned_pdf("PREGAO ELETRONICO 5/2025"), "scan.pdf")
    assert "Tesseract" in exc.value.message
    assert exc.value.details and any("OCR falhou" in w for w in exc.value.details["warnings"])


def test_scanned_page_ocr_disabled() -> None:
    with pytest.raises(DocumentEmpty):
        extract_document(_scanned_pdf("PREGAO"), "scan.pdf", ocr=False)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_scanned_page_is_ocred() -> None:
    doc = extract_document(_scanned_pdf("PREGAO ELETRONICO 005/2025"), "scan.pdf")
    assert doc.ocr_pages == 1 and doc.pages[0].ocr
    assert "005/2025" in doc.pages[0].text
