"""Brazilian identifiers and formats shared by accounts and tender analysis."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"\D")
_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def only_digits(value: str) -> str:
    return _NON_DIGITS.sub("", value)


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


def format_cnpj(value: str) -> str:
    d = only_digits(value)
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}" if len(d) == 14 else value
