"""Auth function: login, refresh, logout, me, sessions, passwords. Thin: parse, authorize, call services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.auth import schemas as s
from licita.core.lazy import lazy_imports

if TYPE_CHECKING:
    from licita.accounts import service as accounts
    from licita.auth import me as current_user
    from licita.auth import service as auth
else:  # loaded on the first request that needs them (cold start); GET /auth/me loads no SQLAlchemy
    accounts, current_user, auth = lazy_imports("licita", "accounts.service", "auth.me", "auth.service")

api = Api("auth", tags=["auth"])
app = api.app


@api.post("/auth/login", body=s.LoginRequest, response=s.TokenPair, public=True, errors=(401, 403, 409, 429))
def login(ctx: RequestContext[s.LoginRequest, None]) -> s.TokenPair:
    """Exchange e-mail and password for an access JWT and a refresh token."""
    return auth.login(ctx.body.email, ctx.body.password, ctx.actor)


@api.post("/auth/refresh", body=s.RefreshRequest, response=s.TokenPair, public=True, errors=(401,))
def refresh(ctx: RequestContext[s.RefreshRequest, None]) -> s.TokenPair:
    """Rotate the refresh token; presenting a rotated one again revokes the whole session."""
    return auth.refresh(ctx.body.refresh_token, ctx.actor)


@api.post("/auth/logout", status=204, allow_pending_password=True)
def logout(ctx: RequestContext[None, None]) -> None:
    """End the caller's session (every token of it stops working)."""
    auth.logout(ctx.user, ctx.actor)


@api.get("/auth/me", response=s.UserOut, allow_pending_password=True)
def me(ctx: RequestContext[None, None]) -> s.UserOut:
    """The caller's user record."""
    return current_user.me(ctx.user)


@api.get("/auth/sessions", response=s.SessionList)
def sessions(ctx: RequestContext[None, None]) -> s.SessionList:
    """The caller's active sessions (devices)."""
    return auth.list_sessions(ctx.user)


@api.delete("/auth/sessions/{session_id}", status=204, errors=(404,))
def revoke_session(ctx: RequestContext[None, None]) -> None:
    """Sign a device out (own sessions; company admins may end any session of their company)."""
    auth.revoke_session(ctx.user, ctx.path_params["session_id"], ctx.actor)


@api.post("/auth/password", body=s.PasswordChange, status=204, allow_pending_password=True, errors=(400, 403))
def change_password(ctx: RequestContext[s.PasswordChange, None]) -> None:
    """Change one's own password; every other session is signed out."""
    accounts.change_password(ctx.user, ctx.body.current_password, ctx.body.new_password, ctx.actor)


@api.post("/auth/password/setup", body=s.PasswordSetup, status=204, public=True, errors=(401, 403))
def setup_password(ctx: RequestContext[s.PasswordSetup, None]) -> None:
    """Set a password with a one-time token (first access, invitation, reset)."""
    accounts.setup_password(ctx.body.token, ctx.body.new_password, ctx.actor)
