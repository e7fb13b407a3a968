"""Helpers for the notification tests; their fixtures (``notify_env``, ``tenant``) are in conftest.py.

- ``notify_env``: a notifications queue in moto (the single publisher's target), a real SMTP server (the
  local runtime's aiosmtpd sink) and a stand-in for API Gateway's ``@connections`` management API (a real
  HTTP server speaking its wire format: 200 on post, 410 GoneException for gone ids, 204 on delete), with
  licita's environment pointed at all three and restored afterwards.
- ``tenant``: a fresh company with an admin, a user, a viewer (all ``tenders:read``) and a login each.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from factories import Tenancy
from licita.platform.fakes import InMemoryPush


def management_server(state: InMemoryPush) -> ThreadingHTTPServer:
    """API Gateway's management API on a real socket, recording into ``state`` (the in-memory push fake: the
    same bookkeeping, here behind the wire format)."""
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like API Gateway (the push adapter reuses its connections)

        def _conn_id(self) -> str:
            from urllib.parse import unquote

            return unquote(self.path.split("/@connections/", 1)[1]).strip("/")

        def _gone(self) -> None:
            body = json.dumps({"message": "Connection is gone"}).encode()
            self.send_response(410)
            self.send_header("x-amzn-ErrorType", "GoneException")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if state.post(self._conn_id(), data) == "gone":
                return self._gone()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None

        def do_DELETE(self) -> None:
            if state.delete(self._conn_id()) == "gone":
                return self._gone()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # a parallel post burst must not overflow the listen backlog (1 s SYN retry)

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class NotifyEnv:
    sqs: Any
    queue_url: str
    connections: InMemoryPush
    sink: Any
    smtp_port: int

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.sink.list() if address in m["rcpt_tos"]]

    def pump(self) -> list[dict[str, Any]]:
        """Receive what the publisher queued, as SQS records shaped like Lambda's event."""
        records = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                           AttributeNames=["All"]).get("Messages", [])
            if not got:
                return records
            for m in got:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
                records.append({"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                                "attributes": m.get("Attributes", {}), "eventSource": "aws:sqs"})


def reset_licita() -> None:
    from licita.core.config import reset_settings
    from licita.platform import push
    from licita.platform.clients import reset_clients

    reset_settings()
    reset_clients()
    push.reset()


@dataclass
class Tenant(Tenancy):
    admin: Any
    member: Any
    viewer: Any


def principal_of(user: Any, session_id: str | None = None) -> Any:
    from licita.core.security.principal import Principal

    return Principal(user_id=str(user.id), company_id=str(user.company_id), role=user.role,
                     session_id=session_id or str(uuid.uuid4()))


def connect(user: Any, session_id: str | None = None) -> str:
    """Register a WebSocket connection for ``user`` the way ``$connect`` does; returns its id."""
    from licita.realtime import service as realtime

    connection_id = f"c{uuid.uuid4().hex[:14]}="
    realtime.register(connection_id, principal_of(user, session_id), "127.0.0.1")
    return connection_id


def event(kind: str, company_id: str, payload: dict[str, Any] | None = None,
          user_id: str | None = None) -> dict[str, Any]:
    from licita.platform.queues import build_event

    return build_event(kind, company_id, payload or {}, user_id=user_id)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
