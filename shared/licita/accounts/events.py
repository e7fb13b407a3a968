"""Notification kinds the accounts area raises, and how each reads in Portuguese."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from licita.core.events import Kind, Message, format_when, register

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


def _setup_link(p: Mapping[str, Any]) -> str:
    return f"/definir-senha?token={p.get('token') or ''}"


def _invitation(p: Mapping[str, Any]) -> Message:
    company = p.get("company_name") or "sua empresa"
    return Message(f"Convite para o Licita — {company}",
                   f"{p.get('inviter_name') or 'Um administrador'} convidou você para usar o Licita em {company}. "
                   f"Defina sua senha pelo link abaixo; ele vale até {format_when(p.get('expires_at'))} "
                   "e só pode ser usado uma vez.", _setup_link(p))


def _first_access(p: Mapping[str, Any]) -> Message:
    company = p.get("company_name") or "sua empresa"
    return Message("Acesso ao Licita aprovado",
                   f"A solicitação de acesso de {company} foi aprovada e você é o(a) administrador(a). "
                   f"Defina sua senha pelo link abaixo; ele vale até {format_when(p.get('expires_at'))} "
                   "e só pode ser usado uma vez.", _setup_link(p))


def _password_reset(p: Mapping[str, Any]) -> Message:
    return Message("Redefinição de senha do Licita",
                   "Um administrador da sua empresa pediu a redefinição da sua senha. Defina uma nova senha pelo "
                   f"link abaixo; ele vale até {format_when(p.get('expires_at'))} e só pode ser usado uma vez.",
                   _setup_link(p))


def _email_in_use(p: Mapping[str, Any]) -> Message:
    return Message("Pedido de acesso com o seu e-mail",
                   f"Recebemos um pedido de acesso ao Licita para a empresa {p.get('legal_name') or '(sem nome)'} "
                   "informando este e-mail, que já tem uma conta. Se foi você, entre com a sua senha (ou peça "
                   "ao administrador da sua empresa uma nova senha); se não foi, ignore esta mensagem.",
                   "/login")


# Account e-mails go to people who are not active users yet (or to an address's owner): they are sent
# straight to the mailer's outbox by licita.accounts.mail, never to an inbox or a socket.
def _account_mail(key: str, label: str, describe: Callable[[Mapping[str, Any]], Message]) -> Kind:
    return Kind(key, label, "target", in_app=False, email=True, describe=describe, templates=TEMPLATES)


register(
    _account_mail("account.invitation", "Convite para o Licita", _invitation),
    _account_mail("account.first_access", "Primeiro acesso", _first_access),
    _account_mail("account.password_reset", "Redefinição de senha", _password_reset),
    _account_mail("access_request.email_in_use", "Pedido de acesso com e-mail já cadastrado", _email_in_use),
)

register(
    Kind("user.invited", "Usuário convidado", "company", "users:write", exclude_actor=True, describe=_invited),
    Kind("session.revoked", "Sessão encerrada", "target", email=True, describe=_session_revoked,
         templates=TEMPLATES),
)
