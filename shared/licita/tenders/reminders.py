"""Deadline reminders: 72 h, 24 h and 2 h before each session/proposal/impugnação/esclarecimento deadline.

Exactly once per (deadline, threshold), even when the schedule runs twice at the same time or late:
each threshold is claimed with one ``UPDATE deadlines ... WHERE NOT notified ? :threshold RETURNING``
(PostgreSQL re-checks the condition under the row lock, so a concurrent run gets nothing), and the
``deadline.approaching`` events are published inside that transaction, so a failed publish un-claims.
Thresholds run most urgent first; claiming one also marks the larger ones as superseded, so a run that
comes late sends only the reminder that still makes sense (no "72 h" mail one hour before the session).
The notify pipeline dedups on ``deadline:{id}:{threshold}`` as a second line of defence.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from licita.notifications.preferences import company_settings
from licita.platform.db.engine import system_transaction
from licita.platform.queues import publish

log = logging.getLogger("licita.reminders")

THRESHOLDS: tuple[tuple[str, int], ...] = (("2h", 2), ("24h", 24), ("72h", 72))  # most urgent first
REMINDED_KINDS = ("session", "proposal", "impugnacao", "esclarecimento")

_CLAIM = text("""
    UPDATE deadlines AS d
       SET notified = CAST(:patch AS jsonb) || d.notified
      FROM tenders AS t
     WHERE t.id = d.tender_id
       AND d.kind = ANY(:kinds)
       AND d.due_at > :now AND d.due_at <= :until
       AND NOT (d.notified ? :key)
 RETURNING d.id, d.company_id, d.tender_id, d.kind, d.due_at, t.title, t.number, t.agency
""")


def patch_for(key: str, at: datetime) -> dict[str, str]:
    """The ``notified`` entries a claim of ``key`` writes: itself, and every larger threshold as superseded."""
    hours = dict(THRESHOLDS)[key]
    return {k: at.isoformat() if k == key else f"superseded:{key}" for k, h in THRESHOLDS if h >= hours}


def run(now: datetime | None = None) -> dict[str, Any]:
    """Claim and publish every due reminder; returns counts per threshold."""
    now = now or datetime.now(UTC)
    hours_by_company: dict[str, list[int]] = {}
    result: dict[str, Any] = {"claimed": 0, "published": 0, "skipped_by_setting": 0}
    for key, hours in THRESHOLDS:
        with system_transaction() as db:
            rows = db.execute(_CLAIM, {"patch": json.dumps(patch_for(key, now)), "kinds": list(REMINDED_KINDS),
                                       "now": now, "until": now + timedelta(hours=hours), "key": key}).all()
            for row in rows:
                company_id = str(row.company_id)
                if company_id not in hours_by_company:
                    hours_by_company[company_id] = _reminder_hours(company_settings, company_id)
                if hours not in hours_by_company[company_id]:
                    result["skipped_by_setting"] += 1
                    continue
                publish("deadline.approaching", company_id, {
                    "deadline_id": str(row.id), "tender_id": str(row.tender_id), "deadline_kind": row.kind,
                    "due_at": row.due_at.isoformat(), "threshold": key, "title": row.title,
                    "number": row.number, "agency": row.agency, "dedup_key": f"deadline:{row.id}:{key}",
                })
                result["published"] += 1
        result["claimed"] += len(rows)
        result[key] = len(rows)
    return result


def _reminder_hours(load: Any, company_id: str) -> list[int]:
    try:
        hours = load(company_id).get("reminder_hours") or [h for _, h in THRESHOLDS]
        return [int(h) for h in hours]
    except Exception:  # settings unavailable: remind anyway (missing a deadline is worse)
        log.warning("could not read reminder settings of %s", company_id, exc_info=True)
        return [h for _, h in THRESHOLDS]
