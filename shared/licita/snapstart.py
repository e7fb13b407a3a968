"""Lambda SnapStart: what runs before the snapshot and after a restore (template.yaml enables it).

A composition module like ``licita.api``: priming loads every area's models. ``licita.api`` registers the hooks.

With SnapStart, Lambda runs a function's INIT once per published version, snapshots the microVM and
restores that snapshot on every cold start, so INIT no longer counts. The lazy imports that keep a plain
cold start small (core/lazy.py) would then push SQLAlchemy, psycopg and the services into the first request
after each restore; the before-snapshot hook loads them all instead, and configures the ORM mappers, so the
snapshot holds them. No connection is opened before the snapshot (a restored copy must not share sockets),
and ``random`` is reseeded after a restore (restored copies would otherwise share its state; ``uuid`` and
``secrets`` read the OS and are safe).

``snapshot_restore_py`` ships inside Lambda's Python runtime; elsewhere (local runtime, tests) it is absent
and ``register`` does nothing.
"""

from __future__ import annotations

import importlib
import random
import sys
import time

from licita.core.lazy import load_all


def prime() -> dict[str, float]:
    """Load every lazy module and build what the first request would; returns milliseconds per step."""
    steps: dict[str, float] = {}
    started = time.perf_counter()
    load_all()
    steps["lazy_modules"] = (time.perf_counter() - started) * 1000
    if "sqlalchemy.orm" in sys.modules:  # a function that talks to PostgreSQL
        started = time.perf_counter()
        from sqlalchemy.orm import configure_mappers  # noqa: PLC0415

        import licita.models  # noqa: F401, PLC0415  (every area's mappers, so relationships resolve)

        configure_mappers()
        importlib.import_module("sqlalchemy.dialects.postgresql.psycopg")
        importlib.import_module("psycopg")
        steps["orm"] = (time.perf_counter() - started) * 1000
    if "licita.platform.clients" in sys.modules:  # the Mongo and Redis drivers load on a client's first use
        started = time.perf_counter()
        for driver in ("pymongo", "redis"):
            importlib.import_module(driver)
        steps["drivers"] = (time.perf_counter() - started) * 1000
    return steps


def after_restore() -> None:
    random.seed()


def register() -> bool:
    """Register the hooks when running under Lambda's Python runtime (3.12+); False elsewhere."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot  # noqa: PLC0415
    except ImportError:
        return False
    register_before_snapshot(prime)
    register_after_restore(after_restore)
    return True
