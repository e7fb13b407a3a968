"""Short-lived access JWTs (HS256) and opaque refresh tokens stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from typing import Any

from licita.core.config import get_settings
from licita.core.errors import Unauthorized
from licita.core.security import hs256


def issue_access_token(*, user_id: str, company_id: str, role: str, session_id: str,
                       permissions: list[str], plan: str = "basic", must_change_password: bool = False,
                       now: float | None = None) -> tuple[str, int]:
    settings = get_settings()
    issued = int(now if now is not None else time.time())
    exp = issued + settings.access_token_ttl_seconds
    claims = {
        "sub": user_id, "cid": company_id, "role": role, "sid": session_id, "perms": permissions,
        "plan": plan, "mcp": must_change_password,
        "iat": issued, "exp": exp, "iss": settings.jwt_issuer, "jti": uuid.uuid4().hex,
    }
    return hs256.encode(claims, settings.jwt_secret), exp


def decode_access_token(token: str) -> dict[str, Any]:
    settings = get_settings()
    try:
        claims = hs256.decode(token, settings.jwt_secret, issuer=settings.jwt_issuer,
                              require=("exp", "iat", "sub", "sid", "cid", "role"))
    except hs256.TokenExpired:
        raise Unauthorized("Token expirado.", code="token_expired") from None
    except hs256.TokenError:
        raise Unauthorized("Token inválido.", code="token_invalid") from None
    return claims


def new_secret(nbytes: int) -> tuple[str, str]:
    """(URL-safe token of ``nbytes`` random bytes to hand out, its hash for storage): only the hash is kept."""
    token = secrets.token_urlsafe(nbytes)
    return token, secret_hash(token)


def secret_hash(token: str) -> str:
    """SHA-256 hex of a handed-out token: what tables store and look tokens up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token() -> tuple[str, str]:
    return new_secret(48)


def hash_refresh_token(token: str) -> str:
    return secret_hash(token)


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthorized("Cabeçalho Authorization ausente.", code="token_missing")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>'.", code="token_invalid")
    return token.strip()
