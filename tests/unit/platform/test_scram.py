"""SCRAM client math against the published test vectors (RFC 5802 SHA-1, RFC 7677 SHA-256, MongoDB's SHA-1)."""

from __future__ import annotations

import pytest

from licita.platform.scram import ScramClient, ScramError, mongo_sha1_password


def test_rfc_7677_sha256_exchange() -> None:
    client = ScramClient("sha256", "user", "pencil", nonce="rOprNGfwEbeRWgbNEkqO")
    assert client.first() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    assert client.final(server_first) == ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                          "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client.verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")


def test_rfc_5802_sha1_exchange() -> None:
    client = ScramClient("sha1", "user", "pencil", nonce="fyko+d2lbbFgONRv9qkxdawL")
    server_first = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
    assert client.final(server_first) == ("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                                          "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
    client.verify("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")


def test_mongodb_sha1_salts_the_md5_digest() -> None:
    """MongoDB's auth specification vector: SCRAM-SHA-1 over md5("user:mongo:pencil")."""
    client = ScramClient("sha1", "user", mongo_sha1_password("user", "pencil"), nonce="fyko+d2lbbFgONRv9qkxdawL")
    server_first = "r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000"
    assert client.final(server_first) == ("c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,"
                                          "p=MC2T8BvbmWRckDw8oWl5IVghwCY=")
    client.verify("v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0=")


def test_a_server_that_does_not_know_the_password_is_refused() -> None:
    client = ScramClient("sha256", "user", "pencil", nonce="rOprNGfwEbeRWgbNEkqO")
    client.final("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    with pytest.raises(ScramError, match="signature"):
        client.verify("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    with pytest.raises(ScramError, match="refused"):
        client.verify("e=invalid-proof")


@pytest.mark.parametrize("server_first", [
    "r=someone-elses-nonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  # does not extend ours
    "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  # adds nothing to ours
    "r=rOprNGfwEbeRWgbNEkqOxyz,i=4096",  # no salt
    "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",  # no iterations
])
def test_malformed_or_hostile_server_first_is_refused(server_first: str) -> None:
    with pytest.raises(ScramError):
        ScramClient("sha256", "user", "pencil", nonce="rOprNGfwEbeRWgbNEkqO").final(server_first)


def test_names_are_escaped_and_the_nonce_is_random() -> None:
    one, two = ScramClient("sha256", "a=b,c", "x"), ScramClient("sha256", "a=b,c", "x")
    assert one.first().startswith("n,,n=a=3Db=2Cc,r=")
    assert one.nonce != two.nonce and len(one.nonce) >= 24
