"""Scheduled maintenance: the schedule's Input names the task."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("licita.maintenance")


def _expire_sessions() -> dict[str, Any]:
    from licita.services.auth import expire_sessions

    return expire_sessions()


TASKS: dict[str, Callable[[], dict[str, Any]]] = {"expire_sessions": _expire_sessions}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = event.get("task") if isinstance(event, dict) else None
    if task not in TASKS:
        raise ValueError(f"unknown maintenance task {task!r}; known: {sorted(TASKS)}")
    result = TASKS[task]()
    log.info(json.dumps({"task": task, **result}))
    return {"task": task, **result}
