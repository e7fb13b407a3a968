"""The composition root for API functions: the core :class:`~licita.core.http.Api` wired to the auth area
(bearer fallback when no authorizer ran in front) and the platform's rate limiter.

Functions import ``Api``, ``RequestContext`` and the route families (``Collection``, ``Resource``) from here; the
core stays free of area imports.
"""

from __future__ import annotations

from collections.abc import Sequence

from licita.accounts import mail as account_mail
from licita.audit.timeline import activity_after_request
from licita.core.http import Api as CoreApi
from licita.core.http import RequestContext
from licita.core.resources import Collection, Resource
from licita.core.security.principal import Principal
from licita.platform.ratelimit import enforce_api_limits
from licita.snapstart import register as register_snapstart_hooks

__all__ = ["Api", "Collection", "RequestContext", "Resource"]

register_snapstart_hooks()  # under Lambda SnapStart, the snapshot holds what the lazy imports defer


def _account_mail_sender() -> account_mail.Sender:
    """Invitation, first-access and reset links go out through the notifications mailer (outbox + SMTP); loaded
    on the first such mail, so functions that never send one never load the mailer."""
    from licita.notifications.direct import send  # noqa: PLC0415  (off the cold path: see above)

    return send


account_mail.configure(_account_mail_sender)  # every API function that issues account links (accounts, admin)


def _authenticate(authorization: str | None) -> Principal:
    """Only when no authorizer ran in front (local runtime, tests): production functions never load the bearer
    check (JWT codec, Redis, psycopg)."""
    from licita.auth.bearer import authenticate_bearer  # noqa: PLC0415  (off the cold path: the authorizer runs in front in production)

    return authenticate_bearer(authorization)


def _rate_limit(principal: Principal) -> None:
    enforce_api_limits(principal)


class Api(CoreApi):
    """An API function's route table, authenticated and rate limited the platform's way."""

    def __init__(self, name: str, *, tags: Sequence[str] = ()) -> None:
        super().__init__(name, tags=tags, authenticate=_authenticate, rate_limit=_rate_limit,
                         request_scope=activity_after_request)  # timeline writes after the handler
