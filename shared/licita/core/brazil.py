"""Brazilian identifiers and formats shared by accounts and tender analysis."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from licita.core.time import format_brt

_NON_DIGITS = re.compile(r"\D")
_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def only_digits(value: str) -> str:
    return _NON_DIGITS.sub("", value)


def is_ascii_digits(value: str) -> bool:
    """0-9 only. ``str.isdigit`` also accepts "¹" or "②", which ``int()`` then refuses (a 500 the fuzzer found)."""
    return value.isascii() and value.isdigit()


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def is_valid_cnpj(value: str) -> bool:
    """Check digits of a CNPJ (formatted or not); all-equal sequences are invalid."""
    digits = only_digits(value)
    if len(digits) != 14 or digits == digits[0] * 14:
        return False
    nums = [int(c) for c in digits]
    return nums[12] == _check_digit(nums[:12], _CNPJ_W1) and nums[13] == _check_digit(nums[:13], _CNPJ_W2)


def complete_cnpj(base12: str) -> str:
    """The 12 leading digits of a CNPJ with its two check digits appended (sample and test data that validates)."""
    nums = [int(c) for c in base12]
    nums.append(_check_digit(nums, _CNPJ_W1))
    nums.append(_check_digit(nums, _CNPJ_W2))
    return "".join(map(str, nums))


def format_cnpj(value: str) -> str:
    d = only_digits(value)
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}" if len(d) == 14 else value


UFS = frozenset({"AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB", "PR",
                 "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO"})


def format_number(value: float | int | Decimal | None, places: int = 2) -> str:
    """``1234.5`` → ``1.234,50`` (Brazilian grouping and decimal comma); empty when unknown."""
    if value is None:
        return ""
    text = f"{Decimal(str(value)):,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_brl(value: float | int | Decimal | None) -> str:
    """``1234.56`` → ``R$ 1.234,56`` (negative as ``-R$ 1,00``); empty when unknown."""
    if value is None:
        return ""
    amount = Decimal(str(value))
    text = f"R$ {format_number(abs(amount))}"
    return f"-{text}" if amount < 0 else text


def format_percent(value: float | int | Decimal | None, places: int = 2) -> str:
    """``12.5`` (already a percentage) → ``12,50%``."""
    return "" if value is None else f"{format_number(value, places)}%"


def format_date_br(value: date | datetime | None) -> str:
    """dd/mm/aaaa (datetimes in Brasília time); empty when unknown."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_brt(value, "%d/%m/%Y")
    return value.strftime("%d/%m/%Y")
