"""Validation errors read in Portuguese; ``type`` and ``field`` stay as pydantic gives them."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from licita.core.errors import ValidationFailed
from licita.core.http import parse_model
from licita.core.messages_pt import MESSAGES, message_for


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=5)
    age: int = Field(ge=0)
    kind: Literal["a", "b"] = "a"
    tags: list[str] = Field(default_factory=list, max_length=1)

    @field_validator("name")
    @classmethod
    def _no_x(cls, value: str) -> str:
        if "x" in value:
            raise ValueError("nome não pode ter x")
        return value


def details(data: object) -> dict[str, dict[str, str]]:
    with pytest.raises(ValidationFailed) as exc:
        parse_model(Body, data, where="body")
    return {d["field"]: d for d in exc.value.details}


def test_messages_are_portuguese_and_keep_type_and_field() -> None:
    got = details({"name": "abcdefg", "kind": "c", "tags": ["1", "2"], "extra": 1})
    assert got["name"] == {"field": "name", "type": "string_too_long",
                           "message": "texto longo demais (máximo 5 caracteres)"}
    assert got["age"]["message"] == "campo obrigatório" and got["age"]["type"] == "missing"
    assert got["kind"]["message"] == "valor inválido; use 'a' ou 'b'"
    assert got["tags"]["message"] == "itens demais (máximo 1)"
    assert got["extra"]["message"] == "campo não permitido"


def test_custom_validator_message_loses_the_english_prefix() -> None:
    assert details({"name": "xx", "age": 1})["name"]["message"] == "nome não pode ter x"
    assert details({"name": "ab", "age": -1})["age"]["message"] == "deve ser maior ou igual a 0"
    assert details({"name": "ab", "age": "dez"})["age"]["message"] == "deve ser um número inteiro"


def test_every_message_is_free_of_english_words() -> None:
    english = (" must ", " should ", "Input ", " valid ", " field ", "required")
    assert not [m for m in MESSAGES.values() if any(w in m for w in english)]
    assert message_for("recursion_loop", "Recursion error - cyclic reference detected") == "valor inválido"
    assert message_for("nul_byte", "texto com caractere nulo (\\u0000)") == "texto com caractere nulo (\\u0000)"


def test_missing_context_does_not_break() -> None:
    assert message_for("string_too_long", "x", None) == "texto longo demais"
    with pytest.raises(ValidationError):
        Body.model_validate({})
