"""Helpers of procurement tests, importable by name (a conftest module is not)."""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from factories import make_company, make_user
from notify_helpers import NotifyEnv
from tenders_helpers import Caller, api_event


@dataclass
class Proc:
    s3: Any
    sqs: Any
    bucket: str
    reports_queue: str
    reports_dlq: str
    notify: NotifyEnv


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
