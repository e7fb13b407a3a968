"""pgwire's pure parts: psycopg's placeholders as $n, Python values as PostgreSQL text input (array quoting, NUL
refused), the server's text output decoded by column type, the URL, MD5 and SASLprep. The SCRAM-SHA-256 math is
platform.scram's (RFC 7677's exchange: test_scram.py); all of it against real servers:
tests/integration/test_pgwire.py."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

import pytest

from licita.core.input_errors import input_error
from licita.platform.db.pgwire import (
    PgError,
    convert_placeholders,
    decode,
    encode_param,
    md5_password,
    parse_array,
    parse_url,
    saslprep,
)


def test_placeholders_become_numbered_and_double_percent_is_a_literal() -> None:
    assert convert_placeholders("SELECT 1") == ("SELECT 1", 0)
    sql = "SELECT %s, x FROM t WHERE a = ANY(%s) AND b LIKE '50%%' AND c ILIKE %s ESCAPE '\\'"
    assert convert_placeholders(sql) == (
        "SELECT $1, x FROM t WHERE a = ANY($2) AND b LIKE '50%' AND c ILIKE $3 ESCAPE '\\'", 3)
    assert convert_placeholders("%s%s%%%s") == ("$1$2%$3", 3)
    for bad in ("SELECT %d", "SELECT %(name)s", "SELECT 50%", "LIKE 'a%b'"):
        with pytest.raises(ValueError, match="placeholder"):
            convert_placeholders(bad)


def test_scalars_are_sent_as_postgresql_text_input() -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    cases = [(None, None), (True, "true"), (False, "false"), (0, "0"), (-12, "-12"), (10**30, "1" + "0" * 30),
             (1.5, "1.5"), (1e20, "1e+20"), (float("nan"), "NaN"), (float("inf"), "Infinity"),
             (float("-inf"), "-Infinity"), (Decimal("12.30"), "12.30"), (Decimal("1E+2"), "1E+2"),
             (Decimal("NaN"), "NaN"), (Decimal("-Infinity"), "-Infinity"), ("texto ç 'x' \"y\"", "texto ç 'x' \"y\""),
             (ident, "12345678-1234-5678-1234-567812345678"),
             (datetime(2025, 3, 4, 5, 6, 7, 89, tzinfo=timezone(timedelta(hours=-3))),
              "2025-03-04T05:06:07.000089-03:00"),
             (datetime(2025, 3, 4, 5, 6, 7), "2025-03-04T05:06:07"), (date(2025, 1, 2), "2025-01-02"),
             (time(23, 59, 1), "23:59:01"), (timedelta(days=-1, seconds=5), "-1 days 5 seconds 0 microseconds"),
             (b"\x00\xff", "\\x00ff"), ({"a": [1, "b"]}, '{"a": [1, "b"]}')]
    for value, text in cases:
        assert encode_param(value) == text, value


def test_a_str_subclass_is_sent_as_its_text_but_an_enum_member_must_be_spelled_out() -> None:
    class Tag(str):
        def __str__(self) -> str:
            return "not this"

    class Status(StrEnum):
        ACTIVE = "ACTIVE"

    assert encode_param(Tag("abc")) == "abc"
    with pytest.raises(TypeError, match=r"\.value or \.name"):
        encode_param(Status.ACTIVE)
    with pytest.raises(TypeError, match="cannot send a set"):
        encode_param({1})


def test_lists_become_array_literals_with_every_element_quoted() -> None:
    assert encode_param([]) == "{}"
    assert encode_param(["a", "b"]) == '{"a","b"}'
    assert encode_param(("a,b", 'q"\\', None, "NULL", "", "{x}", " s ")) == \
        '{"a,b","q\\"\\\\",NULL,"NULL","","{x}"," s "}'
    assert encode_param([1, None, 3]) == '{"1",NULL,"3"}'
    assert encode_param([[1, 2], [3, 4]]) == '{{"1","2"},{"3","4"}}'
    assert encode_param([uuid.UUID(int=1)]) == '{"00000000-0000-0000-0000-000000000001"}'
    assert encode_param([b"\x01"]) == '{"\\\\x01"}'
    assert parse_array(encode_param(["a,b", 'q"\\', None, "NULL", "", "{x}"]) or "") == \
        ["a,b", 'q"\\', None, "NULL", "", "{x}"]


def test_nul_characters_are_refused_as_bad_data_before_anything_is_sent() -> None:
    for value in ("a\x00b", ["ok", "a\x00"], [["x\x00"]]):
        with pytest.raises(PgError, match="NUL") as err:
            encode_param(value)
        assert err.value.sqlstate == "22021"
        refused = input_error(err.value)  # answered 422 invalid_input, as psycopg's DataError was
        assert refused is not None and refused.code == "invalid_input"


def test_server_text_is_decoded_by_column_type_like_psycopg() -> None:
    ident = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    cases = [(16, "t", True), (16, "f", False), (21, "-3", -3), (23, "42", 42), (20, "9007199254740993", 2**53 + 1),
             (26, "12", 12), (700, "1.5", 1.5), (701, "-Infinity", float("-inf")), (1700, "12.30", Decimal("12.30")),
             (25, "texto", "texto"), (1043, "v", "v"), (1042, "b  ", "b  "),
             (19, "name", "name"), (2950, ident, uuid.UUID(ident)),
             (1184, "2025-03-04 05:06:07.5+00", datetime(2025, 3, 4, 5, 6, 7, 500000, tzinfo=UTC)),
             (1114, "2025-03-04 05:06:07", datetime(2025, 3, 4, 5, 6, 7)), (1082, "2025-03-04", date(2025, 3, 4)),
             (1083, "05:06:07.000001", time(5, 6, 7, 1)), (3802, '{"a": [1, null]}', {"a": [1, None]}),
             (114, "[1, 2]", [1, 2]), (17, "\\x00ff", b"\x00\xff"), (99999, "an enum label", "an enum label"),
             (1009, '{a,"b c",NULL,"NULL","",""}', ["a", "b c", None, "NULL", "", ""]), (1009, "{}", []),
             (1007, "{{1,2},{3,NULL}}", [[1, 2], [3, None]]), (1007, "[0:1]={7,8}", [7, 8]),
             (2951, "{" + ident + "}", [uuid.UUID(ident)]), (1016, "{-1}", [-1]),
             (1009, '{"a\\\\b\\"c","{x}",","}', ['a\\b"c', "{x}", ","]), (3807, '{"{\\"a\\": 1}"}', [{"a": 1}])]
    for oid, text, value in cases:
        decoded = decode(oid, text)
        assert decoded == value and type(decoded) is type(value), (oid, text, decoded)
    assert decode(1700, "NaN").is_nan() and decode(1700, "-Infinity") == Decimal("-Infinity")
    aware = decode(1184, "2025-03-04 05:06:07-03")
    assert aware.utcoffset() == timedelta(hours=-3) and aware == datetime(2025, 3, 4, 8, 6, 7, tzinfo=UTC)
    assert decode(1184, "2025-03-04 05:06:07+00").tzinfo is UTC
    assert json.dumps(decode(3802, '{"n": 1.5}')) == '{"n": 1.5}'


def test_values_python_cannot_hold_are_refused_as_data_errors() -> None:
    for oid, text in ((1184, "infinity"), (1114, "-infinity"), (1082, "0044-03-15 BC"), (1082, "infinity")):
        with pytest.raises(PgError) as err:
            decode(oid, text)
        assert err.value.sqlstate == "22008"


def test_urls_as_the_settings_and_the_embedded_server_write_them() -> None:
    assert parse_url("postgresql+psycopg://postgres:@/postgres?host=/tmp/xyz") == {
        "user": "postgres", "dbname": "postgres", "host": "/tmp/xyz"}
    assert parse_url("postgresql://app%40corp:p%40ss%3Aw%2Frd%25+x@db.example.com:6543/licita?sslmode=verify-full"
                     "&sslrootcert=%2Fopt%2Frds.pem&connect_timeout=3") == {
        "user": "app@corp", "password": "p@ss:w/rd%+x", "host": "db.example.com", "port": "6543",
        "dbname": "licita", "sslmode": "verify-full", "sslrootcert": "/opt/rds.pem", "connect_timeout": "3"}
    assert parse_url("postgres://u@[::1]:5433/d")["host"] == "::1"  # and '+' stays '+', as libpq reads it
    assert parse_url("postgresql://u@%2Fvar%2Frun%2FPG/d")["host"] == "/var/run/PG"  # case kept
    for bad, reason in (("mysql://u@h/d", "scheme"), ("postgresql://u@h/d?sslcert=x", "option 'sslcert'"),
                        ("postgresql://u@h1,h2/d", "several hosts")):
        with pytest.raises(ValueError, match=reason):
            parse_url(bad)


def test_md5_password_is_postgresqls_salted_double_md5() -> None:
    # md5 + md5("postgres" + "postgres") is what PostgreSQL stores for that role and password
    stored = "3175bce1d3201d16594cebf9d7eb3f9d"
    salt = b"\x01\x02\x03\x04"
    assert md5_password("postgres", "postgres", salt) == "md5" + hashlib.md5(stored.encode() + salt).hexdigest()


def test_saslprep_maps_like_rfc_4013_and_leaves_what_it_cannot_prepare() -> None:
    assert saslprep("pencil") == "pencil"
    assert saslprep("I\u00adX") == "IX"  # soft hyphen: mapped to nothing
    assert saslprep("\u00aa") == "a"  # NFKC
    assert saslprep("\u2168") == "IX"
    assert saslprep("a\u00a0b") == "a b"  # a non-ASCII space
    assert saslprep("a\u0007b") == "a\u0007b"  # prohibited: used as it is (PostgreSQL does the same)
    assert saslprep("\u0627\u0031") == "\u0627\u0031"  # bidi rule broken: as it is
