"""The closed vocabulary of permissions, the defaults per role, and the one rule about granting them.

Why a closed list: a free-form ``area:action`` string let a company admin write ``admin:all`` into a
user's permissions and so administer every tenant. Every input that carries permissions is typed with
:class:`Permission` (the enum shows in the OpenAPI document), and :func:`check_grant` is the single
place that decides whether someone may hand a set of permissions or a role to someone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Permission(StrEnum):
    """Permissão (área:ação). `admin:all` é exclusiva da plataforma: só MASTER a concede e só MASTER a usa."""

    TENDERS_READ = "tenders:read"
    TENDERS_WRITE = "tenders:write"
    TENDERS_DELETE = "tenders:delete"
    QUOTES_READ = "quotes:read"
    QUOTES_WRITE = "quotes:write"
    QUOTES_APPROVE = "quotes:approve"
    SUPPLIERS_READ = "suppliers:read"
    SUPPLIERS_WRITE = "suppliers:write"
    PRODUCTS_READ = "products:read"
    PRODUCTS_WRITE = "products:write"
    REPORTS_READ = "reports:read"
    BOARDS_READ = "boards:read"
    BOARDS_WRITE = "boards:write"
    FORMS_READ = "forms:read"
    FORMS_WRITE = "forms:write"
    CALENDAR_READ = "calendar:read"
    CALENDAR_WRITE = "calendar:write"
    CONVERSATIONS_READ = "conversations:read"
    CONVERSATIONS_WRITE = "conversations:write"
    DISCOVERY_READ = "discovery:read"
    DISCOVERY_WRITE = "discovery:write"
    VAULT_READ = "vault:read"
    VAULT_WRITE = "vault:write"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    COMPANY_WRITE = "company:write"
    AUDIT_READ = "audit:read"
    SETTINGS_WRITE = "settings:write"
    # platform-only: granted by MASTER alone, effective only inside the platform company
    ADMIN_ALL = "admin:all"


PLATFORM_PERMISSIONS: frozenset[str] = frozenset({Permission.ADMIN_ALL})
TENANT_PERMISSIONS: frozenset[str] = frozenset(p.value for p in Permission) - PLATFORM_PERMISSIONS
ALL_PERMISSIONS: frozenset[str] = frozenset(p.value for p in Permission)

ROLE_RANK = {"VIEWER": 0, "USER": 1, "MANAGER": 2, "ADMIN_EMPRESA": 3, "MASTER": 4}
PLATFORM_ROLE = "MASTER"

# The roles' original sets, unchanged; the areas added later extend them (read for everyone, write from USER).
_VIEWER = frozenset({"tenders:read", "quotes:read", "boards:read", "calendar:read",
                     "products:read", "forms:read", "conversations:read", "discovery:read"})
_USER = _VIEWER | {"tenders:write", "quotes:write", "boards:write", "calendar:write", "suppliers:read",
                   "suppliers:write", "products:write", "forms:write", "conversations:write", "discovery:write",
                   "vault:read"}
_MANAGER = _USER | {"tenders:delete", "quotes:approve", "reports:read", "users:read", "vault:write"}
_ADMIN = _MANAGER | {"users:write", "company:write", "audit:read", "settings:write"}

# Permissions each role has by default; per-user permissions add to these.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "VIEWER": _VIEWER, "USER": _USER, "MANAGER": _MANAGER, "ADMIN_EMPRESA": _ADMIN,
    "MASTER": _ADMIN | PLATFORM_PERMISSIONS,
}
assert all(p <= ALL_PERMISSIONS for p in ROLE_PERMISSIONS.values())


def effective(role: str, granted: Iterable[str]) -> frozenset[str]:
    """What a user of ``role`` with per-user ``granted`` permissions may do. Unknown strings never count
    (a stale row or a forged claim grants nothing). Platform permissions reach a token only for users of
    the platform company (:func:`grantable_to`, applied when tokens are issued)."""
    return ROLE_PERMISSIONS.get(role, frozenset()) | {p for p in granted if p in ALL_PERMISSIONS}


def grantable_to(granted: Iterable[str], *, platform_company: bool) -> list[str]:
    """The per-user permissions that may take effect for a user: known ones, platform ones only inside the
    platform company. Applied when tokens are issued, so a bad row can never become a live grant."""
    return sorted({p for p in granted if p in ALL_PERMISSIONS
                   and (platform_company or p not in PLATFORM_PERMISSIONS)})


def escalations(grantor_role: str, grantor_permissions: Iterable[str], wanted: Iterable[str], *,
                platform_company: bool = False) -> list[str]:
    """Permissions in ``wanted`` the grantor may not hand out: unknown ones, ones they do not hold, and
    any platform permission unless the grantor is MASTER granting inside the platform company.
    Empty means the grant is allowed."""
    held = effective(grantor_role, grantor_permissions)
    refused = []
    for perm in wanted:
        if perm not in ALL_PERMISSIONS or perm not in held or (perm in PLATFORM_PERMISSIONS and (
                grantor_role != PLATFORM_ROLE or not platform_company)):
            refused.append(str(perm))
    return sorted(set(refused))


def may_assign_role(grantor_role: str, role: str) -> bool:
    """A role can be handed out only up to one's own; MASTER only by MASTER."""
    if role == PLATFORM_ROLE:
        return grantor_role == PLATFORM_ROLE
    return ROLE_RANK.get(grantor_role, -1) >= ROLE_RANK.get(role, 99)
