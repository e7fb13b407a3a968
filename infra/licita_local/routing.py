"""REST route table (API Gateway resource matching) and IAM-policy evaluation for authorizer results.

Matching follows API Gateway: a literal resource beats a ``{param}`` one, which beats ``{proxy+}``;
the method table of the matched resource decides 200-path vs 405. Everything is compiled once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

_PARAM = re.compile(r"\{([A-Za-z0-9_.\-]+)(\+?)\}")


@dataclass(frozen=True)
class Route:
    path: str  # resource, e.g. /auth/sessions/{session_id}
    method: str  # GET ... or ANY
    function: str  # logical id
    authorizer: str | None
    rest_api: str
    event_name: str = ""


@dataclass
class Resource:
    path: str
    methods: dict[str, Route] = field(default_factory=dict)
    regex: re.Pattern[str] | None = None
    allow: str = ""

    def route_for(self, method: str) -> Route | None:
        return self.methods.get(method) or self.methods.get("ANY")


def compile_path(path: str) -> re.Pattern[str]:
    """``/a/{id}/b/{rest+}`` -> ``^/a/(?P<id>[^/]+)/b/(?P<rest>.+)$``."""
    out, pos = ["^"], 0
    for m in _PARAM.finditer(path):
        out.append(re.escape(path[pos:m.start()]))
        name = m.group(1).replace("-", "_").replace(".", "_")
        out.append(f"(?P<{name}>.+)" if m.group(2) else f"(?P<{name}>[^/]+)")
        pos = m.end()
    out.append(re.escape(path[pos:]))
    out.append("$")
    return re.compile("".join(out))


def _specificity(path: str) -> tuple[int, int, int]:
    segs = [s for s in path.split("/") if s]
    literal = sum(1 for s in segs if not s.startswith("{"))
    greedy = sum(1 for s in segs if s.endswith("+}"))
    return (greedy, -literal, -len(segs))


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        by_path: dict[str, Resource] = {}
        for r in routes:
            res = by_path.setdefault(r.path, Resource(r.path))
            if r.method in res.methods:
                raise ValueError(f"duplicate route {r.method} {r.path}")
            res.methods[r.method] = r
        for res in by_path.values():
            if "ANY" in res.methods:
                methods = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
            else:
                methods = sorted({*res.methods, "OPTIONS"})
            res.allow = ", ".join(methods)
        self.static: dict[str, Resource] = {p: r for p, r in by_path.items() if "{" not in p}
        self.dynamic: list[Resource] = sorted(
            (r for p, r in by_path.items() if "{" in p), key=lambda r: _specificity(r.path)
        )
        for res in self.dynamic:
            res.regex = compile_path(res.path)
        self._names: dict[str, list[str]] = {
            r.path: [m.group(1) for m in _PARAM.finditer(r.path)] for r in self.dynamic
        }

    @property
    def routes(self) -> list[Route]:
        return [route for res in (*self.static.values(), *self.dynamic) for route in res.methods.values()]

    def match(self, path: str) -> tuple[Resource, dict[str, str]] | None:
        """The resource for ``path`` (already percent-decoded) and its path parameters."""
        res = self.static.get(path)
        if res is None and len(path) > 1 and path.endswith("/"):
            res = self.static.get(path.rstrip("/"))
        if res is not None:
            return res, {}
        for res in self.dynamic:
            assert res.regex is not None
            m = res.regex.match(path)
            if m is not None:
                values = m.groups()
                return res, dict(zip(self._names[res.path], values, strict=True))
        return None


# ---------------------------------------------------------------------- IAM policy evaluation
@lru_cache(maxsize=1024)
def _arn_pattern(resource: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(".".join(re.escape(p) for p in part.split("?"))
                                        for part in resource.split("*")) + "$")


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: ``*`` any run of characters, ``?`` one character."""
    if pattern in ("*", arn):
        return True
    return _arn_pattern(pattern).match(arn) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _action_matches(action: str) -> bool:
    return action in ("*", "execute-api:*", "execute-api:Invoke") or arn_matches(action, "execute-api:Invoke")


def policy_allows(policy: Mapping[str, Any] | None, method_arn: str) -> bool:
    """Explicit Deny wins; otherwise an Allow statement must cover the method ARN."""
    if not isinstance(policy, Mapping):
        return False
    allowed = False
    for stmt in _as_list(policy.get("Statement")):
        if not isinstance(stmt, Mapping):
            continue
        if not any(_action_matches(str(a)) for a in _as_list(stmt.get("Action"))):
            continue
        if not any(arn_matches(str(r), method_arn) for r in _as_list(stmt.get("Resource"))):
            continue
        effect = str(stmt.get("Effect", "")).lower()
        if effect == "deny":
            return False
        if effect == "allow":
            allowed = True
    return allowed
