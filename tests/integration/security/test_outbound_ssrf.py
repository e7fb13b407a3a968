"""No tenant setting sends platform secrets or requests anywhere: a real listener on 127.0.0.1 must
receive nothing when a tenant points at it, and the platform key never travels toward a tenant URL.

The listener is a plain TCP server that records every connection and every byte. Operator switches
(allow-list, private addresses, http) are set through the real environment and Settings.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import Tenant, make_tenant, token
from sqlalchemy import update

from apigw import call
from licita.accounts.models import Company
from licita.core.config import reset_settings
from licita.platform.db.engine import system_transaction

PLATFORM_KEY = "sk-platform-SECRET-0123456789"
TENANT_KEY = "sk-tenant-own-key-98765"


class Listener:
    """Accepts connections on 127.0.0.1, stores what arrives, answers a minimal OpenAI-shaped error."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.connections = 0
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.settimeout(2)
            data = b""
            with contextlib.suppress(OSError):
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            # recorded before answering: the client raises as soon as it reads the answer, and the test reads
            # ``received`` right then (appending after the answer raced with it on a busy machine)
            self.received.append(data)
            body = b'{"error":{"message":"nope","type":"invalid_request_error"}}'
            with contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set operator configuration for one test (platform LLM key included), restored afterwards."""

    def configure(**env: str) -> None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        reset_settings()

    configure(OPENAI_API_KEY=PLATFORM_KEY, LLM_PROVIDER="openai")
    yield configure
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def tenant() -> Tenant:
    return make_tenant()


def patch_settings(tenant: Tenant, settings: dict[str, Any]) -> tuple[int, Any]:
    return call("accounts", "PATCH", "/companies/me", {"settings": settings}, token=token(tenant.admin))


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/v1",
    "https://127.0.0.1:{port}/v1",
    "https://localhost:{port}/v1",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]:{port}/v1",
    "https://[::ffff:127.0.0.1]:{port}/v1",
    "https://user:pw@api.openai.com/v1",
    "ftp://api.openai.com/v1",
])
def test_tenant_urls_to_internal_targets_are_refused_and_nothing_is_sent(
        tenant: Tenant, listener: Listener, operator: Any, url: str) -> None:
    target = url.format(port=listener.port)
    status, body = patch_settings(tenant, {"llm_provider": "openai", "llm_base_url": target, "llm_api_key": TENANT_KEY})
    assert status == 422, body
    assert body["error"]["code"] in ("outbound_url_refused", "validation_failed")
    assert listener.connections == 0 and listener.received == []


def test_private_targets_stay_refused_even_when_the_host_is_allow_listed(
        tenant: Tenant, listener: Listener, operator: Any) -> None:
    operator(OUTBOUND_ALLOWED_HOSTS="localhost,127.0.0.1,::1", OUTBOUND_ALLOW_HTTP="true")
    for host in ("127.0.0.1", "localhost", "[::1]"):
        status, body = patch_settings(tenant, {"llm_provider": "openai", "llm_api_key": TENANT_KEY,
                                               "llm_base_url": f"http://{host}:{listener.port}/v1"})
        assert status == 422 and body["error"]["details"][0]["type"] == "address_not_public", body
        assert "interno" in body["error"]["message"]
    assert listener.connections == 0


def test_an_own_endpoint_needs_an_own_key(tenant: Tenant, listener: Listener, operator: Any) -> None:
    operator(OUTBOUND_ALLOWED_HOSTS="127.0.0.1", OUTBOUND_ALLOW_HTTP="true", OUTBOUND_ALLOW_PRIVATE="true")
    status, body = patch_settings(tenant, {"llm_provider": "openai",
                                           "llm_base_url": f"http://127.0.0.1:{listener.port}/v1"})
    assert status == 422 and body["error"]["details"][0]["type"] == "own_key_required"
    status, body = patch_settings(tenant, {"llm_api_key": TENANT_KEY})  # a key without an endpoint is pointless
    assert status == 422 and body["error"]["details"][0]["type"] == "key_without_endpoint"
    assert listener.connections == 0


def test_platform_key_never_goes_to_a_stored_tenant_endpoint(tenant: Tenant, listener: Listener,
                                                             operator: Any) -> None:
    """A settings row written before the fix (endpoint, no own key) must not get the platform key, even
    when the operator allows private targets: the analysis' LLM step fails closed and the listener hears nothing."""
    from licita.accounts.llm_endpoint import llm_provider_for, resolve_llm_endpoint
    from licita.core.errors import ValidationFailed
    from licita.tenders.analysis.enrich import enrich

    operator(OUTBOUND_ALLOWED_HOSTS="127.0.0.1", OUTBOUND_ALLOW_HTTP="true", OUTBOUND_ALLOW_PRIVATE="true")
    legacy = {"llm_provider": "openai", "llm_base_url": f"http://127.0.0.1:{listener.port}/v1",
              "llm_api_key": "plaintext-from-before"}
    with system_transaction() as db:
        db.execute(update(Company).where(Company.id == tenant.company.id).values(settings=legacy))
    with pytest.raises(ValidationFailed) as err:
        resolve_llm_endpoint(legacy)
    assert err.value.details[0]["type"] == "own_key_required"
    with pytest.raises(ValidationFailed):
        llm_provider_for(legacy)
    run: dict[str, Any] = {"provider": "openai", "errors": []}
    analysis = {"notes": []}
    out = enrich(object(), analysis, tenant.company.id, legacy, "0" * 64, run)
    assert run["llm"]["status"] == "failed" and "falhou" in out["notes"][-1]
    assert listener.connections == 0 and listener.received == []
    # without an own endpoint the platform endpoint and key are used, as configured
    platform = resolve_llm_endpoint({"llm_provider": "openai"})
    assert platform.is_platform and platform.api_key == PLATFORM_KEY and platform.base_url == ""


def test_with_an_own_key_only_that_key_reaches_the_own_endpoint(tenant: Tenant, listener: Listener,
                                                                 operator: Any) -> None:
    """Positive control (operator allows the loopback listener): the request does arrive, and it carries the
    tenant's key, never the platform's; the API never shows the key back."""
    from licita.accounts.llm_endpoint import llm_provider_for
    from licita.extraction.llm.base import LLMError
    from licita.platform.db.engine import system_transaction as tx

    operator(OUTBOUND_ALLOWED_HOSTS="127.0.0.1", OUTBOUND_ALLOW_HTTP="true", OUTBOUND_ALLOW_PRIVATE="true")
    status, company = patch_settings(tenant, {"llm_provider": "openai", "llm_model": "meu-modelo",
                                              "llm_base_url": f"http://127.0.0.1:{listener.port}/v1",
                                              "llm_api_key": TENANT_KEY})
    assert status == 200, company
    assert company["settings"] == {"llm_provider": "openai", "llm_model": "meu-modelo",
                                   "llm_base_url": f"http://127.0.0.1:{listener.port}/v1",
                                   "llm_api_key_set": True, "llm_api_key_hint": "…" + TENANT_KEY[-4:]}
    with tx() as db:
        stored = db.get(Company, tenant.company.id).settings  # type: ignore[union-attr]
    assert TENANT_KEY not in str(stored) and stored["llm_api_key_encrypted"]
    status, audit = call("accounts", "GET", "/audit", token=token(tenant.admin), query={"action": "company.updated"})
    assert status == 200 and TENANT_KEY not in str(audit) and "llm_api_key_encrypted" not in str(audit)

    provider = llm_provider_for(stored)
    assert provider is not None
    with pytest.raises(LLMError):
        provider.complete_json("sistema", "usuario", {"type": "object"}, timeout=5)
    assert listener.connections >= 1
    seen = b"".join(listener.received)
    assert f"Bearer {TENANT_KEY}".encode() in seen and PLATFORM_KEY.encode() not in seen

    # changing the endpoint forgets the key: it is never sent somewhere it was not given for
    status, body = patch_settings(tenant, {"llm_base_url": f"http://127.0.0.1:{listener.port}/outro"})
    assert status == 422 and body["error"]["details"][0]["type"] == "own_key_required"


def test_null_or_unknown_settings_are_422(tenant: Tenant) -> None:
    assert call("accounts", "PATCH", "/companies/me", {"settings": None}, token=token(tenant.admin))[0] == 422
    status, body = patch_settings(tenant, {"llm_base_url": "https://api.openai.com/v1", "webhook": "x"})
    assert status == 422 and body["error"]["details"][0]["field"] == "settings.webhook"
    status, body = patch_settings(tenant, {"llm_model": "x" * 101})
    assert status == 422 and "máximo 100" in body["error"]["details"][0]["message"]
