"""Scheduled discovery: the 30-minute PNCP sync (+ change watch and match alerts) and the 07:00 digest.
The schedule's Input names the task."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from licita.core.lazy import lazy_imports

if TYPE_CHECKING:
    from licita.discovery import alerts, sync
else:  # SQLAlchemy, httpx and redis load on the first tick (cold start)
    alerts, sync = lazy_imports("licita.discovery", "alerts", "sync")

log = logging.getLogger("licita.discovery_sync")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = str((event or {}).get("task") or "sync")
    if task == "sync":
        result: dict[str, Any] = sync.run_cycle().as_dict()
    elif task == "digest":
        result = {"digests": alerts.send_digest()}
    else:
        raise ValueError(f"unknown discovery task {task!r}")
    log.info("discovery %s: %s", task, json.dumps(result, default=str))
    return {"task": task, **result}
