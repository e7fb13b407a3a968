"""Fixtures for the procurement desk: real PostgreSQL/Redis/Mongo-wire/moto from ``infra``; a bucket, the
reports queue (+DLQ) and the notifications pipeline from ``notify_env``; tenants calling the functions with
real API Gateway events (authorizer context as the Lambda authorizer fills it)."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factories import make_company, make_user
from notify_helpers import NotifyEnv, reset_licita
from tenders_helpers import Caller, api_event, load_function


@dataclass
class Proc:
    s3: Any
    sqs: Any
    bucket: str
    reports_queue: str
    reports_dlq: str
    notify: NotifyEnv


@pytest.fixture(scope="session")
def proc(notify_env: NotifyEnv, infra: dict[str, str]) -> Iterator[Proc]:
    import boto3

    kw: dict[str, Any] = {"endpoint_url": infra["AWS_ENDPOINT_URL"], "region_name": "us-east-1"}
    s3, sqs = boto3.client("s3", **kw), boto3.client("sqs", **kw)
    suffix = uuid.uuid4().hex[:8]
    bucket = f"licita-proc-{suffix}"
    s3.create_bucket(Bucket=bucket)
    dlq = sqs.create_queue(QueueName=f"reports-dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName=f"reports-{suffix}", Attributes={
        "VisibilityTimeout": "300",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    saved = {k: os.environ.get(k) for k in ("UPLOADS_BUCKET", "REPORTS_QUEUE_URL")}
    os.environ.update(UPLOADS_BUCKET=bucket, REPORTS_QUEUE_URL=queue)
    reset_licita()
    yield Proc(s3, sqs, bucket, queue, dlq, notify_env)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    reset_licita()


@pytest.fixture(scope="session")
def suppliers_app(proc: Proc) -> Any:
    return load_function("suppliers").app


@pytest.fixture(scope="session")
def quotes_app(proc: Proc) -> Any:
    return load_function("quotes").app


@pytest.fixture(scope="session")
def portal_app(proc: Proc) -> Any:
    return load_function("quote_portal").app


@pytest.fixture(scope="session")
def reports_app(proc: Proc) -> Any:
    return load_function("reports").app


def make_caller(role: str = "MANAGER") -> Caller:
    company = make_company()
    user = make_user(company, role=role)
    return Caller(str(user.id), str(company.id), role)


def same_company(caller: Caller, role: str) -> Caller:
    from licita.accounts.models import Company
    from licita.platform.db.engine import system_transaction

    with system_transaction() as db:
        company = db.get(Company, uuid.UUID(caller.company_id))
    assert company is not None
    return Caller(str(make_user(company, role=role).id), caller.company_id, role)


def call(app: Any, method: str, resource: str, caller: Caller | None, **kw: Any) -> tuple[int, Any]:
    response = app(api_event(method, resource, caller, **kw), None)
    text = response.get("body")
    ctype = (response.get("headers") or {}).get("Content-Type", "")
    if text and ctype.startswith("application/json"):
        return response["statusCode"], json.loads(text)
    return response["statusCode"], text


def raw(app: Any, method: str, resource: str, caller: Caller | None, **kw: Any) -> dict[str, Any]:
    result: dict[str, Any] = app(api_event(method, resource, caller, **kw), None)
    return result
