"""Document intake: type detection, safe unpacking and text extraction (PDF, DOCX, ZIP, OCR).

Scanned PDFs can be read in two phases (``read_document``) with progress frames (``progress``).

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
from licita.documents.extract import MAX_FILE_BYTES, extract_document, extract_text, read_document
from licita.documents.model import Block, ExtractedDocument, Page
from licita.documents.ocr import OcrSettings
from licita.documents.ocr_cache import DirectoryOcrCache, MemoryOcrCache, OcrCache, TieredOcrCache
from licita.documents.progress import STAGES, ProgressCallback, ProgressFrame, Throttle

__all__ = [
    "MAX_FILE_BYTES",
    "STAGES",
    "ArchiveMember",
    "ArchiveRejected",
    "Block",
    "DirectoryOcrCache",
    "DocumentCorrupt",
    "DocumentEmpty",
    "DocumentEncrypted",
    "DocumentError",
    "ExtractedDocument",
    "FileTooLarge",
    "MemoryOcrCache",
    "OcrCache",
    "OcrSettings",
    "OcrUnavailable",
    "Page",
    "ProgressCallback",
    "ProgressFrame",
    "Throttle",
    "TieredOcrCache",
    "UnsupportedFileType",
    "detect_file_type",
    "extract_document",
    "extract_text",
    "read_document",
    "unpack_archive",
]
