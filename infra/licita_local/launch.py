"""Start ``licita-local run`` as a child process and wait for its ready line; stop it the way Ctrl-C would.

One implementation for everything that drives the runtime from outside (the e2e tests, ``make fuzz``): the
ready line is this package's own protocol (``READY_PREFIX`` + the runtime's info as JSON on stdout).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

READY_PREFIX = "LICITA_LOCAL_READY "


class NotReady(RuntimeError):
    """The runtime exited or did not print its ready line in time (the child is killed)."""


def spawn(args: Sequence[str], env: Mapping[str, str], log: IO[str], *, cwd: Path,
          timeout: float = 180.0) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """``python -m licita_local run *args`` with stderr to ``log``; returns the process and its ready info."""
    proc = subprocess.Popen([sys.executable, "-m", "licita_local", "run", *args], cwd=cwd, env=dict(env),
                            stdout=subprocess.PIPE, stderr=log, text=True)
    box: dict[str, Any] = {}

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:  # keeps draining after the ready line, so the child never blocks on a full pipe
            if "info" not in box and line.startswith(READY_PREFIX):
                box["info"] = json.loads(line[len(READY_PREFIX):])

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and "info" not in box and proc.poll() is None:
        time.sleep(0.05)
    info: dict[str, Any] | None = box.get("info")
    if info is None:
        proc.kill()
        proc.wait(5)
        raise NotReady("licita-local did not become ready")
    return proc, info


def stop(proc: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """SIGINT (a clean shutdown of the runtime and its embedded services), then kill if it hangs."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
