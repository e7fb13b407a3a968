"""The local S3 front's checks against what botocore really signs (no I/O: presigning is local)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config

from licita_local.s3_guard import S3Error, check_post_policy, check_query_v2, check_query_v4

KEYS = {"testing": "testing"}
BUCKET = "licita-uploads-local"
KEY = "companies/c1/tenders/t1/edital.pdf"


def s3(signature_version: str | None = None) -> Any:
    config = Config(signature_version=signature_version) if signature_version else None
    return boto3.client("s3", endpoint_url="http://127.0.0.1:4566", region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing", config=config)


def presigned_post(signature_version: str | None = None, expires: int = 300) -> dict[str, str]:
    post = s3(signature_version).generate_presigned_post(
        BUCKET, KEY, Fields={"Content-Type": "application/pdf"},
        Conditions=[["content-length-range", 1, 1000], {"Content-Type": "application/pdf"}], ExpiresIn=expires)
    return dict(post["fields"])


def refused(fields: dict[str, str], size: int = 10, bucket: str = BUCKET, now: float | None = None) -> S3Error:
    with pytest.raises(S3Error) as info:
        check_post_policy(bucket, fields, size, KEYS, time.time() if now is None else now)
    return info.value


@pytest.mark.parametrize("version", [None, "s3v4"])
def test_honest_post_passes(version: str | None) -> None:
    check_post_policy(BUCKET, presigned_post(version), 10, KEYS, time.time())


@pytest.mark.parametrize("version", [None, "s3v4"])
def test_changed_key_is_refused(version: str | None) -> None:
    fields = presigned_post(version)
    fields["key"] = "companies/other-tenant/tenders/t9/edital.pdf"
    err = refused(fields)
    assert (err.status, err.code) == (403, "AccessDenied") and "Policy Condition failed" in err.message


def test_other_content_type_and_other_bucket_are_refused() -> None:
    fields = presigned_post()
    fields["Content-Type"] = "text/html"
    assert refused(fields).code == "AccessDenied"
    assert refused(presigned_post(), bucket="another-bucket").code == "AccessDenied"


def test_size_outside_the_range_is_refused_like_s3() -> None:
    assert (refused(presigned_post(), size=1001).status, refused(presigned_post(), size=1001).code) == \
        (400, "EntityTooLarge")
    assert refused(presigned_post(), size=0).code == "EntityTooSmall"


@pytest.mark.parametrize("version", [None, "s3v4"])
def test_expired_policy_is_refused(version: str | None) -> None:
    err = refused(presigned_post(version, expires=60), now=time.time() + 120)
    assert (err.status, err.code) == (403, "AccessDenied") and "expired" in err.message


@pytest.mark.parametrize("version", [None, "s3v4"])
def test_tampered_policy_or_signature_is_refused(version: str | None) -> None:
    fields = presigned_post(version)
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if not (isinstance(c, dict) and "key" in c)]
    policy["conditions"].append(["starts-with", "$key", ""])  # widen the key, keep the old signature
    forged = dict(fields, policy=base64.b64encode(json.dumps(policy).encode()).decode(), key="anything")
    assert refused(forged).code == "SignatureDoesNotMatch"
    sig = "x-amz-signature" if version else "signature"
    assert refused(dict(fields, **{sig: fields[sig][::-1]})).code == "SignatureDoesNotMatch"


def test_unknown_access_key_extra_field_and_missing_policy_are_refused() -> None:
    fields = presigned_post()
    assert refused(dict(fields, AWSAccessKeyId="AKIAOTHER")).code == "InvalidAccessKeyId"
    err = refused(dict(fields, acl="public-read"))
    assert err.code == "AccessDenied" and "Extra input fields: acl" in err.message
    assert refused({"key": KEY}).code == "AccessDenied"


def _split(url: str) -> tuple[str, str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, parts.query, {"host": parts.netloc}


@pytest.mark.parametrize(("version", "check"), [(None, check_query_v2), ("s3v4", check_query_v4)])
def test_presigned_get(version: str | None, check: Any) -> None:
    url = s3(version).generate_presigned_url("get_object", ExpiresIn=60, Params={
        "Bucket": BUCKET, "Key": "companies/c1/a b/edital ção.pdf",
        "ResponseContentDisposition": "attachment; filename=\"edital ção.pdf\""})
    path, query, headers = _split(url)
    check("GET", path, query, headers, KEYS, time.time())
    with pytest.raises(S3Error) as other_key:
        check("GET", path.replace("c1", "c2"), query, headers, KEYS, time.time())
    assert (other_key.value.status, other_key.value.code) == (403, "SignatureDoesNotMatch")
    with pytest.raises(S3Error) as other_disposition:
        check("GET", path, query.replace("attachment", "inline"), headers, KEYS, time.time())
    assert other_disposition.value.code == "SignatureDoesNotMatch"
    with pytest.raises(S3Error) as expired:
        check("GET", path, query, headers, KEYS, time.time() + 120)
    assert (expired.value.status, expired.value.code, expired.value.message) == \
        (403, "AccessDenied", "Request has expired")


@pytest.mark.parametrize(("version", "check"), [(None, check_query_v2), ("s3v4", check_query_v4)])
def test_presigned_put_binds_the_signed_content_type(version: str | None, check: Any) -> None:
    url = s3(version).generate_presigned_url("put_object", ExpiresIn=60, Params={
        "Bucket": BUCKET, "Key": KEY, "ContentType": "application/pdf"})
    path, query, headers = _split(url)
    check("PUT", path, query, {**headers, "content-type": "application/pdf"}, KEYS, time.time())
    with pytest.raises(S3Error):
        check("PUT", path, query, {**headers, "content-type": "text/html"}, KEYS, time.time())
    with pytest.raises(S3Error):
        check("DELETE", path, query, headers, KEYS, time.time())


def test_error_body_is_s3_xml() -> None:
    body = S3Error(403, "SignatureDoesNotMatch", "a < b").body().decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>')
    assert "<Message>a &lt; b</Message>" in body
