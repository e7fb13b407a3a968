"""Input that only the database noticed was invalid: answered 422/409 instead of 500.

Request models reject what they can (licita.core.schemas.StrictModel); this is the net under them. A value
PostgreSQL refuses as data (class 22: NUL byte, too long for its column, out of range, bad text representation) or
a constraint it breaks (NOT NULL, foreign key, check) was sent by the client, so the answer is a 422
``invalid_input``; a duplicate (unique violation) is a 409 ``conflict``. Each one is logged as a warning, because
it means a request model lacks a rule. Like licita.core.outage, driver modules are looked up in ``sys.modules``
only, so this never imports psycopg for a function that does not use it.
"""

from __future__ import annotations

import sys

from licita.core.errors import AppError, Conflict, ValidationFailed

_INVALID_STATES = {"23502": "campo obrigatório ausente ou nulo",
                   "23503": "referência a um registro inexistente",
                   "23514": "valor fora das regras do campo"}


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None)
    return state if isinstance(state, str) else None


def input_error(exc: BaseException) -> AppError | None:
    """The client-facing error when ``exc`` (or what caused it) is bad data refused by PostgreSQL, else None."""
    psycopg = sys.modules.get("psycopg")
    data_error = getattr(psycopg, "DataError", None) if psycopg is not None else None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        state = _sqlstate(current)
        if state == "23505":
            return Conflict("Já existe um registro com esses dados.", code="conflict")
        if state in _INVALID_STATES:
            return ValidationFailed(f"Dados inválidos: {_INVALID_STATES[state]}.", code="invalid_input")
        if (isinstance(data_error, type) and isinstance(current, data_error)) or (state or "").startswith("22"):
            return ValidationFailed("Dados inválidos: valor que não pode ser armazenado (caractere nulo, tamanho "
                                    "ou formato).", code="invalid_input")
        if isinstance(current, UnicodeEncodeError):
            return ValidationFailed("Dados inválidos: texto com caracteres inválidos.", code="invalid_input")
        current = current.__cause__ or current.__context__
    return None
