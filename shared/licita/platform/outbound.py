"""Outbound URLs chosen by a tenant (e.g. a company's own LLM endpoint): allow-listed, resolved, checked.

A tenant must not make the platform call its internal network or cloud metadata (SSRF), nor receive
requests the operator did not intend. :func:`check_outbound_url` refuses, with a Portuguese 422:
- schemes other than https (http only when ``OUTBOUND_ALLOW_HTTP``), credentials in the URL;
- hosts outside ``OUTBOUND_ALLOWED_HOSTS`` (exact hosts, ``.suffix`` entries, or ``*`` for any public host);
- any host whose DNS answer contains a private, loopback, link-local (169.254.169.254 included), unique-local
  IPv6, multicast, CGNAT or otherwise non-global address (IPv4-mapped IPv6 unwrapped), unless the operator
  sets ``OUTBOUND_ALLOW_PRIVATE``. Every address is checked, not just the first.

The result carries the checked addresses; :meth:`ResolvedUrl.pinned` gives an httpx request that connects
to one of them (Host header and TLS SNI keep the name), so a second DNS answer cannot rebind the request.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from licita.core.config import Settings, get_settings
from licita.core.errors import ValidationFailed

Resolver = Callable[..., Sequence[tuple[Any, ...]]]


@dataclass(frozen=True)
class ResolvedUrl:
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]

    def pinned(self) -> tuple[str, dict[str, str], dict[str, Any]]:
        """(url with the checked IP, headers, httpx extensions) for a request that cannot be rebound."""
        parts = urlsplit(self.url)
        ip = self.addresses[0]
        netloc = f"[{ip}]" if ":" in ip else ip
        default = 443 if self.scheme == "https" else 80
        if self.port != default:
            netloc += f":{self.port}"
        host_header = self.host if self.port == default else f"{self.host}:{self.port}"
        extensions = {"sni_hostname": self.host} if self.scheme == "https" else {}
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), {"Host": host_header}, extensions


def _refuse(reason: str, message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code="outbound_url_refused",
                            details=[{"field": field, "type": reason, "message": message}])


def host_allowed(host: str, allowed: str) -> bool:
    for raw in allowed.split(","):
        entry = raw.strip().lower().rstrip(".")
        if not entry:
            continue
        if entry == "*" or host == entry.lstrip(".") or (entry.startswith(".") and host.endswith(entry)):
            return True
    return False


def forbidden_address(address: str) -> bool:
    """True for anything that is not a plain public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def check_outbound_url(url: str, *, field: str = "url", settings: Settings | None = None,
                       resolver: Resolver = socket.getaddrinfo) -> ResolvedUrl:
    """Validate a tenant-chosen URL and resolve it to addresses that are safe to connect to."""
    cfg = settings or get_settings()
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _refuse("url_invalid", "Endereço (URL) inválido.", field) from None
    schemes = ("https", "http") if cfg.outbound_allow_http else ("https",)
    if parts.scheme.lower() not in schemes:
        raise _refuse("url_scheme", f"Use um endereço {' ou '.join(schemes)}.", field)
    if parts.username or parts.password:
        raise _refuse("url_credentials", "O endereço não pode conter usuário ou senha.", field)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise _refuse("url_invalid", "Endereço (URL) sem servidor.", field)
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise _refuse("url_invalid", "Nome de servidor inválido.", field) from None
    if not host_allowed(host, cfg.outbound_allowed_hosts):
        raise _refuse("host_not_allowed", f"O servidor {host} não está na lista de destinos permitidos "
                      "pela plataforma.", field)
    scheme = parts.scheme.lower()
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _refuse("dns_failed", f"Não foi possível resolver o servidor {host}.", field) from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise _refuse("dns_failed", f"Não foi possível resolver o servidor {host}.", field)
    if not cfg.outbound_allow_private:
        bad = [a for a in addresses if forbidden_address(a)]
        if bad:
            raise _refuse("address_not_public", f"O servidor {host} aponta para um endereço interno ou reservado "
                          "(rede privada, loopback, link-local ou multicast); destino recusado.", field)
    return ResolvedUrl(urlunsplit((scheme, parts.netloc, parts.path, parts.query, "")), scheme, host, port,
                       addresses)
