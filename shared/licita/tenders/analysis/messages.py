"""The analysis queue's message: an S3 ObjectCreated notification, plus our options for re-analysis."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus


def analysis_message(bucket: str, key: str, *, size: int, etag: str, event_name: str = "ObjectCreated:Reanalyze",
                     options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The S3-notification shape the analysis function consumes; ``options`` go under ``licita``."""
    message: dict[str, Any] = {
        "Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "eventName": event_name,
            "eventTime": datetime.now(UTC).isoformat(),
            "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/"), "size": size,
                                                          "eTag": etag}},
        }],
    }
    if options:
        message["licita"] = options
    return message


def reanalysis_message(bucket: str, key: str, *, size: int, etag: str, request_id: str,
                       requested_by: str | None) -> dict[str, Any]:
    """A re-analysis asked by a person: bypasses the cache and is idempotent per request id."""
    return analysis_message(bucket, key, size=size, etag=etag,
                            options={"reanalyze": True, "request_id": request_id, "requested_by": requested_by})


def run_options(run_key: str) -> dict[str, Any]:
    """The ``licita`` options that make a redelivery of ``run_key`` the same run (see pipeline.run_key_for)."""
    if run_key.startswith("reanalyze:"):
        return {"reanalyze": True, "request_id": run_key.split(":", 1)[1]}
    return {}
