"""Tenant secrets at rest (a company's own LLM API key): Fernet (AES-128-CBC + HMAC-SHA256), key from Settings.

``LICITA_SECRETS_KEY`` is a Fernet key (``python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"``); production refuses to start without it. Outside production an
unset key is derived from ``JWT_SECRET``, so a local run can read back what it stored across restarts.
Only a hint (last 4 characters) is ever shown again.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from typing import TYPE_CHECKING

from licita.core.config import get_settings
from licita.core.errors import ValidationFailed

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


@cache
def _fernet(key: str, fallback_seed: str) -> Fernet:
    from cryptography.fernet import Fernet  # noqa: PLC0415  (heavy: cryptography, lazy for cold start)

    material = key.encode() if key else base64.urlsafe_b64encode(
        hashlib.sha256(b"licita-dev-secrets|" + fallback_seed.encode()).digest())
    return Fernet(material)


def _cipher() -> Fernet:
    settings = get_settings()
    return _fernet(settings.licita_secrets_key, settings.jwt_secret)


def encrypt_secret(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode()


def decrypt_secret(token: str) -> str:
    """The stored secret; a token from another key (rotated, tampered) is a 422 asking to enter it again."""
    from cryptography.fernet import InvalidToken  # noqa: PLC0415  (heavy: cryptography, lazy for cold start)

    try:
        return _cipher().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise ValidationFailed("A chave guardada não pode ser lida; cadastre-a novamente.",
                               code="secret_unreadable") from None


def hint(value: str) -> str:
    """What the UI may show of a secret: its last 4 characters."""
    return f"…{value[-4:]}" if len(value) >= 8 else "…"
