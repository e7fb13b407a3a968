"""Auth function: login, refresh, logout, me, sessions. Thin: parse, authorize, call licita.services.auth."""

from __future__ import annotations

from licita.http import Api, RequestContext
from licita.schemas.auth import LoginRequest, RefreshRequest, SessionList, TokenPair, UserOut
from licita.services import auth
from licita.services.audit import Actor

api = Api("auth", tags=["auth"])
app = api.app


def _actor(ctx: RequestContext) -> Actor:
    p = ctx.principal
    return Actor(p.user_id if p else None, p.company_id if p else None, ctx.source_ip, ctx.user_agent,
                 ctx.request_id)


@api.post("/auth/login", body=LoginRequest, response=TokenPair, public=True, errors=(401, 403, 409, 429))
def login(ctx: RequestContext) -> TokenPair:
    """Exchange e-mail and password for an access JWT and a refresh token."""
    return auth.login(ctx.body.email, ctx.body.password, _actor(ctx))


@api.post("/auth/refresh", body=RefreshRequest, response=TokenPair, public=True, errors=(401,))
def refresh(ctx: RequestContext) -> TokenPair:
    """Rotate the refresh token; presenting a rotated one again revokes the whole session."""
    return auth.refresh(ctx.body.refresh_token, _actor(ctx))


@api.post("/auth/logout", status=204)
def logout(ctx: RequestContext) -> None:
    """End the caller's session (every token of it stops working)."""
    auth.logout(ctx.user, _actor(ctx))


@api.get("/auth/me", response=UserOut)
def me(ctx: RequestContext) -> UserOut:
    """The caller's user record."""
    return auth.me(ctx.user)


@api.get("/auth/sessions", response=SessionList)
def sessions(ctx: RequestContext) -> SessionList:
    """The caller's active sessions (devices)."""
    return auth.list_sessions(ctx.user)


@api.delete("/auth/sessions/{session_id}", status=204, errors=(404,))
def revoke_session(ctx: RequestContext) -> None:
    """Sign a device out (own sessions; company admins may end any session of their company)."""
    auth.revoke_session(ctx.user, ctx.path_params["session_id"], _actor(ctx))
