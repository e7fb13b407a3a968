"""Compact JWS (RFC 7515) with HS256 only: the access-token codec of the authorizer and ws cold paths.

Why not PyJWT here: ``import jwt`` loads ``cryptography`` (x509, EC, RSA) for algorithms we never accept,
about 150 ms of every cold start of the authorizer and the ws function. HS256 needs only ``hmac``. The codec
is strict: the header must say ``HS256`` (``none`` and every other algorithm are refused before any
signature work), the signature is compared in constant time, and the registered time claims are checked.
``tests/unit/core/test_hs256.py`` proves interoperability with PyJWT in both directions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}
MAX_TOKEN_BYTES = 8192


class TokenError(ValueError):
    """Malformed, badly signed or otherwise unacceptable token."""


class TokenExpired(TokenError):
    pass


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or any(c in text for c in "=+/ \n"):
        raise TokenError("bad base64url segment")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("bad base64url segment") from exc


def _sign(signing_input: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()


def encode(claims: dict[str, Any], secret: str) -> str:
    header = _b64encode(json.dumps(_HEADER, separators=(",", ":")).encode())
    payload = _b64encode(json.dumps(claims, separators=(",", ":"), default=str).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    return f"{header}.{payload}.{_b64encode(_sign(signing_input, secret))}"


def _object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(segment))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TokenError("segment is not JSON") from exc
    if not isinstance(value, dict):
        raise TokenError("segment is not a JSON object")
    return value


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(f"{name} is not a number")
    return float(value)


def decode(token: str, secret: str, *, issuer: str | None = None, require: Iterable[str] = (),
           leeway: float = 0.0, now: float | None = None) -> dict[str, Any]:
    """Verified claims of ``token``; raises ``TokenExpired`` or ``TokenError``."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES or not token.isascii():
        raise TokenError("not a compact JWS")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("not a compact JWS")
    header = _object(parts[0])
    if header.get("alg") != "HS256" or "crit" in header:
        raise TokenError("algorithm not accepted")
    expected = _sign(f"{parts[0]}.{parts[1]}".encode("ascii"), secret)
    if not hmac.compare_digest(expected, _b64decode(parts[2])):
        raise TokenError("bad signature")
    claims = _object(parts[1])
    missing = [name for name in require if name not in claims]
    if missing:
        raise TokenError(f"missing claims: {', '.join(missing)}")
    moment = time.time() if now is None else now
    exp, nbf, iat = _number(claims, "exp"), _number(claims, "nbf"), _number(claims, "iat")
    if exp is not None and moment >= exp + leeway:
        raise TokenExpired("token expired")
    if nbf is not None and moment < nbf - leeway:
        raise TokenError("token not yet valid")
    if iat is not None and iat > moment + leeway:
        raise TokenError("token issued in the future")
    if issuer is not None and claims.get("iss") != issuer:
        raise TokenError("wrong issuer")
    return claims
