"""An OpenAI-compatible ``/v1/chat/completions`` server for tests (and a forwarding proxy for the real tier).

Modes: scripted ``Reply`` objects (valid JSON, invalid JSON, HTTP errors, slow answers), a
``responder`` callable, and ``reject_json_schema`` which imitates llama-cpp-python's server: it refuses
``response_format: {"type": "json_schema"}`` (HTTP 500 by default, as observed; 400/422 selectable)
and honours ``{"type": "json_object", "schema": ...}``.
``forward_to(upstream)`` turns it into a proxy to a real OpenAI-compatible server, so failures can be
injected in front of a real model.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from typing import Any

from llm_servers.base import Reply, ScriptedServer

_ids = itertools.count(1)

# What llama-cpp-python 0.3.36's server sends back for response_format json_schema (observed: HTTP 500).
LLAMA_CPP_REJECTION_MESSAGE = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}\n"
)


class OpenAICompatServer(ScriptedServer):
    def __init__(self, model: str = "fake-gpt", *, reject_json_schema: bool = False,
                 reject_status: int = 500) -> None:
        super().__init__(model)
        self.reject_json_schema = reject_json_schema
        self.reject_status = reject_status

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        route = path.split("?", maxsplit=1)[0].rstrip("/")
        if method == "GET" and route.endswith("/models"):
            return 200, {"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "test"}]}
        if method != "POST" or not route.endswith("/chat/completions"):
            return 404, {"error": {"message": f"no route {method} {route}", "type": "invalid_request_error"}}
        if not isinstance(body, dict) or "messages" not in body:
            return 400, {"error": {"message": "messages is required", "type": "invalid_request_error"}}
        fmt = body.get("response_format") or {}
        if self.reject_json_schema and fmt.get("type") == "json_schema":
            kind = "internal_server_error" if self.reject_status >= 500 else "invalid_request_error"
            return self.reject_status, {"error": {"message": LLAMA_CPP_REJECTION_MESSAGE, "type": kind,
                                                  "param": None, "code": None}}
        reply, answer = self.scripted(body)
        if answer is not None:
            return answer
        if reply.status != 200:
            kind = "server_error" if reply.status >= 500 else "invalid_request_error"
            return reply.status, {"error": {"message": reply.error or f"HTTP {reply.status}", "type": kind,
                                            "param": None, "code": None}}
        return 200, completion(reply.content or "", model=reply.model or body.get("model") or self.model,
                               prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens)

    def forward_to(self, upstream_base_url: str, *, timeout: float = 600.0) -> OpenAICompatServer:
        """Answer (after any scripted replies) by relaying the request to a real OpenAI-compatible server."""
        upstream = upstream_base_url.rstrip("/")

        def relay(request: dict[str, Any]) -> Reply:
            status, payload = post_json(f"{upstream}/chat/completions", request, timeout=timeout)
            return Reply(status=status, body=payload)

        self.responder = relay
        return self


def completion(content: str, *, model: str, prompt_tokens: int = 0, completion_tokens: int = 0,
               finish_reason: str = "stop") -> dict[str, Any]:
    """A ``chat.completion`` object exactly as the OpenAI API returns it."""
    return {
        "id": f"chatcmpl-test{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def post_json(url: str, payload: Any, *, timeout: float) -> tuple[int, Any]:
    """POST JSON with the stdlib (test infrastructure must not depend on the clients under test)."""
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"error": {"message": raw.decode("utf-8", "replace")[:500]}}
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return 502, {"error": {"message": f"upstream unreachable: {exc}", "type": "server_error"}}
