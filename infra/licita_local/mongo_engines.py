"""mongoeco engines tuned for the local runtime's MongoDB-wire server (see mongo_wire.py and the README).

Measured with mongoeco 4.11 (tests/bench/bench_notifications.py prints the figures): an insert into a
collection of N documents costs O(N) in both stock engines, for two reasons this module removes:

* every insert re-reads the whole collection to compare ``_id`` values "logically" (``scan_payload_id``),
  which only matters for numeric ids (``1`` vs ``1.0``); string/ObjectId ids are already checked through
  the storage key. We keep the scan for numeric ids and skip it otherwise.
* every write purges TTL-expired documents, walking the TTL index. MongoDB itself runs its TTL monitor
  once every 60 s; so do we (documents may outlive their expiry by up to a minute, as in MongoDB).

``SnapshotMemoryEngine`` keeps the data in memory (flat ~2 ms inserts at 100,000 documents) and is durable
through two files:

* a **journal** (:class:`Journal`): every acknowledged write command, as the exact wire message, appended
  (one ``write(2)``, length + CRC32 framed) before its reply is sent. A SIGKILL loses nothing acknowledged:
  the data is in the kernel's page cache (``fsync=True`` also survives a power cut, at a few ms per write).
  On start the journal is replayed through the same wire dispatcher; a torn last record (killed mid-write,
  never acknowledged) is skipped.
* a **snapshot** (pickled data roots, ``<db>.snapshot``) that bounds the replay. It is written by a forked
  child (copy-on-write: a consistent image, and the server keeps answering while ~100,000 documents are
  pickled, which takes seconds), when the journal has grown to a quarter of the last snapshot, and on a
  clean shutdown. The snapshot names the first journal generation it does not contain; older generations
  are deleted once it is safely renamed into place.

Never used in production (MongoDB/DocumentDB there).
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import pickle
import signal
import struct
import time
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mongoeco.core.identity import id_contains_numeric_value
from mongoeco.engines._memory_collection import MemoryCollection, MemoryIndexMap
from mongoeco.engines.memory import MemoryEngine
from mongoeco.engines.sqlite import SQLiteEngine

log = logging.getLogger("licita.local.mongo")

TTL_MONITOR_SECONDS = 60.0  # MongoDB's TTL monitor period
_ROOTS = ("_storage", "_indexes", "_index_data", "_search_indexes", "_collections", "_collection_options")
SNAPSHOT_FORMAT = 2  # 2 adds journal_from; 1 (no journal) still restores


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
    journal_from = 0  # the first journal generation the restored snapshot does not contain

    def restore(self) -> bool:
        """Load the last snapshot, if any. An unreadable one is kept aside (never deleted) and we start empty."""
        if not self.snapshot_path.exists():
            return False
        try:
            with self.snapshot_path.open("rb") as fh:
                saved = pickle.load(fh)  # our own file, in the runtime's data dir
            if saved.get("format") not in (1, SNAPSHOT_FORMAT):
                raise ValueError(f"snapshot format {saved.get('format')!r}")
            for name in _ROOTS:
                setattr(self, name, saved["roots"][name])
            self.journal_from = int(saved.get("journal_from", 0))
        except Exception as exc:
            aside = self.snapshot_path.with_suffix(f".unreadable-{int(time.time())}")
            self.snapshot_path.rename(aside)
            log.warning("could not restore %s (%s); kept it as %s and started empty", self.snapshot_path, exc, aside)
            return False
        self._mvcc_version += 1
        self._saved_version = self._mvcc_version
        return True

    @property
    def version(self) -> int:
        return int(self._mvcc_version)

    @property
    def dirty(self) -> bool:
        return self._mvcc_version != self._saved_version

    def dump(self, journal_from: int = 0) -> bytes:
        """Serialise the data roots (on the loop thread, or in a forked child: no write runs in between)."""
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
            {"format": SNAPSHOT_FORMAT, "journal_from": journal_from, "roots": {n: getattr(self, n) for n in _ROOTS}})
        return buffer.getvalue()

    def write(self, data: bytes) -> None:
        """Atomically replace the snapshot file (a per-process temporary name: an orphaned child never collides)."""
        tmp = self.snapshot_path.with_suffix(f".tmp-{os.getpid()}")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.snapshot_path)

    def save(self, journal_from: int) -> int:
        """Snapshot now, in this process (startup import, clean shutdown); returns its size in bytes."""
        version, data = self._mvcc_version, self.dump(journal_from)
        self.write(data)
        self._saved_version = version
        return len(data)

    def save_in_child(self, journal_from: int) -> int:
        """Fork a child that writes the snapshot of this instant and exits (0 = written); returns its pid.
        Call on the event loop thread between two commands: the child's copy-on-write image is consistent."""
        with warnings.catch_warnings():  # the only other thread is exit_with_parent's idle watcher
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:  # the parent's asyncio signal wake-up fd is shared: a signal here must not stop the parent
                signal.set_wakeup_fd(-1)
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, signal.SIG_DFL)
                self.write(self.dump(journal_from))
                code = 0
            finally:
                os._exit(code)
        return pid


_RECORD = struct.Struct("<II")  # payload length, CRC32 of the payload


class Journal:
    """Append-only files ``<stem>.journal.<generation>`` of the write commands acknowledged since a snapshot.

    Each record is one complete wire message (header + OP_MSG), framed by length and CRC32 and written with
    a single ``os.write`` on an ``O_APPEND`` descriptor before the reply leaves. A new generation starts at
    every snapshot and at every start (nothing is ever appended after a possibly torn tail)."""

    def __init__(self, directory: Path, stem: str, *, fsync: bool = False) -> None:
        self.directory, self.stem, self.fsync = directory, stem, fsync
        self.generation = -1
        self.bytes = 0  # appended since the last snapshot
        self._fd: int | None = None

    def path(self, generation: int) -> Path:
        return self.directory / f"{self.stem}.journal.{generation:08d}"

    def generations(self) -> list[int]:
        found = []
        for p in self.directory.glob(f"{self.stem}.journal.*"):
            suffix = p.name.rsplit(".", 1)[-1]
            if suffix.isdigit():
                found.append(int(suffix))
        return sorted(found)

    def records(self, start: int) -> Iterator[bytes]:
        """Every intact record of the generations ``>= start``, in order; a torn or corrupt tail ends its file."""
        for generation in self.generations():
            if generation < start:
                continue
            data = self.path(generation).read_bytes()
            offset = 0
            while offset + _RECORD.size <= len(data):
                length, crc = _RECORD.unpack_from(data, offset)
                body = data[offset + _RECORD.size:offset + _RECORD.size + length]
                if len(body) != length or zlib.crc32(body) != crc:
                    log.warning("journal %s: torn record at byte %d ignored (never acknowledged)",
                                self.path(generation).name, offset)
                    break
                self.bytes += _RECORD.size + length
                yield body
                offset += _RECORD.size + length

    def open_next(self, at_least: int = 0) -> int:
        """Close the current generation and start the next one; returns its number."""
        self.close()
        existing = self.generations()
        self.generation = max([at_least, self.generation + 1, *(g + 1 for g in existing)])
        self._fd = os.open(self.path(self.generation), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return self.generation

    def append(self, message: bytes) -> None:
        if self._fd is None:
            raise RuntimeError("journal is not open")
        view = memoryview(_RECORD.pack(len(message), zlib.crc32(message)) + message)
        while view:
            view = view[os.write(self._fd, view):]
        if self.fsync:
            os.fsync(self._fd)
        self.bytes += _RECORD.size + len(message)

    def drop_before(self, generation: int) -> None:
        """A snapshot containing everything before ``generation`` is in place: forget those records."""
        for g in self.generations():
            if g < generation:
                self.path(g).unlink(missing_ok=True)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
