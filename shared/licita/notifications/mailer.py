"""E-mail: Portuguese templates (text + HTML), SMTP with the plan's settings, and a durable outbox.

Every e-mail is first written to MongoDB ``mail_outbox`` (id = the notification id, so a redelivered event
never mails twice), then tried at once. A failure leaves it ``pending`` with a backoff; the maintenance
schedule (:func:`retry_pending`) tries again until it is sent or gives up after ``MAX_ATTEMPTS``. A row is
claimed (``sending`` + lease) before each attempt, so the notify function and the schedule never send
the same row twice.
"""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from pathlib import Path
from string import Template
from typing import Any, Protocol

from licita.core.config import get_settings
from licita.core.events import Message, kind_of
from licita.platform.clients import get_mongo
from licita.platform.ports import MailSender

log = logging.getLogger("licita.mailer")

OUTBOX = "mail_outbox"
OUTBOX_TTL_DAYS = 30
MAX_ATTEMPTS = 8
BACKOFF_MINUTES = (1, 5, 15, 30, 60, 120, 240, 480)
LEASE = timedelta(minutes=2)
BREAKER_SECONDS = 30  # after an SMTP failure, the notify function stops trying inline for this long
_smtp_down_until = 0.0
SMTP_TIMEOUT = 10
TEMPLATES = Path(__file__).resolve().parent / "templates"


class Addressee(Protocol):
    """Who an e-mail goes to: what the mailer needs of a recipient (the pipeline passes its ``Recipient``)."""

    @property
    def user_id(self) -> str: ...

    @property
    def email(self) -> str: ...

    @property
    def first_name(self) -> str: ...


# ------------------------------------------------------------------------------ templates
@cache
def _template(name: str, folder: Path = TEMPLATES) -> Template | None:
    path = folder / name
    return Template(path.read_text(encoding="utf-8")) if path.is_file() else None


def _pick(kind: str, ext: str) -> Template:
    """The kind's own template (in its area's folder), else the default one."""
    own = kind_of(kind).templates
    found = (own and _template(f"{kind}.{ext}", own)) or _template(f"{kind}.{ext}") or _template(f"default.{ext}")
    assert found is not None, f"missing e-mail template default.{ext}"
    return found


def render(kind: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) for a kind: its own template when there is one, else ``default``."""
    text_values = {k: "" if v is None else str(v) for k, v in context.items()}
    html_values = {k: html.escape(v) for k, v in text_values.items()}
    link = text_values.get("link") or ""
    text_values["link_line"] = f"Abrir no Licita: {link}\n" if link else ""
    html_values["link_button"] = (
        f'<p style="margin:24px 0"><a href="{html.escape(link)}" style="background:#1d4ed8;color:#ffffff;'
        f'padding:10px 18px;border-radius:6px;text-decoration:none">Abrir no Licita</a></p>' if link else "")
    text_body = _pick(kind, "txt").safe_substitute(text_values)
    html_body = _pick(kind, "html").safe_substitute(html_values)
    text = _pick("_layout", "txt").safe_substitute({**text_values, "content": text_body.strip()})
    page = _pick("_layout", "html").safe_substitute({**html_values, "content": html_body.strip()})
    subject = f"[Licita] {text_values.get('title', '')}".strip()
    return subject, text, page


def absolute_link(link: str | None) -> str:
    """Links in e-mails need the SPA's address (``APP_BASE_URL``); without it the path is shown as is."""
    if not link:
        return ""
    base = get_settings().app_base_url.rstrip("/")
    return f"{base}{link}" if base and link.startswith("/") else link


def compose(kind: str, message: Message, user: Addressee, mail_id: str, company_id: str,
            payload: Mapping[str, Any]) -> dict[str, Any]:
    """An outbox row for one recipient, rendered now (the text is what the user saw at event time)."""
    subject, text, page = render(kind, {
        **{k: v for k, v in payload.items() if isinstance(v, str | int | float)},  # extra fields for templates
        "first_name": user.first_name or "", "title": message.title, "body": message.body,
        "link": absolute_link(message.link), "kind": kind,
    })
    now = datetime.now(UTC)
    return {"_id": mail_id, "to": user.email, "to_name": user.first_name, "subject": subject, "text": text,
            "html": page, "kind": kind, "user_id": user.user_id, "company_id": company_id, "status": "pending",
            "attempts": 0, "next_attempt_at": now, "created_at": now, "last_error": None, "sent_at": None}


# ------------------------------------------------------------------------------ SMTP
def configured() -> bool:
    return bool(get_settings().smtp_host)


def build_message(row: Mapping[str, Any]) -> EmailMessage:
    settings = get_settings()
    msg = EmailMessage()
    msg["Subject"] = row["subject"]
    msg["From"] = formataddr((settings.emails_from_name, settings.emails_from_email))
    msg["To"] = formataddr((row.get("to_name") or "", row["to"]))
    msg["Message-ID"] = make_msgid(idstring=str(row["_id"]), domain=settings.emails_from_email.rpartition("@")[2]
                                   or "licita.local")
    msg["X-Licita-Kind"] = str(row.get("kind") or "")
    msg.set_content(row["text"])
    msg.add_alternative(row["html"], subtype="html")
    return msg


@contextmanager
def smtp_session() -> Iterator[smtplib.SMTP]:
    """One SMTP connection for a batch: implicit TLS on 465, STARTTLS when SMTP_TLS, login when SMTP_USER."""
    settings = get_settings()
    if not settings.smtp_host:
        raise RuntimeError("SMTP_HOST is not configured")
    server: smtplib.SMTP
    if settings.smtp_tls and settings.smtp_port == 465:
        server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
        if settings.smtp_tls:
            server.starttls(context=ssl.create_default_context())
    try:
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password)
        yield server
    finally:
        try:
            server.quit()
        except Exception:
            server.close()


# ------------------------------------------------------------------------------ outbox
def _outbox() -> Any:
    return get_mongo()[OUTBOX]


def ensure_indexes() -> None:
    outbox = _outbox()
    outbox.create_index([("status", 1), ("next_attempt_at", 1)], name="status_next")
    outbox.create_index("created_at", expireAfterSeconds=OUTBOX_TTL_DAYS * 86400, name="ttl_created_at")


def enqueue(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Store rows; returns the ids that are new (a redelivered event's rows already exist)."""
    if not rows:
        return []
    from pymongo.errors import BulkWriteError  # noqa: PLC0415  (heavy: pymongo, lazy for cold start)

    try:
        _outbox().insert_many(list(rows), ordered=False)
        return [str(r["_id"]) for r in rows]
    except BulkWriteError as err:
        errors = err.details.get("writeErrors") or []
        if any(e.get("code") != 11000 for e in errors):
            raise
        dup = {int(e["index"]) for e in errors}
        return [str(r["_id"]) for i, r in enumerate(rows) if i not in dup]


def _claim(mail_id: str | None = None) -> dict[str, Any] | None:
    """Take one due row (or the given one) for sending: pending and due, or a sending row whose lease ran out."""
    from pymongo import ReturnDocument  # noqa: PLC0415  (heavy: pymongo, lazy for cold start)

    now = datetime.now(UTC)
    due = {"$or": [{"status": "pending", "next_attempt_at": {"$lte": now}},
                   {"status": "sending", "lease_until": {"$lte": now}}]}
    query: dict[str, Any] = {"_id": mail_id, **due} if mail_id else due
    row: dict[str, Any] | None = _outbox().find_one_and_update(
        query, {"$set": {"status": "sending", "lease_until": now + LEASE}, "$inc": {"attempts": 1}},
        sort=[("next_attempt_at", 1)], return_document=ReturnDocument.AFTER)
    return row


def _sent(row: Mapping[str, Any]) -> None:
    _outbox().update_one({"_id": row["_id"]}, {"$set": {"status": "sent", "sent_at": datetime.now(UTC),
                                                        "last_error": None}, "$unset": {"lease_until": ""}})


def _failed(row: Mapping[str, Any], error: str) -> None:
    attempts = int(row.get("attempts") or 1)
    dead = attempts >= MAX_ATTEMPTS
    delay = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
    _outbox().update_one({"_id": row["_id"]}, {
        "$set": {"status": "dead" if dead else "pending", "last_error": error[:500],
                 "next_attempt_at": datetime.now(UTC) + timedelta(minutes=delay)},
        "$unset": {"lease_until": ""}})
    log.warning("e-mail %s to %s failed (attempt %d%s): %s", row["_id"], row.get("to"), attempts,
                ", giving up" if dead else "", error)


def _send_rows(claim: Any, limit: int, smtp: MailSender | None = None) -> dict[str, int]:
    """Claim and send up to ``limit`` rows on one SMTP connection; a connection failure stops the batch."""
    counts = {"sent": 0, "failed": 0}
    if not configured() and smtp is None:
        return counts

    def loop(server: MailSender) -> None:
        for _ in range(limit):
            row = claim()
            if row is None:
                return
            try:
                server.send_message(build_message(row))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                _failed(row, f"{type(exc).__name__}: {exc}")
                counts["failed"] += 1
                continue
            except Exception as exc:  # the connection itself broke: the rest waits for the retry
                _failed(row, f"{type(exc).__name__}: {exc}")
                counts["failed"] += 1
                raise
            _sent(row)
            counts["sent"] += 1

    global _smtp_down_until
    try:
        if smtp is not None:
            loop(smtp)
        else:
            with smtp_session() as server:
                loop(server)
        _smtp_down_until = 0.0  # the server answered again (e.g. the maintenance retry got through)
    except Exception as exc:
        _smtp_down_until = time.monotonic() + BREAKER_SECONDS
        log.warning("SMTP unavailable (%s): e-mails stay in the outbox for the retry", exc)
    return counts


def send_queued(ids: Sequence[str], smtp: MailSender | None = None) -> int:
    """Try the rows just queued, now. Never raises: the push already happened and the outbox keeps the rest."""
    if not ids:
        return 0
    if time.monotonic() < _smtp_down_until:  # failed moments ago: do not make every event wait on a timeout
        return 0
    pending = list(ids)

    def claim() -> dict[str, Any] | None:
        while pending:
            row = _claim(pending.pop(0))
            if row is not None:
                return row
        return None

    try:
        return _send_rows(claim, len(ids), smtp)["sent"]
    except Exception:
        log.warning("inline e-mail attempt failed; the maintenance retry will send", exc_info=True)
        return 0


def retry_pending(limit: int = 200) -> dict[str, int]:
    """Maintenance: send what is due (failed earlier, or never tried because the function died)."""
    counts = _send_rows(_claim, limit)
    counts["pending"] = _outbox().count_documents({"status": {"$in": ["pending", "sending"]}})
    counts["configured"] = int(configured())
    return counts
