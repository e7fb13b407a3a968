"""Schemathesis hooks for `make fuzz`: log in as the demo admin (tenant routes) or the master (/admin routes).

Loaded through ``SCHEMATHESIS_HOOKS=fuzz_hooks`` (scripts/ on PYTHONPATH). Credentials come from the environment
set by scripts/fuzz.py. Tokens are cached briefly and re-fetched after a 401, because the fuzzer itself logs out,
revokes sessions and changes roles while it runs.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import httpx
import schemathesis


def _account(case: Any, _ctx: Any = None) -> str:
    """Which account a case uses: /admin needs the platform permission only the master holds."""
    return "master" if str(case.path).startswith("/admin") else "admin"


@schemathesis.auth(refresh_interval=60, cache_by_key=_account)
class LicitaLogin:
    """Bearer token of a fresh login; re-login after 401 (schemathesis invalidates the cache)."""

    def get(self, case: Any, ctx: Any) -> str:
        base = os.environ["FUZZ_BASE_URL"]
        who = _account(case)
        email = os.environ["FUZZ_MASTER_EMAIL" if who == "master" else "FUZZ_EMAIL"]
        resp = httpx.post(f"{base}/auth/login", json={"email": email, "password": os.environ["FUZZ_PASSWORD"]},
                          timeout=30)
        resp.raise_for_status()
        return str(resp.json()["access_token"])

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


_PROTECTED_PARAMS = ("company_id", "user_id")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Keep the fuzzer's own accounts alive: a mutation aimed at them (suspend the demo company, demote or
    deactivate the demo admin) goes to a random id instead (a 404), so the run keeps testing as an admin."""
    if str(case.method).upper() == "GET" or not case.path_parameters:
        return
    protected = set(filter(None, os.environ.get("FUZZ_PROTECTED_IDS", "").split(",")))
    for name in _PROTECTED_PARAMS:
        if str(case.path_parameters.get(name, "")).lower() in protected:
            case.path_parameters[name] = str(uuid.uuid4())
