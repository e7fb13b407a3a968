"""An Ollama-API server (``/api/chat``, ``/api/tags``, ``/api/show``, ``/api/version``) for tests.

Scripted like the OpenAI one, or, with ``upstream``, a thin adapter that turns ``/api/chat`` into an
OpenAI-compatible ``/v1/chat/completions`` call (``format`` → ``response_format: json_object + schema``)
so the official ``ollama`` client can drive a real llama.cpp model in the opt-in tier.

Command line (used by scripts/test-llm.sh):
    python -m llm_servers.ollama_server --upstream http://127.0.0.1:8001/v1 --port 8002
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from llm_servers.base import Reply, ScriptedServer
from llm_servers.openai_server import post_json


class OllamaServer(ScriptedServer):
    def __init__(self, model: str = "fake-llama", *, upstream: str | None = None,
                 upstream_timeout: float = 600.0) -> None:
        super().__init__(model)
        if upstream:
            self.forward_to(upstream, timeout=upstream_timeout)

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path.rstrip("/").endswith("/api/chat")]

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        route = path.split("?", maxsplit=1)[0].rstrip("/") or "/"
        if route == "/" and method in ("GET", "HEAD"):
            return 200, "Ollama is running"
        if route == "/api/version":
            return 200, {"version": "0.6.3-test"}
        if route == "/api/tags":
            return 200, {"models": [_model_entry(self.model)]}
        if route == "/api/show" and method == "POST":
            return 200, {"modelfile": f"FROM {self.model}", "parameters": "", "template": "{{ .Prompt }}",
                         "details": _model_entry(self.model)["details"], "model_info": {},
                         "capabilities": ["completion"]}
        if route != "/api/chat" or method != "POST":
            return 404, {"error": f"no route {method} {route}"}
        if not isinstance(body, dict) or not body.get("model"):
            return 400, {"error": "model is required"}
        started = time.perf_counter()
        reply, answer = self.scripted(body)
        if answer is not None:
            return answer
        if reply.status != 200:
            return reply.status, {"error": reply.error or f"HTTP {reply.status}"}
        elapsed_ns = int((time.perf_counter() - started) * 1e9)
        message = {"role": "assistant", "content": reply.content or ""}
        final = {
            "model": reply.model or body["model"],
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "message": message,
            "done": True,
            "done_reason": "stop",
            "total_duration": elapsed_ns,
            "load_duration": 0,
            "prompt_eval_count": reply.prompt_tokens,
            "prompt_eval_duration": elapsed_ns // 2,
            "eval_count": reply.completion_tokens,
            "eval_duration": elapsed_ns // 2,
        }
        if body.get("stream", True):  # the API streams NDJSON by default; one final chunk is a valid stream
            import json

            return 200, (json.dumps(final) + "\n").encode()
        return 200, final

    def forward_to(self, upstream_base_url: str, *, timeout: float = 600.0) -> OllamaServer:
        """Relay /api/chat to an OpenAI-compatible server (the llama.cpp adapter of the real tier)."""
        upstream = upstream_base_url.rstrip("/")

        def relay(request: dict[str, Any]) -> Reply:
            payload: dict[str, Any] = {"model": request.get("model"), "messages": request.get("messages", [])}
            fmt = request.get("format")
            if isinstance(fmt, dict):
                payload["response_format"] = {"type": "json_object", "schema": fmt}
            elif fmt == "json":
                payload["response_format"] = {"type": "json_object"}
            options = request.get("options") or {}
            for ours, theirs in (("temperature", "temperature"), ("top_p", "top_p"), ("seed", "seed"),
                                 ("num_predict", "max_tokens"), ("stop", "stop")):
                if ours in options:
                    payload[theirs] = options[ours]
            status, answer = post_json(f"{upstream}/chat/completions", payload, timeout=timeout)
            if status != 200 or not isinstance(answer, dict):
                message = answer.get("error", answer) if isinstance(answer, dict) else answer
                if isinstance(message, dict):
                    message = message.get("message", message)
                return Reply(status=status, error=str(message)[:1000])
            choice = (answer.get("choices") or [{}])[0]
            usage = answer.get("usage") or {}
            return Reply(content=(choice.get("message") or {}).get("content") or "",
                         prompt_tokens=int(usage.get("prompt_tokens") or 0),
                         completion_tokens=int(usage.get("completion_tokens") or 0),
                         model=request.get("model"))

        self.responder = relay
        return self


def _model_entry(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-01-01T00:00:00Z",
        "size": 0,
        "digest": "0" * 64,
        "details": {"parent_model": "", "format": "gguf", "family": "test", "families": ["test"],
                    "parameter_size": "0B", "quantization_level": "Q4_K_M"},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Ollama-API adapter in front of an OpenAI-compatible server")
    parser.add_argument("--upstream", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8001/v1")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--model", default="local")
    args = parser.parse_args(argv)
    server = OllamaServer(args.model, upstream=args.upstream).start(args.host, args.port)
    print(f"ollama adapter listening on {server.url} -> {args.upstream}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
