"""Scheduled discovery: the 30-minute PNCP sync (+ change watch and match alerts) and the 07:00 digest.
The schedule's Input names the task."""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("licita.discovery_sync")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = str((event or {}).get("task") or "sync")
    if task == "sync":
        from licita.discovery.sync import run_cycle

        result: dict[str, Any] = run_cycle().as_dict()
    elif task == "digest":
        from licita.discovery.alerts import send_digest

        result = {"digests": send_digest()}
    else:
        raise ValueError(f"unknown discovery task {task!r}")
    log.info("discovery %s: %s", task, json.dumps(result, default=str))
    return {"task": task, **result}
