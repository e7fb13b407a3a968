"""The standard-library MongoDB reader against real wire servers: the embedded one (its answers checked against
pymongo reading the same collection) and a second one that requires SCRAM logins."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import MongoClient

from licita.core.outage import is_outage
from licita.platform.mongo_light import MongoConnectionError, MongoLightError, MongoReader, reader_for


@pytest.fixture
def seeded(infra: dict[str, str]) -> Iterator[tuple[MongoReader, Any, str]]:
    """A fresh collection with 150 documents (more than one batch), the reader and pymongo's view of it."""
    name = f"light_{uuid.uuid4().hex[:8]}"
    client: MongoClient[dict[str, Any]] = MongoClient(infra["MONGO_URL"], tz_aware=True)
    collection = client["licita"][name]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    collection.insert_many([{"_id": f"n{i:03d}", "user_id": f"u{i % 3}", "kind": ("a", "b", "c")[i % 3],
                             "read": i % 4 == 0, "created_at": start + timedelta(minutes=i // 2),
                             "data": {"n": i, "tags": ["x", i]}} for i in range(150)])
    reader = reader_for(infra["MONGO_URL"], "licita")
    assert reader is not None
    yield reader, collection, name
    reader.close()
    collection.drop()
    client.close()


QUERIES: list[dict[str, Any]] = [
    {}, {"user_id": "u1"}, {"user_id": "u2", "read": False}, {"kind": {"$in": ["a", "c"]}},
    {"created_at": {"$gte": datetime(2026, 1, 1, 0, 30, tzinfo=UTC)}}, {"user_id": "nobody"},
]


@pytest.mark.parametrize("query", QUERIES)
def test_reads_equal_pymongos(seeded: tuple[MongoReader, Any, str], query: dict[str, Any]) -> None:
    reader, reference, name = seeded
    light = reader[name]
    order = [("created_at", -1), ("_id", -1)]
    assert light.count_documents(query) == reference.count_documents(query)
    for skip, limit in ((0, 20), (20, 20), (140, 20), (0, 0)):
        got = list(light.find(query).sort(order).skip(skip).limit(limit))
        want = list(reference.find(query).sort(order).skip(skip).limit(limit))
        assert got == want
    pipeline = [{"$match": query}, {"$group": {"_id": "$kind", "total": {"$sum": 1}}}, {"$sort": {"_id": 1}}]
    assert light.aggregate(pipeline) == list(reference.aggregate(pipeline))


def test_a_find_larger_than_one_batch_reads_every_document(seeded: tuple[MongoReader, Any, str]) -> None:
    reader, _reference, name = seeded
    ids = [doc["_id"] for doc in reader[name].find({}).sort([("_id", 1)])]
    assert ids == [f"n{i:03d}" for i in range(150)]


def test_documents_keep_their_types(seeded: tuple[MongoReader, Any, str]) -> None:
    reader, _reference, name = seeded
    doc = next(iter(reader[name].find({"_id": "n003"})))
    assert doc["created_at"] == datetime(2026, 1, 1, 0, 1, tzinfo=UTC) and doc["created_at"].tzinfo is not None
    assert doc["data"] == {"n": 3, "tags": ["x", 3]} and doc["read"] is False


def test_a_refused_command_is_an_error_and_the_connection_stays_usable(
        seeded: tuple[MongoReader, Any, str]) -> None:
    reader, _reference, name = seeded
    with pytest.raises(MongoLightError) as raised:
        list(reader[name].find({"$nonsense": 1}))
    assert not is_outage(raised.value)
    assert reader[name].count_documents({"user_id": "u0"}) == 50


def test_a_dropped_connection_is_redialled(seeded: tuple[MongoReader, Any, str]) -> None:
    reader, _reference, name = seeded
    assert reader[name].count_documents({}) == 150
    assert reader._sock is not None
    reader._sock.shutdown(socket.SHUT_RDWR)  # as a server restart or an idle-timeout would
    assert reader[name].count_documents({}) == 150


def test_an_unreachable_server_is_an_outage() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reader = reader_for(f"mongodb://127.0.0.1:{port}/", "licita", timeout=0.5)
    assert reader is not None
    with pytest.raises(MongoConnectionError) as raised:
        reader["x"].count_documents({})
    assert is_outage(raised.value)


@pytest.mark.parametrize("url", [
    "mongodb+srv://cluster0.example.net/",  # DNS seed lists: pymongo's
    "mongodb://h:27017/?compressors=zstd",  # an option this reader does not implement
    "mongodb://h:27017/?authMechanism=MONGODB-X509",
    "mongodb://us%C3%A9r:s%C3%A9nha@h:27017/",  # non-ASCII password: SASLprep
    "postgresql://h/db",
])
def test_urls_it_cannot_serve_fall_back_to_pymongo(url: str) -> None:
    assert reader_for(url, "licita") is None


def test_url_parsing() -> None:
    reader = reader_for("mongodb://app%40x:p%3Ass@db1:27018,[::1],db3/authdb?replicaSet=rs0&tls=true&"
                        "retryWrites=false", "licita")
    assert reader is not None
    assert reader.hosts == [("db1", 27018), ("::1", 27017), ("db3", 27017)]
    assert (reader.user, reader.password, reader.auth_database, reader.database) == ("app@x", "p:ss", "authdb",
                                                                                     "licita")
    assert reader.options["replicaset"] == "rs0" and reader.options["tls"] == "true"


# ------------------------------------------------------------------------------ SCRAM against a real server
@pytest.fixture(scope="module")
def secured() -> Iterator[str]:
    """A mongoeco wire server (the embedded server's engine) that requires a SCRAM-SHA-256 login."""
    from mongoeco.wire.auth import WireAuthUser
    from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

    loop = asyncio.new_event_loop()
    server = AsyncMongoEcoProxyServer(host="127.0.0.1", port=0, auth_users=(
        WireAuthUser("reader", "s3cr3t:pw", source="admin", roles=({"role": "root", "db": "admin"},)),))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    address = asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    yield f"{address.host}:{address.port}"
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_scram_sha256_login_then_reads(secured: str) -> None:
    # mongoeco's SCRAM-SHA-1 skips MongoDB's MD5 digest step (pymongo fails it too): name SHA-256; the digest step
    # is checked against the auth specification's vector in tests/unit/platform/test_scram.py
    url = f"mongodb://reader:s3cr3t%3Apw@{secured}/?authSource=admin&authMechanism=SCRAM-SHA-256"
    reference: MongoClient[dict[str, Any]] = MongoClient(url, tz_aware=True, directConnection=True)
    reference["licita"]["inbox"].insert_many([{"_id": i, "user_id": "u"} for i in range(5)])
    reader = reader_for(url, "licita")
    assert reader is not None
    try:
        assert reader["inbox"].count_documents({"user_id": "u"}) == 5
        assert [d["_id"] for d in reader["inbox"].find({}).sort([("_id", -1)]).limit(2)] == [4, 3]
    finally:
        reader.close()
        reference.close()


def test_a_wrong_password_is_refused_not_an_outage(secured: str) -> None:
    reader = reader_for(f"mongodb://reader:wrong@{secured}/?authSource=admin&authMechanism=SCRAM-SHA-256", "licita")
    assert reader is not None
    with pytest.raises(MongoLightError) as raised:
        reader["inbox"].count_documents({})
    assert not is_outage(raised.value)


def test_the_inbox_list_loads_no_pymongo(infra: dict[str, str]) -> None:
    """GET /notifications' reads in a fresh process: the light reader serves them and pymongo stays unloaded."""
    code = (
        "import sys, uuid\n"
        "from licita.core.security.principal import Principal\n"
        "from licita.notifications import inbox, schemas as s\n"
        "p = Principal(user_id=str(uuid.uuid4()), company_id=str(uuid.uuid4()), role='ADMIN', session_id='s')\n"
        "page = inbox.list_notifications(p, s.InboxQuery())\n"
        "counts = inbox.counts(p)\n"
        "print(page.page.total, page.unread, counts.total, 'pymongo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=_env(infra), capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "0", "0", "False"]


def _env(infra: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **infra}

