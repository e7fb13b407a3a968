"""Report worker: generates reports from the reports queue (partial batch failures), and on its schedule
expires old reports and reminds suppliers of quotes about to expire."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from licita.core.lazy import lazy_imports
from licita.core.tasks import run_parts

if TYPE_CHECKING:
    from licita.platform import sqs
    from licita.quotes import reminders as quote_reminders
    from licita.reports import service as reports
else:  # SQLAlchemy, boto3 and the renderers load on the first record or tick (cold start)
    sqs, quote_reminders, reports = lazy_imports("licita", "platform.sqs", "quotes.reminders", "reports.service")

log = logging.getLogger("licita.report_worker")


def _record(record: dict[str, Any]) -> None:
    outcome = reports.process(json.loads(record["body"]))
    log.info(json.dumps({"report": record.get("messageId"), "outcome": outcome}))


def _maintenance() -> dict[str, Any]:
    """Each part independent: a storage failure never stops the quote reminders."""
    return run_parts((("reports", reports.expire), ("quotes", quote_reminders.run)), log,
                     "procurement maintenance part")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("task") == "procurement_maintenance":
        result = _maintenance()
        log.info(json.dumps({"task": "procurement_maintenance", **result}, default=str))
        return {"task": "procurement_maintenance", **result}
    if isinstance(event, dict) and "Records" in event:
        return sqs.process_batch(event, _record)
    raise ValueError("report worker: expected an SQS batch or {'task': 'procurement_maintenance'}")
