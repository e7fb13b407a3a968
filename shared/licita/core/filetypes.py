"""The file types users may upload, as closed vocabularies the OpenAPI document lists.

Two families: *documents* (editais, supplier certificates, vault documents, quote-portal proposals), which the
pipeline or a person reads as PDF, DOCX or ZIP; and *attachments* (cards, conversations), the office files and
images a bid team passes around. The ``*ContentType`` types are the request fields: its JSON schema is the enum and
validation accepts exactly that enum (anything else is a 422 in Portuguese), so spec and behaviour agree. The
extension rules stay with the policy that knows them (``licita.tenders.uploads.check_upload``: 415/422 with the
reason).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

PDF, DOCX, ZIP = "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", \
    "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GENERIC_TYPES = ("application/octet-stream", "binary/octet-stream")  # the type is then taken from the extension

# Documents: extension -> (kind, content types a browser may declare for it)
DOCUMENT_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    ".pdf": ("pdf", frozenset({PDF, "application/x-pdf"})),
    ".docx": ("docx", frozenset({DOCX})),
    ".zip": ("zip", frozenset({ZIP, "application/x-zip-compressed", "application/x-zip", "multipart/x-zip"})),
}
DOCUMENT_CONTENT_TYPES: tuple[str, ...] = (
    *sorted(t for _, types in DOCUMENT_TYPES.values() for t in types), *GENERIC_TYPES)

ATTACHMENT_CONTENT_TYPES: tuple[str, ...] = (
    PDF, DOCX, ZIP, XLSX, "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/vnd.ms-powerpoint",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/x-zip-compressed", "application/xml", "text/xml", "text/plain", "text/csv",
    "image/png", "image/jpeg", "image/gif", "image/webp", *GENERIC_TYPES)

IMPORT_CONTENT_TYPES: tuple[str, ...] = ("text/csv", XLSX, "application/vnd.ms-excel", "text/plain", *GENERIC_TYPES)


class _ContentTypes:
    """``Annotated[str, _ContentTypes(types)]``: one of ``types``, exactly (browsers send them lowercase)."""

    def __init__(self, types: tuple[str, ...], what: str) -> None:
        self.types, self.what = types, what

    def _check(self, value: str) -> str:
        if value not in self.types:
            raise PydanticCustomError("enum", "tipo de conteúdo não aceito para {what}; use {expected}",
                                      {"what": self.what, "expected": ", ".join(self.types)})
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, core_schema.str_schema())

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.types),
                "description": f"Tipo de conteúdo (MIME) aceito para {self.what}."}


DocumentContentType = Annotated[str, _ContentTypes(DOCUMENT_CONTENT_TYPES, "documentos (PDF, DOCX ou ZIP)")]
AttachmentContentType = Annotated[str, _ContentTypes(ATTACHMENT_CONTENT_TYPES, "anexos")]
ImportContentType = Annotated[str, _ContentTypes(IMPORT_CONTENT_TYPES, "importação (CSV ou XLSX)")]
