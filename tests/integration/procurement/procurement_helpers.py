"""Test data for the procurement desk (valid CNPJs, suppliers, spreadsheets)."""

from __future__ import annotations

import io
import random
from typing import Any

from licita.core.brazil import complete_cnpj


def cnpj(seed: int | None = None) -> str:
    rng = random.Random(seed)
    return complete_cnpj("".join(str(rng.randint(0, 9)) for _ in range(12)))


def supplier_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"cnpj": cnpj(), "legal_name": "Papelaria Central Ltda", "trade_name": "Central",
                            "categories": ["papelaria"], "uf": "GO", "email": "vendas@central.com.br",
                            "contacts": [{"name": "Ana", "email": "ana@central.com.br", "phone": "62 99999-0000"}],
                            "rating": 4}
    body.update(over)
    return body


def xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def seed_tender(company_id: str, items: list[tuple[str, float, float | None]]) -> tuple[str, list[str]]:
    """A READY tender with items (description, quantity, estimated unit price) straight in the database."""
    import uuid
    from decimal import Decimal

    from licita.platform.db.engine import system_transaction
    from licita.tenders.models import Tender, TenderItem

    tender_id = uuid.uuid4()
    ids = []
    with system_transaction() as db:
        db.add(Tender(id=tender_id, company_id=uuid.UUID(company_id), status="READY",
                      title="Pregão Eletrônico nº 9/2025",
                      fields={}, corrections={}, risk={}, details={}, review_reasons=[]))
        db.flush()
        for n, (description, qty, price) in enumerate(items, start=1):
            item_id = uuid.uuid4()
            ids.append(str(item_id))
            db.add(TenderItem(id=item_id, company_id=uuid.UUID(company_id), tender_id=tender_id, position=n, number=n,
                              description=description, quantity=Decimal(str(qty)), unit="UN",
                              unit_price=None if price is None else Decimal(str(price))))
    return str(tender_id), ids


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[-1]
