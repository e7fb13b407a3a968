"""Password policy (OWASP ASVS 2.1): length, not common, not trivial, not the user's own e-mail or name.

The common-password list ships inside the package (``common-passwords.txt.gz``: the 10,000 most common
passwords of the list Django ships, lower-cased, plus common Brazilian choices); nothing is downloaded.
Each rule gives a Portuguese reason; :func:`enforce` turns them into one 422 naming the field.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from licita.core.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_DISTINCT = 5
LIST_FILE = Path(__file__).with_name("common-passwords.txt.gz")
RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789012345678901234567890", "qwertyuiopasdfghjklzxcvbnm",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "qazwsxedcrfvtgbyhnujmikolp", "1q2w3e4r5t6y7u8i9o0p")
RULES = {
    "password_too_short": f"A senha deve ter pelo menos {MIN_LENGTH} caracteres.",
    "password_too_long": f"A senha deve ter no máximo {MAX_LENGTH} caracteres.",
    "password_common": "Esta senha está entre as mais usadas; escolha outra.",
    "password_trivial": "A senha é uma sequência ou repetição fácil de adivinhar (ex.: aaaa, 1234, abab).",
    "password_personal": "A senha não pode conter seu e-mail ou seu nome.",
}


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST_FILE, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def _fold(text: str) -> str:
    """Lower case without accents, so 'Senha' and 'sénha' are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_common(folded: str) -> bool:
    words = common_passwords()
    base = re.sub(r"[\d\W_]+$", "", folded)  # "dragon2024!" is "dragon" with a suffix
    bare = re.sub(r"^[\d\W_]+", "", base)
    return folded in words or (len(base) >= 4 and base in words) or (len(bare) >= 4 and bare in words)


def _is_trivial(folded: str) -> bool:
    if len(set(folded)) < MIN_DISTINCT:
        return True
    period = (folded + folded).find(folded, 1)  # "abcabcabc" repeats a block of 3
    if period < len(folded):
        return True
    return any(folded in run or folded in run[::-1] for run in RUNS)


def _personal_parts(email: str | None, names: Iterable[str | None]) -> set[str]:
    parts: set[str] = set()
    if email:
        local, _, domain = _fold(email).partition("@")
        parts.update(re.split(r"[._+\-]+", local))
        parts.add(local)
        parts.update(domain.split(".")[:-1])
    for name in names:
        if name:
            parts.update(re.split(r"\s+", _fold(name)))
    return {p for p in parts if len(p) >= 3 and p not in {"com", "org", "net", "gov", "edu"}}


def problems(password: str, *, email: str | None = None, names: Iterable[str | None] = ()) -> list[str]:
    """Codes of the rules ``password`` breaks (empty: acceptable)."""
    found: list[str] = []
    if len(password) < MIN_LENGTH:
        found.append("password_too_short")
    if len(password) > MAX_LENGTH:
        found.append("password_too_long")
    folded = _fold(password)
    if _is_common(folded):
        found.append("password_common")
    if _is_trivial(folded):
        found.append("password_trivial")
    compact = re.sub(r"[\W_]+", "", folded)
    if any(part in folded or part in compact for part in _personal_parts(email, names)):
        found.append("password_personal")
    return found


def enforce(password: str, *, email: str | None = None, names: Iterable[str | None] = (),
            field: str = "new_password") -> None:
    """Raise one 422 listing every broken rule, in Portuguese."""
    found = problems(password, email=email, names=names)
    if found:
        raise ValidationFailed("Senha fraca: " + " ".join(RULES[c] for c in found), code="weak_password",
                               details=[{"field": field, "type": c, "message": RULES[c]} for c in found])
