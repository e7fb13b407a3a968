"""Validation messages in Portuguese: pydantic's error types mapped to what a pt-BR user reads.

``licita.core.http`` keeps each error's ``type`` and ``field`` and replaces only ``message``. Pydantic's
own types all have an entry (an unknown built-in one falls back to a generic Portuguese sentence, never
English); custom errors raised by our validators already carry Portuguese text and are kept as they are,
minus pydantic's "Value error, " prefix.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic_core.core_schema import ErrorType

GENERIC = "valor inválido"
_DATETIME = "data e hora inválidas (use ISO 8601, ex.: 2025-12-15T09:00:00-03:00)"
_DATE = "data inválida (use AAAA-MM-DD)"
_URL = "endereço (URL) inválido"

MESSAGES: dict[str, str] = {
    "missing": "campo obrigatório",
    "extra_forbidden": "campo não permitido",
    "none_required": "deve ser nulo",
    "json_invalid": "JSON inválido",
    "json_type": "JSON inválido",
    "string_type": "deve ser um texto",
    "string_sub_type": "deve ser um texto",
    "string_unicode": "texto com caracteres inválidos",
    "string_not_ascii": "use apenas caracteres ASCII",
    "string_too_short": "texto curto demais (mínimo {min_length} caracteres)",
    "string_too_long": "texto longo demais (máximo {max_length} caracteres)",
    "string_pattern_mismatch": "formato inválido",
    "too_short": "poucos itens (mínimo {min_length})",
    "too_long": "itens demais (máximo {max_length})",
    "bytes_type": "deve ser um conteúdo binário",
    "bytes_too_short": "conteúdo curto demais (mínimo {min_length} bytes)",
    "bytes_too_long": "conteúdo longo demais (máximo {max_length} bytes)",
    "bytes_invalid_encoding": "codificação inválida",
    "int_type": "deve ser um número inteiro",
    "int_parsing": "deve ser um número inteiro",
    "int_parsing_size": "número grande demais",
    "int_from_float": "deve ser um número inteiro (sem casas decimais)",
    "float_type": "deve ser um número",
    "float_parsing": "deve ser um número",
    "finite_number": "deve ser um número finito",
    "multiple_of": "deve ser múltiplo de {multiple_of}",
    "decimal_type": "deve ser um número decimal",
    "decimal_parsing": "deve ser um número decimal",
    "decimal_max_digits": "número com dígitos demais (máximo {max_digits})",
    "decimal_max_places": "casas decimais demais (máximo {decimal_places})",
    "decimal_whole_digits": "parte inteira longa demais (máximo {whole_digits} dígitos)",
    "complex_type": "deve ser um número complexo",
    "complex_str_parsing": "número complexo inválido",
    "greater_than": "deve ser maior que {gt}",
    "greater_than_equal": "deve ser maior ou igual a {ge}",
    "less_than": "deve ser menor que {lt}",
    "less_than_equal": "deve ser menor ou igual a {le}",
    "bool_type": "deve ser verdadeiro ou falso",
    "bool_parsing": "deve ser verdadeiro ou falso",
    "literal_error": "valor inválido; use {expected}",
    "enum": "valor inválido; use {expected}",
    "list_type": "deve ser uma lista",
    "tuple_type": "deve ser uma lista",
    "set_type": "deve ser uma lista sem repetições",
    "frozen_set_type": "deve ser uma lista sem repetições",
    "set_item_not_hashable": "item inválido na lista",
    "iterable_type": "deve ser uma lista",
    "iteration_error": "lista inválida",
    "dict_type": "deve ser um objeto",
    "mapping_type": "deve ser um objeto",
    "model_type": "deve ser um objeto",
    "model_attributes_type": "deve ser um objeto",
    "dataclass_type": "deve ser um objeto",
    "dataclass_exact_type": "deve ser um objeto",
    "arguments_type": "deve ser um objeto",
    "invalid_key": "chave inválida",
    "uuid_type": "identificador (UUID) inválido",
    "uuid_parsing": "identificador (UUID) inválido",
    "uuid_version": "identificador (UUID) de versão não aceita",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "informe só a data, sem horário",
    "date_past": "a data deve estar no passado",
    "date_future": "a data deve estar no futuro",
    "time_type": "horário inválido (use HH:MM)",
    "time_parsing": "horário inválido (use HH:MM)",
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_past": "a data deve estar no passado",
    "datetime_future": "a data deve estar no futuro",
    "timezone_naive": "informe a data sem fuso horário",
    "timezone_aware": "informe o fuso horário (ex.: -03:00)",
    "timezone_offset": "fuso horário não aceito",
    "time_delta_type": "duração inválida",
    "time_delta_parsing": "duração inválida",
    "url_type": _URL,
    "url_parsing": _URL,
    "url_syntax_violation": _URL,
    "url_too_long": "endereço (URL) longo demais (máximo {max_length} caracteres)",
    "url_scheme": "endereço (URL) com esquema não aceito; use {expected_schemes}",
    "union_tag_invalid": "tipo inválido; use {expected_tags}",
    "union_tag_not_found": "informe o campo {discriminator}",
    "frozen_field": "campo não pode ser alterado",
    "frozen_instance": "objeto não pode ser alterado",
    "missing_argument": "campo obrigatório",
    "unexpected_keyword_argument": "campo não permitido",
}
_PREFIXES = ("Value error, ", "Assertion failed, ")


@cache
def _builtin_types() -> frozenset[str]:
    return frozenset(typing.get_args(ErrorType))


def _fmt(value: Any) -> str:
    text = str(value)
    return text.replace(" or ", " ou ").replace(" and ", " e ")


def message_for(error_type: str, msg: str, ctx: Mapping[str, Any] | None = None) -> str:
    """The Portuguese message for one pydantic error (type, original message, context)."""
    template = MESSAGES.get(error_type)
    if template is not None:
        try:
            return template.format(**{k: _fmt(v) for k, v in (ctx or {}).items()})
        except (KeyError, IndexError):
            return template.split(" (")[0].split(";")[0]
    if error_type in ("value_error", "assertion_error"):
        for prefix in _PREFIXES:
            if msg.startswith(prefix):
                return msg[len(prefix):]
        return msg
    if error_type in _builtin_types():
        return GENERIC
    return msg  # our own PydanticCustomError: written in Portuguese where it is raised


def translate(error: Mapping[str, Any]) -> str:
    return message_for(str(error.get("type", "")), str(error.get("msg", "")), error.get("ctx"))
