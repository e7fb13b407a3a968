"""check_outbound_url: allow-list, schemes, and every resolved address checked (a DNS stub, as the outside world)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from licita.core.config import load_settings
from licita.core.errors import ValidationFailed
from licita.platform.outbound import check_outbound_url, forbidden_address, host_allowed


def dns(*addresses: str) -> Any:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]
    return resolve


SETTINGS = load_settings({"OUTBOUND_ALLOWED_HOSTS": "api.openai.com,.openai.azure.com,llm.example.com"})


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "fd00::1",
                                     "fe80::1%eth0", "::ffff:127.0.0.1", "ff02::1", "::"])
def test_internal_addresses_are_forbidden(address: str) -> None:
    assert forbidden_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "104.18.7.192", "2606:4700::6810:7c0"])
def test_public_addresses_pass(address: str) -> None:
    assert not forbidden_address(address)


def test_one_private_answer_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_outbound_url("https://llm.example.com/v1", settings=SETTINGS, resolver=dns("8.8.8.8", "10.0.0.5"))
    assert err.value.details[0]["type"] == "address_not_public"


def test_allowed_public_host_resolves_and_pins() -> None:
    resolved = check_outbound_url("https://x.openai.azure.com:8443/v1?a=1", settings=SETTINGS,
                                  resolver=dns("20.1.2.3", "20.1.2.4"))
    assert resolved.addresses == ("20.1.2.3", "20.1.2.4") and resolved.port == 8443
    url, headers, ext = resolved.pinned()
    assert url == "https://20.1.2.3:8443/v1?a=1" and headers == {"Host": "x.openai.azure.com:8443"}
    assert ext == {"sni_hostname": "x.openai.azure.com"}


@pytest.mark.parametrize(("url", "reason"), [
    ("http://api.openai.com/v1", "url_scheme"),
    ("https://evil.example.net/v1", "host_not_allowed"),
    ("https://api.openai.com.evil.net/", "host_not_allowed"),
    ("https://openai.azure.com.evil.net/", "host_not_allowed"),
    ("https://u:p@api.openai.com/", "url_credentials"),
    ("https:///nohost", "url_invalid"),
    ("https://api.openai.com:99999/", "url_invalid"),
])
def test_refusals_name_the_reason_in_portuguese(url: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_outbound_url(url, settings=SETTINGS, resolver=dns("8.8.8.8"))
    assert err.value.status == 422 and err.value.details[0]["type"] == reason


def test_operator_switches() -> None:
    relaxed = load_settings({"OUTBOUND_ALLOWED_HOSTS": "*", "OUTBOUND_ALLOW_PRIVATE": "true",
                             "OUTBOUND_ALLOW_HTTP": "true"})
    assert check_outbound_url("http://ollama.lan:11434", settings=relaxed, resolver=dns("10.0.0.2")).port == 11434
    assert host_allowed("a.b.openai.azure.com", ".openai.azure.com") and not host_allowed("xopenai.azure.com",
                                                                                         ".openai.azure.com")
