"""Suppliers and products through the suppliers function (real API Gateway events, PostgreSQL, S3 in moto):
validation, uniqueness, search, imports with row errors (atomic), exports read back, documents, audit."""

from __future__ import annotations

import base64
import io
import uuid
from typing import Any

import requests
from procurement_helpers import cnpj, supplier_body, xlsx
from procurement_support import call, make_caller, same_company
from sqlalchemy import func, select

from licita.audit.models import AuditLog
from licita.platform.db.engine import system_transaction
from licita.suppliers.models import Supplier


def create(app: Any, caller: Any, **over: Any) -> dict[str, Any]:
    status, body = call(app, "POST", "/suppliers", caller, body=supplier_body(**over))
    assert status == 201, body
    return dict(body)


def test_create_validates_cnpj_uf_rating_contacts_and_nul(suppliers_app: Any) -> None:
    caller = make_caller("USER")
    for bad, field in (({"cnpj": "11.222.333/0001-82"}, "cnpj"), ({"uf": "XX"}, "uf"), ({"rating": 6}, "rating"),
                       ({"contacts": [{"name": "A", "email": "not-an-email"}]}, "contacts"),
                       ({"legal_name": "Acme\x00"}, "legal_name"), ({"legal_name": None}, "legal_name"),
                       ({"unknown": 1}, "unknown")):
        status, body = call(suppliers_app, "POST", "/suppliers", caller, body=supplier_body(**bad))
        assert status == 422, (bad, body)
        assert body["error"]["code"] == "validation_failed"
        assert field in str(body["error"]["details"]), (field, body)
    body = create(suppliers_app, caller, cnpj="11.222.333/0001-81", uf="go", categories=["Papel", "papel", "TI"])
    assert body["cnpj"] == "11222333000181" and body["cnpj_formatted"] == "11.222.333/0001-81"
    assert body["uf"] == "GO" and body["categories"] == ["Papel", "TI"] and body["contacts"][0]["name"] == "Ana"
    status, dup = call(suppliers_app, "POST", "/suppliers", caller, body=supplier_body(cnpj="11222333000181"))
    assert status == 409 and dup["error"]["code"] == "supplier_cnpj_taken"
    # the same CNPJ in another company is fine (unique per company)
    assert call(suppliers_app, "POST", "/suppliers", make_caller(), body=supplier_body(cnpj="11222333000181"))[0] == 201
    with system_transaction() as db:
        actions = db.scalars(select(AuditLog.action).where(AuditLog.entity_id == body["id"])).all()
    assert actions == ["supplier.created"]


def test_update_delete_and_permissions(suppliers_app: Any) -> None:
    caller = make_caller("USER")
    s = create(suppliers_app, caller)
    other = create(suppliers_app, caller)
    path = {"supplier_id": s["id"]}
    status, body = call(suppliers_app, "PATCH", "/suppliers/{supplier_id}", caller, path_params=path,
                        body={"rating": 5, "notes": "entrega rápida", "uf": None})
    assert status == 200 and body["rating"] == 5 and body["uf"] is None and body["notes"] == "entrega rápida"
    status, body = call(suppliers_app, "PATCH", "/suppliers/{supplier_id}", caller, path_params=path,
                        body={"cnpj": other["cnpj"]})
    assert status == 409 and body["error"]["code"] == "supplier_cnpj_taken"
    assert call(suppliers_app, "PATCH", "/suppliers/{supplier_id}", caller, path_params=path,
                body={"active": None})[0] == 422
    viewer = same_company(caller, "VIEWER")
    assert call(suppliers_app, "GET", "/suppliers/{supplier_id}", viewer, path_params=path)[0] == 403
    assert call(suppliers_app, "DELETE", "/suppliers/{supplier_id}", caller, path_params=path)[0] == 204
    assert call(suppliers_app, "GET", "/suppliers/{supplier_id}", caller, path_params=path)[0] == 404
    assert call(suppliers_app, "GET", "/suppliers/{supplier_id}", caller,
                path_params={"supplier_id": "not-a-uuid"})[0] == 404


def test_search_filter_sort_paginate(suppliers_app: Any) -> None:
    caller = make_caller("USER")
    create(suppliers_app, caller, legal_name="Alfa Informática Ltda", categories=["TI"], uf="SP", rating=3)
    create(suppliers_app, caller, legal_name="Beta Papelaria ME", trade_name="Beta", categories=["papelaria"],
           uf="GO", rating=5)
    gamma = create(suppliers_app, caller, legal_name="Gama Limpeza 100%_ok", categories=["limpeza", "TI"], uf="SP",
                   rating=1, active=False)

    def names(**query: str) -> list[str]:
        status, body = call(suppliers_app, "GET", "/suppliers", caller, query=query)
        assert status == 200, body
        return [i["legal_name"] for i in body["items"]]

    assert names(category="ti") == ["Alfa Informática Ltda", "Gama Limpeza 100%_ok"]
    assert names(uf="SP", sort="-rating") == ["Alfa Informática Ltda", "Gama Limpeza 100%_ok"]
    assert names(q="beta") == ["Beta Papelaria ME"]
    assert names(q="100%_") == ["Gama Limpeza 100%_ok"]  # LIKE metacharacters match themselves
    assert names(q="%") == ["Gama Limpeza 100%_ok"]
    assert names(cnpj=gamma["cnpj_formatted"][:10]) == ["Gama Limpeza 100%_ok"]
    assert names(active="false") == ["Gama Limpeza 100%_ok"]
    status, body = call(suppliers_app, "GET", "/suppliers", caller, query={"page_size": "2", "page": "2"})
    assert status == 200 and body["page"] == {"page": 2, "page_size": 2, "total": 3} and len(body["items"]) == 1
    for bad in ({"sort": "password"}, {"uf": "ZZ"}, {"page_size": "1000"}, {"q": "a\x00"}):
        status, body = call(suppliers_app, "GET", "/suppliers", caller, query=bad)
        assert status == 422, (bad, body)


def _import(app: Any, caller: Any, filename: str, data: bytes, **kw: Any) -> tuple[int, Any]:
    return call(app, "POST", "/suppliers/imports", caller,
                body={"filename": filename, "content_base64": base64.b64encode(data).decode(), **kw})


def test_csv_import_reports_row_errors_and_keeps_good_rows(suppliers_app: Any) -> None:
    caller = make_caller("USER")
    existing = create(suppliers_app, caller, legal_name="Já Existe Ltda")
    good1, good2 = cnpj(), cnpj()
    lines = [
        "CNPJ;Razão Social;Nome Fantasia;Categorias;E-mail;UF;Avaliação;Ativo",
        f"{good1};Fornecedor Um Ltda;Um;papel, toner;um@x.com.br;sp;4;Sim",
        "11.222.333/0001-82;CNPJ Errado Ltda;;;;SP;;",
        f"{good2};Fornecedor Dois Ltda;;;dois@@x;GO;9;talvez",
        f"{good1};Repetido Ltda;;;;SP;;",
        f"{existing['cnpj']};Já Existe Atualizado Ltda;;;;MG;2;Não",
        ";Sem CNPJ Ltda;;;;SP;;",
    ]
    status, body = _import(suppliers_app, caller, "fornecedores.csv", "\n".join(lines).encode("cp1252"))
    assert status == 200, body
    assert (body["total_rows"], body["created"], body["updated"], body["rejected"]) == (6, 1, 1, 4)
    errors = {(e["row"], e["column"]) for e in body["errors"]}
    assert errors == {(3, "CNPJ"), (4, "E-mail"), (4, "Avaliação"), (4, "Ativo"), (5, "CNPJ"), (7, "CNPJ")}
    messages = {e["row"]: e["message"] for e in body["errors"] if e["column"] == "CNPJ"}
    assert "dígitos verificadores" in messages[3] and "linha 2" in messages[5] and "obrigatório" in messages[7]
    status, page = call(suppliers_app, "GET", "/suppliers", caller, query={"sort": "legal_name"})
    by_cnpj = {i["cnpj"]: i for i in page["items"]}
    assert by_cnpj[good1]["categories"] == ["papel", "toner"] and by_cnpj[good1]["uf"] == "SP"
    assert by_cnpj[existing["cnpj"]]["legal_name"] == "Já Existe Atualizado Ltda"
    assert by_cnpj[existing["cnpj"]]["active"] is False
    assert by_cnpj[existing["cnpj"]]["email"] == existing["email"]  # column absent from the file: untouched
    assert good2 not in by_cnpj
    # create mode refuses known CNPJs row by row
    status, body = _import(suppliers_app, caller, "f.csv", f"cnpj,razao_social\n{good1},Outra\n".encode(),
                           mode="create")
    assert status == 200 and body["created"] == 0 and body["errors"][0]["message"] == "CNPJ já cadastrado"


def test_xlsx_import_via_presigned_upload_and_file_errors(suppliers_app: Any, proc: Any) -> None:
    caller = make_caller("USER")
    data = xlsx([["cnpj", "razao_social", "uf"], [cnpj(), "Planilha Ltda", "RJ"], [12345, "Ruim", "RJ"]])
    status, ticket = call(suppliers_app, "POST", "/imports/uploads", caller,
                          body={"filename": "lista.xlsx", "size": len(data)})
    assert status == 201, ticket
    fields = ticket["upload"]["fields"]
    posted = requests.post(ticket["upload"]["url"], data=fields,
                           files={"file": ("lista.xlsx", data, fields["Content-Type"])}, timeout=30)
    assert posted.status_code in (200, 204), posted.text
    status, body = call(suppliers_app, "POST", "/suppliers/imports", caller,
                        body={"filename": "lista.xlsx", "upload_key": ticket["key"]})
    assert status == 200 and body["created"] == 1 and body["errors"][0]["row"] == 3
    # another company's key is not found, even if it guesses it
    status, body = call(suppliers_app, "POST", "/suppliers/imports", make_caller(),
                        body={"filename": "lista.xlsx", "upload_key": ticket["key"]})
    assert status == 404
    for filename, content, code in (("a.txt", b"x", "unreadable_file"), ("a.xlsx", b"not a zip", "unreadable_file"),
                                    ("a.csv", b"nome;uf\nX;SP\n", "missing_columns"), ("a.csv", b"\n\n",
                                                                                       "unreadable_file")):
        status, body = _import(suppliers_app, caller, filename, content)
        assert status == 422 and body["error"]["code"] == code, (filename, body)
    status, body = call(suppliers_app, "POST", "/suppliers/imports", caller,
                        body={"filename": "a.csv", "content_base64": "%%%"})
    assert status == 422 and body["error"]["code"] == "invalid_base64"


def test_import_is_atomic(suppliers_app: Any, monkeypatch: Any) -> None:
    """A failure while writing (after some chunks went in) leaves no supplier behind."""
    from licita.suppliers import service

    caller = make_caller("USER")
    rows = "\n".join(f"{cnpj(i + 7000)};Fornecedor {i}" for i in range(2500))
    calls = {"n": 0}
    real = service._upsert

    def flaky(*args: Any, **kw: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        real(*args, **kw)

    monkeypatch.setattr(service, "_upsert", flaky)
    status, _body = _import(suppliers_app, caller, "f.csv", f"cnpj;razao_social\n{rows}".encode())
    assert status == 500 and calls["n"] == 3
    with system_transaction() as db:
        assert db.scalar(select(func.count()).select_from(Supplier).where(
            Supplier.company_id == uuid.UUID(caller.company_id))) == 0


def test_export_csv_and_xlsx_read_back(suppliers_app: Any) -> None:
    from openpyxl import load_workbook

    caller = make_caller("USER")
    create(suppliers_app, caller, cnpj="11.222.333/0001-81", legal_name="Exportável Ltda", categories=["a", "b"])
    status, link = call(suppliers_app, "GET", "/suppliers/export", caller, query={"format": "xlsx"})
    assert status == 200, link
    sheet = load_workbook(io.BytesIO(requests.get(link["url"], timeout=30).content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:4] == ["CNPJ", "Razão social", "Nome fantasia", "Categorias"]
    assert [c.value for c in sheet[2]][:4] == ["11.222.333/0001-81", "Exportável Ltda", "Central", "a; b"]
    status, link = call(suppliers_app, "GET", "/suppliers/export", caller, query={"format": "csv"})
    text = requests.get(link["url"], timeout=30).content.decode("utf-8-sig")
    assert text.splitlines()[1].startswith('11.222.333/0001-81;Exportável Ltda;Central;"a; b";vendas@central.com.br')
    assert call(suppliers_app, "GET", "/suppliers/export", caller, query={"format": "pdf"})[0] == 422


def test_documents_presigned_upload_validity_download_delete(suppliers_app: Any) -> None:
    caller = make_caller("USER")
    s = create(suppliers_app, caller)
    path = {"supplier_id": s["id"]}
    for bad, code in (({"filename": "cnd.exe", "content_type": "application/octet-stream"}, "unsupported_file_type"),
                      ({"filename": "cnd.pdf", "content_type": "application/zip"}, "content_type_mismatch"),
                      ({"filename": "cnd.pdf", "content_type": "application/pdf", "size": 10**12}, "file_too_large")):
        status, body = call(suppliers_app, "POST", "/suppliers/{supplier_id}/documents", caller, path_params=path,
                            body={"kind": "cnd_federal", **bad})
        assert body["error"]["code"] == code, body
        assert status in (413, 415, 422)
    status, body = call(suppliers_app, "POST", "/suppliers/{supplier_id}/documents", caller, path_params=path,
                        body={"kind": "cnd_federal", "filename": "CND Federal.pdf", "content_type": "application/pdf",
                              "issued_on": "2025-01-10", "expires_on": "2020-07-09"})
    assert status == 422  # expiry before issue
    status, body = call(suppliers_app, "POST", "/suppliers/{supplier_id}/documents", caller, path_params=path,
                        body={"kind": "cnd_federal", "filename": "CND Federal.pdf", "content_type": "application/pdf",
                              "issued_on": "2020-01-10", "expires_on": "2020-07-09"})
    assert status == 201, body
    doc = body["document"]
    assert doc["validity"] == "expired" and body["upload"]["fields"]["key"].startswith(
        f"procurement/{caller.company_id}/suppliers/{s['id']}/")
    dpath = {**path, "document_id": doc["id"]}
    status, body = call(suppliers_app, "GET", "/suppliers/{supplier_id}/documents/{document_id}/download", caller,
                        path_params=dpath)
    assert status == 409 and body["error"]["code"] == "upload_pending"
    upload = call(suppliers_app, "POST", "/suppliers/{supplier_id}/documents", caller, path_params=path,
                  body={"kind": "fgts", "filename": "fgts.pdf", "content_type": "application/pdf",
                        "expires_on": "2099-01-01"})[1]
    fields = upload["upload"]["fields"]
    assert requests.post(upload["upload"]["url"], data=fields, files={"file": ("f.pdf", b"%PDF-1.7 x",
                                                                               "application/pdf")},
                         timeout=30).status_code in (200, 204)
    status, link = call(suppliers_app, "GET", "/suppliers/{supplier_id}/documents/{document_id}/download", caller,
                        path_params={**path, "document_id": upload["document"]["id"]})
    assert status == 200 and requests.get(link["url"], timeout=30).content == b"%PDF-1.7 x"
    status, listed = call(suppliers_app, "GET", "/suppliers/{supplier_id}/documents", caller, path_params=path)
    assert [d["validity"] for d in listed["items"]] == ["expired", "valid"]
    assert call(suppliers_app, "DELETE", "/suppliers/{supplier_id}/documents/{document_id}", caller,
                path_params=dpath)[0] == 204
    assert len(call(suppliers_app, "GET", "/suppliers/{supplier_id}/documents", caller,
                    path_params=path)[1]["items"]) == 1


def test_products_catalogue_links_import_export(suppliers_app: Any) -> None:
    caller = make_caller("USER")
    status, body = call(suppliers_app, "POST", "/products", caller,
                        body={"description": "Papel A4 75g", "unit": "resma", "code_kind": "ncm", "code": "4802.56.10"})
    assert status == 201 and body["code"] == "48025610", body
    product = body
    for bad in ({"description": "X1", "unit": "un", "code_kind": "ncm", "code": "123"},
                {"description": "X1", "unit": "un", "code": "123"}, {"description": "X1", "unit": "un\x00"}):
        assert call(suppliers_app, "POST", "/products", caller, body=bad)[0] == 422, bad
    s1, s2 = create(suppliers_app, caller), create(suppliers_app, caller, legal_name="Outro Ltda")
    for s, price in ((s1, "25.90"), (s2, "23.10")):
        status, link = call(suppliers_app, "PUT", "/suppliers/{supplier_id}/products/{product_id}", caller,
                            path_params={"supplier_id": s["id"], "product_id": product["id"]},
                            body={"last_price": price, "supplier_code": "A4-75"})
        assert status == 200 and link["last_quoted_at"], link
    status, links = call(suppliers_app, "GET", "/products/{product_id}/suppliers", caller,
                         path_params={"product_id": product["id"]})
    assert [(i["supplier_name"], i["last_price"]) for i in links["items"]] == [("Central", 23.1), ("Central", 25.9)]
    status, links = call(suppliers_app, "GET", "/suppliers/{supplier_id}/products", caller,
                         path_params={"supplier_id": s1["id"]})
    assert [i["product_description"] for i in links["items"]] == ["Papel A4 75g"]
    assert call(suppliers_app, "DELETE", "/suppliers/{supplier_id}/products/{product_id}", caller,
                path_params={"supplier_id": s1["id"], "product_id": product["id"]})[0] == 204
    csv_text = "descricao;unidade;ncm;marca\nPapel A4 75g branco;resma;4802.56.10;Chamex\nCaneta;un;12;\n;cx;;\n"
    status, body = call(suppliers_app, "POST", "/products/imports", caller,
                        body={"filename": "produtos.csv",
                              "content_base64": base64.b64encode(csv_text.encode()).decode()})
    assert status == 200 and (body["created"], body["updated"], body["rejected"]) == (0, 1, 2), body
    status, got = call(suppliers_app, "GET", "/products/{product_id}", caller,
                       path_params={"product_id": product["id"]})
    assert got["description"] == "Papel A4 75g branco" and got["brand"] == "Chamex"
    status, page = call(suppliers_app, "GET", "/products", caller, query={"q": "a4"})
    assert page["page"]["total"] == 1
    status, link = call(suppliers_app, "GET", "/products/export", caller, query={"format": "csv"})
    assert "Papel A4 75g branco;resma;NCM;48025610;Chamex" in requests.get(link["url"], timeout=30).content.decode(
        "utf-8-sig")
    status, body = call(suppliers_app, "PATCH", "/products/{product_id}", caller,
                        path_params={"product_id": product["id"]}, body={"category": "Expediente"})
    assert status == 200 and body["category"] == "Expediente"
    assert call(suppliers_app, "DELETE", "/products/{product_id}", caller,
                path_params={"product_id": product["id"]})[0] == 204
