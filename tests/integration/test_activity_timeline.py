"""When the timeline (Mongo ``activity_history``) is written: at commit outside a request, at the end of the
handler inside one (so a commit's real-time push does not wait for it), never for a rolled-back change."""

from __future__ import annotations

import uuid

import pytest

from factories import make_company
from licita.audit.service import record
from licita.audit.timeline import activity_after_request
from licita.core.actor import Actor
from licita.platform.clients import get_mongo
from licita.platform.db.engine import tenant_transaction


def _entries(entity_id: str) -> int:
    return get_mongo()["activity_history"].count_documents({"entity_id": entity_id})


def _change(company_id: uuid.UUID, entity_id: str, *, fail: bool = False) -> None:
    with tenant_transaction(company_id) as db:
        record(db, Actor(None, str(company_id), "127.0.0.1", "test", None), "thing.changed", "thing", entity_id)
        if fail:
            raise RuntimeError("rolled back")


def test_outside_a_request_the_entry_is_written_at_commit(infra: dict[str, str]) -> None:
    company, entity = make_company(), str(uuid.uuid4())
    _change(company.id, entity)
    assert _entries(entity) == 1


def test_inside_a_request_entries_wait_for_the_end_of_the_handler(infra: dict[str, str]) -> None:
    company, first, second = make_company(), str(uuid.uuid4()), str(uuid.uuid4())
    with activity_after_request():
        _change(company.id, first)
        _change(company.id, second)
        assert _entries(first) == 0 and _entries(second) == 0  # committed, not yet in the timeline
    assert _entries(first) == 1 and _entries(second) == 1


def test_a_failing_handler_still_records_what_it_committed_and_nothing_rolled_back(infra: dict[str, str]) -> None:
    company, kept, dropped = make_company(), str(uuid.uuid4()), str(uuid.uuid4())
    with pytest.raises(RuntimeError), activity_after_request():
        _change(company.id, kept)
        _change(company.id, dropped, fail=True)
    assert _entries(kept) == 1 and _entries(dropped) == 0
