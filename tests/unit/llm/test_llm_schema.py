"""The JSON schema sent to the model and the per-field validation of its answers."""

from __future__ import annotations

import json

from llm_servers.samples import GOOD_ANSWER, good_answer

from licita.extraction.llm.base import parse_json_object
from licita.extraction.llm.prompts import PROMPT_VERSION, SYSTEM_PROMPT, build_user_prompt
from licita.extraction.llm.schema import FIELD_NAMES, VOCABULARIES, tender_json_schema, validate_answer


def test_schema_is_strict_and_covers_every_field() -> None:
    schema = tender_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(FIELD_NAMES)
    for name in FIELD_NAMES:
        field = schema["properties"][name]
        assert field["required"] == ["value", "page", "quote"]
        assert field["additionalProperties"] is False
    modality = schema["properties"]["modality"]["properties"]["value"]["anyOf"]
    assert modality[0]["enum"] == list(VOCABULARIES["modality"])
    assert modality[1] == {"type": "null"}
    json.dumps(schema)  # serialisable as-is


def test_schema_copies_are_independent() -> None:
    a = tender_json_schema()
    a["properties"].clear()
    assert tender_json_schema()["properties"]


def test_good_answer_validates_completely() -> None:
    result = validate_answer(GOOD_ANSWER)
    assert result.ok, result.errors
    assert set(result.fields) == set(FIELD_NAMES)
    assert result.fields["estimated_value"]["value"] == 78067.58
    assert result.fields["srp"]["value"] is True


def test_vocabulary_violation_drops_only_that_field() -> None:
    answer = good_answer(modality={"value": "pregão online", "page": 1, "quote": "x"},
                         platform={"value": "sistema X", "page": 1, "quote": "y"})
    result = validate_answer(answer)
    assert "modality" not in result.fields and "platform" not in result.fields
    assert "number" in result.fields
    assert {e["field"] for e in result.errors} == {"modality", "platform"}
    assert all(e["type"] == "literal_error" for e in result.errors)


def test_lenient_normalisations() -> None:
    answer = good_answer(
        modality={"value": "Pregão Eletrônico", "page": "1", "quote": "x"},
        agency_cnpj={"value": "44.430.783/0001-19", "page": 1, "quote": "x"},
        estimated_value={"value": "R$ 78.067,58", "page": 2, "quote": "x"},
        session_datetime={"value": "2025-12-15T09:00:00", "page": 1, "quote": "x"},
        uasg={"value": "", "page": None, "quote": ""},
    )
    result = validate_answer(answer)
    assert result.ok, result.errors
    assert result.fields["modality"]["value"] == "pregao_eletronico"
    assert result.fields["modality"]["page"] == 1
    assert result.fields["agency_cnpj"]["value"] == "44430783000119"
    assert result.fields["estimated_value"]["value"] == 78067.58
    assert result.fields["session_datetime"]["value"] == "2025-12-15T09:00:00-03:00"
    assert result.fields["uasg"] == {"value": None, "page": None, "quote": None}


def test_type_errors_are_recorded_with_location() -> None:
    answer = good_answer(items_count={"value": "muitos", "page": 1, "quote": "x"},
                         agency_cnpj={"value": "123", "page": 1, "quote": "x"},
                         session_datetime={"value": "15 de dezembro", "page": 1, "quote": "x"},
                         estimated_value={"value": -5, "page": 1, "quote": "x"})
    result = validate_answer(answer)
    bad = {e["field"] for e in result.errors}
    assert bad == {"items_count", "agency_cnpj", "session_datetime", "estimated_value"}
    assert all(e["loc"] == "value" for e in result.errors)


def test_missing_fields_and_bare_values() -> None:
    answer = {"modality": "pregao_eletronico", "number": {"value": "1/2025", "page": 1, "quote": "1/2025"}}
    result = validate_answer(answer)
    assert result.fields["modality"] == {"value": "pregao_eletronico", "page": None, "quote": None}
    kinds = {(e["field"], e["type"]) for e in result.errors}
    assert ("modality", "not_an_object") in kinds
    assert ("uasg", "missing") in kinds


def test_nested_fields_object_is_unwrapped() -> None:
    result = validate_answer({"fields": GOOD_ANSWER})
    assert result.ok


def test_not_json_and_unexpected_keys() -> None:
    assert validate_answer(None).errors[0]["type"] == "not_json"
    result = validate_answer({**GOOD_ANSWER, "comentario": "extra"})
    assert result.errors == [{"field": None, "type": "unexpected_keys", "message": "comentario"}]


def test_parse_json_object_tolerates_fences_and_prose() -> None:
    assert parse_json_object('```json\n{"a": 1}\n```') == ({"a": 1}, None)
    assert parse_json_object('Claro! Aqui está: {"a": 1} espero ajudar') == ({"a": 1}, None)
    data, err = parse_json_object('{"a": 1')
    assert data is None and err and err.startswith("invalid JSON")
    assert parse_json_object("[1, 2]")[1] == "expected a JSON object, got list"
    assert parse_json_object("   ")[1] == "empty answer"


def test_prompt_is_versioned_and_lists_vocabularies() -> None:
    assert PROMPT_VERSION == "tender-v1"
    for vocab in VOCABULARIES.values():
        for code in vocab:
            assert code in SYSTEM_PROMPT
    assert "null" in SYSTEM_PROMPT and "[página N]" in SYSTEM_PROMPT
    assert "[página 1]\nabc" in build_user_prompt("[página 1]\nabc")
