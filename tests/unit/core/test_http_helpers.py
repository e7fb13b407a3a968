from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import BaseModel

from licita.core.errors import BadRequest, PayloadTooLarge, TooManyRequests, ValidationFailed
from licita.core.http import parse_json_body, parse_model, to_jsonable


class Thing(BaseModel):
    name: str
    count: int


def test_json_body_errors_are_typed() -> None:
    with pytest.raises(BadRequest) as err:
        parse_json_body(b"{", 100)
    assert err.value.code == "malformed_json"
    with pytest.raises(BadRequest) as err:
        parse_json_body(b"\xff\xfe", 100)
    assert err.value.code == "malformed_json"
    with pytest.raises(PayloadTooLarge):
        parse_json_body(b"[" + b"1," * 100 + b"1]", 100)
    assert parse_json_body('{"a": 1}', 100) == {"a": 1}


def test_model_validation_lists_every_bad_field() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_model(Thing, {"count": "x"}, where="body")
    fields = {d["field"] for d in err.value.details}
    assert fields == {"name", "count"}
    assert err.value.status == 422


def test_to_jsonable_handles_domain_types() -> None:
    uid = uuid.uuid4()
    when = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    out = to_jsonable({"id": uid, "at": when, "value": Decimal("1.50"), "m": Thing(name="a", count=1)})
    assert out == {"id": str(uid), "at": when.isoformat(), "value": 1.5, "m": {"name": "a", "count": 1}}


def test_rate_limit_error_carries_retry_after_header() -> None:
    err = TooManyRequests("devagar", retry_after=0)
    assert err.status == 429 and err.headers == {"Retry-After": "1"}
    assert err.body() == {"error": {"code": "rate_limited", "message": "devagar", "details": None}}
