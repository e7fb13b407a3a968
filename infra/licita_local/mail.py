"""SMTP sink for the local runtime: a real SMTP server (aiosmtpd) that keeps every mail it receives.

Functions send e-mail exactly as in production (``SMTP_HOST``/``SMTP_PORT``, ``SMTP_TLS=false``); the sink
stores each message in memory, as ``<data_dir>/mail/<id>.json`` and appended to ``mailbox.mbox`` (open it
with any mail client), and the runtime shows them at ``/_local/mail``. Any AUTH login is accepted, so a
configuration with ``SMTP_USER``/``SMTP_PASSWORD`` works unchanged. Self-contained: the runtime mounts the
plain functions below on its HTTP server (:func:`route` does the dispatch).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import mailbox
import threading
import time
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from licita_local.loopthread import stop_loop_thread
from licita_local.supervisor import Supervised

log = logging.getLogger("licita.local.mail")

MAX_KEPT = 2000


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.sink.store(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content
                                                                           or envelope.content))
        return "250 Message accepted for delivery"


def _accept_any(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=True)


def parse(raw: bytes) -> dict[str, Any]:
    """Headers, text and HTML parts of a raw RFC 5322 message."""
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    text = html_body = None
    for part in msg.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and text is None:
            text = str(part.get_content())
        elif ctype == "text/html" and html_body is None:
            html_body = str(part.get_content())
    return {"subject": str(msg.get("Subject", "")), "from": str(msg.get("From", "")), "to": str(msg.get("To", "")),
            "message_id": str(msg.get("Message-ID", "")), "headers": {k: str(v) for k, v in msg.items()},
            "text": text, "html": html_body}


class MailSink:
    """``MailSink(data_dir).start() -> (host, port)``; ``stop()``. Port 0 picks a free one."""

    def __init__(self, data_dir: Path | str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.dir = Path(data_dir) / "mail"
        self.host, self.port = host, port
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> tuple[str, int]:
        global _current
        self.dir.mkdir(parents=True, exist_ok=True)
        self._load()
        ready = threading.Event()
        error: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._serve())
            except BaseException as exc:
                error.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="licita-local-smtp", daemon=True)
        self._thread.start()
        ready.wait(10)
        if error:
            raise RuntimeError(f"SMTP sink failed to start: {error[0]}")
        _current = self
        log.info("SMTP sink on %s:%s (%d stored)", self.host, self.port, len(self.messages))
        return self.host, self.port

    async def _serve(self) -> None:
        from aiosmtpd.smtp import SMTP

        handler = _Handler(self)
        self._server = await self._loop.create_server(
            lambda: SMTP(handler, hostname="licita-local", auth_require_tls=False, authenticator=_accept_any,
                         enable_SMTPUTF8=True, loop=self._loop),
            self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        global _current
        if _current is self:
            _current = None
        if self._thread is None or not self._thread.is_alive():
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        stop_loop_thread(self._loop, self._thread, close, log, "SMTP sink")

    # ------------------------------------------------------------------ storage
    def _load(self) -> None:
        loaded = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                loaded.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                log.warning("unreadable stored mail %s", path)
        loaded.sort(key=lambda m: m.get("received_at", ""))
        with self._lock:
            self.messages = loaded[-MAX_KEPT:]

    def store(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> dict[str, Any]:
        now = datetime.now(UTC)
        message = {"id": f"{int(time.time() * 1000):013d}-{uuid.uuid4().hex[:8]}", "received_at": now.isoformat(),
                   "mail_from": mail_from, "rcpt_tos": rcpt_tos, "size": len(raw), **parse(raw),
                   "raw": raw.decode("utf-8", "replace")}
        (self.dir / f"{message['id']}.json").write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
        with self._lock:
            box = mailbox.mbox(str(self.dir / "mailbox.mbox"))
            try:
                box.lock()
                box.add(raw)
                box.flush()
            finally:
                box.unlock()
                box.close()
            self.messages.append(message)
            del self.messages[:-MAX_KEPT]
        log.info("mail %s to %s: %s", message["id"], ", ".join(rcpt_tos), message["subject"])
        return message

    def list(self) -> list[dict[str, Any]]:
        """Newest first, without the raw source."""
        with self._lock:
            return [{k: v for k, v in m.items() if k != "raw"} for m in reversed(self.messages)]

    def get(self, message_id: str) -> dict[str, Any] | None:
        with self._lock:
            return next((dict(m) for m in self.messages if m["id"] == message_id), None)

    def clear(self) -> int:
        with self._lock:
            n = len(self.messages)
            self.messages.clear()
        for path in self.dir.glob("*.json"):
            path.unlink(missing_ok=True)
        (self.dir / "mailbox.mbox").unlink(missing_ok=True)
        return n


_current: MailSink | None = None


def current() -> MailSink | None:
    return _current


# ---------------------------------------------------------------------- functions the runtime mounts
def list_messages() -> list[dict[str, Any]]:
    return _current.list() if _current else []


def get_message(message_id: str) -> dict[str, Any]:
    """The full message (with ``raw``); KeyError when unknown."""
    found = _current.get(message_id) if _current else None
    if found is None:
        raise KeyError(message_id)
    return found


def render_index_html() -> bytes:
    rows = []
    for m in list_messages():
        rows.append(
            "<tr><td>{when}</td><td>{to}</td><td><a href=\"/_local/mail/{id}.html\">{subject}</a></td>"
            "<td><a href=\"/_local/mail/{id}.json\">json</a> · <a href=\"/_local/mail/{id}.eml\">eml</a></td></tr>"
            .format(when=html.escape(m["received_at"][:19].replace("T", " ")),
                    to=html.escape(", ".join(m["rcpt_tos"])), id=html.escape(m["id"]),
                    subject=html.escape(m["subject"] or "(sem assunto)")))
    port = f" — SMTP em {_current.host}:{_current.port}" if _current else " — SMTP desligado"
    body = "".join(rows) or '<tr><td colspan="4">Nenhum e-mail recebido ainda.</td></tr>'
    page = (
        "<!DOCTYPE html><html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>E-mails — licita-local</title>"
        "<meta http-equiv=\"refresh\" content=\"10\"><style>body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4em;text-align:left}"
        "</style></head><body>"
        f"<h1>E-mails recebidos</h1><p>{len(list_messages())} mensagem(ns){html.escape(port)}</p>"
        "<table><tr><th>Recebido (UTC)</th><th>Para</th><th>Assunto</th><th></th></tr>"
        f"{body}</table></body></html>")
    return page.encode()


def render_message_html(message_id: str) -> bytes:
    """The HTML part as sent (or the text part, escaped); KeyError when unknown."""
    m = get_message(message_id)
    if m.get("html"):
        return str(m["html"]).encode()
    return f"<pre>{html.escape(m.get('text') or m.get('raw') or '')}</pre>".encode()


def route(method: str, path: str) -> tuple[int, str, bytes] | None:
    """Dispatch ``/_local/mail...`` → (status, content type, body); None when the path is not ours."""
    if not path.startswith("/_local/mail"):
        return None
    rest = path[len("/_local/mail"):].strip("/")
    if method == "DELETE" and rest == "":
        n = _current.clear() if _current else 0
        return 200, "application/json", json.dumps({"deleted": n}).encode()
    if method not in ("GET", "HEAD"):
        return 405, "application/json", b'{"error":{"code":"method_not_allowed","message":"GET","details":null}}'
    try:
        if rest == "":
            return 200, "text/html; charset=utf-8", render_index_html()
        if rest in ("messages", "index.json"):
            return 200, "application/json", json.dumps({"items": list_messages()}, ensure_ascii=False).encode()
        name, _, ext = rest.rpartition(".")
        if ext == "json":
            return 200, "application/json", json.dumps(get_message(name), ensure_ascii=False).encode()
        if ext == "html":
            return 200, "text/html; charset=utf-8", render_message_html(name)
        if ext == "eml":
            return 200, "message/rfc822", str(get_message(name)["raw"]).encode()
    except KeyError:
        pass
    return 404, "application/json", b'{"error":{"code":"not_found","message":"mail not found","details":null}}'


class MailService(Supervised):
    """The SMTP sink under the watchdog: a stopped sink comes back on the same port with its stored mail."""

    name = "smtp"

    def __init__(self, data_dir: Path | str, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__()
        self.data_dir, self.host, self.port = data_dir, host, port
        self.sink: MailSink | None = None

    def _start(self) -> None:
        self.sink = MailSink(self.data_dir, self.host, self.port)
        self.host, self.port = self.sink.start()
        self.url = f"smtp://{self.host}:{self.port}"

    def alive(self) -> bool:
        thread = self.sink._thread if self.sink is not None else None
        return thread is not None and thread.is_alive()

    def _stop(self) -> None:
        if self.sink is not None:
            self.sink.stop()
            self.sink = None
