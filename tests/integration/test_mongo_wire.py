"""The local MongoDB-wire server: snapshots survive a restart, SQLite data is imported once, duplicate ids
still fail, and an insert costs the same at 0 and at 3,000 documents (the stock engines grow linearly)."""

from __future__ import annotations

import datetime
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pymongo import MongoClient
from pymongo.errors import DuplicateKeyError

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def wire(db: Path, engine: str = "memory") -> Iterator[MongoClient]:  # type: ignore[type-arg]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "licita_local.mongo_wire", "--port", str(port), "--db", str(db),
                             "--engine", engine, "--snapshot-seconds", "0.2"],
                            cwd=ROOT / "infra", stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    uri = proc.stdout.readline().strip()
    client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=5000)  # type: ignore[type-arg]
    try:
        yield client
    finally:
        client.close()
        proc.terminate()
        assert proc.wait(20) == 0


def _doc(i: int) -> dict[str, object]:
    return {"_id": f"n{i:023d}", "user_id": f"u{i % 50}", "read": False, "title": "t" * 40,
            "created_at": datetime.datetime.now(datetime.UTC)}


def test_memory_engine_snapshot_survives_restart(tmp_path: Path) -> None:
    db = tmp_path / "mongo.sqlite"
    with wire(db) as client:
        coll = client["licita"]["notifications"]
        coll.create_index([("user_id", 1), ("read", 1)], name="user_read")
        coll.insert_many([_doc(i) for i in range(20)])
        with pytest.raises(DuplicateKeyError):
            coll.insert_one(_doc(3))
        coll.insert_one({"_id": 1, "n": 1})
        with pytest.raises(DuplicateKeyError):  # numeric ids keep MongoDB's logical equality (1 == 1.0)
            coll.insert_one({"_id": 1.0, "n": 2})
    assert (tmp_path / "mongo.snapshot").exists()
    with wire(db) as client:
        coll = client["licita"]["notifications"]
        assert coll.count_documents({}) == 21
        assert "user_read" in coll.index_information()
        assert coll.find_one({"_id": "n" + "0" * 20 + "007"})["user_id"] == "u7"


def test_sqlite_data_is_imported_once_into_the_memory_engine(tmp_path: Path) -> None:
    db = tmp_path / "mongo.sqlite"
    with wire(db, "sqlite") as client:
        client["licita"]["prefs"].insert_many([{"_id": f"p{i}", "v": i} for i in range(5)])
        client["licita"]["prefs"].create_index("v", name="by_v")
    with wire(db) as client:
        assert client["licita"]["prefs"].count_documents({}) == 5
        assert "by_v" in client["licita"]["prefs"].index_information()


def test_insert_cost_does_not_grow_with_the_collection(tmp_path: Path) -> None:
    with wire(tmp_path / "mongo.sqlite") as client:
        coll = client["licita"]["notifications"]
        coll.create_index("created_at", expireAfterSeconds=90 * 86400, name="ttl_created_at")
        coll.create_index([("user_id", 1), ("read", 1), ("created_at", -1)], name="user_read_created")

        def p50(start: int) -> float:
            samples = []
            for i in range(start, start + 30):
                t0 = time.perf_counter()
                coll.insert_one(_doc(i))
                samples.append(time.perf_counter() - t0)
            return statistics.median(samples)

        empty = p50(10**9)
        for i in range(0, 3000, 500):
            coll.insert_many([_doc(i + j) for j in range(500)])
        full = p50(2 * 10**9)
    # stock mongoeco: ~30x slower at 3,000 documents; allow noise on a loaded machine
    assert full < empty * 3, (empty, full)
