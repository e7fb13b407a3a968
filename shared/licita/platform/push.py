"""WebSocket push adapter: API Gateway's ``@connections`` management API behind :class:`PushPort`.

``post_to_connection`` is one HTTPS call per socket and a fan-out is many of them, so this does not go through
botocore's per-call machinery (validation, hooks, parsing cost ~2 ms of GIL each): it sends exactly the
SigV4-signed request boto3 would send, on a keep-alive connection per thread. :func:`get_push` returns the
adapter for the configured endpoint, or the port a test installed with :func:`use`.

The local runtime's management endpoint also takes many posts in one request (``/@connections/$batch``, its
own extension: ``WEBSOCKET_MANAGEMENT_BATCH``); :class:`BatchPush` uses it. AWS has no such call, so there
every socket stays one signed ``post_to_connection`` (:class:`ApiGatewayPush`), and a 410 still means gone.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import quote, urlsplit

from licita.core.config import get_settings
from licita.platform.ports import DeleteOutcome, PostOutcome, PushPort

if TYPE_CHECKING:
    import http.client

log = logging.getLogger("licita.push")

BATCH_PATH = "/@connections/$batch"
BATCH_MAX_POSTS = 500  # posts per batch request (a 1,000-socket chunk is two requests)


def pack(messages: Sequence[tuple[str, bytes]]) -> tuple[list[str], list[tuple[str, int]]]:
    """``(frames, posts)``: each distinct frame once (a broadcast is one frame for many sockets) and
    ``(connection_id, frame_index)`` per post. Frames must be UTF-8 text (``realtime.encode`` makes them so)."""
    index: dict[bytes, int] = {}
    posts: list[tuple[str, int]] = []
    for connection_id, data in messages:
        posts.append((connection_id, index.setdefault(data, len(index))))
    return [f.decode() for f in index], posts


@runtime_checkable
class BatchPushPort(PushPort, Protocol):
    """A push port that also posts many frames in one call, one outcome per message, in order."""

    def post_many(self, messages: Sequence[tuple[str, bytes]]) -> list[PostOutcome]: ...


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
        import http.client  # noqa: PLC0415  (http.client pulls in email and ssl: ~40 ms of the ws $connect cold start, which never posts)

        conn: http.client.HTTPConnection | None = getattr(self.local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = (http.client.HTTPSConnection if self.https else http.client.HTTPConnection)(
                self.host, self.port, timeout=5)
            self.local.conn = conn
        return conn

    def _call(self, method: str, suffix: str, data: bytes | None) -> tuple[int, bytes]:
        """One signed request to ``{endpoint}{suffix}``: (status, body)."""
        import http.client  # noqa: PLC0415  (see _connection)

        from botocore.awsrequest import AWSRequest  # noqa: PLC0415  (heavy: botocore, only on the AWS call path)

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
                body = response.read()
            except (http.client.HTTPException, OSError):
                if attempt:
                    raise
                continue
            return response.status, body
        raise AssertionError("unreachable")

    @staticmethod
    def _suffix(connection_id: str) -> str:
        return f"/@connections/{quote(connection_id, safe='')}"

    def _outcome(self, method: str, connection_id: str, data: bytes | None) -> str:
        """``gone`` (410: the socket is closed), ``done`` (2xx) or ``failed`` (anything else, logged)."""
        status, _body = self._call(method, self._suffix(connection_id), data)
        if status == 410:
            return "gone"
        if 200 <= status < 300:
            return "done"
        log.warning("%s @connections/%s: HTTP %s", method, connection_id, status)
        return "failed"

    def post(self, connection_id: str, data: bytes) -> PostOutcome:
        outcome = self._outcome("POST", connection_id, data)
        return "sent" if outcome == "done" else "gone" if outcome == "gone" else "failed"

    def delete(self, connection_id: str) -> DeleteOutcome:
        outcome = self._outcome("DELETE", connection_id, None)
        return "deleted" if outcome == "done" else "gone" if outcome == "gone" else "failed"


class BatchPush(ApiGatewayPush):
    """The local runtime's management endpoint: up to :data:`BATCH_MAX_POSTS` posts per request."""

    def post_many(self, messages: Sequence[tuple[str, bytes]]) -> list[PostOutcome]:
        outcomes: list[PostOutcome] = []
        for start in range(0, len(messages), BATCH_MAX_POSTS):
            outcomes += self._post_batch(messages[start:start + BATCH_MAX_POSTS])
        return outcomes

    def _post_batch(self, messages: Sequence[tuple[str, bytes]]) -> list[PostOutcome]:
        try:
            frames, posts = pack(messages)
        except UnicodeDecodeError:  # binary frames are not part of the extension: one call each
            return [self.post(c, d) for c, d in messages]
        body = json.dumps({"frames": frames, "posts": posts}, ensure_ascii=False, separators=(",", ":")).encode()
        status, raw = self._call("POST", BATCH_PATH, body)
        try:
            outcomes = json.loads(raw).get("outcomes") if status == 200 else None
        except (ValueError, AttributeError):
            outcomes = None
        if not isinstance(outcomes, list) or len(outcomes) != len(messages):
            # not the local extension after all (AWS answers a post to "$batch" with an error): one call each;
            # sockets are at-least-once, so a frame the odd endpoint did deliver may arrive twice
            log.warning("batch post of %d frames: HTTP %s without outcomes; posting one by one", len(messages),
                        status)
            return [self.post(c, d) for c, d in messages]
        return [o if o in ("sent", "gone") else "failed" for o in outcomes]


_adapters: dict[tuple[str, str, bool], ApiGatewayPush] = {}
_lock = threading.Lock()
_override: list[PushPort] = []


def get_push() -> PushPort:
    """The installed fake, else the adapter for ``WEBSOCKET_MANAGEMENT_URL`` (one per endpoint and region)."""
    if _override:
        return _override[-1]
    settings = get_settings()
    if not settings.websocket_management_url:
        raise RuntimeError("WEBSOCKET_MANAGEMENT_URL is not configured")
    key = (settings.websocket_management_url, settings.aws_region, settings.websocket_management_batch)
    with _lock:
        if key not in _adapters:
            _adapters[key] = (BatchPush if key[2] else ApiGatewayPush)(key[0], key[1])
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
