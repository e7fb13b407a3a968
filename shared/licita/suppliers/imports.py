"""Spreadsheet imports shared by suppliers and products: read, validate every row, report what is wrong.

The good rows are written in ONE transaction (all or none: a database failure leaves nothing half-written);
the bad ones come back as ``{row, column, message}`` in Portuguese, the row being the spreadsheet's own
row number (header = 1).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from typing import Any

from licita.core.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from licita.suppliers import storage
from licita.suppliers.rules import Column, resolve_columns, validate_row
from licita.suppliers.schemas import (
    ImportRequest,
    ImportResult,
    ImportUploadRequest,
    PresignedPost,
    RowError,
    UploadTicket,
)
from licita.suppliers.tabular import Table, TableError, read_table
from licita.tenders.uploads import sanitize_filename

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_REPORTED_ERRORS = 500
IMPORT_TYPES = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _extension(filename: str) -> str:
    return ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""


def upload_ticket(company_id: uuid.UUID, body: ImportUploadRequest) -> UploadTicket:
    """A presigned POST for a large import file (CSV/XLSX up to 10 MB), read back by the import call."""
    ext = _extension(body.filename)
    if ext not in IMPORT_TYPES:
        raise UnsupportedMediaType("Envie a planilha em CSV ou XLSX.", code="unsupported_file_type",
                                   details={"extensions": sorted(IMPORT_TYPES)})
    if body.size is not None and body.size > MAX_IMPORT_BYTES:
        raise PayloadTooLarge("Planilha grande demais: o limite é 10 MB.", code="file_too_large",
                              details={"max_bytes": MAX_IMPORT_BYTES})
    key = storage.key_for(company_id, "imports", uuid.uuid4().hex, sanitize_filename(body.filename))
    post, expires = storage.presign_post(key, IMPORT_TYPES[ext], MAX_IMPORT_BYTES)

    return UploadTicket(key=key, upload=PresignedPost(**post), max_bytes=MAX_IMPORT_BYTES, expires_at=expires)


def load_bytes(company_id: uuid.UUID, body: ImportRequest) -> bytes:
    if body.content_base64 is not None:
        try:
            data = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("content_base64 não é base64 válido.", code="invalid_base64") from None
        if not data:
            raise ValidationFailed("Arquivo vazio.", code="empty_file")
        return data
    key = body.upload_key or ""
    if not key.startswith(storage.key_for(company_id, "imports") + "/"):  # only this company's own uploads
        raise NotFound("Arquivo de importação não encontrado.", code="import_file_not_found")
    data_or_none = storage.get(key, MAX_IMPORT_BYTES)
    if data_or_none is None:
        raise NotFound("Arquivo de importação não encontrado (envie-o antes).", code="import_file_not_found")
    return data_or_none


def parse(filename: str, data: bytes, columns: Sequence[Column]) -> tuple[
        Table, list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Rows that passed validation (row number, values) and the errors of the others."""
    if len(data) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge("Planilha grande demais: o limite é 10 MB.", code="file_too_large")
    try:
        table = read_table(filename, data)
    except TableError as exc:
        raise ValidationFailed(str(exc), code="unreadable_file") from None
    mapping, missing = resolve_columns(table.headers, columns)
    if missing:
        raise ValidationFailed(f"Colunas obrigatórias ausentes: {', '.join(missing)}.", code="missing_columns",
                               details={"missing": missing, "found": table.headers,
                                        "accepted": {c.label: list(c.headers) for c in columns}})
    good: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for number, row in table.rows:
        values, problems = validate_row(row, mapping)
        if problems:
            errors.extend(RowError(row=number, column=col, message=msg) for col, msg in problems)
        else:
            good.append((number, values))
    return table, good, errors


def truncate(errors: list[RowError]) -> tuple[list[RowError], bool]:
    return errors[:MAX_REPORTED_ERRORS], len(errors) > MAX_REPORTED_ERRORS


def summary(filename: str, table: Table, errors: list[RowError], created: int, updated: int) -> dict[str, Any]:
    """What the audit log keeps of an import."""
    return {"filename": filename, "rows": len(table.rows), "created": created, "updated": updated,
            "rejected_rows": len({e.row for e in errors})}


def result(table: Table, errors: list[RowError], created: int, updated: int) -> ImportResult:
    """The answer to an import: counts, and the first rejected rows in file order."""
    errors.sort(key=lambda e: e.row)
    shown, truncated = truncate(errors)
    return ImportResult(total_rows=len(table.rows), created=created, updated=updated,
                        rejected=len({e.row for e in errors}), errors=shown, errors_truncated=truncated)
