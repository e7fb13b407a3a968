"""Upload policy (accepted types, names, keys, size limit) and the uploaded objects S3 reports back.

Both the API (create_upload) and the analysis pipeline read the policy from here, so a type accepted at
upload time is the type the pipeline expects, and the limit is the one ``Settings.max_upload_bytes``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from licita.core.config import get_settings
from licita.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from licita.core.filetypes import DOCUMENT_TYPES
from licita.core.filetypes import GENERIC_TYPES as GENERIC

UPLOAD_URL_TTL = 900
DOWNLOAD_URL_TTL = 300

# Accepted uploads: extension -> (kind, content types a browser may declare for it); the vocabulary lives in
# licita.core.filetypes so request schemas can list it without importing this module.
ACCEPTED_TYPES: dict[str, tuple[str, frozenset[str]]] = DOCUMENT_TYPES
GENERIC_TYPES = frozenset(GENERIC)
CANONICAL_TYPES = {".pdf": "application/pdf", ".zip": "application/zip",
                   ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}

KEY_PATTERN = re.compile(r"^companies/(?P<company>[0-9a-f-]{36})/tenders/(?P<tender>[0-9a-f-]{36})/(?P<file>[^/]+)$")


def max_upload_bytes() -> int:
    """The one upload limit (``MAX_UPLOAD_BYTES``): the presigned policy and the pipeline both use it."""
    return get_settings().max_upload_bytes


def _extension(filename: str) -> str:
    return ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""


def kind_for(filename: str) -> str | None:
    entry = ACCEPTED_TYPES.get(_extension(filename))
    return entry[0] if entry else None


def content_type_for(filename: str) -> str:
    return CANONICAL_TYPES.get(_extension(filename), "application/octet-stream")


def sanitize_filename(name: str, *, limit: int = 120) -> str:
    """A key-safe file name: no path, no accents, only ``[A-Za-z0-9._-]``, the extension kept and lowercased."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_.") or "documento"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext).lower()
    stem = stem[: max(1, limit - len(ext) - 1)]
    return f"{stem}.{ext}" if ext else stem


def document_key(company_id: uuid.UUID | str, tender_id: uuid.UUID | str, filename: str) -> str:
    return f"companies/{company_id}/tenders/{tender_id}/{filename}"


def check_upload(filename: str, content_type: str, size: int | None) -> tuple[str, str]:
    """(kind, content type) of an acceptable upload, or a 415/413/422 that says what to send instead."""
    ext = _extension(filename.strip())
    ctype = content_type.split(";", maxsplit=1)[0].strip().lower()
    allowed = {"extensions": sorted(ACCEPTED_TYPES), "content_types": sorted(
        t for _, types in ACCEPTED_TYPES.values() for t in types)}
    if ext not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            "Tipo de arquivo não aceito: envie o edital em PDF, DOCX ou ZIP (com PDF/DOCX dentro).",
            code="unsupported_file_type", details={"extension": ext or None, **allowed})
    kind, types = ACCEPTED_TYPES[ext]
    if ctype in GENERIC_TYPES:
        ctype = CANONICAL_TYPES[ext]
    elif ctype not in types:
        if any(ctype in t for _, t in ACCEPTED_TYPES.values()):
            raise ValidationFailed(
                f"O tipo declarado ({ctype}) não corresponde à extensão {ext} do arquivo.",
                code="content_type_mismatch", details={"extension": ext, "content_type": ctype,
                                                       "expected": sorted(types)})
        raise UnsupportedMediaType(
            f"Tipo de conteúdo não aceito ({ctype}): envie PDF, DOCX ou ZIP.",
            code="unsupported_file_type", details={"content_type": ctype, **allowed})
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise PayloadTooLarge(
            f"Arquivo grande demais: o limite é {limit // (1024 * 1024)} MB.", code="file_too_large",
            details={"size": size, "max_bytes": limit})
    return kind, ctype


# ------------------------------------------------------------------------------ what S3 reports back
class PermanentFailure(Exception):
    """A message that can never succeed: it is recorded as a rejection and consumed."""


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    size: int
    etag: str
    company_id: uuid.UUID
    tender_id: uuid.UUID
    filename: str


def parse_s3_notification(body: dict[str, Any]) -> list[UploadedObject]:
    if body.get("Event") == "s3:TestEvent":  # sent once when the notification is configured
        return []
    records = body.get("Records")
    if not isinstance(records, list):
        raise PermanentFailure("not an S3 event notification")
    objects = []
    for record in records:
        s3 = record.get("s3") or {}
        key = unquote_plus(s3.get("object", {}).get("key", ""))  # keys arrive URL-encoded
        match = KEY_PATTERN.match(key)
        if not match:
            raise PermanentFailure(f"object key outside companies/<id>/tenders/<id>/<file>: {key!r}")
        objects.append(UploadedObject(
            bucket=s3.get("bucket", {}).get("name", ""), key=key, size=int(s3["object"].get("size", 0)),
            etag=str(s3["object"].get("eTag", "")).strip('"'), company_id=uuid.UUID(match["company"]),
            tender_id=uuid.UUID(match["tender"]), filename=match["file"],
        ))
    return objects
