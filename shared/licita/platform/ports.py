"""Small interfaces (ports) for what the domain asks of the outside world, so services take a fake in unit tests.

The real adapters: :mod:`licita.platform.queues` (the module itself is a :class:`Publisher`), an
``smtplib.SMTP`` connection (a :class:`MailSender`, see ``licita.notifications.mailer.smtp_session``),
:class:`licita.platform.push.ApiGatewayPush` (a :class:`PushPort`) and ``httpx.Client`` (an :class:`HttpClient`).
In-memory fakes for each live in :mod:`licita.platform.fakes`; object storage has its own port in
:mod:`licita.platform.storage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:  # email.message costs ~10 ms to import: the ws and authorizer cold paths never send mail
    from email.message import EmailMessage

PostOutcome = Literal["sent", "gone", "failed"]
DeleteOutcome = Literal["deleted", "gone", "failed"]


@runtime_checkable
class Publisher(Protocol):
    """Domain events onto the notifications queue (one publisher for every area)."""

    def publish(self, event_type: str, company_id: str, payload: dict[str, Any], *,
                user_id: str | None = None) -> str: ...


@runtime_checkable
class MailSender(Protocol):
    """One open mail connection: sends a built message or raises (``smtplib`` exceptions on the real one)."""

    def send_message(self, msg: EmailMessage) -> Any: ...


@runtime_checkable
class PushPort(Protocol):
    """API Gateway's ``@connections`` API: push a frame to one WebSocket, or close it."""

    def post(self, connection_id: str, data: bytes) -> PostOutcome: ...

    def delete(self, connection_id: str) -> DeleteOutcome: ...


@runtime_checkable
class HttpResponse(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...


@runtime_checkable
class HttpClient(Protocol):
    """An outside HTTP API (PNCP, Google Calendar, LLM servers): what ``httpx.Client.request`` offers."""

    def request(self, method: str, url: str, *, content: bytes | None = None,
                headers: Mapping[str, str] | None = None, timeout: float | None = None) -> Any: ...
