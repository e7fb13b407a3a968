"""WebSocket push adapter: API Gateway's ``@connections`` management API behind :class:`PushPort`.

``post_to_connection`` is one HTTPS call per socket and a fan-out is many of them, so this does not go through
botocore's per-call machinery (validation, hooks, parsing cost ~2 ms of GIL each): it sends exactly the
SigV4-signed request boto3 would send, on a keep-alive connection per thread. :func:`get_push` returns the
adapter for the configured endpoint, or the port a test installed with :func:`use`.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

from licita.core.config import get_settings
from licita.platform.ports import DeleteOutcome, PostOutcome, PushPort

log = logging.getLogger("licita.push")


class ApiGatewayPush:
    """Returns "sent" / "deleted", "gone" (410: the socket is gone) or "failed"; transport errors raise."""

    def __init__(self, endpoint: str, region: str) -> None:
        import boto3  # noqa: PLC0415  (heavy: boto3 ~200 ms, only when a client is created)
        from botocore.auth import SigV4Auth  # noqa: PLC0415  (heavy: botocore, only on the AWS call path)

        parts = urlsplit(endpoint)
        self.endpoint = endpoint.rstrip("/")
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if self.https else 80)
        self.base = parts.path.rstrip("/")
        self.credentials = boto3.Session().get_credentials()
        self.signer = SigV4Auth
        self.region = region
        self.local = threading.local()

    def _connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self.local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = (http.client.HTTPSConnection if self.https else http.client.HTTPConnection)(
                self.host, self.port, timeout=5)
            self.local.conn = conn
        return conn

    def _call(self, method: str, connection_id: str, data: bytes | None) -> int:
        from botocore.awsrequest import AWSRequest  # noqa: PLC0415  (heavy: botocore, only on the AWS call path)

        suffix = f"/@connections/{quote(connection_id, safe='')}"
        headers_in = {"Content-Type": "application/json"} if data is not None else {}
        request = AWSRequest(method=method, url=f"{self.endpoint}{suffix}", data=data, headers=headers_in)
        if self.credentials is not None:
            self.signer(self.credentials.get_frozen_credentials(), "execute-api", self.region).add_auth(request)
        headers = dict(request.headers.items())
        for attempt in (0, 1):  # a keep-alive connection the server closed: reconnect once
            conn = self._connection(fresh=attempt == 1)
            try:
                conn.request(method, f"{self.base}{suffix}", body=data, headers=headers)
                response = conn.getresponse()
                response.read()
            except (http.client.HTTPException, OSError):
                if attempt:
                    raise
                continue
            return response.status
        raise AssertionError("unreachable")

    def post(self, connection_id: str, data: bytes) -> PostOutcome:
        status = self._call("POST", connection_id, data)
        if status == 410:
            return "gone"
        if 200 <= status < 300:
            return "sent"
        log.warning("post_to_connection %s: HTTP %s", connection_id, status)
        return "failed"

    def delete(self, connection_id: str) -> DeleteOutcome:
        status = self._call("DELETE", connection_id, None)
        if status == 410:
            return "gone"
        if 200 <= status < 300:
            return "deleted"
        log.warning("delete_connection %s: HTTP %s", connection_id, status)
        return "failed"


_adapters: dict[tuple[str, str], ApiGatewayPush] = {}
_lock = threading.Lock()
_override: list[PushPort] = []


def get_push() -> PushPort:
    """The installed fake, else the adapter for ``WEBSOCKET_MANAGEMENT_URL`` (one per endpoint and region)."""
    if _override:
        return _override[-1]
    settings = get_settings()
    if not settings.websocket_management_url:
        raise RuntimeError("WEBSOCKET_MANAGEMENT_URL is not configured")
    key = (settings.websocket_management_url, settings.aws_region)
    with _lock:
        if key not in _adapters:
            _adapters[key] = ApiGatewayPush(*key)
        return _adapters[key]


@contextmanager
def use(port: PushPort) -> Iterator[PushPort]:
    """Route every push to ``port`` (an in-memory fake in unit tests) while the block runs."""
    _override.append(port)
    try:
        yield port
    finally:
        _override.remove(port)


def reset() -> None:
    """Forget the adapters (tests point the endpoint elsewhere)."""
    with _lock:
        _adapters.clear()
