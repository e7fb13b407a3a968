"""E-mails to suppliers (Jinja2, Portuguese, autoescaped HTML + text), through the notifications outbox.

Suppliers are not users: the rows go straight into the durable ``mail_outbox`` (same retries and backoff as
notifications) and are tried at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licita.notifications import mailer

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).with_name("templates")


@cache
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # noqa: PLC0415  (heavy: jinja2, only when a quote page or mail is rendered)

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    env = environment()
    return env.get_template(f"{name}.txt").render(**context), env.get_template(f"{name}.html").render(**context)


def outbox_row(mail_id: str, kind: str, to: str, to_name: str, subject: str, context: dict[str, Any],
               company_id: str) -> dict[str, Any]:
    text, html = render(kind, context)
    now = datetime.now(UTC)
    return {"_id": mail_id, "to": to, "to_name": to_name, "subject": subject, "text": text, "html": html,
            "kind": kind, "user_id": None, "company_id": company_id, "status": "pending", "attempts": 0,
            "next_attempt_at": now, "created_at": now, "last_error": None, "sent_at": None}


def send(rows: list[dict[str, Any]]) -> int:
    """Queue in the outbox (a repeated id is ignored) and try now; the maintenance retry sends the rest."""
    queued = mailer.enqueue(rows)
    return mailer.send_queued(queued)
