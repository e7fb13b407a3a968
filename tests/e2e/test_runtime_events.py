"""S3 -> SQS -> function and schedules, on the project's template."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from urllib.parse import unquote_plus

import httpx
from runtime_support import ROOT, RuntimeHandle


def test_presigned_put_triggers_the_analysis_function(runtime: RuntimeHandle) -> None:
    s3 = runtime.client("s3")
    key = f"companies/{uuid.uuid4()}/tenders/{uuid.uuid4()}/edital número 1.pdf"
    url = s3.generate_presigned_url("put_object", ExpiresIn=300, Params={
        "Bucket": runtime.uploads_bucket, "Key": key, "ContentType": "application/octet-stream"})
    since = runtime.last_invocation_id()
    resp = httpx.put(url, content=b"%PDF-1.4 not really", headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 200, resp.text
    (invocation,) = runtime.wait_for("AnalysisFunction", since, timeout=20)
    assert invocation["source"] == "sqs" and invocation["target"].startswith("AnalysisQueue")
    # the object really is there, and the queue carried the S3 record for exactly that key
    assert s3.head_object(Bucket=runtime.uploads_bucket, Key=key)["ContentLength"] == 19


def test_s3_event_shape_reaches_the_queue(runtime: RuntimeHandle) -> None:
    """Same path without the function: a probe queue subscribed to the bucket sees AWS's record shape."""
    sqs, s3 = runtime.client("sqs"), runtime.client("s3")
    probe = sqs.create_queue(QueueName=f"probe-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=probe, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bucket = f"probe-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=bucket, Key="companies/a b.pdf", Body=b"x")
    bodies = []
    for _ in range(5):
        msgs = sqs.receive_message(QueueUrl=probe, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])
        bodies += [json.loads(m["Body"]) for m in msgs]
        if any("Records" in b for b in bodies):
            break
    record = next(b for b in bodies if "Records" in b)["Records"][0]
    assert record["eventSource"] == "aws:s3" and record["eventName"].startswith("ObjectCreated")
    assert unquote_plus(record["s3"]["object"]["key"]) == "companies/a b.pdf"


def test_schedule_listed_and_fired_by_hand(runtime: RuntimeHandle, http: httpx.Client) -> None:
    items = http.get("/_local/schedules").json()["items"]
    (expire,) = [s for s in items if s["function"] == "MaintenanceFunction" and "expire-sessions" in s["rule_name"]]
    assert expire["expression"] == "rate(5 minutes)" and expire["next_fire"]
    since = runtime.last_invocation_id()
    resp = http.post(f"/_local/schedules/{expire['rule_name']}/fire")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["ok"] and body["result"]["task"] == "expire_sessions"
    (inv,) = runtime.invocations("MaintenanceFunction", since)
    assert inv["source"] == "schedule" and inv["ok"]
    assert http.post("/_local/schedules/no-such-schedule/fire").status_code == 404


def test_fire_from_the_cli(runtime: RuntimeHandle) -> None:
    since = runtime.last_invocation_id()
    out = subprocess.run([sys.executable, "-m", "licita_local", "fire", "ExpireSessions", "--url", runtime.rest_url],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["function"] == "MaintenanceFunction"
    assert len(runtime.invocations("MaintenanceFunction", since)) == 1
