"""The runtime's sped-up moto SQS (licita_local/moto_speedups.py) answers exactly as stock moto does.

One scenario — a backlog, a delayed message, visibility timeouts, batch deletes with current, old, repeated
and invalid receipt handles, redrive to a DLQ — runs against stock moto in this process (``mock_aws``, not
patched here) and against the runtime's moto server over its socket (patched); the two traces must match.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3
import pytest
from moto import mock_aws


def scenario(sqs: Any) -> list[Any]:
    trace: list[Any] = []
    suffix = str(time.time_ns())
    dlq = sqs.create_queue(QueueName=f"speed-dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=f"speed-{suffix}", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})["QueueUrl"]

    def counts() -> tuple[str, str, str]:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"],
                attrs["ApproximateNumberOfMessagesDelayed"])

    def receive(n: int, visibility: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, WaitTimeSeconds=0,
                                                         VisibilityTimeout=visibility).get("Messages", [])
        return got

    for start in range(0, 30, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{start + i:02d}"}
                                                      for i in range(10)])
    sqs.send_message(QueueUrl=url, MessageBody="late", DelaySeconds=2)
    trace.append(("after send", counts()))
    first = receive(10, 1)
    trace.append(("first receive", sorted(m["Body"] for m in first)))
    trace.append(("in flight", counts()))
    second = receive(10, 30)
    trace.append(("second receive", sorted(m["Body"] for m in second)))
    done = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(second[:5])]
        + [{"Id": "bogus", "ReceiptHandle": "not-a-handle"}])
    trace.append(("batch delete", sorted(s["Id"] for s in done.get("Successful", [])),
                  sorted((f["Id"], f["Code"]) for f in done.get("Failed", []))))
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second[0]["ReceiptHandle"])  # deleting twice succeeds
    trace.append(("after deletes", counts()))
    time.sleep(2.2)  # the first receive's visibility ended; the delayed message is now visible
    again = receive(10, 30)
    trace.append(("visible again", sorted(m["Body"] for m in again)))
    by_body = {m["Body"]: m for m in first}
    stale = next(m for m in again if m["Body"] in by_body)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=by_body[stale["Body"]]["ReceiptHandle"])  # an old handle
    trace.append(("old handle deleted", counts()))
    with pytest.raises(sqs.exceptions.ClientError) as invalid:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="still-not-a-handle")
    trace.append(("invalid handle", invalid.value.response["Error"]["Code"]))
    # every message left has been received twice by now or is fresh: drain with short visibility, then redrive
    rest = receive(10, 1)
    trace.append(("rest", sorted(m["Body"] for m in rest)))
    time.sleep(1.2)
    for _ in range(4):
        receive(10, 1)
    time.sleep(1.2)
    for _ in range(4):
        receive(10, 0)
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    trace.append(("dead-lettered", len(dead) > 0))
    return trace


def test_sped_up_moto_sqs_answers_like_stock_moto(infra: dict[str, str]) -> None:
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        stock = scenario(boto3.client("sqs", region_name=region))
    ours = scenario(boto3.client("sqs", region_name=region, endpoint_url=infra["AWS_ENDPOINT_URL"]))
    assert ours == stock
    assert stock[1][1] and len(stock[1][1]) == 10 and ("invalid handle", "ReceiptHandleIsInvalid") in stock
