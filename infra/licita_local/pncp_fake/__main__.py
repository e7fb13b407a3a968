"""``python -m licita_local.pncp_fake --port N``: serve the fake PNCP until interrupted.

Prints one line ``PNCP_FAKE_READY {"base_url": ..., "compras": n, "recorded": source}`` once listening.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from datetime import date
from pathlib import Path

from licita_local.pncp_fake.data import PncpStore
from licita_local.pncp_fake.server import FakePncp

READY = "PNCP_FAKE_READY "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m licita_local.pncp_fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 = any free port")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--count", type=int, default=1000, help="generated compras besides the recorded ones")
    parser.add_argument("--anchor", type=date.fromisoformat, default=None,
                        help="generated dates end here (default: today)")
    parser.add_argument("--data-dir", type=Path, default=None, help="recorded PNCP data (default ../shared/data/pncp"
                        " or the vendored samples)")
    parser.add_argument("--no-recorded", action="store_true", help="generated data only")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every PNCP answer")
    parser.add_argument("--processes", type=int, default=1,
                        help="pre-forked worker processes on one socket (benchmarks; the control API and faults "
                             "then act on one worker only)")
    args = parser.parse_args(argv)
    recorded: bool | Path = False if args.no_recorded else (args.data_dir or True)
    store = PncpStore(seed=args.seed, count=args.count, recorded=recorded, anchor=args.anchor)
    fake = FakePncp(store, host=args.host, port=args.port)
    fake.configure(latency=args.latency)
    if args.processes > 1:
        return _prefork(fake, store, args.processes)
    fake.start()
    print(READY + json.dumps({"base_url": fake.base_url, "compras": len(store.compras),
                              "recorded": store.recorded_source}), flush=True)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


def _prefork(fake: FakePncp, store: PncpStore, processes: int) -> int:
    fake.bind()
    children: list[int] = []
    for _ in range(processes - 1):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            fake.serve_in_this_thread()
            os._exit(0)
        children.append(pid)

    def stop(*_: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(READY + json.dumps({"base_url": fake.base_url, "compras": len(store.compras),
                              "recorded": store.recorded_source, "processes": processes}), flush=True)
    fake.serve_in_this_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
