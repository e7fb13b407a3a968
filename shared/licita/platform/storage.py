"""Object storage port: the few operations the areas need, an S3 adapter and an in-memory fake.

Areas talk to :class:`ObjectStorage` instead of boto3, so their domain services can be unit-tested
with :class:`MemoryStorage`; integration and e2e tests use :class:`S3Storage` against moto.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from licita.core.config import get_settings
from licita.platform.clients import aws_client


class ObjectMissing(LookupError):
    """The key holds no object."""


class ObjectTooLarge(ValueError):
    """The object is bigger than the caller accepts (nothing was downloaded)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"object of {size} bytes exceeds {limit}")
        self.size = size
        self.limit = limit


class StorageError(RuntimeError):
    """The storage refused or failed an operation (credentials, endpoint, partial delete)."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str  # without quotes
    content_type: str | None = None


@dataclass(frozen=True)
class StoredObject:
    info: ObjectInfo
    data: bytes


@dataclass(frozen=True)
class PresignedUpload:
    """A browser POST form: send ``fields`` plus the ``file`` part (last) to ``url``."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


class ObjectStorage(Protocol):
    def presign_post(self, key: str, *, content_type: str, min_size: int, max_size: int,
                     expires_in: int) -> PresignedUpload: ...

    def presign_get(self, key: str, *, expires_in: int, disposition: str | None = None,
                    content_type: str | None = None) -> str: ...

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> StoredObject: ...

    def head(self, key: str) -> ObjectInfo | None: ...

    def delete_many(self, keys: Iterable[str], *, prefix: str | None = None) -> list[str]: ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo: ...


def _etag(raw: Any) -> str:
    return str(raw or "").strip('"')


def _missing(exc: Exception) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    """The adapter over boto3 (``platform.clients.aws_client``: honours AWS_ENDPOINT_URL)."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _s3(self) -> Any:
        return aws_client("s3")

    def presign_post(self, key: str, *, content_type: str, min_size: int, max_size: int,
                     expires_in: int) -> PresignedUpload:
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        post = self._s3.generate_presigned_post(
            Bucket=self.bucket, Key=key, Fields={"Content-Type": content_type},
            Conditions=[["content-length-range", min_size, max_size], {"Content-Type": content_type}],
            ExpiresIn=expires_in,
        )
        return PresignedUpload(url=str(post["url"]), fields={k: str(v) for k, v in post["fields"].items()},
                               expires_at=expires_at)

    def presign_get(self, key: str, *, expires_in: int, disposition: str | None = None,
                    content_type: str | None = None) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if disposition:
            params["ResponseContentDisposition"] = disposition
        if content_type:
            params["ResponseContentType"] = content_type
        return str(self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in))

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> StoredObject:
        from botocore.exceptions import ClientError  # noqa: PLC0415  (heavy: botocore, only on the AWS call path)

        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                raise ObjectMissing(key) from None
            raise
        size = int(response.get("ContentLength") or 0)
        if max_bytes is not None and size > max_bytes:
            response["Body"].close()
            raise ObjectTooLarge(size, max_bytes)
        data: bytes = response["Body"].read()
        info = ObjectInfo(key, len(data), _etag(response.get("ETag")), response.get("ContentType"))
        return StoredObject(info, data)

    def head(self, key: str) -> ObjectInfo | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415  (heavy: botocore, only on the AWS call path)

        try:
            response = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return ObjectInfo(key, int(response.get("ContentLength") or 0), _etag(response.get("ETag")),
                          response.get("ContentType"))

    def delete_many(self, keys: Iterable[str], *, prefix: str | None = None) -> list[str]:
        """Delete ``keys`` and everything under ``prefix``; any per-key error raises :class:`StorageError`."""
        targets = set(keys)
        if prefix:
            targets.update(o["Key"] for o in self._s3.list_objects_v2(
                Bucket=self.bucket, Prefix=prefix).get("Contents", []))
        ordered = sorted(targets)
        if not ordered:
            return []
        result = self._s3.delete_objects(Bucket=self.bucket, Delete={
            "Objects": [{"Key": k} for k in ordered], "Quiet": True})
        if result.get("Errors"):
            raise StorageError(f"could not delete {len(result['Errors'])} object(s): {result['Errors'][:5]}")
        return ordered

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo:
        response = self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        return ObjectInfo(key, len(data), _etag(response.get("ETag")), content_type)


@dataclass
class MemoryStorage:
    """In-memory fake with the adapter's semantics (ETag = MD5 of the bytes, like a plain S3 PUT)."""

    base_url: str = "https://storage.invalid/uploads"
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def presign_post(self, key: str, *, content_type: str, min_size: int, max_size: int,
                     expires_in: int) -> PresignedUpload:
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        return PresignedUpload(self.base_url, {"key": key, "Content-Type": content_type,
                                               "x-fake-range": f"{min_size}-{max_size}"}, expires_at)

    def presign_get(self, key: str, *, expires_in: int, disposition: str | None = None,
                    content_type: str | None = None) -> str:
        query = {k: v for k, v in (("response-content-disposition", disposition),
                                   ("response-content-type", content_type)) if v}
        return f"{self.base_url}/{quote(key)}?{urlencode({**query, 'expires': str(expires_in)})}"

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> StoredObject:
        info = self.head(key)
        if info is None:
            raise ObjectMissing(key)
        if max_bytes is not None and info.size > max_bytes:
            raise ObjectTooLarge(info.size, max_bytes)
        return StoredObject(info, self.objects[key][0])

    def head(self, key: str) -> ObjectInfo | None:
        if key not in self.objects:
            return None
        data, content_type = self.objects[key]
        return ObjectInfo(key, len(data), hashlib.md5(data, usedforsecurity=False).hexdigest(), content_type)

    def delete_many(self, keys: Iterable[str], *, prefix: str | None = None) -> list[str]:
        targets = sorted({*keys, *(k for k in self.objects if prefix and k.startswith(prefix))})
        for key in targets:
            self.objects.pop(key, None)
        return targets

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo:
        self.objects[key] = (data, content_type)
        info = self.head(key)
        assert info is not None
        return info


_override: ObjectStorage | None = None


def attachment_prefix(company_id: object, area: str, parent_id: object) -> str:
    """Where an area's attachments live. Only tender uploads are under ``companies/``: that is the prefix the
    bucket notifies the analysis queue for, so an attachment must never land there."""
    return f"attachments/{company_id}/{area}/{parent_id}/"


def uploads_storage() -> ObjectStorage:
    """The uploads bucket (``UPLOADS_BUCKET``), or the fake a unit test installed."""
    if _override is not None:
        return _override

    return S3Storage(get_settings().uploads_bucket)


def use_uploads_storage(storage: ObjectStorage | None) -> None:
    """Install (or, with None, remove) a storage for tests of domain services."""
    global _override
    _override = storage
