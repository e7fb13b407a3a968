"""SCRAM (RFC 5802, RFC 7677) client exchange for the standard-library database clients (MongoDB's light reader;
PostgreSQL's uses the same math): no channel binding, the server's signature is always verified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


class ScramError(Exception):
    """The server's answer does not follow the protocol, or it could not prove it knows the password."""


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def _escape(name: str) -> str:
    return name.replace("=", "=3D").replace(",", "=2C")


def _fields(message: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in message.split(","):
        key, sep, value = part.partition("=")
        if sep and len(key) == 1:
            out.setdefault(key, value)
    return out


class ScramClient:
    """One exchange: ``first()`` → server-first → ``final(server_first)`` → server-final → ``verify(server_final)``.

    ``password`` is what the server salted: PostgreSQL's is the password itself, MongoDB's SCRAM-SHA-1 the MD5
    digest it derives (see :func:`mongo_sha1_password`). ``user`` is empty for PostgreSQL, which takes the name
    from the startup message.
    """

    def __init__(self, hash_name: str, user: str, password: str, nonce: str | None = None) -> None:
        if hash_name not in ("sha1", "sha256"):
            raise ValueError(f"unsupported SCRAM hash {hash_name!r}")
        self.hash_name = hash_name
        self.password = password.encode("utf-8")
        self.nonce = nonce or base64.b64encode(secrets.token_bytes(24)).decode("ascii")
        self.client_first_bare = f"n={_escape(user)},r={self.nonce}"
        self._server_signature = b""

    def first(self) -> str:
        return "n,," + self.client_first_bare

    def _hmac(self, key: bytes, message: bytes) -> bytes:
        return hmac.new(key, message, self.hash_name).digest()

    def final(self, server_first: str) -> str:
        fields = _fields(server_first)
        try:
            nonce, salt, iterations = fields["r"], base64.b64decode(fields["s"]), int(fields["i"])
        except (KeyError, ValueError) as exc:
            raise ScramError(f"malformed server-first message: {exc}") from exc
        if not nonce.startswith(self.nonce) or len(nonce) == len(self.nonce):
            raise ScramError("the server's nonce does not extend ours")
        if iterations < 1:
            raise ScramError("invalid iteration count")
        salted = hashlib.pbkdf2_hmac(self.hash_name, self.password, salt, iterations)
        client_key = self._hmac(salted, b"Client Key")
        stored_key = hashlib.new(self.hash_name, client_key).digest()
        without_proof = f"c=biws,r={nonce}"  # biws = base64("n,,"): no channel binding
        auth_message = f"{self.client_first_bare},{server_first},{without_proof}".encode()
        proof = _xor(client_key, self._hmac(stored_key, auth_message))
        self._server_signature = self._hmac(self._hmac(salted, b"Server Key"), auth_message)
        return f"{without_proof},p={base64.b64encode(proof).decode('ascii')}"

    def verify(self, server_final: str) -> None:
        fields = _fields(server_final)
        if "e" in fields:
            raise ScramError(f"authentication refused: {fields['e']}")
        try:
            signature = base64.b64decode(fields["v"])
        except (KeyError, ValueError) as exc:
            raise ScramError("malformed server-final message") from exc
        if not self._server_signature or not hmac.compare_digest(signature, self._server_signature):
            raise ScramError("the server's signature does not match: it does not know the password")


def mongo_sha1_password(user: str, password: str) -> str:
    """MongoDB's SCRAM-SHA-1 salts this digest, not the password (its auth specification)."""
    return hashlib.md5(f"{user}:mongo:{password}".encode(), usedforsecurity=False).hexdigest()
