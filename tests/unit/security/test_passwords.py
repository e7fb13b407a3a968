"""Password hashing and policy without I/O."""

from __future__ import annotations

import bcrypt
import pytest

from licita.core.config import get_settings
from licita.core.errors import ValidationFailed
from licita.core.security import password_policy as policy
from licita.core.security.passwords import PREFIX, _dummy_hash, hash_password, needs_rehash, verify_password
from licita.core.security.secrets import decrypt_secret, encrypt_secret, hint


def test_unknown_users_pay_the_configured_cost() -> None:
    rounds = get_settings().bcrypt_rounds
    assert _dummy_hash(rounds).startswith(f"$2b${rounds:02d}$".encode())
    assert verify_password("qualquer", None) is False


def test_every_byte_counts_and_legacy_hashes_verify() -> None:
    long = "á" * 40  # 80 bytes
    stored = hash_password(long)
    assert stored.startswith(PREFIX) and verify_password(long, stored)
    assert not verify_password("á" * 36 + "b", stored)  # same first 72 bytes
    legacy = bcrypt.hashpw(long.encode()[:72], bcrypt.gensalt(rounds=4)).decode()
    assert verify_password(long, legacy) and needs_rehash(legacy) and not needs_rehash(stored)
    assert not verify_password("x", "not-a-hash")


def test_common_list_ships_with_the_package() -> None:
    words = policy.common_passwords()
    assert 10_000 <= len(words) <= 11_000 and {"password", "123456", "senha123", "flamengo"} <= words


@pytest.mark.parametrize(("password", "code"), [
    ("aaaaaaaaaaaa", "password_trivial"), ("abababababab", "password_trivial"), ("0123456789", "password_trivial"),
    ("zyxwvutsrqpo", "password_trivial"), ("Dragon2024!!", "password_common"), ("senha1234567", "password_common"),
    ("maria.souza!2025", "password_personal"), ("Souza-Lima-77", "password_personal"),
])
def test_rules(password: str, code: str) -> None:
    assert code in policy.problems(password, email="maria.souza@exemplo.com.br", names=["Maria", "Souza"])


@pytest.mark.parametrize("password", ["s3nha-forte-123", "girassol-azul-77", "correct horse battery staple",
                                      "Pé-de-moleque na festa 2025"])
def test_good_passwords_pass(password: str) -> None:
    assert policy.problems(password, email="maria.souza@exemplo.com.br", names=["Maria", "Souza"]) == []


def test_enforce_lists_every_rule_in_portuguese() -> None:
    with pytest.raises(ValidationFailed) as err:
        policy.enforce("1234567890")
    assert err.value.code == "weak_password" and err.value.message.startswith("Senha fraca:")
    assert {d["type"] for d in err.value.details} == {"password_trivial", "password_common"}


def test_secrets_round_trip_and_hint() -> None:
    token = encrypt_secret("sk-abcdef123456")
    assert "sk-abc" not in token and decrypt_secret(token) == "sk-abcdef123456"
    assert hint("sk-abcdef123456") == "…3456" and hint("short") == "…"
    with pytest.raises(ValidationFailed):
        decrypt_secret("gAAAAAinvalid")
