"""REST API Lambda authorizer (REQUEST): JWT + live session check, cached briefly in Redis.

Returns an IAM policy for the whole API stage so API Gateway may cache it per token; the principal
travels to functions in the authorizer context.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from licita.core.errors import Unauthorized
from licita.core.lazy import lazy_import

if TYPE_CHECKING:
    from licita.auth import bearer
else:  # the first call pays for the session check (Redis, psycopg), not INIT
    bearer = lazy_import("licita.auth.bearer")

log = logging.getLogger("licita.authorizer")


def _stage_arn(method_arn: str) -> str:
    # arn:aws:execute-api:region:account:api/stage/METHOD/path -> arn:...:api/stage/*
    head, _, rest = method_arn.partition(":execute-api:")
    parts = rest.split("/")
    return f"{head}:execute-api:{'/'.join(parts[:2])}/*" if len(parts) >= 2 else method_arn


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method_arn = event.get("methodArn", "*")
    try:
        principal = bearer.authenticate_bearer(_header(event, "authorization") or event.get("authorizationToken"))
    except Unauthorized as exc:
        log.info("denied: %s", exc.code)
        return {
            "principalId": "anonymous",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": method_arn}]},
            "context": {"reason": exc.code},
        }
    return {
        "principalId": principal.user_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _stage_arn(method_arn)}]},
        "context": principal.as_context(),
    }
