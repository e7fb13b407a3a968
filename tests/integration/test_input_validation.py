"""Bad input is a 4xx everywhere (issue 9, part 5): one regression per class of bug the fuzzer found.

NUL bytes (body, nested values, keys, query, path, file names, e-mails), nulls for values whose column is NOT NULL,
oversized strings and URL parameters, runaway JSON nesting, and the database net under the request models
(licita.core.input_errors) for what a model forgot.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Annotated, Any

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from apigw import call, token_of
from factories import make_company, make_user
from licita.core.input_errors import input_error
from licita.core.schemas import MAX_DEPTH, MAX_TEXT, NotNull, StrictModel
from licita.platform.db.engine import system_transaction


@pytest.fixture(scope="module")
def admin_token() -> str:
    company = make_company(plan="internal", max_users=50)
    return token_of(make_user(company, role="ADMIN_EMPRESA"))


def assert_422(status: int, body: Any, *codes: str) -> dict[str, Any]:
    assert status == 422, body
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] in (codes or ("validation_failed", "invalid_input"))
    error: dict[str, Any] = body["error"]
    return error


# ------------------------------------------------------------------------------------- NUL bytes
def test_nul_in_an_email_is_422_before_any_lookup() -> None:
    status, body = call("auth", "POST", "/auth/login", {"email": "a\x00@b.com.br", "password": "x"})
    error = assert_422(status, body)
    assert error["details"][0]["type"] == "string_nul" and error["details"][0]["field"] == "email"


def test_nul_in_a_body_field_is_422(admin_token: str) -> None:
    status, body = call("accounts", "PATCH", "/profile", {"first_name": "Ana\x00"}, token=admin_token)
    error = assert_422(status, body)
    assert error["details"][0]["type"] == "string_nul"
    assert "nulo" in error["details"][0]["message"]  # Portuguese


def test_nul_in_a_file_name_is_422(admin_token: str) -> None:
    status, body = call("tenders", "POST", "/tenders/uploads",
                        {"filename": "edital\x00.pdf", "content_type": "application/pdf", "size": 1000},
                        token=admin_token)
    assert_422(status, body)


def test_nul_deep_in_a_nested_value_or_key_is_422() -> None:
    class Free(StrictModel):
        data: dict[str, Any]

    for payload in ({"data": {"a": [{"b": ["ok", "x\x00"]}]}}, {"data": {"k\x00": 1}}):
        with pytest.raises(ValidationError) as err:
            Free.model_validate(payload)
        assert err.value.errors()[0]["type"] == "string_nul"
    with pytest.raises(ValidationError):
        Free.model_validate({"data": {"a": "\ud800"}})  # lone surrogate: psycopg cannot encode it


def test_nul_in_a_query_value_is_422(admin_token: str) -> None:
    status, body = call("accounts", "GET", "/users", token=admin_token, query={"q": "ana\x00"})
    error = assert_422(status, body, "invalid_input")
    assert error["details"][0]["field"] == "query.q"


def test_nul_in_a_path_parameter_is_422(admin_token: str) -> None:
    status, body = call("accounts", "GET", "/users/abc\x00def", token=admin_token)
    error = assert_422(status, body, "invalid_input")
    assert error["details"][0]["field"] == "path.user_id"


# ---------------------------------------------------------------------------- nulls and sizes
@pytest.mark.parametrize("patch", [{"first_name": None}, {"last_name": None}, {"preferences": None}])
def test_null_for_a_not_null_profile_column_is_422(admin_token: str, patch: dict[str, Any]) -> None:
    status, body = call("accounts", "PATCH", "/profile", patch, token=admin_token)
    assert_422(status, body)


@pytest.mark.parametrize("patch", [{"legal_name": None}, {"settings": None}])
def test_null_for_a_not_null_company_value_is_422(admin_token: str, patch: dict[str, Any]) -> None:
    status, body = call("accounts", "PATCH", "/companies/me", patch, token=admin_token)
    assert_422(status, body)
    status, company = call("accounts", "GET", "/companies/me", token=admin_token)
    assert status == 200 and company["legal_name"]  # nothing was written


def test_not_null_marker_omitted_is_fine_null_is_422_and_schema_says_so() -> None:
    class Patch(StrictModel):
        settings: Annotated[dict[str, Any] | None, NotNull] = None

    assert Patch.model_validate({}).settings is None
    with pytest.raises(ValidationError) as err:
        Patch.model_validate({"settings": None})
    assert err.value.errors()[0]["type"] == "null_not_allowed"
    prop = Patch.model_json_schema()["properties"]["settings"]
    assert prop["type"] == "object" and "anyOf" not in prop and "default" not in prop


def test_a_string_without_its_own_cap_is_capped_and_documented() -> None:
    class Note(StrictModel):
        text: str

    assert Note.model_json_schema()["properties"]["text"]["maxLength"] == MAX_TEXT
    Note.model_validate({"text": "x" * MAX_TEXT})
    with pytest.raises(ValidationError) as err:
        Note.model_validate({"text": "x" * (MAX_TEXT + 1)})
    assert err.value.errors()[0]["type"] == "string_too_long"


def test_oversized_query_and_path_values_are_422(admin_token: str) -> None:
    status, body = call("accounts", "GET", "/users", token=admin_token, query={"q": "a" * (MAX_TEXT + 1)})
    assert_422(status, body, "invalid_input")
    status, body = call("accounts", "GET", f"/users/{'a' * 500}", token=admin_token)
    assert_422(status, body, "invalid_input")


def test_json_nested_too_deep_is_422_never_500(admin_token: str) -> None:
    for depth in (MAX_DEPTH + 5, 100_000):  # the second one makes the JSON decoder itself give up
        raw = '{"first_name": ' + "[" * depth + "]" * depth + "}"
        status, body = call("accounts", "PATCH", "/profile", raw=raw, token=admin_token)
        assert status in (413, 422), (depth, status, body)


# ---------------------------------------------------------------------- the database net below
def test_database_refusals_become_422_or_409() -> None:
    import psycopg

    def refusal(sql: str, **params: Any) -> BaseException:
        try:
            with system_transaction() as db:
                db.execute(text("CREATE TEMP TABLE IF NOT EXISTS fuzz_t (k text UNIQUE, v text NOT NULL)"))
                db.execute(text("INSERT INTO fuzz_t VALUES ('dup', 'v') ON CONFLICT DO NOTHING"))
                db.execute(text(sql), params)
        except Exception as exc:  # the real driver error, wrapped by SQLAlchemy as the services see it
            return exc
        raise AssertionError("expected the database to refuse")

    nul = refusal("INSERT INTO fuzz_t VALUES (:k, :v)", k=str(uuid.uuid4()), v="a\x00b")
    assert isinstance(nul.__cause__, psycopg.DataError)
    assert (err := input_error(nul)) is not None and err.status == 422 and err.code == "invalid_input"
    null = refusal("INSERT INTO fuzz_t VALUES (:k, NULL)", k=str(uuid.uuid4()))
    assert (err := input_error(null)) is not None and err.status == 422
    dup = refusal("INSERT INTO fuzz_t VALUES ('dup', 'v')")
    assert (err := input_error(dup)) is not None and err.status == 409
    assert input_error(RuntimeError("a bug")) is None
    assert json.dumps(err.body(), ensure_ascii=False).count("Já existe") == 1


# ------------------------------------------------------------- other 5xx the fuzzer found
def test_concurrent_session_checks_share_the_connection_safely() -> None:
    """Concurrent requests made the authorizer's one connection break its own transactions (503s under fuzzing)."""
    from concurrent.futures import ThreadPoolExecutor

    from licita.auth.bearer import authenticate_bearer, session_cache_key
    from licita.core.security.tokens import decode_access_token
    from licita.platform.clients import get_redis

    token = token_of(make_user(make_company()))
    key = session_cache_key(str(decode_access_token(token)["sid"]))

    def check(_: int) -> str:
        get_redis().delete(key)  # force the database check every time
        return authenticate_bearer(f"Bearer {token}").user_id

    with ThreadPoolExecutor(8) as pool:
        assert len(set(pool.map(check, range(64)))) == 1


def test_a_card_flush_in_the_boards_function_maps_its_foreign_keys() -> None:
    """cards.tender_id -> tenders.id: without the tenders models a card flush was a 500 (NoReferencedTableError).
    A fresh interpreter imports only what the boards function does."""
    import subprocess
    import sys

    code = ("import licita.boards.models as m; from sqlalchemy.orm import configure_mappers; configure_mappers(); "
            "print(sorted(fk.column.table.name for fk in m.Card.__table__.foreign_keys))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": "shared"}).stdout
    assert "'tenders'" in out and "'companies'" in out


@pytest.mark.parametrize(("model", "patch"), [
    ("licita.calendars.schemas:EventUpdate", {"starts_at": None}),  # was a 500 (AttributeError on None.tzinfo)
    ("licita.calendars.schemas:EventUpdate", {"title": None}),
    ("licita.boards.schemas:BoardUpdate", {"name": None}),  # the database net caught these; now the model does
    ("licita.boards.schemas:BoardUpdate", {"auto_tenders": None}),
    ("licita.boards.schemas:BoardUpdate", {"labels": None}),
])
def test_patch_models_refuse_null_for_not_null_columns(model: str, patch: dict[str, Any]) -> None:
    import importlib

    module, name = model.split(":")
    cls = getattr(importlib.import_module(module), name)
    with pytest.raises(ValidationError) as err:
        cls.model_validate({"version": 1, **patch})
    assert err.value.errors()[0]["type"] == "null_not_allowed"
    cls.model_validate({"version": 1})  # omitted: unchanged
