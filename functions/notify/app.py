"""Notifications queue consumer: domain events → recipients' sockets, inbox and e-mail; ``push.chunk``
messages → one slice of a big fan-out posted to its sockets.

A batch is delivered together (``deliver_many``: concurrent lookups, one bulk inbox write, one parallel
post) and chunks run concurrently beside it. Partial batch failures: a record that fails (Mongo/Redis
down, malformed event) is reported alone, SQS redelivers it and finally moves it to the DLQ;
redeliveries are idempotent per event id (a redelivered chunk re-posts: sockets are at-least-once).
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from licita.core.lazy import lazy_imports

if TYPE_CHECKING:
    from licita.notifications import service as notifications
    from licita.realtime import service as realtime
else:  # the pipeline (SQLAlchemy, Mongo, Redis, every area's events) loads on the first record, not at INIT
    notifications, realtime = lazy_imports("licita", "notifications.service", "realtime.service")

log = logging.getLogger("licita.notify")

CHUNK_TYPE = "push.chunk"


def _post_chunk(body: dict[str, Any]) -> dict[str, int] | Exception:
    try:
        return realtime.post_chunk(body)
    except Exception as exc:
        return exc


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records", [])
    outcomes: dict[str, Any] = {}
    events: list[tuple[str, Any]] = []
    chunks: list[tuple[str, dict[str, Any]]] = []
    for record in records:
        try:
            body = json.loads(record["body"])
        except (KeyError, TypeError, ValueError) as exc:
            outcomes[record.get("messageId", "")] = exc
            continue
        if isinstance(body, dict) and body.get("type") == CHUNK_TYPE:
            chunks.append((record["messageId"], body))
        else:
            events.append((record["messageId"], body))
    pool = ThreadPoolExecutor(max_workers=min(8, len(chunks))) if chunks else None
    futures = [(mid, pool.submit(_post_chunk, body)) for mid, body in chunks] if pool else []
    if events:
        for (mid, _body), outcome in zip(events, notifications.deliver_many([b for _m, b in events]), strict=True):
            outcomes[mid] = outcome
    for mid, future in futures:
        outcomes[mid] = future.result()
    if pool:
        pool.shutdown()
    failures: list[dict[str, str]] = []
    for record in records:
        mid = record.get("messageId", "")
        result = outcomes.get(mid)
        if isinstance(result, Exception):
            log.warning("record %s failed (receive #%s): %s", mid,
                        record.get("attributes", {}).get("ApproximateReceiveCount"), result, exc_info=result)
            failures.append({"itemIdentifier": mid})
        else:
            log.info("notify %s %s", mid, json.dumps(result))
    return {"batchItemFailures": failures}
