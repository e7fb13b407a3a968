"""The HS256 codec against PyJWT, the reference implementation, in both directions, and its refusals."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from licita.core.security import hs256

SECRET = "s3cret-" + "0123456789abcdef" * 4
CLAIMS = {"sub": "u1", "sid": "s1", "cid": "c1", "role": "USER", "perms": ["tenders:read"], "iss": "licita"}


def claims(**extra: object) -> dict[str, object]:
    now = int(time.time())
    return {**CLAIMS, "iat": now, "exp": now + 60, **extra}


def test_tokens_interoperate_with_pyjwt_both_ways() -> None:
    ours = hs256.encode(claims(), SECRET)
    assert jwt.decode(ours, SECRET, algorithms=["HS256"], issuer="licita")["perms"] == ["tenders:read"]
    theirs = jwt.encode(claims(), SECRET, algorithm="HS256")
    assert hs256.decode(theirs, SECRET, issuer="licita", require=("exp", "sid"))["sub"] == "u1"


def _segment(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["none", "None", "HS512", "RS256", None])
def test_any_algorithm_but_hs256_is_refused(alg: str | None) -> None:
    token = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(claims())}."
    with pytest.raises(hs256.TokenError):
        hs256.decode(token, SECRET)
    signed_other = jwt.encode(claims(), SECRET, algorithm="HS512")
    with pytest.raises(hs256.TokenError):
        hs256.decode(signed_other, SECRET)


def test_a_changed_payload_or_another_secret_fails_the_signature() -> None:
    token = hs256.encode(claims(), SECRET)
    head, _, sig = token.split(".")
    forged = f"{head}.{_segment(claims(role='MASTER'))}.{sig}"
    with pytest.raises(hs256.TokenError, match="signature"):
        hs256.decode(forged, SECRET)
    with pytest.raises(hs256.TokenError, match="signature"):
        hs256.decode(token, SECRET + "x")


def test_time_issuer_and_required_claims_are_checked() -> None:
    now = time.time()
    with pytest.raises(hs256.TokenExpired):
        hs256.decode(hs256.encode(claims(exp=int(now) - 1), SECRET), SECRET)
    with pytest.raises(hs256.TokenError, match="not yet"):
        hs256.decode(hs256.encode(claims(nbf=int(now) + 30), SECRET), SECRET)
    with pytest.raises(hs256.TokenError, match="future"):
        hs256.decode(hs256.encode(claims(iat=int(now) + 30), SECRET), SECRET)
    with pytest.raises(hs256.TokenError, match="issuer"):
        hs256.decode(hs256.encode(claims(), SECRET), SECRET, issuer="other")
    with pytest.raises(hs256.TokenError, match="missing"):
        hs256.decode(hs256.encode({"sub": "u"}, SECRET), SECRET, require=("exp",))
    with pytest.raises(hs256.TokenError, match="number"):
        hs256.decode(hs256.encode(claims(exp="tomorrow"), SECRET), SECRET)


@pytest.mark.parametrize("token", [
    "", "a.b", "a.b.c.d", "ção.x.y", "x" * 9000, "..", "e30.e30.", "W10.e30.", "e30.W10.AAAA",
    f"{_segment({'alg': 'HS256'})}.!!!.{_segment('x')}", f"{_segment({'alg': 'HS256', 'crit': ['b64']})}.e30.AA",
])
def test_garbage_is_a_token_error_never_another_exception(token: str) -> None:
    with pytest.raises(hs256.TokenError):
        hs256.decode(token, SECRET)
