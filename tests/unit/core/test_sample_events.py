"""The sample events in events/ stay valid for the code that consumes them."""

from __future__ import annotations

import json
from pathlib import Path

from licita.tenders.uploads import parse_s3_notification

EVENTS = Path(__file__).resolve().parents[3] / "events"


def test_every_sample_event_is_json() -> None:
    files = sorted(EVENTS.glob("*.json"))
    assert len(files) >= 5
    for path in files:
        json.loads(path.read_text())


def test_s3_in_sqs_sample_parses_to_an_upload() -> None:
    event = json.loads((EVENTS / "sqs-s3-object-created.json").read_text())
    (obj,) = parse_s3_notification(json.loads(event["Records"][0]["body"]))
    assert obj.filename == "Edital PE 035-2018.pdf"


def test_rest_sample_has_the_fields_chalice_routes_on() -> None:
    event = json.loads((EVENTS / "api-login.json").read_text())
    assert event["requestContext"]["resourcePath"] == event["resource"] == "/auth/login"
    assert "multiValueQueryStringParameters" in event
