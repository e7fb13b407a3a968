"""The MongoDB-wire server (mongoeco over SQLite) as its own process, so the watchdog can restart it.

    python -m licita_local.mongo_wire --port 27017 --db .licita-local/mongo.sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path


async def serve(db: Path, host: str, port: int) -> None:
    from mongoeco.engines.sqlite import SQLiteEngine
    from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

    server = AsyncMongoEcoProxyServer(engine=SQLiteEngine(str(db)), host=host, port=port)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(server.address.uri, flush=True)
    await stop.wait()
    await server.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="licita_local.mongo_wire", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--db", type=Path, required=True)
    args = p.parse_args(argv)
    asyncio.run(serve(args.db, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
