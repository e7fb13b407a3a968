"""Keeps the embedded services alive: a watchdog restarts a dead one in place (same port, socket, data).

Each service is a ``Supervised``: ``start()`` (blocks until it answers), ``alive()``, ``pid()``, ``stop()``.
The ``Watchdog`` polls ``alive()`` every ``interval`` seconds and calls ``start()`` again on the same
port/socket/data dir, so clients only have to reconnect. Every outage is recorded (when it was detected,
how long the restart took) for ``GET /_local/services`` and the outage test.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("licita.local.watchdog")

WATCH_INTERVAL = 0.25  # seconds between liveness checks; a dead service is back well within 5 s


@dataclass
class Outage:
    detected_at: float  # time.time() when the watchdog saw it dead
    recovered_at: float | None = None
    attempts: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"detected_at": self.detected_at, "recovered_at": self.recovered_at, "attempts": self.attempts,
                "restart_seconds": None if self.recovered_at is None else round(self.recovered_at
                                                                                - self.detected_at, 3),
                "error": self.error}


class Supervised:
    """A restartable service. Subclasses implement ``_start``, ``alive``, ``pid`` and ``_stop``."""

    name = "service"
    url = ""

    def __init__(self) -> None:
        self.outages: list[Outage] = []
        self.on_restart: list[Callable[[], None]] = []
        self.lock = threading.Lock()

    def start(self) -> str:
        with self.lock:
            self._start()
        return self.url

    def stop(self) -> None:
        with self.lock:
            self._stop()

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError

    def alive(self) -> bool:
        raise NotImplementedError

    def pid(self) -> int | None:
        return None

    def status(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "pid": self.pid(), "alive": self.alive(),
                "restarts": sum(1 for o in self.outages if o.recovered_at is not None),
                "outages": [o.as_dict() for o in self.outages[-20:]]}


class ProcessService(Supervised):
    """A child process started from ``argv``, ready when ``ready()`` is true."""

    def __init__(self, name: str, argv: list[str], url: str, ready: Callable[[], bool],
                 log_path: Path | None = None, timeout: float = 60.0, env: dict[str, str] | None = None,
                 after_start: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.name, self.argv, self.url, self.ready = name, argv, url, ready
        self.log_path, self.timeout, self.env, self.after_start = log_path, timeout, env, after_start
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def _start(self) -> None:
        if self._log is None and self.log_path is not None:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        out = self._log if self._log is not None else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.argv, stdout=out, stderr=out, env=self.env, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited during startup (code {self.proc.returncode})"
                                   + (f"; see {self.log_path}" if self.log_path else ""))
            with contextlib.suppress(Exception):
                if self.ready():
                    if self.after_start is not None:
                        self.after_start()
                    return
            time.sleep(0.03)
        self._stop()
        raise RuntimeError(f"{self.name} did not start within {self.timeout:.0f} s")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class Watchdog:
    """Restarts dead services; ``stop()`` before stopping the services themselves."""

    services: list[Supervised]
    interval: float = WATCH_INTERVAL
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="licita-local-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for svc in self.services:
                if self._stop.is_set():
                    return
                try:
                    dead = not svc.alive()
                except Exception:  # a failing probe counts as dead
                    dead = True
                if dead:
                    self.revive(svc)

    def revive(self, svc: Supervised) -> None:
        """Restart ``svc`` until it answers (or the watchdog stops), then run its restart hooks."""
        outage = Outage(detected_at=time.time())
        svc.outages.append(outage)
        log.warning("%s is down (pid %s): restarting", svc.name, svc.pid())
        while not self._stop.is_set():
            outage.attempts += 1
            try:
                with svc.lock:
                    svc._stop()
                    svc._start()
                break
            except Exception as exc:
                outage.error = str(exc)
                log.warning("%s restart attempt %d failed: %s", svc.name, outage.attempts, exc)
                self._stop.wait(min(0.2 * outage.attempts, 1.0))
        else:
            return
        for hook in svc.on_restart:
            try:
                hook()
            except Exception:
                log.exception("%s restart hook failed", svc.name)
        outage.recovered_at = time.time()
        log.warning("%s is back after %.2f s (pid %s)", svc.name, outage.recovered_at - outage.detected_at,
                    svc.pid())
