"""The MongoDB-wire server (mongoeco) as its own process, so the watchdog can restart it.

    python -m licita_local.mongo_wire --port 27017 --db .licita-local/mongo.sqlite [--engine memory|sqlite]

``memory`` (default): the in-memory engine, snapshotted to ``<db>.snapshot`` every few seconds when dirty and
on shutdown; inserts stay flat as the inbox grows. ``sqlite``: every write durable at once, slower. Both come
from mongo_engines.py, which removes mongoeco's per-insert full scans (the README explains the choice).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from licita_local.mongo_engines import FastSQLiteEngine, SnapshotMemoryEngine

log = logging.getLogger("licita.local.mongo")
SNAPSHOT_SECONDS = 5.0


def snapshot_path(db: Path) -> Path:
    return db.with_name(db.name.removesuffix(".sqlite") + ".snapshot")


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
    engine._saved_version = -1  # write the first snapshot soon


def make_engine(kind: str, db: Path) -> Any:
    if kind == "sqlite":
        return FastSQLiteEngine(str(db))
    engine = SnapshotMemoryEngine(snapshot_path(db))
    if not engine.restore() and db.exists():
        _import_sqlite(engine, db)
    return engine


async def _snapshots(engine: SnapshotMemoryEngine, stop: asyncio.Event, every: float) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        data = engine.dump()  # on the loop thread: consistent, no write in between
        if data is not None:
            await asyncio.to_thread(engine.write, data)


async def serve(engine: Any, host: str, port: int, every: float = SNAPSHOT_SECONDS) -> None:
    from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

    server = AsyncMongoEcoProxyServer(engine=engine, host=host, port=port)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    saver = asyncio.create_task(_snapshots(engine, stop, every)) if isinstance(engine, SnapshotMemoryEngine) else None
    print(server.address.uri, flush=True)
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
    p.add_argument("--snapshot-seconds", type=float, default=SNAPSHOT_SECONDS)
    p.add_argument("--standby", action="store_true", help="import, then wait for a line on stdin (warm spare)")
    args = p.parse_args(argv)
    from mongoeco.wire.proxy import AsyncMongoEcoProxyServer  # noqa: F401 - imported before a standby waits

    from licita_local.supervisor import exit_with_parent, wait_for_go

    exit_with_parent()
    if args.standby:  # the watchdog's warm spare: restarts skip interpreter + import time
        wait_for_go()
    asyncio.run(serve(make_engine(args.engine, args.db), args.host, args.port, args.snapshot_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
