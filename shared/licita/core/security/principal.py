"""Who is calling: built from the authorizer's context, or (defence in depth) from the token itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from licita.core.errors import Forbidden
from licita.core.security.permissions import ROLE_PERMISSIONS, ROLE_RANK, effective, may_assign_role

__all__ = ["ROLE_PERMISSIONS", "ROLE_RANK", "Principal", "principal_from_context"]


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
        """Role defaults plus per-user grants; platform permissions count for MASTER only."""
        return permission in effective(self.role, self.permissions)

    def held(self) -> frozenset[str]:
        return effective(self.role, self.permissions)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden("Permissão insuficiente.", details={"required": permission})

    def outranks_or_equals(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK.get(role, 99)

    def may_assign(self, role: str) -> bool:
        return may_assign_role(self.role, role)

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
