"""Products API contract: catalogue items and supplier–product links."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from licita.core.schemas import Paged, PageQuery, Schema
from licita.products.rules import check_code
from licita.suppliers.schemas import Input

CodeKind = Literal["catmat", "catser", "ncm"]


class ProductFields(Input):
    description: str = Field(min_length=2, max_length=2000)
    unit: str = Field(min_length=1, max_length=40)
    code_kind: CodeKind | None = None
    code: str | None = Field(None, max_length=20)
    brand: str | None = Field(None, max_length=120)
    model: str | None = Field(None, max_length=120)
    category: str | None = Field(None, max_length=80)
    active: bool = True

    @model_validator(mode="after")
    def _code(self) -> ProductFields:
        self.code = check_code(self.code_kind, self.code)
        return self


class ProductCreate(ProductFields):
    pass


class ProductUpdate(Input):
    description: str | None = Field(None, min_length=2, max_length=2000)
    unit: str | None = Field(None, min_length=1, max_length=40)
    code_kind: CodeKind | None = None
    code: str | None = Field(None, max_length=20)
    brand: str | None = Field(None, max_length=120)
    model: str | None = Field(None, max_length=120)
    category: str | None = Field(None, max_length=80)
    active: bool | None = None

    @model_validator(mode="after")
    def _checks(self) -> ProductUpdate:
        for name in ("description", "unit", "active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} não pode ser nulo")
        if {"code", "code_kind"} & self.model_fields_set:
            self.code = check_code(self.code_kind, self.code)
        return self


class ProductOut(Schema):
    id: UUID
    description: str
    unit: str
    code_kind: str | None
    code: str | None
    brand: str | None
    model: str | None
    category: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class ProductListQuery(PageQuery, Input):
    q: str | None = Field(None, max_length=200)
    code: str | None = Field(None, max_length=20)
    category: str | None = Field(None, max_length=80)
    active: bool | None = None
    sort: str = Field("description", max_length=30)


class ProductPage(Paged[ProductOut]): ...


class LinkRequest(Input):
    supplier_code: str | None = Field(None, max_length=60)
    last_price: Decimal | None = Field(None, ge=0, le=Decimal("1e13"), decimal_places=4)


class LinkOut(Schema):
    supplier_id: UUID
    supplier_name: str
    product_id: UUID
    product_description: str
    supplier_code: str | None
    last_price: float | None
    last_quoted_at: datetime | None


class LinkList(Schema):
    items: list[LinkOut]
