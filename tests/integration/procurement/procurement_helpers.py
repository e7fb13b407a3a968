"""Test data for the procurement desk (valid CNPJs, suppliers, spreadsheets)."""

from __future__ import annotations

import io
import random
from typing import Any


def cnpj(seed: int | None = None) -> str:
    rng = random.Random(seed)
    base = [rng.randint(0, 9) for _ in range(12)]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        total = sum(d * w for d, w in zip(base, weights, strict=False))
        base.append(0 if total % 11 < 2 else 11 - total % 11)
    return "".join(map(str, base))


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
