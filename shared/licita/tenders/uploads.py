"""Uploaded objects arriving from S3 (through the analysis queue)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from licita.tenders.analysis import Outcome

KEY_PATTERN = re.compile(r"^companies/(?P<company>[0-9a-f-]{36})/tenders/(?P<tender>[0-9a-f-]{36})/(?P<file>[^/]+)$")


class PermanentFailure(Exception):
    """A message that can never succeed; it is retried only to land in the DLQ with its reason."""


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    size: int
    etag: str
    company_id: uuid.UUID
    tender_id: uuid.UUID
    filename: str


def parse_s3_notification(body: dict[str, Any]) -> list[UploadedObject]:
    if body.get("Event") == "s3:TestEvent":  # sent once when the notification is configured
        return []
    records = body.get("Records")
    if not isinstance(records, list):
        raise PermanentFailure("not an S3 event notification")
    objects = []
    for record in records:
        s3 = record.get("s3") or {}
        key = unquote_plus(s3.get("object", {}).get("key", ""))  # keys arrive URL-encoded
        match = KEY_PATTERN.match(key)
        if not match:
            raise PermanentFailure(f"object key outside companies/<id>/tenders/<id>/<file>: {key!r}")
        objects.append(UploadedObject(
            bucket=s3.get("bucket", {}).get("name", ""), key=key, size=int(s3["object"].get("size", 0)),
            etag=str(s3["object"].get("eTag", "")), company_id=uuid.UUID(match["company"]),
            tender_id=uuid.UUID(match["tender"]), filename=match["file"],
        ))
    return objects


def handle_s3_notification(body: dict[str, Any]) -> list[Outcome]:
    """Analyse every object of one notification (see licita.tenders.analysis for the guarantees).

    The receipt is recorded in MongoDB ``ai_processing`` together with each run (keyed by key + eTag).
    """
    from licita.tenders.analysis import handle_notification

    return handle_notification(body)
