"""Scheduled ticks made of independent parts: one part failing never stops the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any


def run_parts(parts: Iterable[tuple[str, Callable[[], Any]]], log: logging.Logger, label: str) -> dict[str, Any]:
    """``{name: result}`` for every part; a part that raises is logged (``"<label> <name> failed"``, traceback)
    and its result is ``{"error": "<Type>: <message>"}``."""
    result: dict[str, Any] = {}
    for name, task in parts:
        try:
            result[name] = task()
        except Exception as exc:
            log.warning("%s %s failed", label, name, exc_info=True)
            result[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return result
