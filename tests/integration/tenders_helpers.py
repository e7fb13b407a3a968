"""Helpers for the tenders and analysis tests: the tenders app invoked with API Gateway events, and a queue pump
that feeds the analysis function exactly as Lambda's SQS event source would. Their fixtures (``aws``: a real
uploads bucket wired to a real analysis queue in moto; ``analysis_fn``; ``tenders_app``) are in conftest.py."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import requests

from apigw import import_function
from factories import make_company, make_user
from licita.platform.db.engine import system_transaction
from licita.tenders.models import Tender

ROOT = Path(__file__).resolve().parents[2]
TRT_EDITAL = ROOT.parent / "shared" / "data" / "tenders" / "trt18-pe-035-2018-edital.pdf"


def load_function(name: str) -> ModuleType:
    """A fresh module per call (unlike ``apigw.load_function``, which keeps one per function)."""
    return import_function(name, "tenders_test")


@dataclass
class Aws:
    s3: Any
    sqs: Any
    bucket: str
    analysis_queue: str
    notifications_queue: str


def drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                  AttributeNames=["All"]).get("Messages", [])
        if not got:
            return messages
        for m in got:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        messages.extend(got)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str = "arn:aws:sqs:us-east-1:123456789012:analysis") -> \
        dict[str, Any]:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1")},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": "us-east-1"} for m in messages]}


def pump(aws: Aws, analysis_fn: ModuleType, *, keep: bool = False) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Deliver what is on the analysis queue to the analysis handler; delete what succeeded."""
    messages = []
    while True:
        got = aws.sqs.receive_message(QueueUrl=aws.analysis_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                      AttributeNames=["All"]).get("Messages", [])
        if not got:
            break
        messages.extend(got)
    if not messages:
        return [], {"batchItemFailures": []}
    result = analysis_fn.handler(sqs_event(messages), None)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for m in messages:
        if m["MessageId"] not in failed and not keep:
            aws.sqs.delete_message(QueueUrl=aws.analysis_queue, ReceiptHandle=m["ReceiptHandle"])
    return messages, result


# ------------------------------------------------------------------------------ API Gateway events
@dataclass
class Caller:
    user_id: str
    company_id: str
    role: str = "MANAGER"

    def context(self) -> dict[str, str]:
        return {"user_id": self.user_id, "company_id": self.company_id, "role": self.role,
                "session_id": str(uuid.uuid4()), "permissions": ""}


def make_caller(role: str = "MANAGER") -> Caller:
    company = make_company()
    user = make_user(company, role=role)
    return Caller(str(user.id), str(company.id), role)


def api_event(method: str, resource: str, caller: Caller | None, *, path_params: dict[str, str] | None = None,
              body: Any = None, query: dict[str, str] | None = None, raw_body: str | None = None,
              headers: dict[str, str] | None = None, source_ip: str | None = None) -> dict[str, Any]:
    """``source_ip``: a public caller (no ``caller``) gets its own address each time unless one is given, as
    distinct suppliers would; per-address budgets are then only hit by the tests that mean to."""
    path = resource
    if source_ip is None:
        source_ip = "198.51.100.7" if caller is not None else f"203.0.113.{uuid.uuid4().int % 254 + 1}"
    for k, v in (path_params or {}).items():
        path = path.replace("{" + k + "}", v)
    hdrs = {"content-type": "application/json", **(headers or {})}
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    ctx: dict[str, Any] = {"resourcePath": resource, "httpMethod": method, "path": path, "stage": "test",
                           "requestId": uuid.uuid4().hex,
                           "identity": {"sourceIp": source_ip, "userAgent": "pytest"}}
    if caller is not None:
        ctx["authorizer"] = caller.context()
    return {"resource": resource, "path": path, "httpMethod": method, "headers": hdrs,
            "multiValueHeaders": {k: [v] for k, v in hdrs.items()}, "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": path_params, "stageVariables": None, "requestContext": ctx, "body": text,
            "isBase64Encoded": False}


def call(app: Any, method: str, resource: str, caller: Caller | None, **kw: Any) -> tuple[int, Any]:
    response = app(api_event(method, resource, caller, **kw), None)
    body = json.loads(response["body"]) if response.get("body") else None
    return response["statusCode"], body


# ------------------------------------------------------------------------------ files
def edital_pdf(*, number: str = "012/2025", session: str = "19/11/2025 às 09h30", pages: int = 2,
               extra: str = "") -> bytes:
    """A small but realistic edital (real PDF with a text layer) generated with PyMuPDF."""
    import pymupdf

    doc = pymupdf.open()
    first = (
        "PREFEITURA MUNICIPAL DE EXEMPLO\n"
        "CNPJ: 11.222.333/0001-81\n"
        f"EDITAL DE PREGÃO ELETRÔNICO Nº {number}\n"
        "PROCESSO ADMINISTRATIVO Nº 1234/2025\n"
        "SISTEMA DE REGISTRO DE PREÇOS\n"
        "UASG: 987654\n\n"
        "A Prefeitura Municipal de Exemplo torna público que realizará licitação na modalidade\n"
        "PREGÃO, na forma ELETRÔNICA, com critério de julgamento MENOR PREÇO POR ITEM,\n"
        "modo de disputa ABERTO, nos termos da Lei nº 14.133, de 1º de abril de 2021.\n\n"
        "OBJETO: Registro de preços para aquisição de material de expediente para as\n"
        "secretarias municipais, conforme condições e especificações do Termo de Referência.\n\n"
        f"DATA DA SESSÃO PÚBLICA: {session} (horário de Brasília)\n"
        "LOCAL: www.gov.br/compras (Compras.gov.br)\n\n"
        "VALOR TOTAL ESTIMADO: R$ 12.345,67\n"
        "Participação exclusiva de microempresas e empresas de pequeno porte (ME/EPP).\n"
        f"{extra}\n"
    )
    table = (
        "ANEXO I - TERMO DE REFERÊNCIA\n"
        "ITEM DESCRIÇÃO UNIDADE QUANTIDADE VALOR UNITÁRIO VALOR TOTAL\n"
        "1 Papel A4 75g/m2, resma com 500 folhas RESMA 100 R$ 25,00 R$ 2.500,00\n"
        "2 Caneta esferográfica azul, caixa com 50 unidades CAIXA 50 R$ 45,50 R$ 2.275,00\n"
        "3 Grampeador de mesa para 25 folhas UN 30 R$ 33,00 R$ 990,00\n"
    )
    for i in range(pages):
        page = doc.new_page()
        text = first if i == 0 else table if i == 1 else f"Cláusula {i}: disposições gerais do edital.\n" * 20
        page.insert_textbox(pymupdf.Rect(40, 40, 560, 800), text, fontsize=9, fontname="helv")
    data: bytes = doc.tobytes()
    doc.close()
    return data


def scanned_pdf(pages: int = 5, dpi: int = 200) -> bytes:
    """An edital printed and scanned: each page an image with no text layer (unique, so no OCR cache hit)."""
    import pymupdf

    marker = f"PROTOCOLO {uuid.uuid4().int % 10**8:08d}"
    source = pymupdf.open(stream=edital_pdf(pages=pages, extra=marker), filetype="pdf")
    out = pymupdf.open()
    for page in source:
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        target = out.new_page(width=page.rect.width, height=page.rect.height)
        target.insert_image(target.rect, stream=pix.tobytes("png"))
    data: bytes = out.tobytes()
    out.close()
    source.close()
    return data


def encrypted_pdf() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Edital sigiloso", fontsize=12)
    data: bytes = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="dono", user_pw="segredo")
    doc.close()
    return data


def zip_bomb(inflated_mb: int = 300) -> bytes:
    buf = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open("edital.pdf", "w") as member:
        member.write(b"%PDF-1.7\n")
        for _ in range(inflated_mb):
            member.write(chunk)
    return buf.getvalue()


# ------------------------------------------------------------------------------ upload flow
def request_upload(app: Any, caller: Caller, filename: str, content_type: str, size: int | None = None) -> \
        tuple[int, Any]:
    body: dict[str, Any] = {"filename": filename, "content_type": content_type}
    if size is not None:
        body["size"] = size
    return call(app, "POST", "/tenders/uploads", caller, body=body)


def post_file(upload: dict[str, Any], data: bytes, filename: str = "file") -> requests.Response:
    """Upload exactly as a browser does: multipart form with the policy fields and the file last."""
    content_type = upload["fields"].get("Content-Type", "application/octet-stream")
    return requests.post(upload["url"], data=upload["fields"], files={"file": (filename, data, content_type)},
                         timeout=30)


def upload_and_analyse(app: Any, aws: Aws, analysis_fn: ModuleType, caller: Caller, data: bytes,
                       filename: str = "edital.pdf", content_type: str = "application/pdf") -> dict[str, Any]:
    status, created = request_upload(app, caller, filename, content_type, len(data))
    assert status == 201, created
    response = post_file(created["upload"], data, filename)
    assert response.status_code in (200, 201, 204), response.text
    pump(aws, analysis_fn)
    status, detail = call(app, "GET", "/tenders/{tender_id}", caller, path_params={"tender_id": created["tender_id"]})
    assert status == 200, detail
    detail["_upload"] = created
    return dict(detail)


def seed_tender(caller: Caller, **columns: Any) -> str:
    """A finished tender straight in the database (listing tests need many, quickly)."""
    fields = {name: {"value": columns.get(col), "page": 1, "quote": f"{name} citado", "confidence": 0.9,
                     "source": "rules"}
              for name, col in (("modality", "modality"), ("number", "number"), ("agency", "agency"),
                                ("object", "object"), ("estimated_value", "estimated_value"))}
    if columns.get("estimated_value") is not None:
        fields["estimated_value"]["value"] = float(columns["estimated_value"])
    tender_id = uuid.uuid4()
    with system_transaction() as db:
        db.add(Tender(id=tender_id, company_id=uuid.UUID(caller.company_id), status=columns.pop("status", "READY"),
                      fields=fields, corrections={}, risk={"score": 10, "level": "low", "factors": []}, details={},
                      review_reasons=[], created_by=uuid.UUID(caller.user_id), **columns))
    return str(tender_id)
