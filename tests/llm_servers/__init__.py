"""Test infrastructure: real HTTP servers speaking the OpenAI and Ollama wire protocols (stdlib only)."""

from llm_servers.base import Recorded, Reply, ScriptedServer
from llm_servers.ollama_server import OllamaServer
from llm_servers.openai_server import OpenAICompatServer, completion

__all__ = ["OllamaServer", "OpenAICompatServer", "Recorded", "Reply", "ScriptedServer", "completion"]
