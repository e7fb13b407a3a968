"""run_parts: every part runs; a failing part is logged and reported, never stops the next one."""

from __future__ import annotations

import logging

import pytest

from licita.core.tasks import run_parts


def test_a_failing_part_is_reported_and_the_next_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    def broken() -> int:
        ran.append("broken")
        raise ConnectionError("smtp down")

    def fine() -> dict[str, int]:
        ran.append("fine")
        return {"sent": 2}

    with caplog.at_level(logging.WARNING, logger="test.parts"):
        result = run_parts((("mail", broken), ("sockets", fine)), logging.getLogger("test.parts"), "tick part")
    assert ran == ["broken", "fine"]
    assert result == {"mail": {"error": "ConnectionError: smtp down"}, "sockets": {"sent": 2}}
    assert [r.getMessage() for r in caplog.records] == ["tick part mail failed"]
    assert caplog.records[0].exc_info is not None
