"""Stopping a server that runs on its own asyncio loop in a background thread (SMTP sink, WebSocket)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any


def stop_loop_thread(loop: asyncio.AbstractEventLoop, thread: threading.Thread,
                     close: Callable[[], Coroutine[Any, Any, None]], log: logging.Logger, what: str) -> None:
    """Run ``close()`` on ``loop`` (up to 5 s; a failure is only logged), then stop the loop and join its thread."""
    try:
        asyncio.run_coroutine_threadsafe(close(), loop).result(5)
    except Exception:
        log.debug("%s close failed", what, exc_info=True)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
