"""Fixtures for the collaboration areas (boards, forms, calendars, conversations): real PostgreSQL, Redis,
Mongo-wire and moto from the session ``infra``; the notifications queue and a stand-in for API Gateway's
``@connections`` API from ``notify_env``; tenants with logged-in users; WebSocket connections driven through
the real ws function."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collaboration_support import Person, Socket, Team, deliver_all, login, new_team  # noqa: F401

from apigw import call
from notify_helpers import NotifyEnv  # the notify_env fixture is in tests/integration/conftest.py

__all__ = ["Person", "Team", "call"]


@pytest.fixture
def team(notify_env: NotifyEnv) -> Team:
    return new_team()


@pytest.fixture
def other(notify_env: NotifyEnv) -> Team:
    return new_team()


@pytest.fixture
def sockets(notify_env: NotifyEnv) -> Any:
    opened: list[Socket] = []

    def open_(person: Person) -> Socket:
        s = Socket(notify_env, person)
        opened.append(s)
        return s

    yield open_
    for s in opened:
        s.close()


