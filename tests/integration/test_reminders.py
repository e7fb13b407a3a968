"""Deadline reminders on real PostgreSQL (deadlines table), published to a real queue (moto), delivered by the
real pipeline: exactly once per (deadline, threshold), across repeated, concurrent and late runs."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from apigw import load_function
from notify_helpers import NotifyEnv, Tenant


def make_tender(t: Tenant, title: str = "Pregão Eletrônico 12/2025") -> str:
    from licita.platform.db.engine import system_transaction
    from licita.tenders.models import Tender

    tender_id = uuid.uuid4()
    with system_transaction() as db:
        db.add(Tender(id=tender_id, company_id=t.company.id, status="READY", title=title, created_by=t.admin.id))
    return str(tender_id)


def make_deadline(t: Tenant, tender_id: str, kind: str, due_at: datetime) -> str:
    from licita.platform.db.engine import system_transaction
    from licita.tenders.models import Deadline

    deadline_id = uuid.uuid4()
    with system_transaction() as db:
        db.add(Deadline(id=deadline_id, company_id=t.company.id, tender_id=uuid.UUID(tender_id), kind=kind,
                        due_at=due_at, source="extracted", notified={}))
    return str(deadline_id)


def notified(deadline_id: str) -> dict[str, Any]:
    from licita.platform.db.engine import system_transaction
    from licita.tenders.models import Deadline

    with system_transaction() as db:
        row = db.get(Deadline, uuid.UUID(deadline_id))
        assert row is not None
        return dict(row.notified)


def published(env: NotifyEnv, company_id: str) -> list[dict[str, Any]]:
    records = env.pump()
    return [e for e in (json.loads(r["body"]) for r in records) if e["company_id"] == company_id]


def test_each_threshold_fires_once_across_runs(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.tenders import reminders

    now = datetime.now(UTC).replace(microsecond=0)
    tender = make_tender(tenant)
    proposal = make_deadline(tenant, tender, "proposal", now + timedelta(hours=70))
    make_deadline(tenant, tender, "other", now + timedelta(hours=1))  # not a reminded kind
    make_deadline(tenant, tender, "session", now - timedelta(hours=1))  # already past
    notify_env.pump()

    reminders.run(now)
    reminders.run(now)  # the schedule ran twice
    reminders.run(now + timedelta(minutes=5))
    (ev,) = published(notify_env, tenant.company_id)
    assert ev["type"] == "deadline.approaching"
    assert ev["payload"]["threshold"] == "72h" and ev["payload"]["deadline_id"] == proposal
    assert ev["payload"]["dedup_key"] == f"deadline:{proposal}:72h"
    assert set(notified(proposal)) == {"72h"}

    # 47 h later: 23 h left → the 24 h reminder, once
    later = now + timedelta(hours=47)
    for _ in range(3):
        reminders.run(later)
    (ev,) = published(notify_env, tenant.company_id)
    assert ev["payload"]["threshold"] == "24h"

    # 69 h later: 1 h left → the 2 h reminder
    reminders.run(now + timedelta(hours=69))
    reminders.run(now + timedelta(hours=69, minutes=5))
    (ev,) = published(notify_env, tenant.company_id)
    assert ev["payload"]["threshold"] == "2h"
    assert set(notified(proposal)) == {"72h", "24h", "2h"}

    # after the deadline: nothing more, ever
    reminders.run(now + timedelta(hours=71))
    assert published(notify_env, tenant.company_id) == []


def test_a_late_run_sends_only_the_reminder_that_still_makes_sense(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.tenders import reminders

    now = datetime.now(UTC)
    deadline = make_deadline(tenant, make_tender(tenant), "impugnacao", now + timedelta(minutes=90))
    notify_env.pump()
    reminders.run(now)  # the schedule was down for days: the first run sees 90 minutes left
    (ev,) = published(notify_env, tenant.company_id)
    assert ev["payload"]["threshold"] == "2h"
    assert notified(deadline)["24h"] == "superseded:2h" and notified(deadline)["72h"] == "superseded:2h"
    reminders.run(now)
    assert published(notify_env, tenant.company_id) == []


def test_concurrent_runs_claim_each_threshold_once(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.tenders import reminders

    now = datetime.now(UTC)
    tender = make_tender(tenant)
    ids = {make_deadline(tenant, tender, kind, now + timedelta(hours=hours))
           for kind, hours in (("session", 30), ("proposal", 20), ("esclarecimento", 60), ("impugnacao", 1.5))}
    notify_env.pump()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            reminders.run(now)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    events = published(notify_env, tenant.company_id)
    assert sorted((e["payload"]["deadline_id"], e["payload"]["threshold"]) for e in events) == sorted(
        (i, {"session": "72h", "proposal": "24h", "esclarecimento": "72h", "impugnacao": "2h"}[k])
        for i, k in ((i, _kind(i)) for i in ids))


def _kind(deadline_id: str) -> str:
    from licita.platform.db.engine import system_transaction
    from licita.tenders.models import Deadline

    with system_transaction() as db:
        row = db.get(Deadline, uuid.UUID(deadline_id))
        assert row is not None
        return row.kind


def test_company_reminder_hours_are_honoured(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.accounts.dynamic_settings import put_setting
    from licita.tenders import reminders

    put_setting(tenant.company_id, "notifications", {"reminder_hours": [2]}, None, str(tenant.admin.id))
    now = datetime.now(UTC)
    make_deadline(tenant, make_tender(tenant), "session", now + timedelta(hours=10))
    notify_env.pump()
    result = reminders.run(now)
    assert result["skipped_by_setting"] >= 1
    assert published(notify_env, tenant.company_id) == []


def test_scheduled_task_to_inbox_and_email(notify_env: NotifyEnv, tenant: Tenant) -> None:
    """maintenance {"task": "deadline_reminders"} → queue → notify → every tenders:read user, once."""
    from licita.platform.clients import get_mongo

    now = datetime.now(UTC)
    tender = make_tender(tenant, "Concorrência 4/2025 — Prefeitura de Goiânia")
    make_deadline(tenant, tender, "session", now + timedelta(hours=23))
    notify_env.pump()
    maintenance, notify = load_function("maintenance"), load_function("notify")
    for _ in range(2):
        result = maintenance.handler({"task": "deadline_reminders"}, None)
        assert result["task"] == "deadline_reminders" and "mail" in result and "connections" in result
        records = [r for r in notify_env.pump() if json.loads(r["body"])["company_id"] == tenant.company_id]
        assert notify.handler({"Records": records}, None) == {"batchItemFailures": []}
    for user in (tenant.admin, tenant.member, tenant.viewer):
        rows = list(get_mongo()["notifications"].find({"user_id": str(user.id), "kind": "deadline.approaching"}))
        assert len(rows) == 1
        assert rows[0]["title"] == "Sessão pública em 24 h: Concorrência 4/2025 — Prefeitura de Goiânia"
        (mail,) = notify_env.mails_to(user.email)
        assert "Lembrete de prazo" in mail["text"] and "horário de Brasília" in mail["text"]
