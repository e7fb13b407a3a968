"""File-type detection by content (magic bytes), never by extension alone: names lie."""

from __future__ import annotations

import io
import zipfile

from licita.documents.errors import DocumentEmpty, DocumentEncrypted, UnsupportedFileType

PDF = "pdf"
DOCX = "docx"
ZIP = "zip"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def detect_file_type(data: bytes, filename: str = "") -> str:
    """Return "pdf", "docx" or "zip"; raise ``UnsupportedFileType`` for anything else.

    A PDF may carry junk before ``%PDF-`` (allowed by readers within the first KiB). A DOCX is a
    ZIP holding ``word/document.xml``; any other ZIP is an archive to unpack. Legacy OLE files
    (.doc, or an encrypted .docx, which Office stores as OLE) are refused with a precise message.
    """
    if not data:
        raise DocumentEmpty("O arquivo enviado está vazio (0 bytes).")
    head = data[:1024]
    if b"%PDF-" in head:
        return PDF
    if data.startswith(_ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            # A truncated zip: let the caller decide by name what it should have been.
            return DOCX if filename.lower().endswith(".docx") else ZIP
        if "word/document.xml" in names:
            return DOCX
        return ZIP
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data[:65536] or b"EncryptedPackage" in data[:65536]:
            raise DocumentEncrypted()
        raise UnsupportedFileType(
            "Arquivo no formato antigo do Word (.doc) não é suportado. Salve-o como DOCX ou PDF e envie novamente.",
            details={"filename": filename},
        )
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext in {"pdf", "docx", "zip"}:
        raise UnsupportedFileType(
            f"O arquivo '{filename}' tem extensão .{ext}, mas o conteúdo não é um {ext.upper()} válido.",
            details={"filename": filename, "declared": ext},
        )
    raise UnsupportedFileType(details={"filename": filename})
