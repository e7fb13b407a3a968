"""The moto server's keep-alive handler (licita_local/s3_guard.keep_alive_handler): several requests on one
connection, whatever the application read of each body; a chunked body still closes the connection."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from licita_local.s3_guard import keep_alive_handler


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Echoes the body, except on /ignore, where it answers without reading it."""
    body = b"" if environ["PATH_INFO"] == "/ignore" else environ["wsgi.input"].read()
    answer = b"%s %s %d" % (environ["REQUEST_METHOD"].encode(), environ["PATH_INFO"].encode(), len(body))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))])
    return [answer]


@pytest.fixture
def port() -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=keep_alive_handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


def test_requests_share_one_connection_even_when_a_body_is_left_unread(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    answers, sockets = [], []
    for method, path, body in (("POST", "/echo", b"a" * 1000), ("POST", "/ignore", b"b" * 70_000),
                               ("GET", "/after", None), ("POST", "/echo", b"c" * 10)):
        conn.request(method, path, body=body)
        response = conn.getresponse()
        answers.append(response.read())
        sockets.append(conn.sock)  # http.client drops its socket after an answer that closes the connection
    assert answers == [b"POST /echo 1000", b"POST /ignore 0", b"GET /after 0", b"POST /echo 10"]
    assert sockets[0] is not None and all(s is sockets[0] for s in sockets)
    conn.close()


def test_a_chunked_body_closes_the_connection(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("POST", "/echo", body=iter([b"x" * 100, b"y" * 50]), encode_chunked=True,
                  headers={"Transfer-Encoding": "chunked"})
    response = conn.getresponse()
    assert response.read() == b"POST /echo 150"
    assert response.getheader("Connection") == "close"
