"""The tender pipeline through the local runtime, over HTTP exactly as the SPA drives it: presigned POST
straight to S3, ObjectCreated → SQS → analysis function, then polling the tenders API until a final status."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TRT_EDITAL = ROOT.parent / "shared" / "data" / "tenders" / "trt18-pe-035-2018-edital.pdf"
FINAL = ("READY", "NEEDS_REVIEW", "FAILED")


def upload(api: httpx.Client, data: bytes, filename: str, content_type: str) -> dict[str, Any]:
    created = api.post("/tenders/uploads", json={"filename": filename, "content_type": content_type})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    post = body["upload"]
    sent = httpx.post(post["url"], data=post["fields"], files={"file": (filename, data, body["content_type"])},
                      timeout=60)
    assert sent.status_code in (200, 201, 204), sent.text
    return body


def wait_final(api: httpx.Client, tender_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"/tenders/{tender_id}")
        assert response.status_code == 200, response.text
        detail: dict[str, Any] = response.json()
        if detail["status"] in FINAL:
            return detail
        assert time.monotonic() < deadline, f"tender stuck in {detail['status']}"
        time.sleep(0.1)


def test_real_edital_upload_to_ready_then_cache(runtime: Any, api: httpx.Client) -> None:
    if not TRT_EDITAL.exists():
        pytest.skip(f"dev document not available: {TRT_EDITAL}")
    data = TRT_EDITAL.read_bytes()
    started = time.perf_counter()
    created = upload(api, data, TRT_EDITAL.name, "application/pdf")
    detail = wait_final(api, created["tender_id"])
    latency = time.perf_counter() - started
    print(f"\nupload→{detail['status']} for the {len(data) / 1e6:.1f} MB TRT edital: {latency:.2f} s")
    assert detail["status"] == "READY", (detail["failure_reason"], detail["review_reasons"])
    assert detail["fields"]["modality"]["value"] == "pregao_eletronico"
    assert detail["fields"]["number"]["extracted"]["page"] is not None

    items = api.get(f"/tenders/{created['tender_id']}/items").json()
    assert items["total"] >= 30 and items["items"][0]["description"]
    deadlines = {d["kind"] for d in api.get(f"/tenders/{created['tender_id']}/deadlines").json()["items"]}
    assert {"session", "impugnacao", "esclarecimento"} <= deadlines

    link = api.get(f"/tenders/{created['tender_id']}/download").json()
    assert httpx.get(link["url"], timeout=30).content == data

    # the same file again: served from the cache, no second extraction
    again = upload(api, data, "copia.pdf", "application/pdf")
    second = wait_final(api, again["tender_id"])
    assert second["status"] == "READY" and second["documents"][0]["cache_hit"] is True
    assert second["duplicate_of"] == created["tender_id"]
    listed = api.get("/tenders", params={"q": "035/2018"}).json()
    assert listed["page"]["total"] == 2


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open("edital.pdf", "w") as m:
        m.write(b"%PDF-1.7\n")
        for _ in range(300):
            m.write(b"\0" * (1024 * 1024))
    return buf.getvalue()


@pytest.mark.parametrize(("filename", "content_type", "data"), [
    ("corrompido.pdf", "application/pdf", b"%PDF-1.7\n1 0 obj <<>> lixo \x00\xff" * 50),
    ("falso.pdf", "application/pdf", "não sou um PDF\n".encode() * 50),
    ("bomba.zip", "application/zip", None),
])
def test_bad_files_end_failed_with_reason_and_nothing_is_lost(runtime: Any, api: httpx.Client, filename: str,
                                                             content_type: str, data: bytes | None) -> None:
    payload = data if data is not None else _zip_bomb()
    created = upload(api, payload, filename, content_type)
    detail = wait_final(api, created["tender_id"])
    assert detail["status"] == "FAILED" and detail["failure_reason"]
    link = api.get(f"/tenders/{created['tender_id']}/download")
    assert link.status_code == 200 and httpx.get(link.json()["url"], timeout=30).content == payload


def test_oversized_declared_file_is_refused(api: httpx.Client) -> None:
    response = api.post("/tenders/uploads", json={"filename": "enorme.pdf", "content_type": "application/pdf",
                                                  "size": 500 * 1024 * 1024})
    assert response.status_code == 413 and response.json()["error"]["code"] == "file_too_large"


def test_unsupported_type_is_refused_over_http(api: httpx.Client) -> None:
    response = api.post("/tenders/uploads", json={"filename": "planilha.xlsx", "content_type": "application/zip"})
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_file_type"
