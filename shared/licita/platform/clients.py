"""Lazily created, container-wide clients for Redis, MongoDB and AWS (reused across warm invocations)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from licita.core.config import get_settings

if TYPE_CHECKING:
    from pymongo.database import Database
    from redis import Redis

    from licita.platform.resp import RespClient


@cache
def get_redis() -> Redis:
    from redis import Redis  # noqa: PLC0415  (heavy: redis ~190 ms, only when a client is created)
    from redis.backoff import ExponentialBackoff  # noqa: PLC0415  (heavy: redis ~190 ms, only when a client is created)
    from redis.retry import Retry  # noqa: PLC0415  (heavy: redis ~190 ms, only when a client is created)

    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not configured")
    # A dropped connection is re-dialled (a restart blip is absorbed); a real outage fails within ~0.5 s
    # so the API answers 503 quickly instead of waiting out redis-py's default multi-second backoff.
    return Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=5,
                          retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), 3))


@cache
def get_resp() -> RespClient:
    """The standard-library Redis client for the cold-start-critical paths (authorizer, ws ``$connect``)."""
    from licita.platform.resp import RespClient  # noqa: PLC0415  (only the paths that use it load it)

    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not configured")
    return RespClient(url, timeout=2.0)


@cache
def get_mongo() -> Database[dict[str, Any]]:
    from pymongo import MongoClient  # noqa: PLC0415  (heavy: pymongo ~190 ms, only when a client is created)

    settings = get_settings()
    if not settings.mongo_url:
        raise RuntimeError("MONGO_URL is not configured")
    client: MongoClient[dict[str, Any]] = MongoClient(
        settings.mongo_url, serverSelectionTimeoutMS=3000, tz_aware=True
    )
    return client[settings.mongo_db]


@cache
def get_mongo_reads() -> Any:
    """The database for reads on cold paths (the inbox): the standard-library reader when the URL allows it
    (``platform.mongo_light``: no pymongo import), otherwise pymongo's, as :func:`get_mongo`."""
    from licita.platform.mongo_light import reader_for  # noqa: PLC0415  (only the paths that read with it)

    settings = get_settings()
    if not settings.mongo_url:
        raise RuntimeError("MONGO_URL is not configured")
    return reader_for(settings.mongo_url, settings.mongo_db) or get_mongo()


@cache
def aws_client(service: str) -> Any:
    """boto3 client honouring AWS_ENDPOINT_URL (moto, LocalStack) when set."""
    import boto3  # noqa: PLC0415  (heavy: boto3 ~200 ms, only when a client is created)

    settings = get_settings()
    kwargs: dict[str, Any] = {"region_name": settings.aws_region}
    if settings.aws_endpoint_url:
        kwargs["endpoint_url"] = settings.aws_endpoint_url
    return boto3.client(service, **kwargs)  # type: ignore[call-overload]


def reset_clients() -> None:
    if get_resp.cache_info().currsize:
        get_resp().close()
    get_resp.cache_clear()
    get_redis.cache_clear()
    if get_mongo_reads.cache_info().currsize:
        from licita.platform.mongo_light import MongoReader  # noqa: PLC0415  (already loaded by get_mongo_reads)

        if isinstance(reads := get_mongo_reads(), MongoReader):
            reads.close()
    get_mongo_reads.cache_clear()
    get_mongo.cache_clear()
    aws_client.cache_clear()
