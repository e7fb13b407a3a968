"""Uploads are bound to what was signed: the local runtime's S3 refuses what real S3 refuses.

The tenders API hands out a presigned POST bound to one key, content type and size range; the browser
posts the file straight to S3. Every variation below is tried against the runtime's S3 and must be
refused with S3's XML error and nothing written; the honest POST lands.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def new_upload(api: httpx.Client, size: int = len(PDF)) -> dict[str, Any]:
    created = api.post("/tenders/uploads", json={"filename": "edital.pdf", "content_type": "application/pdf",
                                                  "size": size})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def post(upload: dict[str, Any], fields: dict[str, str], data: bytes = PDF) -> httpx.Response:
    return httpx.post(upload["url"], data=fields, files={"file": ("edital.pdf", data, "application/pdf")},
                      timeout=30)


def exists(runtime: Any, key: str) -> bool:
    s3 = runtime.client("s3")
    try:
        s3.head_object(Bucket=runtime.uploads_bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


def assert_s3_error(resp: httpx.Response, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/xml")
    assert f"<Code>{code}</Code>" in resp.text, resp.text


def test_honest_post_lands(runtime: Any, api: httpx.Client) -> None:
    upload = new_upload(api)["upload"]
    key = upload["fields"]["key"]
    resp = post(upload, dict(upload["fields"]))
    assert resp.status_code in (200, 201, 204), resp.text
    body = runtime.client("s3").get_object(Bucket=runtime.uploads_bucket, Key=key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(PDF).hexdigest()


def test_changed_key_is_refused_and_nothing_is_written(runtime: Any, api: httpx.Client) -> None:
    victim = new_upload(api)["upload"]["fields"]["key"]  # another tender's key (same shape as a victim's)
    upload = new_upload(api)["upload"]
    for key in (victim, f"companies/{uuid.uuid4()}/tenders/{uuid.uuid4()}/edital.pdf"):
        assert_s3_error(post(upload, dict(upload["fields"], key=key)), 403, "AccessDenied")
        assert not exists(runtime, key)
    assert not exists(runtime, upload["fields"]["key"])


def test_other_content_type_is_refused(runtime: Any, api: httpx.Client) -> None:
    upload = new_upload(api)["upload"]
    fields = dict(upload["fields"], **{"Content-Type": "text/html"})
    resp = httpx.post(upload["url"], data=fields, files={"file": ("x.html", b"<script>".ljust(len(PDF)), "text/html")})
    assert_s3_error(resp, 403, "AccessDenied")
    assert not exists(runtime, upload["fields"]["key"])


def test_size_out_of_range_is_refused(runtime: Any, api: httpx.Client) -> None:
    upload = new_upload(api)["upload"]
    assert_s3_error(post(upload, dict(upload["fields"]), data=b""), 400, "EntityTooSmall")
    assert not exists(runtime, upload["fields"]["key"])
    s3 = runtime.client("s3")
    small = s3.generate_presigned_post(runtime.uploads_bucket, "e2e/size.pdf",
                                       Conditions=[["content-length-range", 1, 8]], ExpiresIn=60)
    assert_s3_error(post(small, dict(small["fields"])), 400, "EntityTooLarge")
    assert not exists(runtime, "e2e/size.pdf")


def test_expired_policy_is_refused(runtime: Any) -> None:
    key = f"e2e/expired-{uuid.uuid4().hex}.pdf"
    short = runtime.client("s3").generate_presigned_post(runtime.uploads_bucket, key, ExpiresIn=1)
    time.sleep(2.1)
    assert_s3_error(post(short, dict(short["fields"])), 403, "AccessDenied")
    assert not exists(runtime, key)


def test_tampered_signature_is_refused(runtime: Any, api: httpx.Client) -> None:
    upload = new_upload(api)["upload"]
    fields = dict(upload["fields"])
    name = "x-amz-signature" if "x-amz-signature" in fields else "signature"
    fields[name] = ("0" if fields[name][0] != "0" else "1") + fields[name][1:]
    assert_s3_error(post(upload, fields), 403, "SignatureDoesNotMatch")
    assert not exists(runtime, upload["fields"]["key"])


def test_download_link_is_checked(runtime: Any, api: httpx.Client) -> None:
    created = new_upload(api)
    upload = created["upload"]
    assert post(upload, dict(upload["fields"])).status_code in (200, 201, 204)
    deadline = time.monotonic() + 30
    while True:  # the link needs the object seen; analysis may still be running, that is fine
        link = api.get(f"/tenders/{created['tender_id']}/download")
        if link.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    honest = httpx.get(url)
    assert honest.status_code == 200 and honest.content == PDF
    other = url.replace(created["tender_id"], str(uuid.uuid4()))
    assert_s3_error(httpx.get(other), 403, "SignatureDoesNotMatch")
    assert_s3_error(httpx.get(url.replace("attachment", "inline")), 403, "SignatureDoesNotMatch")
    assert_s3_error(httpx.get(f"{runtime.aws_endpoint_url}/{runtime.uploads_bucket}/{upload['fields']['key']}"),
                    403, "AccessDenied")
