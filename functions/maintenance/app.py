"""Scheduled maintenance: the schedule's Input names the task."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from licita.core.lazy import lazy_imports
from licita.core.tasks import run_parts

if TYPE_CHECKING:
    from licita.auth import service as auth
    from licita.core import config
    from licita.notifications import mailer
    from licita.realtime import service as realtime
    from licita.tenders import reminders
    from licita.tenders.analysis import recovery
else:  # each task loads only what it runs (cold start)
    auth, config, mailer, realtime, reminders, recovery = lazy_imports(
        "licita", "auth.service", "core.config", "notifications.mailer", "realtime.service", "tenders.reminders",
        "tenders.analysis.recovery")

log = logging.getLogger("licita.maintenance")


def _expire_sessions() -> dict[str, Any]:
    return auth.expire_sessions()


def _deadline_reminders() -> dict[str, Any]:
    """The 5-minute notifications tick: reminders, then mail retries and the socket heartbeat.

    Each part is independent: a broken SMTP server or WebSocket endpoint never stops the reminders.
    """
    result: dict[str, Any] = {"reminders": reminders.run()}
    result.update(run_parts((("mail", _retry_mail), ("connections", _sweep_connections)), log, "maintenance part"))
    return result


def _retry_mail() -> dict[str, Any]:
    return dict(mailer.retry_pending())


def _sweep_connections() -> dict[str, Any]:
    return dict(realtime.sweep(ping=bool(config.get_settings().websocket_management_url)))


def _process_pending_analyses() -> dict[str, Any]:
    """The plan's "process pending AI tasks": recover lost runs, redrive dead letters (bounded)."""
    return recovery.process_pending()


def _expire_uploads() -> dict[str, Any]:
    return recovery.expire_uploads()


TASKS: dict[str, Callable[[], dict[str, Any]]] = {
    "expire_sessions": _expire_sessions,
    "deadline_reminders": _deadline_reminders,
    "retry_mail": _retry_mail,
    "sweep_connections": _sweep_connections,
    "process_pending_analyses": _process_pending_analyses,
    "expire_uploads": _expire_uploads,
}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = event.get("task") if isinstance(event, dict) else None
    if task not in TASKS:
        raise ValueError(f"unknown maintenance task {task!r}; known: {sorted(TASKS)}")
    result = TASKS[task]()
    log.info(json.dumps({"task": task, **result}, default=str))
    return {"task": task, **result}
