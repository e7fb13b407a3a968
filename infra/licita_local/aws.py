"""Creates the template's S3 buckets and SQS queues (with DLQs and S3 -> SQS notifications) in moto.

Idempotent: an existing queue gets its attributes re-applied, an existing bucket is reused, so a
restart against the same endpoint (moto, LocalStack, a persistent emulator) converges to the template.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Any

from licita_local.template import REGION, Template, queue_arn

log = logging.getLogger("licita.local.aws")

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


def ensure_dummy_credentials() -> None:
    """boto3 insists on credentials; moto accepts any. Never overrides real ones already set."""
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        os.environ["AWS_ACCESS_KEY_ID"] = DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"]
        os.environ["AWS_SECRET_ACCESS_KEY"] = DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
        os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)


def client(service: str, endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    ensure_dummy_credentials()
    return boto3.client(  # type: ignore[call-overload]
        service, endpoint_url=endpoint_url, region_name=REGION,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


_CORS_KEYS = {"Id": "ID", "ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"}


def s3_cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation CorsRule -> S3 API CORSRule (a few keys are spelled differently)."""
    out = {_CORS_KEYS.get(k, k): v for k, v in rule.items()}
    if "MaxAgeSeconds" in out:
        out["MaxAgeSeconds"] = int(out["MaxAgeSeconds"])
    return out


@dataclass(frozen=True)
class Provisioned:
    queue_urls: dict[str, str]  # logical id -> URL
    buckets: dict[str, str]  # logical id -> name


def provision(template: Template, endpoint_url: str) -> Provisioned:
    """Create queues (DLQs first), then buckets with CORS and queue notifications."""
    sqs = client("sqs", endpoint_url)
    urls: dict[str, str] = {}
    ordered = sorted(template.queues.values(), key=lambda q: q.dlq is not None)
    for q in ordered:
        attrs = dict(q.attributes)
        if q.dlq is not None:
            attrs["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": queue_arn(template.queues[q.dlq].name),
                 "maxReceiveCount": q.max_receive_count or 1}
            )
        try:
            urls[q.logical_id] = sqs.create_queue(QueueName=q.name, Attributes=attrs)["QueueUrl"]
        except sqs.exceptions.QueueNameExists:
            url = sqs.get_queue_url(QueueName=q.name)["QueueUrl"]
            settable = {k: v for k, v in attrs.items() if k not in ("FifoQueue",)}
            if settable:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=settable)
            urls[q.logical_id] = url

    s3 = client("s3", endpoint_url)
    names: dict[str, str] = {}
    for b in template.buckets.values():
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
            s3.create_bucket(Bucket=b.name)
        names[b.logical_id] = b.name
        if b.cors_rules:
            s3.put_bucket_cors(Bucket=b.name, CORSConfiguration={"CORSRules": [s3_cors_rule(r) for r in b.cors_rules]})
        if b.notifications:
            config = {"QueueConfigurations": [
                {
                    "QueueArn": queue_arn(template.queues[n.queue].name),
                    "Events": list(n.events),
                    **({"Filter": {"Key": {"FilterRules": [
                        {"Name": name, "Value": value} for name, value in n.filter_rules]}}}
                       if n.filter_rules else {}),
                }
                for n in b.notifications
            ]}
            s3.put_bucket_notification_configuration(Bucket=b.name, NotificationConfiguration=config)
    log.debug("provisioned %d queues, %d buckets at %s", len(urls), len(names), endpoint_url)
    return Provisioned(urls, names)


def queue_depths(template: Template, endpoint_url: str) -> list[dict[str, Any]]:
    """Depth of every queue and of its DLQ, for GET /_local/queues."""
    sqs = client("sqs", endpoint_url)

    def depth(url: str) -> dict[str, int]:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        return {"visible": int(attrs.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
                "delayed": int(attrs.get("ApproximateNumberOfMessagesDelayed", 0))}

    out: list[dict[str, Any]] = []
    dlqs = {q.dlq for q in template.queues.values() if q.dlq}
    for q in template.queues.values():
        url = template.queue_url(q.logical_id)
        row: dict[str, Any] = {"logical_id": q.logical_id, "name": q.name, "url": url,
                               "is_dlq": q.logical_id in dlqs, **depth(url)}
        if q.dlq:
            dlq_url = template.queue_url(q.dlq)
            row["dlq"] = {"logical_id": q.dlq, "url": dlq_url, "max_receive_count": q.max_receive_count,
                          **depth(dlq_url)}
        out.append(row)
    return out


def redrive(template: Template, endpoint_url: str, logical_id: str) -> int:
    """Move every message from ``logical_id``'s DLQ back to it (body and attributes kept)."""
    q = template.queues.get(logical_id)
    if q is None or q.dlq is None:
        raise KeyError(logical_id)
    sqs = client("sqs", endpoint_url)
    dlq_url, target = template.queue_url(q.dlq), template.queue_url(logical_id)
    moved = 0
    while True:
        msgs = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                   MessageAttributeNames=["All"], VisibilityTimeout=30).get("Messages", [])
        if not msgs:
            return moved
        for m in msgs:
            kwargs: dict[str, Any] = {"QueueUrl": target, "MessageBody": m["Body"]}
            if m.get("MessageAttributes"):
                kwargs["MessageAttributes"] = m["MessageAttributes"]
            sqs.send_message(**kwargs)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
            moved += 1
