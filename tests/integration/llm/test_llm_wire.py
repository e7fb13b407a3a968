"""The official ``openai`` and ``ollama`` clients against real HTTP servers speaking their protocols."""

from __future__ import annotations

import json
import socket

import pytest
from llm_servers import OllamaServer, OpenAICompatServer, Reply
from llm_servers.samples import good_answer_json

from licita.extraction.llm import LLMConnectionError, LLMError, LLMRequestError, LLMServerError, LLMTimeout
from licita.extraction.llm.providers import OllamaProvider, OpenAIProvider
from licita.extraction.llm.schema import tender_json_schema

SCHEMA = tender_json_schema()


def openai_for(server: OpenAICompatServer, **kw: object) -> OpenAIProvider:
    return OpenAIProvider(model="gpt-4o-mini", api_key="sk-test", base_url=server.base_url, **kw)  # type: ignore[arg-type]


# --- OpenAI-compatible ----------------------------------------------------------------------------------


def test_openai_structured_outputs_request_and_response(openai_server: OpenAICompatServer) -> None:
    openai_server.enqueue(Reply(content=good_answer_json(), prompt_tokens=1234, completion_tokens=321))
    provider = openai_for(openai_server)
    response = provider.complete_json("sistema", "usuário", SCHEMA, timeout=5)

    [body] = openai_server.chat_requests()
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0
    assert body["messages"] == [{"role": "system", "content": "sistema"}, {"role": "user", "content": "usuário"}]
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"] == SCHEMA
    assert fmt["json_schema"]["name"] == "tender_extraction"
    [req] = [r for r in openai_server.requests if r.path.endswith("/chat/completions")]
    assert req.headers.get("authorization") == "Bearer sk-test"

    assert response.mode == "json_schema"
    assert response.data is not None and response.data["modality"]["value"] == "pregao_eletronico"
    assert (response.prompt_tokens, response.completion_tokens) == (1234, 321)
    assert response.model == "gpt-4o-mini"
    assert response.duration_ms > 0


@pytest.mark.parametrize("status", [500, 400, 422])
def test_compat_mode_fallback_is_remembered_per_base_url(status: int) -> None:
    with OpenAICompatServer("gemma", reject_json_schema=True, reject_status=status) as server:
        server.default = Reply(content=good_answer_json())
        provider = openai_for(server)
        first = provider.complete_json("s", "u", SCHEMA, timeout=5)
        assert first.mode == "json_object" and first.data is not None
        kinds = [b["response_format"]["type"] for b in server.chat_requests()]
        assert kinds == ["json_schema", "json_object"]
        assert server.chat_requests()[1]["response_format"]["schema"] == SCHEMA

        # a new provider instance (next invocation in this container) goes straight to json_object
        again = openai_for(server).complete_json("s", "u", SCHEMA, timeout=5)
        assert again.mode == "json_object"
        assert [b["response_format"]["type"] for b in server.chat_requests()] == [
            "json_schema", "json_object", "json_object"]


def test_forced_json_schema_mode_does_not_fall_back(llama_cpp_server: OpenAICompatServer) -> None:
    provider = openai_for(llama_cpp_server, compat="json_schema")
    with pytest.raises(LLMServerError):
        provider.complete_json("s", "u", SCHEMA, timeout=5)
    assert llama_cpp_server.count("/chat/completions") == 1


def test_openai_errors_are_classified(openai_server: OpenAICompatServer) -> None:
    provider = openai_for(openai_server)
    openai_server.enqueue(Reply(status=400, error="messages too long"))
    with pytest.raises(LLMRequestError) as bad:
        provider.complete_json("s", "u", SCHEMA, timeout=5)
    assert bad.value.status == 400 and not bad.value.retryable
    assert "messages too long" in bad.value.message

    openai_server.enqueue(Reply(status=503, error="overloaded"))
    with pytest.raises(LLMServerError) as down:
        provider.complete_json("s", "u", SCHEMA, timeout=5)
    assert down.value.status == 503 and down.value.retryable

    openai_server.enqueue(Reply(status=429, error="rate limited"))
    with pytest.raises(LLMServerError):
        provider.complete_json("s", "u", SCHEMA, timeout=5)

    openai_server.enqueue(Reply(content=good_answer_json(), delay=1.5))
    with pytest.raises(LLMTimeout):
        provider.complete_json("s", "u", SCHEMA, timeout=0.3)

    openai_server.enqueue(Reply(raw=b"<html>proxy error</html>"))
    with pytest.raises(LLMError) as garbled:
        provider.complete_json("s", "u", SCHEMA, timeout=5)
    assert garbled.value.retryable


def test_openai_invalid_json_is_returned_not_raised(openai_server: OpenAICompatServer) -> None:
    openai_server.enqueue(Reply(content="Desculpe, não sei."))
    response = openai_for(openai_server).complete_json("s", "u", SCHEMA, timeout=5)
    assert response.data is None
    assert response.raw_text == "Desculpe, não sei."
    assert response.parse_error is not None and response.parse_error.startswith("invalid JSON")


def test_connection_refused_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = OpenAIProvider(model="m", base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(LLMConnectionError):
        provider.complete_json("s", "u", SCHEMA, timeout=2)
    with pytest.raises(LLMConnectionError):
        OllamaProvider(model="m", host=f"http://127.0.0.1:{port}").complete_json("s", "u", SCHEMA, timeout=2)


# --- Ollama -----------------------------------------------------------------------------------------------


def test_ollama_format_request_and_response(ollama_server: OllamaServer) -> None:
    ollama_server.enqueue(Reply(content=good_answer_json(), prompt_tokens=900, completion_tokens=250))
    provider = OllamaProvider(model="llama3.1", host=ollama_server.url)
    response = provider.complete_json("sistema", "usuário", SCHEMA, timeout=5)

    [body] = ollama_server.chat_requests()
    assert body["model"] == "llama3.1"
    assert body["format"] == SCHEMA
    assert body["options"] == {"temperature": 0}
    assert body["stream"] is False
    assert [m["role"] for m in body["messages"]] == ["system", "user"]

    assert response.mode == "ollama_format"
    assert response.data is not None and json.loads(response.raw_text) == response.data
    assert (response.prompt_tokens, response.completion_tokens) == (900, 250)
    assert response.model == "llama3.1"


def test_ollama_errors_are_classified(ollama_server: OllamaServer) -> None:
    provider = OllamaProvider(model="missing", host=ollama_server.url)
    ollama_server.enqueue(Reply(status=404, error="model 'missing' not found, try pulling it first"))
    with pytest.raises(LLMRequestError) as nf:
        provider.complete_json("s", "u", SCHEMA, timeout=5)
    assert nf.value.status == 404 and "not found" in nf.value.message

    ollama_server.enqueue(Reply(status=500, error="llama runner process has terminated"))
    with pytest.raises(LLMServerError):
        provider.complete_json("s", "u", SCHEMA, timeout=5)

    ollama_server.enqueue(Reply(content="{}", delay=1.5))
    with pytest.raises(LLMTimeout):
        provider.complete_json("s", "u", SCHEMA, timeout=0.3)

    ollama_server.enqueue(Reply(body={"unexpected": True}))
    with pytest.raises(LLMError) as shape:
        provider.complete_json("s", "u", SCHEMA, timeout=5)
    assert shape.value.kind == "bad_response"


def test_ollama_adapter_forwards_to_an_openai_compatible_server(llama_cpp_server: OpenAICompatServer) -> None:
    """The adapter used by the real-model tier: ollama client → /api/chat → json_object + schema upstream."""
    llama_cpp_server.default = Reply(content=good_answer_json(), prompt_tokens=77, completion_tokens=11)
    with OllamaServer("gemma", upstream=llama_cpp_server.base_url) as adapter:
        response = OllamaProvider(model="gemma", host=adapter.url).complete_json("s", "u", SCHEMA, timeout=5)
    assert response.data is not None and response.prompt_tokens == 77
    [upstream] = llama_cpp_server.chat_requests()
    assert upstream["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert upstream["temperature"] == 0
