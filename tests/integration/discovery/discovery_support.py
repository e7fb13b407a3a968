"""Helpers of discovery tests, importable by name (a conftest module is not)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tenders_helpers import Aws, drain


def events(aws: Aws, kind: str | None = None) -> list[dict[str, Any]]:
    import json

    out = [json.loads(m["Body"]) for m in drain(aws.sqs, aws.notifications_queue)]
    return [e for e in out if kind is None or e["type"] == kind]
