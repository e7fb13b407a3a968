"""Security tests revoke sessions and publish account events: leave the shared notifications queue empty, so
the pipeline tests that run next in the same process see only their own events."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _drain_notifications(infra: dict[str, str]) -> Iterator[None]:
    yield
    queue = os.environ.get("NOTIFICATIONS_QUEUE_URL")
    if not queue:
        return
    import boto3

    sqs = boto3.client("sqs", endpoint_url=infra["AWS_ENDPOINT_URL"], region_name="us-east-1")
    while got := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        for message in got:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
