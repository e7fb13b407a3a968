"""Uploaded files survive a restart of the local runtime, and links handed out before it still work.

Start licita-local on a fresh data dir, upload a document through the tenders API (presigned POST), take
its download link, stop the runtime, start it again on the same data dir: the old link (same S3 port,
same signing key) and a new one both give back the identical bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from runtime_support import RuntimeHandle, base_env, start_runtime, stop_runtime

pytestmark = pytest.mark.e2e


def _start(data_dir: Path, n: int) -> RuntimeHandle:
    return start_runtime(["--port", "0", "--ws-port", "0", "--data-dir", str(data_dir), "--no-schedules",
                          "--no-reload"], base_env(), data_dir.parent / f"{data_dir.name}-{n}.log")


def _client(rt: RuntimeHandle) -> httpx.Client:
    client = httpx.Client(base_url=rt.rest_url, timeout=30)
    creds = rt.credentials
    login = client.post("/auth/login", json={"email": creds["email"], "password": creds["password"]})
    assert login.status_code == 200, login.text
    client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    return client


def _download_link(client: httpx.Client, tender_id: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        link = client.get(f"/tenders/{tender_id}/download")
        if link.status_code == 200:
            return str(link.json()["url"])
        assert time.monotonic() < deadline, link.text
        time.sleep(0.2)


def test_upload_survives_restart(tmp_path: Path) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="licita-e2e-restart-"))
    data = b"%PDF-1.4\n" + os.urandom(200_000) + b"\n%%EOF\n"
    digest = hashlib.sha256(data).hexdigest()
    rt = _start(data_dir, 1)
    try:
        with contextlib.closing(_client(rt)) as api:
            created: dict[str, Any] = api.post("/tenders/uploads", json={
                "filename": "edital-reinicio.pdf", "content_type": "application/pdf", "size": len(data)}).json()
            post = created["upload"]
            sent = httpx.post(post["url"], data=post["fields"],
                              files={"file": ("edital-reinicio.pdf", data, "application/pdf")}, timeout=60)
            assert sent.status_code in (200, 201, 204), sent.text
            old_link = _download_link(api, created["tender_id"])
            assert hashlib.sha256(httpx.get(old_link, timeout=30).content).hexdigest() == digest
        first_s3 = rt.aws_endpoint_url
    finally:
        stop_runtime(rt)

    rt = _start(data_dir, 2)
    try:
        assert rt.aws_endpoint_url == first_s3, "the S3 port changed: links handed out before break"
        after = httpx.get(old_link, timeout=30)
        assert after.status_code == 200, after.text
        assert hashlib.sha256(after.content).hexdigest() == digest
        with contextlib.closing(_client(rt)) as api:
            new_link = _download_link(api, created["tender_id"])
        assert hashlib.sha256(httpx.get(new_link, timeout=30).content).hexdigest() == digest
        print(f"\n  restart: {len(data)} bytes, sha256 {digest[:16]}… identical through the old link and a new one "
              f"(S3 at {rt.aws_endpoint_url} both times)")
    finally:
        stop_runtime(rt)
