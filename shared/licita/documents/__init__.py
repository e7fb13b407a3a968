"""Document intake: type detection, safe unpacking and text extraction (PDF, DOCX, ZIP, OCR).

Heavy libraries (PyMuPDF, python-docx) are imported lazily inside the readers so that importing
this package stays cheap on a cold start.
"""

from licita.documents.archive import ArchiveMember, unpack_archive
from licita.documents.detect import detect_file_type
from licita.documents.errors import (
    ArchiveRejected,
    DocumentCorrupt,
    DocumentEmpty,
    DocumentEncrypted,
    DocumentError,
    FileTooLarge,
    OcrUnavailable,
    UnsupportedFileType,
)
from licita.documents.extract import MAX_FILE_BYTES, extract_document
from licita.documents.model import Block, ExtractedDocument, Page

__all__ = [
    "MAX_FILE_BYTES",
    "ArchiveMember",
    "ArchiveRejected",
    "Block",
    "DocumentCorrupt",
    "DocumentEmpty",
    "DocumentEncrypted",
    "DocumentError",
    "ExtractedDocument",
    "FileTooLarge",
    "OcrUnavailable",
    "Page",
    "UnsupportedFileType",
    "detect_file_type",
    "extract_document",
    "unpack_archive",
]
