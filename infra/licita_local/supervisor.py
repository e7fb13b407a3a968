"""Keeps the embedded services alive: a watchdog restarts a dead one in place (same port, socket, data).

Each service is a ``Supervised``: ``start()`` (blocks until it answers), ``alive()``, ``pid()``, ``stop()``.
The ``Watchdog`` polls ``alive()`` every ``interval`` seconds and calls ``start()`` again on the same
port/socket/data dir, so clients only have to reconnect. Every outage is recorded (when it was detected,
how long the restart took) for ``GET /_local/services`` and the outage test.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
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
    restart_started_at: float | None = None  # later than detected_at only while a hold was asked for
    recovered_at: float | None = None
    attempts: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        started = self.restart_started_at or self.detected_at
        return {"detected_at": self.detected_at, "restart_started_at": started, "recovered_at": self.recovered_at,
                "attempts": self.attempts, "error": self.error,
                "restart_seconds": None if self.recovered_at is None else round(self.recovered_at - started, 3)}


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


def exit_with_parent(interval: float = 1.0) -> None:
    """In a child process: exit when the process that started it is gone (no orphaned servers)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def wait_for_go() -> None:
    """In a child started with ``--standby``: block (imports done) until the supervisor says go."""
    if not sys.stdin.readline():  # EOF: the supervisor went away
        sys.exit(0)


class ProcessService(Supervised):
    """A child process started from ``argv``, ready when ``ready()`` is true.

    With ``standby=True`` the program takes ``--standby``: it imports everything, then waits for a line on
    stdin before binding its port. A spare is kept warm that way, so a restart skips the interpreter and
    import time (seconds on a busy machine) and the service is back in a fraction of a second.
    """

    def __init__(self, name: str, argv: list[str] | Callable[[], list[str]], url: str, ready: Callable[[], bool],
                 log_path: Path | None = None, timeout: float = 60.0, env: dict[str, str] | None = None,
                 after_start: Callable[[], None] | None = None, standby: bool = False) -> None:
        super().__init__()
        self.name, self.argv, self.url, self.ready = name, argv, url, ready
        self.log_path, self.timeout, self.env, self.after_start = log_path, timeout, env, after_start
        self.standby = standby
        self.proc: subprocess.Popen[bytes] | None = None
        self._spare: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._closed = False

    def _spawn(self) -> subprocess.Popen[bytes]:
        if self._log is None and self.log_path is not None:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        out = self._log if self._log is not None else subprocess.DEVNULL
        argv = self.argv() if callable(self.argv) else list(self.argv)
        if self.standby:
            argv.append("--standby")
        return subprocess.Popen(argv, stdout=out, stderr=out, env=self.env, start_new_session=True,
                                stdin=subprocess.PIPE if self.standby else subprocess.DEVNULL)

    def _spawn_spare(self) -> None:
        with self.lock:
            if self._closed or (self._spare is not None and self._spare.poll() is None):
                return
            self._spare = self._spawn()

    def _start(self) -> None:
        self._closed = False
        spare, self._spare = self._spare, None
        self.proc = spare if spare is not None and spare.poll() is None else self._spawn()
        if self.standby:
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"go\n")
            self.proc.stdin.flush()
        self._wait_ready()
        if self.standby:  # warm the next one once this start is over (not competing with it for CPU)
            threading.Timer(3.0, self._spawn_spare).start()

    def _wait_ready(self) -> None:
        assert self.proc is not None
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

    def stop(self) -> None:
        """Final stop: the spare goes too."""
        with self.lock:
            self._closed = True
            spare, self._spare = self._spare, None
            if spare is not None:
                _end(spare)
            self._stop()

    def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            _end(proc)
        if self._closed and self._log is not None:
            self._log.close()
            self._log = None


def _end(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()


@dataclass
class Watchdog:
    """Restarts dead services; ``stop()`` before stopping the services themselves."""

    services: list[Supervised]
    interval: float = WATCH_INTERVAL
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _held: dict[str, float] = field(default_factory=dict)  # name -> time.time() until which not to revive

    def hold(self, name: str, seconds: float) -> None:
        """Leave ``name`` down for ``seconds`` after it dies (outage drills: a longer, predictable outage)."""
        self._held[name] = time.time() + seconds

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
        held = self._held.pop(svc.name, 0.0) - time.time()
        if held > 0:
            log.warning("%s held down for %.1f s (drill)", svc.name, held)
            self._stop.wait(held)
        outage.restart_started_at = time.time()
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
        log.warning("%s is back after %.2f s (pid %s)", svc.name, outage.recovered_at - outage.restart_started_at,
                    svc.pid())
