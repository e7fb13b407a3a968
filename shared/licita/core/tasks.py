"""Scheduled ticks made of independent parts (one part failing never stops the others), and the process-wide
worker pools functions keep across invocations."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def process_pool(name: str, workers: int) -> ThreadPoolExecutor:
    """The process's pool called ``name`` (created with ``workers`` threads on first use), kept across warm
    invocations: a pool per call paid a thread start per task (each waits for the GIL) and lost the threads'
    keep-alive connections."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415  (cold start: loaded when a pool is first used)

    with _pools_lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        return pool


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
