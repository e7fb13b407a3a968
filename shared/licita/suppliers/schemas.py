"""Suppliers API contract, and the input base every procurement area shares (no NUL bytes anywhere)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from licita.core.brazil import UFS, is_valid_cnpj, only_digits
from licita.core.filetypes import DocumentContentType, ImportContentType
from licita.core.schemas import CNPJ_PATTERN, ExpiryAfterIssue, Paged, PageQuery, Schema, StrictModel

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def reject_nul(value: Any, path: str = "") -> None:
    """PostgreSQL text cannot hold NUL: refuse it anywhere in the input with a 422 that says where."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"caractere NUL não é permitido{' em ' + path if path else ''}")
    if isinstance(value, dict):
        for k, v in value.items():
            reject_nul(k, path)
            reject_nul(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            reject_nul(v, f"{path}[{i}]")


class Input(StrictModel):
    """A request body or query of the procurement desk: strict, stripped, NUL-free."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        reject_nul(data)
        return data


def clean_cnpj(value: str) -> str:
    if not is_valid_cnpj(value):
        raise ValueError("CNPJ inválido (dígitos verificadores não conferem)")
    return only_digits(value)


def clean_uf(value: str | None) -> str | None:
    if value is None:
        return None
    uf = value.strip().upper()
    if uf not in UFS:
        raise ValueError("UF inválida; use a sigla do estado, ex. SP")
    return uf


def clean_categories(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for raw in values:
        text = " ".join(raw.split())
        if not text:
            raise ValueError("categoria vazia")
        if len(text) > 60:
            raise ValueError("categoria com mais de 60 caracteres")
        seen.setdefault(text.lower(), text)
    return list(seen.values())


Cnpj = Annotated[str, Field(min_length=14, max_length=18, pattern=CNPJ_PATTERN), AfterValidator(clean_cnpj)]
Uf = Annotated[str | None, AfterValidator(clean_uf)]
Categories = Annotated[list[str], Field(max_length=30), AfterValidator(clean_categories)]


class Contact(Input):
    name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(None, max_length=254, pattern=EMAIL)
    phone: str | None = Field(None, max_length=30)
    role: str | None = Field(None, max_length=80)


class SupplierChanges(Input):
    """Every supplier field but the CNPJ, each optional (what an update may send), in the order both the create
    and the update models list them: :class:`SupplierFields` makes the required ones required again."""

    legal_name: str | None = Field(None, min_length=2, max_length=200)
    trade_name: str | None = Field(None, max_length=200)
    categories: Categories | None = None
    contacts: list[Contact] | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254, pattern=EMAIL)
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=300)
    city: str | None = Field(None, max_length=120)
    uf: Uf = None
    notes: str | None = Field(None, max_length=5000)
    rating: int | None = Field(None, ge=0, le=5)
    active: bool | None = None


class SupplierFields(SupplierChanges):
    # a redefined field keeps its place in the inherited order
    legal_name: str = Field(min_length=2, max_length=200)
    categories: Categories = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    active: bool = True


class SupplierCreate(SupplierFields):
    cnpj: Cnpj


class CnpjChange(Input):
    cnpj: Cnpj | None = None


class SupplierUpdate(SupplierChanges, CnpjChange):
    """Only the fields sent change; ``null`` clears an optional field."""

    @model_validator(mode="after")
    def _required_not_null(self) -> SupplierUpdate:
        for name in ("cnpj", "legal_name", "categories", "contacts", "active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} não pode ser nulo")
        return self


class SupplierOut(Schema):
    id: UUID
    cnpj: str
    cnpj_formatted: str
    legal_name: str
    trade_name: str | None
    categories: list[str]
    contacts: list[dict[str, Any]]
    email: str | None
    phone: str | None
    address: str | None
    city: str | None
    uf: str | None
    notes: str | None
    rating: int | None
    active: bool
    created_at: datetime
    updated_at: datetime


class SupplierListQuery(PageQuery, Input):
    q: str | None = Field(None, max_length=200, description="nome (razão social ou fantasia) ou CNPJ")
    cnpj: str | None = Field(None, max_length=18)
    category: str | None = Field(None, max_length=60)
    uf: Uf = None
    active: bool | None = None
    sort: str = Field("legal_name", max_length=30)



class SupplierPage(Paged[SupplierOut]): ...


# ------------------------------------------------------------------------------ imports / exports
class ImportRequest(Input):
    """A CSV or XLSX file, inline (base64, small files) or uploaded first through ``/imports/uploads``."""

    filename: str = Field(min_length=5, max_length=200)
    content_base64: str | None = Field(None, max_length=1_400_000)
    upload_key: str | None = Field(None, max_length=400)
    mode: Literal["upsert", "create"] = "upsert"

    @model_validator(mode="after")
    def _one_source(self) -> ImportRequest:
        if (self.content_base64 is None) == (self.upload_key is None):
            raise ValueError("envie content_base64 OU upload_key")
        return self


class RowError(Schema):
    row: int
    column: str | None
    message: str


class ImportResult(Schema):
    total_rows: int
    created: int
    updated: int
    rejected: int
    errors: list[RowError]
    errors_truncated: bool = False


class ImportUploadRequest(Input):
    filename: str = Field(min_length=5, max_length=200)
    content_type: ImportContentType = "application/octet-stream"
    size: int | None = Field(None, ge=1)


class ExportQuery(Input):
    format: Literal["csv", "xlsx"] = "xlsx"


class PresignedPost(Schema):
    url: str
    fields: dict[str, str]


class UploadTicket(Schema):
    key: str
    upload: PresignedPost
    max_bytes: int
    expires_at: datetime


class DownloadLink(Schema):
    url: str
    filename: str
    content_type: str
    expires_at: datetime


# ------------------------------------------------------------------------------ documents
DocumentKind = Literal["cnd_federal", "cnd_estadual", "cnd_municipal", "fgts", "cndt", "falencia",
                       "contrato_social", "atestado", "alvara", "outro"]


class DocumentCreate(Input, ExpiryAfterIssue):
    kind: DocumentKind
    description: str | None = Field(None, max_length=300)
    filename: str = Field(min_length=1, max_length=200)
    content_type: DocumentContentType
    size: int | None = Field(None, ge=1)
    issued_on: date | None = None
    expires_on: date | None = None


class DocumentOut(Schema):
    id: UUID
    supplier_id: UUID
    kind: str
    description: str | None
    filename: str
    content_type: str
    size: int | None
    issued_on: date | None
    expires_on: date | None
    validity: Literal["valid", "expiring", "expired", "undated"]
    created_at: datetime


class DocumentUpload(Schema):
    document: DocumentOut
    upload: PresignedPost
    max_bytes: int
    expires_at: datetime


class DocumentList(Schema):
    items: list[DocumentOut]
