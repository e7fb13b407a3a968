"""Errors raised while reading an uploaded document; messages are shown to end users (Portuguese)."""

from __future__ import annotations

from typing import Any

from licita.core.errors import AppError


class DocumentError(AppError):
    """Base for every problem with the file itself (not with the request)."""

    status = 422
    code = "document_invalid"

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        super().__init__(message or self.default_message, details=details)

    default_message = "Não foi possível ler o documento enviado."


class DocumentEncrypted(DocumentError):
    code = "document_encrypted"
    default_message = (
        "O documento está protegido por senha. Envie uma cópia sem senha (no leitor de PDF, "
        "use 'Imprimir > Salvar como PDF')."
    )


class DocumentCorrupt(DocumentError):
    code = "document_corrupt"
    default_message = "O arquivo está corrompido ou incompleto e não pôde ser aberto. Baixe-o novamente."


class DocumentEmpty(DocumentError):
    code = "document_empty"
    default_message = (
        "Não foi encontrado texto legível no documento, nem mesmo após o reconhecimento óptico (OCR)."
    )


class UnsupportedFileType(DocumentError):
    status = 415
    code = "unsupported_file_type"
    default_message = "Tipo de arquivo não suportado. Envie o edital em PDF, DOCX ou um ZIP que os contenha."


class ArchiveRejected(DocumentError):
    code = "archive_rejected"
    default_message = "O arquivo compactado foi recusado por motivo de segurança ou por não conter PDF/DOCX."


class FileTooLarge(DocumentError):
    code = "file_too_large"
    default_message = "O arquivo excede o tamanho máximo permitido."


class OcrUnavailable(DocumentError):
    """Raised per page when Tesseract is missing or fails; callers turn it into a warning."""

    status = 503
    code = "ocr_unavailable"
    default_message = "O reconhecimento de texto (OCR) não está disponível neste ambiente."


class DocumentChanged(DocumentError):
    """A helper was given bytes that are not the ones the lead reads (replaced object, another deploy's reader)."""

    code = "document_changed"
    default_message = "O arquivo mudou durante a análise."
