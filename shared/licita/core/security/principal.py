"""Who is calling: built from the authorizer's context, or (defence in depth) from the token itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from licita.core.errors import Forbidden

ROLE_RANK = {"VIEWER": 0, "USER": 1, "MANAGER": 2, "ADMIN_EMPRESA": 3, "MASTER": 4}

# Permissions each role has by default; per-user permissions add to these.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "VIEWER": frozenset({"tenders:read", "quotes:read", "boards:read", "calendar:read"}),
    "USER": frozenset({"tenders:read", "tenders:write", "quotes:read", "quotes:write", "boards:read",
                       "boards:write", "calendar:read", "calendar:write", "suppliers:read", "suppliers:write"}),
    "MANAGER": frozenset({"tenders:read", "tenders:write", "tenders:delete", "quotes:read", "quotes:write",
                          "quotes:approve", "boards:read", "boards:write", "calendar:read", "calendar:write",
                          "suppliers:read", "suppliers:write", "reports:read", "users:read"}),
}
ROLE_PERMISSIONS["ADMIN_EMPRESA"] = ROLE_PERMISSIONS["MANAGER"] | {
    "users:read", "users:write", "company:write", "audit:read", "settings:write",
}
ROLE_PERMISSIONS["MASTER"] = ROLE_PERMISSIONS["ADMIN_EMPRESA"] | {"admin:all"}


@dataclass(frozen=True)
class Principal:
    user_id: str
    company_id: str
    role: str
    session_id: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    plan: str = "basic"
    must_change_password: bool = False

    def can(self, permission: str) -> bool:
        return permission in self.permissions or permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden("Permissão insuficiente.", details={"required": permission})

    def outranks_or_equals(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK.get(role, 99)

    def as_context(self) -> dict[str, str]:
        """API Gateway authorizer context values must be strings, numbers or booleans."""
        return {"user_id": self.user_id, "company_id": self.company_id, "role": self.role,
                "session_id": self.session_id, "permissions": ",".join(sorted(self.permissions)),
                "plan": self.plan, "must_change_password": "true" if self.must_change_password else "false"}


def principal_from_context(ctx: Mapping[str, Any]) -> Principal:
    perms = ctx.get("permissions") or ""
    return Principal(
        user_id=str(ctx["user_id"]), company_id=str(ctx["company_id"]), role=str(ctx["role"]),
        session_id=str(ctx["session_id"]),
        permissions=frozenset(p for p in str(perms).split(",") if p),
        plan=str(ctx.get("plan") or "basic"),
        must_change_password=str(ctx.get("must_change_password", "false")).lower() == "true",
    )
