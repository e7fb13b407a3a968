"""The watchdog's bookkeeping with a fake service (no processes): restart, retries, holds, hooks."""

from __future__ import annotations

import errno
import time

from licita_local.cli import _address_in_use, busy_port_message
from licita_local.supervisor import Supervised, Watchdog


class Fake(Supervised):
    name = "fake"

    def __init__(self, fail_starts: int = 0) -> None:
        super().__init__()
        self.up, self.starts, self.fail_starts = True, 0, fail_starts

    def _start(self) -> None:
        self.starts += 1
        if self.fail_starts:
            self.fail_starts -= 1
            raise RuntimeError("port still held")
        self.up = True

    def _stop(self) -> None:
        self.up = False

    def alive(self) -> bool:
        return self.up


def kill_and_recover(dog: Watchdog, svc: Fake) -> None:
    """Start the watchdog, take the service down, wait until it is back, stop the watchdog."""
    dog.start()
    try:
        svc.up = False
        wait_recovered(svc)
    finally:
        dog.stop()


def wait_recovered(svc: Fake, count: int = 1, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(svc.outages) >= count and svc.outages[count - 1].recovered_at:
            return
        time.sleep(0.01)
    raise AssertionError(svc.status())


def test_a_dead_service_is_restarted_and_the_outage_recorded() -> None:
    svc, hooks = Fake(), []
    svc.on_restart.append(lambda: hooks.append("provisioned"))
    kill_and_recover(Watchdog([svc], interval=0.01), svc)
    outage = svc.outages[0].as_dict()
    assert svc.up and svc.starts == 1 and hooks == ["provisioned"]
    assert outage["attempts"] == 1 and 0 <= outage["restart_seconds"] < 1
    assert svc.status()["restarts"] == 1


def test_failed_restarts_are_retried() -> None:
    svc = Fake(fail_starts=2)
    kill_and_recover(Watchdog([svc], interval=0.01), svc)
    assert svc.outages[0].attempts == 3 and svc.outages[0].error == "port still held"


def test_a_hold_keeps_the_service_down_that_long() -> None:
    svc = Fake()
    dog = Watchdog([svc], interval=0.01)
    dog.hold("fake", 0.3)
    kill_and_recover(dog, svc)
    o = svc.outages[0]
    assert o.restart_started_at is not None and o.restart_started_at - o.detected_at >= 0.25


def test_busy_port_is_one_line_naming_the_flag() -> None:
    msg = busy_port_message("127.0.0.1", 0, 0)
    assert "\n" not in msg and "--port" in msg
    wrapped = RuntimeError("WebSocket server failed to start")
    wrapped.__cause__ = OSError(errno.EADDRINUSE, "Address already in use")
    assert _address_in_use(wrapped) and not _address_in_use(RuntimeError("other"))
