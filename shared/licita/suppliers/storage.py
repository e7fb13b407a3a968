"""S3 for the procurement desk: presigned POSTs and GETs, small puts and gets, deletes.

Keys live under ``procurement/<company>/…``, outside ``companies/`` (the prefix whose ObjectCreated events
feed the tender analysis queue), so nothing stored here is ever mistaken for an edital.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from licita.core.config import get_settings
from licita.core.errors import ServiceUnavailable
from licita.platform.clients import aws_client
from licita.platform.storage import uploads_storage
from licita.tenders.uploads import sanitize_filename

UPLOAD_TTL = 900
DOWNLOAD_TTL = 300


def key_for(company_id: uuid.UUID | str, *parts: str) -> str:
    return "/".join(("procurement", str(company_id), *parts))


def presign_post(key: str, content_type: str, max_bytes: int) -> tuple[dict[str, Any], datetime]:
    """A browser form bound to this key, type and size range."""
    try:
        upload = uploads_storage().presign_post(key, content_type=content_type, min_size=1, max_size=max_bytes,
                                                expires_in=UPLOAD_TTL)
    except Exception as exc:
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc
    return {"url": upload.url, "fields": upload.fields}, upload.expires_at


def presign_get(key: str, filename: str, content_type: str, ttl: int = DOWNLOAD_TTL) -> tuple[str, datetime]:
    disposition = f"attachment; filename=\"{sanitize_filename(filename)}\"; filename*=UTF-8''{quote(filename)}"
    url = aws_client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().uploads_bucket, "Key": key,
                              "ResponseContentDisposition": disposition, "ResponseContentType": content_type},
        ExpiresIn=ttl)
    return str(url), datetime.now(UTC) + timedelta(seconds=ttl)


def put(key: str, data: bytes, content_type: str) -> None:
    try:
        aws_client("s3").put_object(Bucket=get_settings().uploads_bucket, Key=key, Body=data,
                                    ContentType=content_type)
    except Exception as exc:
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc


def get(key: str, max_bytes: int) -> bytes | None:
    """The object's bytes, or None when there is none (or it is bigger than ``max_bytes``)."""
    from botocore.exceptions import ClientError  # noqa: PLC0415  (heavy: botocore, only on the AWS call path)

    s3 = aws_client("s3")
    try:
        head = s3.head_object(Bucket=get_settings().uploads_bucket, Key=key)
        if int(head.get("ContentLength", 0)) > max_bytes:
            return None
        body: bytes = s3.get_object(Bucket=get_settings().uploads_bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc
    return body


def exists(key: str) -> bool:
    from botocore.exceptions import ClientError  # noqa: PLC0415  (heavy: botocore, only on the AWS call path)

    try:
        aws_client("s3").head_object(Bucket=get_settings().uploads_bucket, Key=key)
    except ClientError:
        return False
    return True


def delete(keys: list[str]) -> None:
    if not keys:
        return
    try:
        aws_client("s3").delete_objects(Bucket=get_settings().uploads_bucket,
                                        Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})
    except Exception as exc:
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc
