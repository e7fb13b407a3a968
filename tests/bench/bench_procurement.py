"""Procurement desk benchmark, through the local runtime as a user would drive it (tests/bench/common.py):

* comparison of a 131-item tender × 5 suppliers: ``GET /quotes/{id}/comparison`` p50 (target ≤ 200 ms);
* XLSX of that comparison: ``GET /quotes/{id}/comparison/export`` (build + S3 + link; target ≤ 1 s);
* tender summary PDF of the 116-page edital (../shared/data/tenders/trt18-pe-035-2018-edital.pdf, analysed
  beforehand, outside the timing; a generated 116-page edital when the data folder is absent): render time
  in-process (target ≤ 2 s) and request → READY through the reports queue and worker;
* import of 10,000 supplier rows with 1 % bad rows: presigned upload + ``POST /suppliers/imports`` (≤ 10 s).

Reference in the same run: ``GET /auth/me`` p50 (the runtime's per-request floor).
Run: ``.venv/bin/python tests/bench/bench_procurement.py``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
from common import ROOT, fmt, http_json, local_runtime, make_bench_user, time_calls

EDITAL = ROOT.parent / "shared" / "data" / "tenders" / "trt18-pe-035-2018-edital.pdf"
ITEMS, SUPPLIERS, IMPORT_ROWS = 131, 5, 10_000


def cnpj(rng: random.Random) -> str:
    base = [rng.randint(0, 9) for _ in range(12)]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        total = sum(d * w for d, w in zip(base, weights, strict=False))
        base.append(0 if total % 11 < 2 else 11 - total % 11)
    return "".join(map(str, base))


def pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def analysed_edital() -> dict[str, Any]:
    """The analysis of the 116-page edital (or of a generated 116-page one), as the pipeline stores it."""
    import pymupdf

    from licita.documents import extract_document
    from licita.extraction import extract_tender

    if EDITAL.exists():
        data, source = EDITAL.read_bytes(), EDITAL.name
    else:
        doc = pymupdf.open()
        for i in range(116):
            doc.new_page().insert_textbox(pymupdf.Rect(40, 40, 560, 800), (
                "PREGÃO ELETRÔNICO Nº 35/2018\nOBJETO: aquisição de material de expediente.\n"
                f"{i + 1} Papel A4 resma UN 10 R$ 25,00 R$ 250,00\n" + "Cláusula geral do edital.\n" * 30),
                fontsize=9, fontname="helv")
        data, source = doc.tobytes(), "gerado (116 páginas)"
    analysis = extract_tender(extract_document(data, "edital.pdf")).to_dict()
    analysis["source"] = source
    return analysis


def seed(database_url: str, company_id: str, analysis: dict[str, Any]) -> tuple[str, str]:
    """The 131-item tender for the comparison and the analysed edital for the PDF, straight in PostgreSQL."""
    import psycopg

    rng = random.Random(7)
    quote_tender, pdf_tender = str(uuid.uuid4()), str(uuid.uuid4())
    with psycopg.connect(pg(database_url)) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO tenders (id, company_id, status, title) VALUES (%s, %s, 'READY', %s)",
                    (quote_tender, company_id, "Pregão Eletrônico nº 131/2025"))
        cur.executemany("INSERT INTO tender_items (id, company_id, tender_id, position, number, description, quantity, "
                        "unit, unit_price) VALUES (%s, %s, %s, %s, %s, %s, %s, 'UN', %s)",
                        [(str(uuid.uuid4()), company_id, quote_tender, n, n, f"Item de expediente {n}",
                          rng.randint(1, 500), Decimal(rng.randint(100, 100_000)) / 100) for n in range(1, ITEMS + 1)])
        fields = analysis["fields"]
        cur.execute("INSERT INTO tenders (id, company_id, status, title, agency, fields, risk, details) "
                    "VALUES (%s, %s, 'READY', %s, %s, %s, %s, %s)",
                    (pdf_tender, company_id, "Pregão Eletrônico nº 35/2018",
                     (fields.get("agency") or {}).get("value"), json.dumps(fields), json.dumps(analysis["risk"]),
                     json.dumps({"requirements": analysis["requirements"]})))
        cur.executemany("INSERT INTO tender_items (id, company_id, tender_id, position, number, description, quantity, "
                        "unit, unit_price, total_price) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [(str(uuid.uuid4()), company_id, pdf_tender, n, i.get("number"),
                          str(i.get("description") or "")[:2000], i.get("quantity"), (i.get("unit") or None),
                          i.get("unit_price"), i.get("total_price")) for n, i in enumerate(analysis["items"], 1)])
    return quote_tender, pdf_tender


def service_times(info: dict[str, Any], company_id: str, tokens: dict[str, Any], quote_id: str) -> dict[str, Any]:
    """The comparison and its XLSX timed in this process against the runtime's own services (no HTTP)."""
    import os

    from licita.core.config import reset_settings
    from licita.core.security.principal import Principal
    from licita.platform.clients import reset_clients
    from licita.platform.db.engine import reset_engine, tenant_transaction
    from licita.quotes.comparison import comparison, comparison_xlsx, load
    from licita.quotes.service import get_quote

    os.environ.update({"DATABASE_URL": info["endpoints"]["database_url"], "REDIS_URL": info["endpoints"]["redis_url"],
                       "MONGO_URL": info["endpoints"]["mongo_url"], "AWS_ENDPOINT_URL": info["aws_endpoint_url"]})
    reset_settings()
    reset_engine()
    reset_clients()
    principal = Principal(user_id=str(uuid.uuid4()), company_id=company_id, role="ADMIN_EMPRESA",
                          session_id=str(tokens.get("session_id") or uuid.uuid4()))

    def xlsx() -> bytes:
        with tenant_transaction(company_id) as db:
            return comparison_xlsx(load(db, get_quote(db, uuid.UUID(company_id), quote_id)))

    return {"comparison": time_calls(lambda: comparison(principal, quote_id), 30, 3), "xlsx": time_calls(xlsx, 10, 2)}


def main() -> int:
    print("analysing the edital for the PDF report (not timed)...", flush=True)
    analysis = analysed_edital()
    print(f"  edital: {analysis['source']}, {len(analysis['items'])} items, "
          f"{len(analysis['requirements'])} requirements, {len(analysis['risk']['factors'])} risk factors")
    with tempfile.TemporaryDirectory(prefix="bench-proc-") as tmp, \
            local_runtime(Path(tmp), {"LICITA_LOCAL_MAX_VISIBILITY_SECONDS": "1"}) as rt:
        base = rt.info["rest_url"]
        company_id, email, password = make_bench_user(rt.info["endpoints"]["database_url"])
        status, tokens = http_json(base, "POST", "/auth/login", {"email": email, "password": password})
        assert status == 200, tokens
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        quote_tender, pdf_tender = seed(rt.info["endpoints"]["database_url"], company_id, analysis)
        rng = random.Random(11)

        reference = time_calls(lambda: http_json(base, "GET", "/auth/me", headers=auth), 50, 10)
        print(f"reference GET /auth/me: {fmt(reference)}")

        # --- comparison 131 × 5
        suppliers = []
        for i in range(SUPPLIERS):
            status, s = http_json(base, "POST", "/suppliers", {"cnpj": cnpj(rng), "legal_name": f"Fornecedor {i} Ltda",
                                                               "email": f"f{i}@bench.local"}, auth)
            assert status == 201, s
            suppliers.append(s)
        deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        status, quote = http_json(base, "POST", "/quotes", {"title": "Bench 131 itens", "tender_id": quote_tender,
                                                            "deadline_at": deadline,
                                                            "supplier_ids": [s["id"] for s in suppliers]}, auth)
        assert status == 201 and len(quote["items"]) == ITEMS, quote
        status, sent = http_json(base, "POST", f"/quotes/{quote['id']}/send", {}, auth)
        assert status == 200, sent
        for link in sent["links"]:
            path = "/" + link["url"].split("/", 3)[3]
            answers = [{"item_id": it["id"], "unit_price": round(rng.uniform(1, 1000), 2), "brand": "Marca",
                        "delivery_days": rng.randint(1, 30), "validity_days": 60} for it in quote["items"]]
            status, body = http_json(base, "POST", path, {"items": answers, "submit": True})
            assert status == 200, body
        comparison_url = f"/quotes/{quote['id']}/comparison"
        comparison = time_calls(lambda: http_json(base, "GET", comparison_url, headers=auth), 30, 3)
        status, comp = http_json(base, "GET", f"/quotes/{quote['id']}/comparison", headers=auth)
        assert status == 200 and len(comp["items"]) == ITEMS
        assert all(len(i["offers"]) == SUPPLIERS for i in comp["items"])
        print(f"comparison {ITEMS} items x {SUPPLIERS} suppliers via runtime: {fmt(comparison)} (target p50 <= 200 ms)")

        in_process = service_times(rt.info, company_id, tokens, quote["id"])
        print(f"  same comparison in-process (service only, no HTTP/runtime): {fmt(in_process['comparison'])}")
        print(f"  comparison XLSX build in-process (no S3): {fmt(in_process['xlsx'])}")

        export_url = f"/quotes/{quote['id']}/comparison/export"
        export = time_calls(lambda: http_json(base, "GET", export_url, headers=auth), 10, 2)
        print(f"comparison XLSX export via runtime (build + S3 + link): {fmt(export)} (target <= 1000 ms)")

        # --- tender summary PDF of the 116-page edital
        from licita.reports.render import tender_summary_pdf

        data = {"title": "Pregão Eletrônico nº 35/2018",
                "agency": (analysis["fields"].get("agency") or {}).get("value"),
                "fields": analysis["fields"], "risk": analysis["risk"], "items": analysis["items"], "deadlines": [],
                "requirements": analysis["requirements"]}
        render = time_calls(lambda: tender_summary_pdf(data, datetime.now(UTC).date()), 5, 1)
        size = len(tender_summary_pdf(data, datetime.now(UTC).date()))
        print(f"tender summary PDF render ({analysis['source']}): {fmt(render)}, {size / 1024:.0f} KiB "
              "(target <= 2000 ms)")
        t0 = time.perf_counter()
        status, report = http_json(base, "POST", "/reports", {"kind": "tender_summary", "tender_id": pdf_tender}, auth)
        assert status == 202, report
        while True:
            status, state = http_json(base, "GET", f"/reports/{report['id']}", headers=auth)
            if state["status"] in ("READY", "FAILED") or time.perf_counter() - t0 > 60:
                break
            time.sleep(0.02)
        print(f"tender summary PDF via queue + worker, request -> {state['status']}: "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms (includes SQS polling and the worker's cold start)")
        if state["status"] != "READY":
            _, invocations = http_json(base, "GET", "/_local/invocations?function=ReportWorkerFunction")
            print(f"  worker invocations: {invocations}")

        # --- import 10,000 rows with 1 % bad
        rows = ["cnpj;razao_social;uf;email;categorias"]
        bad = set(rng.sample(range(IMPORT_ROWS), IMPORT_ROWS // 100))
        for i in range(IMPORT_ROWS):
            if i in bad:
                rows.append(f"11.222.333/0001-0{i % 10};Ruim {i};XX;ruim@;")
            else:
                rows.append(f"{cnpj(rng)};Fornecedor Importado {i} Ltda;SP;f{i}@import.local;papel, toner")
        payload = "\n".join(rows).encode()
        status, ticket = http_json(base, "POST", "/imports/uploads", {"filename": "fornecedores.csv",
                                                                      "size": len(payload)}, auth)
        assert status == 201, ticket
        import requests

        fields = ticket["upload"]["fields"]
        assert requests.post(ticket["upload"]["url"], data=fields, timeout=60,
                             files={"file": ("f.csv", payload, fields["Content-Type"])}).status_code in (200, 204)
        t0 = time.perf_counter()
        status, result = http_json(base, "POST", "/suppliers/imports",
                                   {"filename": "fornecedores.csv", "upload_key": ticket["key"]}, auth)
        took = (time.perf_counter() - t0) * 1000
        assert status == 200, result
        print(f"import {IMPORT_ROWS} rows ({len(bad)} bad) via runtime: {took:.0f} ms — created {result['created']}, "
              f"rejected {result['rejected']}, {len(result['errors'])} errors listed (target <= 10000 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
