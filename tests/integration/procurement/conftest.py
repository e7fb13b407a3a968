"""Fixtures for the procurement desk: real PostgreSQL/Redis/Mongo-wire/moto from ``infra``; a bucket, the
reports queue (+DLQ) and the notifications pipeline from ``notify_env``; tenants calling the functions with
real API Gateway events (authorizer context as the Lambda authorizer fills it)."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from env_support import env_vars
from procurement_support import Proc, call, make_caller, raw, same_company  # noqa: F401

from notify_helpers import NotifyEnv, reset_licita
from tenders_helpers import Aws, load_function


@pytest.fixture(scope="session")
def proc(notify_env: NotifyEnv, aws: Aws, infra: dict[str, str]) -> Iterator[Proc]:
    import boto3

    kw: dict[str, Any] = {"endpoint_url": infra["AWS_ENDPOINT_URL"], "region_name": "us-east-1"}
    s3, sqs = boto3.client("s3", **kw), boto3.client("sqs", **kw)
    suffix = uuid.uuid4().hex[:8]
    bucket = aws.bucket  # the one uploads bucket of this worker (see the aws fixture)
    dlq = sqs.create_queue(QueueName=f"reports-dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName=f"reports-{suffix}", Attributes={
        "VisibilityTimeout": "300",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    with env_vars({"REPORTS_QUEUE_URL": queue}, reset_licita):
        yield Proc(s3, sqs, bucket, queue, dlq, notify_env)


def _app(function: str) -> Any:
    """A session fixture: ``function``'s Chalice app, loaded once ``proc`` has pointed the environment."""

    @pytest.fixture(scope="session")
    def app(proc: Proc) -> Any:
        return load_function(function).app

    return app


suppliers_app = _app("suppliers")
quotes_app = _app("quotes")
portal_app = _app("quote_portal")
reports_app = _app("reports")


