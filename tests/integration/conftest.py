"""Fixtures shared by the integration tests; helpers they use live in notify_helpers.py and tenders_helpers.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from env_support import env_vars

from factories import make_company, make_user
from licita.platform.fakes import InMemoryPush
from notify_helpers import NotifyEnv, Tenant, management_server, reset_licita
from tenders_helpers import Aws, drain, load_function


@pytest.fixture(autouse=True)
def _infra(infra: dict[str, str]) -> dict[str, str]:
    return infra


# ------------------------------------------------------------------------------ notifications
@pytest.fixture(scope="session")
def notify_env(infra: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[NotifyEnv]:
    import boto3

    from licita_local.mail import MailSink

    sqs = boto3.client("sqs", endpoint_url=infra["AWS_ENDPOINT_URL"], region_name="us-east-1")
    queue = sqs.create_queue(QueueName=f"notifications-test-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    state = InMemoryPush()
    server = management_server(state)
    sink = MailSink(Path(tmp_path_factory.mktemp("mail")))
    _host, port = sink.start()
    env = {"NOTIFICATIONS_QUEUE_URL": queue, "WEBSOCKET_MANAGEMENT_URL": f"http://127.0.0.1:{server.server_port}",
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_TLS": "false", "SMTP_USER": "", "SMTP_PASSWORD": ""}
    with env_vars(env, reset_licita):
        yield NotifyEnv(sqs, queue, state, sink, port)
    sink.stop()
    server.shutdown()


@pytest.fixture
def tenant(notify_env: NotifyEnv) -> Tenant:
    notify_env.pump()  # the queue is the worker's one: start without what earlier tests left on it
    company = make_company(plan="internal", max_users=50, max_concurrent_sessions=50)
    return Tenant(company, make_user(company, role="ADMIN_EMPRESA"), make_user(company, role="USER"),
                  make_user(company, role="VIEWER"))


# ------------------------------------------------------------------------------ tenders and analysis
@pytest.fixture(scope="session")
def aws(infra: dict[str, str], notify_env: NotifyEnv) -> Iterator[Aws]:
    """Bucket → (ObjectCreated) → analysis queue, like template.yaml; env pointed at them.

    One world per worker: the notifications queue is notify_env's and every area uploads to this bucket, so no
    session fixture re-points another's environment variables halfway through a run."""
    import boto3

    endpoint = infra["AWS_ENDPOINT_URL"]
    kw: dict[str, Any] = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    s3, sqs = boto3.client("s3", **kw), boto3.client("sqs", **kw)
    suffix = uuid.uuid4().hex[:8]
    bucket = f"licita-uploads-test-{suffix}"
    s3.create_bucket(Bucket=bucket)
    dlq = sqs.create_queue(QueueName=f"analysis-dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    analysis = sqs.create_queue(QueueName=f"analysis-{suffix}", Attributes={
        "VisibilityTimeout": "360",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    analysis_arn = sqs.get_queue_attributes(QueueUrl=analysis, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    notifications = notify_env.queue_url
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": analysis_arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "companies/"}]}}}]})
    with env_vars({"UPLOADS_BUCKET": bucket, "ANALYSIS_QUEUE_URL": analysis}, reset_licita):
        env = Aws(s3, sqs, bucket, analysis, notifications)
        drain(env.sqs, analysis)  # the s3:TestEvent
        yield env


@pytest.fixture(scope="session")
def analysis_fn() -> ModuleType:
    return load_function("analysis")


@pytest.fixture(scope="session")
def tenders_app() -> Any:
    return load_function("tenders").app
