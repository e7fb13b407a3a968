"""Template parameters (and the environment variables they map to) and the SAM ``Globals`` merge rules."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from licita_local.template.cfn import DEFAULT_STAGE


def env_name_for_parameter(name: str) -> str:
    """``DatabaseUrl`` -> ``DATABASE_URL``; ``OpenAIApiKey`` -> ``OPEN_AI_API_KEY`` (template mapping wins)."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.upper()


# --------------------------------------------------------------------------- SAM globals
def merge_globals(glob: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM rules: maps merge (resource wins), lists append (globals first), scalars: resource wins."""
    merged: dict[str, Any] = dict(glob)
    for key, value in props.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = merge_globals(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = [*base, *value]
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref", "Condition"))


# --------------------------------------------------------------------------- parameters
def parameter_env_names(raw: Mapping[str, Any]) -> dict[str, str]:
    """Parameter -> environment variable name, learnt from ``VAR: !Ref Param`` in the template."""
    names: dict[str, str] = {}
    params = raw.get("Parameters") or {}

    def scan(variables: Any) -> None:
        if isinstance(variables, dict):
            for var, value in variables.items():
                if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in params:
                    names.setdefault(str(value["Ref"]), str(var))

    scan(((raw.get("Globals") or {}).get("Function") or {}).get("Environment", {}).get("Variables"))
    for res in (raw.get("Resources") or {}).values():
        if isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Function":
            scan(((res.get("Properties") or {}).get("Environment") or {}).get("Variables"))
    for name in params:
        names.setdefault(str(name), env_name_for_parameter(str(name)))
    return names


def resolve_parameters(
    raw: Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    stage: str = DEFAULT_STAGE,
) -> dict[str, str]:
    """Explicit overrides > environment (the variable the template maps it to) > Default; Stage is forced."""
    env = os.environ if env is None else env
    overrides = overrides or {}
    env_names = parameter_env_names(raw)
    values: dict[str, str] = {}
    for name, raw_spec in (raw.get("Parameters") or {}).items():
        spec = raw_spec or {}
        if name == "Stage":
            values[name] = stage
        elif name in overrides:
            values[name] = str(overrides[name])
        elif env_names[name] in env:
            values[name] = env[env_names[name]]
        elif "Default" in spec:
            default = spec["Default"]
            values[name] = ",".join(map(str, default)) if isinstance(default, list) else str(default)
        else:
            values[name] = ""
    return values
