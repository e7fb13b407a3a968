"""mongoeco engines tuned for the local runtime's MongoDB-wire server (see mongo_wire.py and the README).

Measured with mongoeco 4.11 (tests/bench/bench_notifications.py prints the figures): an insert into a
collection of N documents costs O(N) in both stock engines, for two reasons this module removes:

* every insert re-reads the whole collection to compare ``_id`` values "logically" (``scan_payload_id``),
  which only matters for numeric ids (``1`` vs ``1.0``); string/ObjectId ids are already checked through
  the storage key. We keep the scan for numeric ids and skip it otherwise.
* every write purges TTL-expired documents, walking the TTL index. MongoDB itself runs its TTL monitor
  once every 60 s; so do we (documents may outlive their expiry by up to a minute, as in MongoDB).

``SnapshotMemoryEngine`` keeps the data in memory (flat ~1-2 ms inserts at 100,000 documents) and persists
it by pickling the engine's data roots to ``<db>.snapshot`` at most every ``interval`` seconds when
something changed, and on shutdown (atomic rename). A crash loses at most ``interval`` seconds of writes:
acceptable for a developer's inbox, never used in production (MongoDB/DocumentDB there).
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import pickle
import time
from pathlib import Path
from typing import Any

from mongoeco.core.identity import id_contains_numeric_value
from mongoeco.engines._memory_collection import MemoryCollection, MemoryIndexMap
from mongoeco.engines.memory import MemoryEngine
from mongoeco.engines.sqlite import SQLiteEngine

log = logging.getLogger("licita.local.mongo")

TTL_MONITOR_SECONDS = 60.0  # MongoDB's TTL monitor period
_ROOTS = ("_storage", "_indexes", "_index_data", "_search_indexes", "_collections", "_collection_options")
SNAPSHOT_FORMAT = 1


class _Pickler(pickle.Pickler):
    """mongoeco's collections/index maps are dict subclasses whose rows live in attributes (persistent maps):
    pickle them as "fresh instance + attributes", never through ``__setitem__`` on a half-built object."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, (MemoryCollection, MemoryIndexMap)):
            return type(obj), (), dict(vars(obj))
        return NotImplemented


class _TtlMonitor:
    """At most one TTL purge per collection per ``TTL_MONITOR_SECONDS`` (instead of one per write)."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], float] = {}

    def due(self, db_name: str, coll_name: str) -> bool:
        now = time.monotonic()
        key = (db_name, coll_name)
        if now - self._last.get(key, float("-inf")) < TTL_MONITOR_SECONDS:
            return False
        self._last[key] = now
        return True


def _needs_payload_scan(document: dict[str, Any], requested: bool) -> bool:
    return requested and ("_id" not in document or id_contains_numeric_value(document["_id"]))


class FastSQLiteEngine(SQLiteEngine):
    """The SQLite engine without the two O(N) steps (see the module docstring)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._ttl = _TtlMonitor()

    def _validate_document_against_unique_indexes(
            self, db_name: str, coll_name: str, document: Any, *, exclude_storage_key: str | None = None,
            skip_id_check: bool = False, scan_payload_id: bool = False) -> None:
        super()._validate_document_against_unique_indexes(
            db_name, coll_name, document, exclude_storage_key=exclude_storage_key, skip_id_check=skip_id_check,
            scan_payload_id=_needs_payload_scan(document, scan_payload_id))

    def _purge_expired_documents_sync(self, conn: Any, db_name: str, coll_name: str, *, context: Any,
                                      now: datetime.datetime) -> int:
        if not self._ttl.due(db_name, coll_name):
            return 0
        return int(super()._purge_expired_documents_sync(conn, db_name, coll_name, context=context, now=now))


class SnapshotMemoryEngine(MemoryEngine):
    """The memory engine without the O(N) steps, persisted by periodic snapshots (see the module docstring)."""

    def __init__(self, snapshot: Path) -> None:
        super().__init__()
        self._ttl = _TtlMonitor()
        self.snapshot_path = snapshot
        self._saved_version = -1

    def _ensure_unique_indexes(self, db_name: str, coll_name: str, candidate: Any, **kwargs: Any) -> None:
        kwargs["scan_payload_id"] = _needs_payload_scan(candidate, bool(kwargs.get("scan_payload_id")))
        super()._ensure_unique_indexes(db_name, coll_name, candidate, **kwargs)

    def _purge_expired_documents_locked(self, db_name: str, coll_name: str, **kwargs: Any) -> int:
        if not self._ttl.due(db_name, coll_name):
            return 0
        return int(super()._purge_expired_documents_locked(db_name, coll_name, **kwargs))

    # --- persistence -------------------------------------------------------------------------------
    def restore(self) -> bool:
        """Load the last snapshot, if any. An unreadable one is kept aside (never deleted) and we start empty."""
        if not self.snapshot_path.exists():
            return False
        try:
            with self.snapshot_path.open("rb") as fh:
                saved = pickle.load(fh)  # our own file, in the runtime's data dir
            if saved.get("format") != SNAPSHOT_FORMAT:
                raise ValueError(f"snapshot format {saved.get('format')!r}")
            for name in _ROOTS:
                setattr(self, name, saved["roots"][name])
        except Exception as exc:
            aside = self.snapshot_path.with_suffix(f".unreadable-{int(time.time())}")
            self.snapshot_path.rename(aside)
            log.warning("could not restore %s (%s); kept it as %s and started empty", self.snapshot_path, exc, aside)
            return False
        self._mvcc_version += 1
        self._saved_version = self._mvcc_version
        return True

    @property
    def dirty(self) -> bool:
        return self._mvcc_version != self._saved_version

    def dump(self) -> bytes | None:
        """Serialise the data roots (call on the event loop thread: no write runs in between)."""
        if not self.dirty:
            return None
        version = self._mvcc_version
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
            {"format": SNAPSHOT_FORMAT, "roots": {n: getattr(self, n) for n in _ROOTS}})
        self._saved_version = version
        return buffer.getvalue()

    def write(self, data: bytes) -> None:
        """Atomically replace the snapshot file (safe to call from a worker thread)."""
        tmp = self.snapshot_path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.snapshot_path)
