"""PNCP on the wire: its HTML and JSON error bodies, type drift, and reading a request's body and parameters
the way PNCP's Spring stack answers bad ones (400/422 with its messages)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

HTML_429 = """<html>
<head>
    <meta charset="UTF-8">
    <title>Limite de Requisições Excedido</title>
</head>
<body>
    <h2>Limite de requisições excedido</h2>

    <p>Você excedeu o limite de requisições permitidas. Tente novamente mais tarde.</p>
</body>
</html>
"""
HTML_MAINTENANCE = "<html><head><title>PNCP</title></head><body><h1>Sistema em manutenção</h1></body></html>"
HTML_BAD_GATEWAY = ("<html><head><title>502 Bad Gateway</title></head>"
                    "<body><center><h1>502 Bad Gateway</h1></center></body></html>")
JDBC_500 = ("Failed to obtain JDBC Connection; nested exception is java.sql.SQLTransientConnectionException: "
            "HikariPool-1 - Connection is not available, request timed out after 30000ms.")


class HttpAnswer(Exception):
    def __init__(self, status: int, body: bytes = b"", content_type: str = "application/json",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


def _error(status: int, message: str, path: str) -> HttpAnswer:
    names = {400: "Bad Request", 404: "Not Found", 422: "Unprocessable Entity", 500: "Internal Server Error"}
    body = {"timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "status": status, "error": names.get(status, "Error"), "message": message, "path": path}
    return HttpAnswer(status, json.dumps(body, ensure_ascii=False).encode())


def _drift(value: Any) -> Any:
    """Numbers become strings, booleans "true"/"false": what a drifting PNCP serializer does."""
    if isinstance(value, dict):
        return {k: _drift(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drift(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class Wire(BaseHTTPRequestHandler):
    """Request parsing and JSON answers shared by the route groups (consulta, integração, control)."""

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        data = json.loads(self.rfile.read(length) or b"{}")
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _int(params: dict[str, str], name: str, path: str, required: bool = False) -> Any:
        raw = params.get(name)
        if raw is None or raw == "":
            if required:
                raise _error(400, f"Required request parameter '{name}' for method parameter type Integer is not "
                                  "present", path)
            return None
        try:
            return int(raw)
        except ValueError:
            raise _error(400, f"Failed to convert value of type 'java.lang.String' to required type 'java.lang."
                              f"Integer'; For input string: \"{raw}\"", path) from None

    @staticmethod
    def _date(params: dict[str, str], name: str, path: str) -> date:
        raw = params.get(name)
        if not raw:
            raise _error(400, f"Required request parameter '{name}' for method parameter type String is not present",
                         path)
        try:
            return datetime.strptime(raw, "%Y%m%d").date()
        except ValueError:
            raise _error(422, f"{name}: formato de data inválido (yyyyMMdd): {raw}", path) from None

    @staticmethod
    def _json(value: Any) -> HttpAnswer:
        return HttpAnswer(200, json.dumps(value, ensure_ascii=False).encode())
