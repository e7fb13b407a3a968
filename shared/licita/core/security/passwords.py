"""Password hashing: bcrypt over an HMAC-SHA256 pre-hash, with the same cost for unknown users.

Why the pre-hash: bcrypt reads only the first 72 bytes (and stops at a NUL), so two long passphrases
sharing a prefix used to be the same password. HMAC-SHA256 → base64 gives bcrypt 44 ASCII bytes that
depend on every byte of the password, and long passphrases (ASVS 2.1.2) stay accepted. New hashes carry
the ``$lh1$`` prefix; older plain-bcrypt hashes still verify and are upgraded at the next login.

Why the dummy hash at the configured cost: a login for an unknown e-mail (or an account without a
password yet) must spend the same time as one for a known e-mail, or timing reveals who has an account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

import bcrypt

from licita.core.config import get_settings

PREFIX = "$lh1$"
_PREHASH_KEY = b"licita-password-prehash-v1"  # domain separation only: not a secret, never rotated


def _prehash(password: str) -> bytes:
    digest = hmac.new(_PREHASH_KEY, password.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
    return base64.b64encode(digest)


@cache
def _dummy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(b"timing-equaliser", bcrypt.gensalt(rounds=rounds))


def hash_password(password: str) -> str:
    rounds = get_settings().bcrypt_rounds
    return PREFIX + bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=rounds)).decode()


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        bcrypt.checkpw(_prehash(password), _dummy_hash(get_settings().bcrypt_rounds))
        return False
    if password_hash.startswith(PREFIX):
        candidate, stored = _prehash(password), password_hash[len(PREFIX):]
    else:  # legacy plain bcrypt (first 72 bytes): still accepted, upgraded on the next login
        candidate, stored = password.encode("utf-8", "surrogatepass")[:72], password_hash
    try:
        return bcrypt.checkpw(candidate, stored.encode())
    except ValueError:
        return False


def needs_rehash(password_hash: str | None) -> bool:
    """An older scheme or a different cost than configured: rehash after a successful login."""
    if not password_hash:
        return False
    if not password_hash.startswith(PREFIX):
        return True
    try:
        rounds = int(password_hash[len(PREFIX):].split("$")[2])
    except (IndexError, ValueError):
        return True
    return rounds != get_settings().bcrypt_rounds
