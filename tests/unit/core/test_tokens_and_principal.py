from __future__ import annotations

import jwt
import pytest

from licita.core.errors import Unauthorized
from licita.core.security.principal import Principal, principal_from_context
from licita.core.security.tokens import (
    bearer_token,
    decode_access_token,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)


def test_access_token_round_trip_carries_user_company_role_and_session() -> None:
    token, exp = issue_access_token(user_id="u1", company_id="c1", role="USER", session_id="s1",
                                    permissions=["quotes:approve"])
    claims = decode_access_token(token)
    assert (claims["sub"], claims["cid"], claims["role"], claims["sid"]) == ("u1", "c1", "USER", "s1")
    assert claims["perms"] == ["quotes:approve"] and claims["exp"] == exp


def test_expired_and_tampered_tokens_are_rejected_with_distinct_codes() -> None:
    token, _ = issue_access_token(user_id="u", company_id="c", role="USER", session_id="s", permissions=[],
                                  now=1_000_000)
    with pytest.raises(Unauthorized) as err:
        decode_access_token(token)
    assert err.value.code == "token_expired"
    fresh, _ = issue_access_token(user_id="u", company_id="c", role="USER", session_id="s", permissions=[])
    claims = jwt.decode(fresh, options={"verify_signature": False})
    claims["role"] = "MASTER"
    forged = jwt.encode(claims, "not-the-secret-but-long-enough-to-be-used", algorithm="HS256")
    with pytest.raises(Unauthorized) as err:
        decode_access_token(forged)
    assert err.value.code == "token_invalid"
    none_alg = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(Unauthorized):
        decode_access_token(none_alg)


def test_refresh_tokens_are_random_and_only_their_hash_is_kept() -> None:
    a, ha = new_refresh_token()
    b, hb = new_refresh_token()
    assert a != b and ha != hb and len(ha) == 64
    assert hash_refresh_token(a) == ha and a not in ha


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "token"])
def test_bearer_header_must_be_well_formed(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        bearer_token(header)


def test_roles_grant_permissions_and_users_add_their_own() -> None:
    viewer = Principal("u", "c", "VIEWER", "s", frozenset({"quotes:approve"}))
    assert viewer.can("tenders:read") and not viewer.can("tenders:write")
    assert viewer.can("quotes:approve")
    admin = Principal("u", "c", "ADMIN_EMPRESA", "s")
    assert admin.can("users:write") and not admin.can("admin:all")
    assert admin.outranks_or_equals("MANAGER") and not admin.outranks_or_equals("MASTER")


def test_principal_survives_the_authorizer_context_round_trip() -> None:
    original = Principal("u", "c", "MANAGER", "s", frozenset({"a:b", "c:d"}))
    context = original.as_context()
    assert all(isinstance(v, str) for v in context.values())
    assert principal_from_context(context) == original
