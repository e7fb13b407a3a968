"""The MongoDB-wire server (mongoeco) as its own process, so the watchdog can restart it.

    python -m licita_local.mongo_wire --port 27017 --db .licita-local/mongo.sqlite [--engine memory|sqlite]

``memory`` (default): the in-memory engine (inserts stay flat as the inbox grows), durable through a journal
of acknowledged write commands replayed on start, and a snapshot that bounds the replay, written by a forked
child (mongo_engines.py explains both). ``sqlite``: mongoeco's SQLite engine, durable too, ~10x slower per
write. Both come from mongo_engines.py, which removes mongoeco's per-insert full scans (the README explains
the choice).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import struct
import sys
import time
from pathlib import Path
from typing import Any

from mongoeco.wire.protocol import OP_MSG, OP_MSG_CHECKSUM_PRESENT, parse_message_header
from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

from licita_local.mongo_engines import FastSQLiteEngine, Journal, SnapshotMemoryEngine

log = logging.getLogger("licita.local.mongo")
SNAPSHOT_SECONDS = 5.0  # how often the snapshot policy is checked
MIN_JOURNAL_BYTES = 1 << 20  # snapshot once the journal holds max(1 MiB, a quarter of the last snapshot)
_HEADER = struct.Struct("<iiii")
# commands that change data (lower case); an aggregate writes only through $out/$merge
WRITE_COMMANDS = frozenset({"insert", "update", "delete", "findandmodify", "create", "createindexes", "drop",
                            "dropindexes", "dropdatabase", "renamecollection", "collmod", "committransaction",
                            "aborttransaction"})


def snapshot_path(db: Path) -> Path:
    return db.with_name(db.name.removesuffix(".sqlite") + ".snapshot")


def command_name(payload: bytes) -> str | None:
    """The command of an OP_MSG payload (first key of its body section), read without decoding the BSON."""
    flags = int.from_bytes(payload[:4], "little")
    end = len(payload) - (4 if flags & OP_MSG_CHECKSUM_PRESENT else 0)
    offset = 4
    while offset < end:
        kind = payload[offset]
        if kind == 0:  # kind byte, int32 document length, then the first element's type byte and its name
            start = offset + 6
            stop = payload.find(b"\0", start, end)
            return payload[start:stop].decode("utf-8", "replace") if stop > start else None
        if kind != 1:
            return None
        offset += 1 + int.from_bytes(payload[offset + 1:offset + 5], "little")
    return None


def is_write(payload: bytes) -> bool:
    name = (command_name(payload) or "").lower()
    return name in WRITE_COMMANDS or (name == "aggregate" and (b"$out\0" in payload or b"$merge\0" in payload))


class JournaledServer(AsyncMongoEcoProxyServer):
    """The wire server that journals every write command before acknowledging it, and replays the journal
    before it runs any client command (clients that connect during the replay wait for it)."""

    def __init__(self, *, journal: Journal | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.journal = journal
        self._ready = asyncio.Event()
        if journal is None:
            self._ready.set()

    async def replay(self, start: int) -> int:
        """Re-run the journal's commands since the snapshot (generation ``start`` on), then open a new
        generation for this run and let clients in. Returns the number of commands replayed."""
        assert self.journal is not None
        replayed = 0
        connection = self._connections.create(("journal", 0))
        try:
            for message in self.journal.records(start):
                header = parse_message_header(message[:16])
                await super()._dispatch_wire_request(header, message[16:], connection=connection)
                replayed += 1
        finally:
            self._connections.close(connection)
        self.journal.open_next(at_least=start)
        self._ready.set()
        return replayed

    async def _dispatch_wire_request(self, header: Any, payload: bytes, *, connection: Any) -> bytes | None:
        if not self._ready.is_set():
            await self._ready.wait()
        response: bytes | None = await super()._dispatch_wire_request(header, payload, connection=connection)
        if self.journal is not None and header.op_code == OP_MSG and is_write(payload):
            # before the reply leaves: acknowledged = kept
            self.journal.append(_HEADER.pack(header.message_length, header.request_id, header.response_to,
                                             header.op_code) + payload)
        return response


def _import_sqlite(engine: SnapshotMemoryEngine, db: Path) -> None:
    """First start on the memory engine after using the SQLite one: copy its data over once."""
    from mongoeco import MongoClient

    source, target = MongoClient(FastSQLiteEngine(str(db))), MongoClient(engine)
    for db_name in source.list_database_names():
        for coll_name in source[db_name].list_collection_names():
            src, dst = source[db_name][coll_name], target[db_name][coll_name]
            for name, spec in src.index_information().items():
                if name != "_id_":
                    keep = ("unique", "sparse", "expireAfterSeconds")
                    options: dict[str, Any] = {k: v for k, v in spec.items() if k in keep}
                    if "expireAfterSeconds" in options:
                        options["expire_after_seconds"] = options.pop("expireAfterSeconds")
                    dst.create_index(spec["key"], name=name, **options)
            batch: list[dict[str, Any]] = []
            for doc in src.find({}):
                batch.append(doc)
                if len(batch) == 1000:
                    dst.insert_many(batch)
                    batch = []
            if batch:
                dst.insert_many(batch)


def make_engine(kind: str, db: Path) -> Any:
    if kind == "sqlite":
        return FastSQLiteEngine(str(db))
    engine = SnapshotMemoryEngine(snapshot_path(db))
    for leftover in db.parent.glob(f"{engine.snapshot_path.name.removesuffix('.snapshot')}.tmp-*"):
        leftover.unlink(missing_ok=True)  # a snapshot interrupted by a kill (the journal still holds its data)
    if not engine.restore() and db.exists():
        _import_sqlite(engine, db)
        engine.journal_from = max(make_journal(db).generations(), default=-1) + 1
        engine.save(engine.journal_from)  # the imported data exists nowhere else
    return engine


def make_journal(db: Path, fsync: bool = False) -> Journal:
    return Journal(db.parent, db.name.removesuffix(".sqlite"), fsync=fsync)


class _Snapshots:
    """When to snapshot, and the forked child writing it (see mongo_engines.py)."""

    def __init__(self, engine: SnapshotMemoryEngine, journal: Journal, min_bytes: int = MIN_JOURNAL_BYTES) -> None:
        self.engine, self.journal, self.min_bytes = engine, journal, min_bytes
        path = engine.snapshot_path
        self.last_size = path.stat().st_size if path.exists() else 0
        self.child: tuple[int, int, int, int, float] | None = None  # pid, generation, version, journal bytes, t0

    def due(self) -> bool:
        return self.child is None and self.journal.bytes >= max(self.min_bytes, self.last_size // 4)

    def start(self) -> None:
        """On the loop thread, between two commands: new journal generation, then fork at this instant."""
        bytes_before = self.journal.bytes
        generation = self.journal.open_next()
        pid = self.engine.save_in_child(generation)
        self.child = (pid, generation, self.engine.version, bytes_before, time.monotonic())

    def reap(self, block: bool = False) -> None:
        if self.child is None:
            return
        pid, generation, version, bytes_before, started = self.child
        done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
        if done == 0:
            return
        self.child = None
        if os.waitstatus_to_exitcode(status) != 0:
            log.warning("snapshot child %d failed (status %d); the journal keeps everything", pid, status)
            return
        self.journal.drop_before(generation)
        self.journal.bytes -= bytes_before
        self.engine._saved_version = version
        self.last_size = self.engine.snapshot_path.stat().st_size
        log.info("snapshot of %.1f MB written in %.1f s", self.last_size / 1e6, time.monotonic() - started)

    def final(self) -> None:
        """Clean shutdown: one last snapshot here, so the next start replays nothing."""
        self.reap(block=True)
        if self.engine.dirty or self.journal.bytes:
            generation = self.journal.open_next()
            self.engine.save(generation)
            self.journal.drop_before(generation)
        self.journal.close()


async def _snapshots(snapshots: _Snapshots, stop: asyncio.Event, every: float) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        snapshots.reap()
        if not stop.is_set() and snapshots.due():
            snapshots.start()
    snapshots.final()  # on the loop thread: no write runs in between


async def serve(engine: Any, host: str, port: int, every: float = SNAPSHOT_SECONDS,
                journal: Journal | None = None, min_bytes: int = MIN_JOURNAL_BYTES) -> None:
    durable = isinstance(engine, SnapshotMemoryEngine) and journal is not None
    server = JournaledServer(engine=engine, host=host, port=port, journal=journal if durable else None)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(server.address.uri, flush=True)  # clients may connect now; their commands wait for the replay
    saver = None
    if durable:
        assert journal is not None
        t0 = time.monotonic()
        replayed = await server.replay(engine.journal_from)
        if replayed:
            log.info("replayed %d journaled commands in %.1f s", replayed, time.monotonic() - t0)
        saver = asyncio.create_task(_snapshots(_Snapshots(engine, journal, min_bytes), stop, every))
    await stop.wait()
    if saver is not None:
        await saver  # the last snapshot, before the connections close (the engine forgets data then)
    await server.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="licita_local.mongo_wire", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--engine", choices=("memory", "sqlite"), default="memory")
    p.add_argument("--snapshot-seconds", type=float, default=SNAPSHOT_SECONDS, help="snapshot policy check period")
    p.add_argument("--journal-bytes", type=int, default=MIN_JOURNAL_BYTES,
                   help="snapshot once the journal holds max(this, a quarter of the last snapshot)")
    p.add_argument("--fsync", action="store_true", help="fsync the journal per write (survives a power cut)")
    p.add_argument("--standby", action="store_true", help="import, then wait for a line on stdin (warm spare)")
    args = p.parse_args(argv)
    from licita_local.supervisor import exit_with_parent, wait_for_go

    exit_with_parent()
    if args.standby:  # the watchdog's warm spare: restarts skip interpreter + import time
        wait_for_go()
    asyncio.run(serve(make_engine(args.engine, args.db), args.host, args.port, args.snapshot_seconds,
                      make_journal(args.db, args.fsync), args.journal_bytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
