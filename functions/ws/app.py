"""WebSocket API: $connect authorizes the token from the query string; $default handles client frames."""

from __future__ import annotations

import json
import logging
from typing import Any

from licita.audit.timeline import activity_after_request
from licita.auth.bearer import authorize
from licita.core.errors import AppError, Unauthorized
from licita.core.outage import is_outage, outage_error
from licita.realtime import service as realtime

log = logging.getLogger("licita.ws")


def _reply(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    reply: dict[str, Any] = {"statusCode": status, "body": json.dumps(payload, ensure_ascii=False)}
    if headers:
        reply["headers"] = headers
    return reply


def _error(exc: AppError) -> dict[str, Any]:
    return _reply(exc.status, {"type": "error", **exc.body()}, exc.headers)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    route, connection_id = ctx.get("routeKey"), ctx.get("connectionId", "")
    try:
        if route == "$connect":
            token = (event.get("queryStringParameters") or {}).get("token")
            if not token:
                raise Unauthorized("Informe ?token=<access token>.", code="token_missing")
            principal = authorize(token)
            realtime.register(connection_id, principal, (ctx.get("identity") or {}).get("sourceIp"))
            return {"statusCode": 200}
        if route == "$disconnect":
            realtime.unregister(connection_id)
            return {"statusCode": 200}
        with activity_after_request():  # timeline writes after the action, not before its frames go out
            return _reply(200, realtime.handle_message(connection_id, event.get("body")))
    except AppError as exc:
        # On $connect a non-2xx refuses the handshake; on messages the error frame goes to this client only.
        return _error(exc)
    except Exception as exc:
        # Redis or PostgreSQL down: a clean 503 refusal (the handshake fails closed: nothing was registered and
        # no unchecked token gets in); anything else is a bug and stays one.
        if not is_outage(exc):
            raise
        log.warning("dependency outage on %s: %s", route, exc)
        return _error(outage_error())
