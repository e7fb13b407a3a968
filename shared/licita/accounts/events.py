"""Notification kinds the accounts area raises, and how each reads in Portuguese."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from licita.core.events import Kind, Message, register

TEMPLATES = Path(__file__).with_name("templates")
SESSION_REASONS = {"revoked": "encerrada em outro dispositivo", "refresh_reuse": "uso suspeito do token",
                   "password_changed": "senha alterada", "password_reset": "senha redefinida",
                   "role_changed": "papel alterado", "user_deactivated": "usuário desativado",
                   "company_suspended": "empresa suspensa", "session_cap": "limite de sessões da empresa",
                   "permissions_changed": "permissões alteradas"}


def _invited(p: Mapping[str, Any]) -> Message:
    return Message("Novo usuário convidado",
                   f"{p.get('email') or 'Um usuário'} foi convidado(a) com o papel {p.get('role') or 'USER'}.",
                   "/users")


def _session_revoked(p: Mapping[str, Any]) -> Message:
    reason = SESSION_REASONS.get(str(p.get("reason")), str(p.get("reason") or "encerrada"))
    return Message("Uma sessão sua foi encerrada",
                   f"Uma sessão da sua conta foi encerrada ({reason}). Se não foi você, troque sua senha.",
                   "/auth/sessions")


register(
    Kind("user.invited", "Usuário convidado", "company", "users:write", exclude_actor=True, describe=_invited),
    Kind("session.revoked", "Sessão encerrada", "target", email=True, describe=_session_revoked,
         templates=TEMPLATES),
)
