"""Telling an outage of our own infrastructure (PostgreSQL, Redis, MongoDB) from a bug.

An outage is answered 503 ``service_unavailable`` with ``Retry-After`` (the client retries; nothing was
half-written because the transaction never committed); anything else stays a 500. Driver modules are
looked up in ``sys.modules`` only, so this check never imports a heavy library a function does not use.
"""

from __future__ import annotations

import sys

from licita.core.errors import ServiceUnavailable

RETRY_AFTER_SECONDS = 5
_OUTAGE_TYPES = (
    ("sqlalchemy.exc", "OperationalError"),
    ("sqlalchemy.exc", "DisconnectionError"),
    ("sqlalchemy.exc", "InterfaceError"),
    ("psycopg", "OperationalError"),
    ("psycopg", "InterfaceError"),
    ("redis.exceptions", "ConnectionError"),
    ("redis.exceptions", "TimeoutError"),
    ("redis.exceptions", "BusyLoadingError"),
    ("licita.platform.resp", "RespConnectionError"),
    ("licita.platform.db.pgwire", "PgConnectionError"),
    ("licita.platform.mongo_light", "MongoConnectionError"),
    ("pymongo.errors", "ConnectionFailure"),
    ("pymongo.errors", "ServerSelectionTimeoutError"),
    ("pymongo.errors", "NetworkTimeout"),
)


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is a lost connection to one of our stores."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for module_name, class_name in _OUTAGE_TYPES:
            module = sys.modules.get(module_name)
            cls = getattr(module, class_name, None) if module is not None else None
            if isinstance(cls, type) and isinstance(current, cls):
                return True
        current = current.__cause__ or current.__context__
    return False


def outage_error() -> ServiceUnavailable:
    return ServiceUnavailable("Serviço temporariamente indisponível; tente novamente em instantes.",
                              headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
