"""Runs the template's functions in this process, the way Lambda runs them in containers.

Each function gets a small pool of "containers": a container is one import of the function's module
(under a unique module name) and serves one invocation at a time, because module-level state such as
``Chalice.current_request`` is not thread-safe — exactly why Lambda never runs two invocations in one
container. Concurrency beyond the idle containers loads a new one (a cold start, timed like Lambda's
Init Duration). Code changes bump a generation number and stale containers are dropped (hot reload).

All functions share one process and one ``os.environ``: the template's Globals and per-function
Environment Variables are merged into it at start, so two functions that set the same variable to
different values would see the last one (this template does not do that).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from licita_local.template import FunctionDef

log = logging.getLogger("licita.local")

MAX_CONTAINERS = int(os.environ.get("LICITA_LOCAL_MAX_CONTAINERS", "8"))


class LambdaContext:
    """The attributes and method Lambda's Python runtime gives handlers."""

    __slots__ = ("_deadline", "aws_request_id", "client_context", "function_name", "function_version",
                 "identity", "invoked_function_arn", "log_group_name", "log_stream_name",
                 "memory_limit_in_mb")

    def __init__(self, fn: FunctionDef, request_id: str) -> None:
        self.function_name = fn.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = fn.arn
        self.memory_limit_in_mb = str(fn.memory)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{fn.name}"
        self.log_stream_name = f"local/[$LATEST]{request_id[:8]}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + fn.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class InvocationRecord:
    id: int
    at: float
    function: str
    source: str  # api | ws | sqs | schedule | authorizer | manual
    target: str  # route, queue, schedule name...
    outcome: str
    ok: bool
    duration_ms: float
    cold: bool
    init_ms: float | None
    request_id: str
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class InvocationLog:
    """Ring buffer of recent invocations, served at GET /_local/invocations."""

    def __init__(self, size: int = 2000) -> None:
        self._items: deque[InvocationRecord] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._seq = 0

    def add(self, **kw: Any) -> InvocationRecord:
        with self._lock:
            self._seq += 1
            rec = InvocationRecord(id=self._seq, **kw)
            self._items.append(rec)
        return rec

    def list(self, function: str | None = None, source: str | None = None,
             since: int = 0, limit: int = 200) -> list[InvocationRecord]:
        with self._lock:
            items = list(self._items)
        out = [r for r in items if r.id > since and (function is None or r.function == function)
               and (source is None or r.source == source)]
        return out[-limit:]


class ReloadGate:
    """Invocations hold it shared; purging ``licita.*`` from sys.modules holds it exclusively."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if self._active == 0:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self, timeout: float = 30.0) -> Iterator[None]:
        with self._cond:
            self._exclusive = True
            self._cond.wait_for(lambda: self._active == 0, timeout)
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


@dataclass
class Container:
    handler: Callable[[Any, Any], Any]
    module_name: str
    generation: int
    init_ms: float
    invocations: int = 0


def outcome_of(result: Any) -> tuple[str, bool]:
    """A short human outcome for the log line, from whatever shape the handler returned."""
    if isinstance(result, dict):
        if "statusCode" in result:
            code = result.get("statusCode")
            return str(code), isinstance(code, int) and code < 500
        if "batchItemFailures" in result:
            n = len(result.get("batchItemFailures") or [])
            return (f"{n} failed" if n else "ok"), n == 0
        if "policyDocument" in result:
            stmts = (result.get("policyDocument") or {}).get("Statement") or [{}]
            return str(stmts[0].get("Effect", "?")), True
    return "ok", True


class FunctionHost:
    """One template function: its container pool, invocation and reload bookkeeping."""

    _counter = 0
    _counter_lock = threading.Lock()

    def __init__(self, fn: FunctionDef, invocations: InvocationLog, gate: ReloadGate,
                 max_containers: int = MAX_CONTAINERS) -> None:
        self.fn = fn
        self.invocations = invocations
        self.gate = gate
        self.max_containers = max(1, max_containers)
        self.generation = 0
        self._cond = threading.Condition()
        self._idle: list[Container] = []
        self._live = 0
        module, _, attr = fn.handler.rpartition(".")
        self._module_rel = module.replace(".", "/") + ".py"
        self._attr = attr

    @property
    def name(self) -> str:
        return self.fn.logical_id

    # ------------------------------------------------------------------ containers
    def mark_stale(self) -> None:
        """Drop idle containers; busy ones finish and are dropped on release (hot reload)."""
        with self._cond:
            self.generation += 1
            dropped, self._idle = self._idle, []
            self._live -= len(dropped)
            self._cond.notify_all()
        for c in dropped:
            sys.modules.pop(c.module_name, None)

    def _load(self, generation: int) -> Container:
        with FunctionHost._counter_lock:
            FunctionHost._counter += 1
            n = FunctionHost._counter
        module_name = f"_licita_fn_{self.fn.logical_id}_{generation}_{n}"
        path = self.fn.code_uri / self._module_rel
        started = time.perf_counter()
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None or not path.exists():
            raise FileNotFoundError(f"{self.fn.logical_id}: handler module {path} not found")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        code_dir = str(self.fn.code_uri)
        added = sys.path[:1] != [code_dir]
        if added:
            sys.path.insert(0, code_dir)  # the CodeUri is the Lambda task root: sibling imports work
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        finally:
            if added:  # stays reachable (end of sys.path) for imports done lazily inside handlers
                sys.path[:] = [p for p in sys.path if p != code_dir]
                sys.path.append(code_dir)
        handler = getattr(module, self._attr, None)
        if handler is None or not callable(handler):
            sys.modules.pop(module_name, None)
            raise AttributeError(f"{self.fn.logical_id}: {self.fn.handler} is not a callable in {path}")
        return Container(handler, module_name, generation, (time.perf_counter() - started) * 1000)

    def _acquire(self) -> Container:
        with self._cond:
            while True:
                while self._idle:
                    c = self._idle.pop()
                    if c.generation == self.generation:
                        return c
                    self._live -= 1
                    sys.modules.pop(c.module_name, None)
                if self._live < self.max_containers:
                    self._live += 1
                    generation = self.generation
                    break
                self._cond.wait()
        try:
            return self._load(generation)
        except BaseException:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            raise

    def _release(self, c: Container) -> None:
        with self._cond:
            if c.generation == self.generation:
                self._idle.append(c)
            else:
                self._live -= 1
                sys.modules.pop(c.module_name, None)
            self._cond.notify()

    def module(self) -> Any:
        """The module of an idle (or fresh) container, for reading e.g. ``api.routes``."""
        c = self._acquire()
        try:
            return sys.modules.get(c.module_name)
        finally:
            self._release(c)

    def stats(self) -> dict[str, Any]:
        with self._cond:
            return {"function": self.name, "containers": self._live, "idle": len(self._idle),
                    "generation": self.generation}

    # ------------------------------------------------------------------ invoke
    def invoke(self, event: Any, *, source: str, target: str, request_id: str | None = None,
               log_level: int = logging.INFO) -> Any:
        """Run the handler; records and logs the invocation; re-raises what the handler raised."""
        request_id = request_id or str(uuid.uuid4())
        ctx = LambdaContext(self.fn, request_id)
        with self.gate.shared():
            try:
                container = self._acquire()
            except BaseException as exc:
                self._record(source, target, 0.0, True, None, request_id, exc, None, log_level)
                raise
            cold = container.invocations == 0
            container.invocations += 1
            started = time.perf_counter()
            try:
                result = container.handler(event, ctx)
            except BaseException as exc:
                elapsed = (time.perf_counter() - started) * 1000
                self._release(container)
                self._record(source, target, elapsed, cold, container.init_ms if cold else None,
                             request_id, exc, None, log_level)
                raise
            elapsed = (time.perf_counter() - started) * 1000
            self._release(container)
        self._record(source, target, elapsed, cold, container.init_ms if cold else None, request_id,
                     None, result, log_level)
        return result

    def _record(self, source: str, target: str, elapsed: float, cold: bool, init_ms: float | None,
                request_id: str, exc: BaseException | None, result: Any, log_level: int) -> None:
        if exc is not None:
            outcome, ok = f"ERROR {type(exc).__name__}: {exc}"[:300], False
            error = "".join(traceback.format_exception(exc))[-4000:]
        else:
            (outcome, ok), error = outcome_of(result), None
        self.invocations.add(
            at=time.time(), function=self.name, source=source, target=target, outcome=outcome, ok=ok,
            duration_ms=round(elapsed, 3), cold=cold, init_ms=round(init_ms, 1) if init_ms else None,
            request_id=request_id, error=error,
        )
        if log.isEnabledFor(log_level if ok else logging.WARNING):
            temp = f"cold (init {init_ms:.0f} ms)" if cold and init_ms is not None else ("cold" if cold else "warm")
            log.log(log_level if ok else logging.WARNING, "%-20s %-10s %-34s %-14s %8.2f ms  %s",
                    self.name, source, target[:34], outcome[:60] if ok else outcome, elapsed, temp)
            if error and exc is not None and not isinstance(exc, KeyboardInterrupt):
                log.debug("%s", error)
        if exc is None and elapsed > self.fn.timeout * 1000:
            log.warning("%s ran %.0f ms, over its %d s Timeout (Lambda would have killed it)",
                        self.name, elapsed, self.fn.timeout)


# ---------------------------------------------------------------------- hot reload
class Watcher(threading.Thread):
    """Polls file mtimes (cheap: a few hundred stat calls per second at most) and calls back on change."""

    def __init__(self, roots: dict[Path, Callable[[], None]], interval: float = 1.0) -> None:
        super().__init__(name="licita-local-reload", daemon=True)
        self.roots = roots
        self.interval = interval
        self._stop_event = threading.Event()
        self._snapshots = {root: self._snapshot(root) for root in roots}

    @staticmethod
    def _snapshot(root: Path) -> dict[str, int]:
        snap: dict[str, int] = {}
        if root.is_file():
            return {str(root): root.stat().st_mtime_ns}
        if not root.exists():
            return snap
        stack = [str(root)]
        while stack:
            d = stack.pop()
            try:
                with os.scandir(d) as it:
                    for entry in it:
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name != "__pycache__" and not entry.name.startswith("."):
                                stack.append(entry.path)
                        elif entry.name.endswith((".py", ".json", ".yaml", ".yml", ".txt", ".j2", ".html")):
                            try:
                                snap[entry.path] = entry.stat().st_mtime_ns
                            except FileNotFoundError:
                                continue
            except (FileNotFoundError, NotADirectoryError):
                continue
        return snap

    def check(self) -> list[Path]:
        changed: list[Path] = []
        for root, callback in self.roots.items():
            snap = self._snapshot(root)
            if snap != self._snapshots[root]:
                self._snapshots[root] = snap
                changed.append(root)
                try:
                    callback()
                except Exception:
                    log.exception("reload callback for %s failed", root)
        return changed

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.check()

    def stop(self) -> None:
        self._stop_event.set()


def purge_licita_modules() -> int:
    """Forget every ``licita.*`` module (pools and clients closed first) so the next import is fresh."""
    for mod_name, fn_name in (("licita.platform.db.engine", "reset_engine"),
                             ("licita.platform.clients", "reset_clients")):
        mod = sys.modules.get(mod_name)
        if mod is not None:
            try:
                getattr(mod, fn_name)()
            except Exception:
                log.debug("could not reset %s", mod_name, exc_info=True)
    names = [n for n in sys.modules if n == "licita" or n.startswith("licita.")]
    for n in names:
        del sys.modules[n]
    importlib.invalidate_caches()
    from licita.core.config import reset_settings

    reset_settings()
    return len(names)
