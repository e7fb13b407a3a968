"""Accounts and tenancy: access requests, companies, users, invitations, passwords, profiles.

Tenant operations run in ``tenant_transaction`` (row-level security on) AND filter by company, so a
forgotten filter still cannot leak; only the platform's MASTER flows use ``system_transaction``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from licita.accounts import schemas as s
from licita.accounts.llm_endpoint import merge_settings, public_settings
from licita.accounts.mail import AccountMail
from licita.accounts.mail import send as send_mail
from licita.accounts.models import AccessRequest, Company, OneTimeToken, Role, Status, User, UserProfile
from licita.accounts.sessions import after_revocation, revoke_user_sessions
from licita.audit.service import Actor, record
from licita.core.config import get_settings
from licita.core.errors import BadRequest, Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from licita.core.http import to_jsonable
from licita.core.plans import plan as plan_limits
from licita.core.security.password_policy import enforce as enforce_password_policy
from licita.core.security.passwords import hash_password, verify_password
from licita.core.security.permissions import escalations
from licita.core.security.principal import Principal
from licita.core.security.tokens import hash_refresh_token, new_refresh_token
from licita.platform import ratelimit
from licita.platform.db.engine import system_transaction, tenant_transaction
from licita.platform.db.listing import contains_any, paginate, sort_clause, where_given
from licita.platform.queues import publish_quietly

TOKEN_TTL = {"invite": timedelta(days=7), "first_access": timedelta(days=3), "reset": timedelta(hours=24)}


def _now() -> datetime:
    return datetime.now(UTC)


def _uuid(value: str | uuid.UUID, what: str = "Registro") -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} não encontrado.") from None


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    result: dict[str, Any] = to_jsonable({f: getattr(obj, f) for f in fields})
    return result


def _expire_one_time_tokens(db: Session, *, user_id: uuid.UUID | None = None,
                            company_id: uuid.UUID | None = None) -> None:
    """Unused invitation/first-access/reset links stop working (a newer link, or the account ended)."""
    stmt = update(OneTimeToken).where(OneTimeToken.used_at.is_(None))
    if user_id is not None:
        stmt = stmt.where(OneTimeToken.user_id == user_id)
    if company_id is not None:
        stmt = stmt.where(OneTimeToken.company_id == company_id)
    db.execute(stmt.values(used_at=_now()))


def _issue_one_time_token(db: Session, user: User, purpose: str) -> s.OneTimeTokenOut:
    _expire_one_time_tokens(db, user_id=user.id)  # only the newest token of a user works
    token, token_hash = new_refresh_token()
    expires = _now() + TOKEN_TTL[purpose]
    db.add(OneTimeToken(token_hash=token_hash, user_id=user.id, company_id=user.company_id, purpose=purpose,
                        expires_at=expires))
    return s.OneTimeTokenOut(user_id=user.id, token=token, purpose=purpose, expires_at=expires)


def _setup_mail(kind: str, user: User, company: Company, token: s.OneTimeTokenOut, **extra: str) -> AccountMail:
    """The e-mail carrying a one-time link to the person who must use it."""
    return AccountMail(kind, user.email, user.first_name, str(company.id), {
        "token": token.token, "expires_at": token.expires_at.isoformat(), "target_user_id": str(user.id),
        "company_name": company.trade_name or company.legal_name, **extra})


# ------------------------------------------------------------------------------ access requests
def create_access_request(data: s.AccessRequestCreate, actor: Actor) -> s.AccessRequestOut:
    """Public intake. An e-mail already in use is answered exactly like a new one (no account enumeration);
    the address's owner is told by e-mail instead, and approving such a request fails with ``email_taken``."""
    with system_transaction() as db:
        if db.scalar(select(Company.id).where(Company.cnpj == data.cnpj)) or db.scalar(
                select(AccessRequest.id).where(AccessRequest.cnpj == data.cnpj, AccessRequest.status == "PENDING")):
            raise Conflict("Já existe empresa ou solicitação pendente com este CNPJ.", code="cnpj_taken")
        owner = db.execute(select(User.first_name, User.company_id).where(User.email == data.email)).one_or_none()
        request = AccessRequest(id=uuid.uuid4(), **data.model_dump(), created_at=_now())
        db.add(request)
        db.flush()
        record(db, actor, "access_request.created", "access_request", request.id,
               after={**data.model_dump(), "email_in_use": owner is not None})
        out = s.AccessRequestOut.model_validate(request, from_attributes=True)
    if owner is not None:
        send_mail(AccountMail("access_request.email_in_use", data.email, owner.first_name, str(owner.company_id),
                              {"legal_name": data.legal_name, "request_id": str(out.id)}))
    return out


def list_access_requests(query: s.AccessRequestQuery) -> s.AccessRequestList:
    with system_transaction() as db:
        stmt = where_given(select(AccessRequest).order_by(AccessRequest.created_at.desc()),
                           (AccessRequest.status, query.status))
        rows, page = paginate(db, stmt, query.page, query.page_size)
        return s.AccessRequestList(items=[s.AccessRequestOut.model_validate(r, from_attributes=True) for r in rows],
                                   page=page)


def _pending_request(db: Session, request_id: str) -> AccessRequest:
    request = db.get(AccessRequest, _uuid(request_id, "Solicitação"), with_for_update=True)
    if request is None:
        raise NotFound("Solicitação não encontrada.")
    if request.status != "PENDING":
        raise Conflict(f"Solicitação já {request.status.lower()}.", code="already_decided")
    return request


def approve_access_request(request_id: str, principal: Principal, actor: Actor) -> s.ApprovalOut:
    with system_transaction() as db:
        request = _pending_request(db, request_id)
        if db.scalar(select(Company.id).where(Company.cnpj == request.cnpj)):
            raise Conflict("Já existe empresa com este CNPJ.", code="cnpj_taken")
        if db.scalar(select(User.id).where(User.email == request.email)):
            raise Conflict("E-mail já cadastrado.", code="email_taken")
        limits = plan_limits(request.requested_plan)
        company = Company(
            id=uuid.uuid4(), legal_name=request.legal_name, trade_name=request.trade_name, cnpj=request.cnpj,
            plan=limits.name, status=Status.ACTIVE, max_users=limits.max_users,
            max_concurrent_sessions=limits.max_concurrent_sessions, monthly_analyses=limits.monthly_analyses,
            storage_mb=limits.storage_mb, settings={},
        )
        db.add(company)
        db.flush()
        first, _, last = request.contact_name.partition(" ")
        admin = User(id=uuid.uuid4(), company_id=company.id, email=request.email, first_name=first,
                     last_name=last, role=Role.ADMIN_EMPRESA, status=Status.PENDING, must_change_password=True,
                     permissions=[])
        db.add(admin)
        db.flush()
        token = _issue_one_time_token(db, admin, "first_access")
        request.status, request.company_id = "APPROVED", company.id
        request.decided_by, request.decided_at = uuid.UUID(principal.user_id), _now()
        record(db, actor, "access_request.approved", "access_request", request.id, company_id=company.id,
               after={"company_id": str(company.id), "admin_user_id": str(admin.id)})
        out = s.ApprovalOut(request=s.AccessRequestOut.model_validate(request, from_attributes=True),
                            company_id=company.id, admin=token)
        mail = _setup_mail("account.first_access", admin, company, token)
    send_mail(mail)
    return out


def reject_access_request(request_id: str, reason: str, principal: Principal, actor: Actor) -> s.AccessRequestOut:
    with system_transaction() as db:
        request = _pending_request(db, request_id)
        request.status, request.rejection_reason = "REJECTED", reason
        request.decided_by, request.decided_at = uuid.UUID(principal.user_id), _now()
        record(db, actor, "access_request.rejected", "access_request", request.id, after={"reason": reason})
        return s.AccessRequestOut.model_validate(request, from_attributes=True)


# ---------------------------------------------------------------------------------- passwords
def setup_password(token: str, new_password: str, actor: Actor) -> None:
    """First access, invitation or reset: a one-time token sets the password and activates the user."""
    with system_transaction() as db:
        row = db.get(OneTimeToken, hash_refresh_token(token), with_for_update=True)
        if row is None or row.used_at is not None or row.expires_at <= _now():
            raise Unauthorized("Link inválido ou expirado; peça um novo.", code="token_invalid")
        user = db.get(User, row.user_id)
        assert user is not None
        if user.status in (Status.SUSPENDED, Status.INACTIVE):
            raise Forbidden("Usuário inativo.", code="user_inactive")
        enforce_password_policy(new_password, email=user.email, names=(user.first_name, user.last_name))
        row.used_at = _now()
        user.password_hash = hash_password(new_password)
        user.password_changed_at = _now()
        user.must_change_password = False
        user.status = Status.ACTIVE
        revoked = revoke_user_sessions(db, [user.id], None, "password_reset")
        record(db, Actor(str(user.id), str(user.company_id), actor.ip, actor.user_agent, actor.request_id),
               f"user.password_{row.purpose}", "user", user.id, company_id=user.company_id)
    after_revocation(revoked)


def _password_attempts(user_id: str) -> tuple[str, int, int]:
    settings = get_settings()
    return f"pwchange:{user_id}", settings.password_attempts_max, settings.password_attempts_window_seconds


def change_password(principal: Principal, current: str, new: str, actor: Actor) -> None:
    """Changing one's password signs out every other device. Wrong current passwords are rate limited
    per user (a stolen access token must not become an online guessing oracle)."""
    key, limit, window = _password_attempts(principal.user_id)
    if ratelimit.peek(key, window) >= limit:
        decision = ratelimit.hit(key, limit, window)
        raise TooManyRequests("Muitas tentativas de senha atual incorreta. Aguarde.",
                              retry_after=decision.retry_after, details={"scope": "password"})
    if current == new:
        raise BadRequest("A nova senha deve ser diferente da atual.", code="password_unchanged")
    with tenant_transaction(principal.company_id) as db:
        user = db.get(User, uuid.UUID(principal.user_id), with_for_update=True)
        if user is None:
            raise Unauthorized("Usuário não existe mais.", code="user_gone")
        if not verify_password(current, user.password_hash):
            ratelimit.hit(key, limit, window)
            raise Forbidden("Senha atual incorreta.", code="wrong_password")
        enforce_password_policy(new, email=user.email, names=(user.first_name, user.last_name))
        user.password_hash = hash_password(new)
        user.password_changed_at = _now()
        user.must_change_password = False
        revoked = revoke_user_sessions(db, [user.id], None, "password_changed", keep=principal.session_id)
        record(db, actor, "user.password_changed", "user", user.id)
    ratelimit.reset(key, window)
    after_revocation(revoked)


# ---------------------------------------------------------------------------------- companies
def _company_out(company: Company) -> s.CompanyOut:
    out = s.CompanyOut.model_validate({**{f: getattr(company, f) for f in s.CompanyOut.model_fields if f != "settings"},
                                       "settings": public_settings(company.settings)})
    return out


def _company_snapshot(company: Company) -> dict[str, Any]:
    """Audit view of a company: settings as the API shows them (no encrypted key in the trail)."""
    return {**_snapshot(company, COMPANY_FIELDS), "settings": public_settings(company.settings).model_dump()}


COMPANY_FIELDS = ("legal_name", "trade_name", "plan", "status", "max_users", "max_concurrent_sessions",
                  "monthly_analyses", "storage_mb", "settings")


def get_own_company(principal: Principal) -> s.CompanyOut:
    with tenant_transaction(principal.company_id) as db:
        company = db.get(Company, uuid.UUID(principal.company_id))
        if company is None:
            raise NotFound("Empresa não encontrada.")
        return _company_out(company)


def _apply_company_update(db: Session, company: Company, data: s.CompanyUpdate, actor: Actor) -> s.CompanyOut:
    changes = data.model_dump(exclude_unset=True)
    before = _company_snapshot(company)
    if data.settings is not None:
        changes["settings"] = merge_settings(company.settings, data.settings)
    if company.is_platform and ("plan" in changes and changes["plan"] != company.plan):
        raise Conflict("O plano da empresa da plataforma não pode ser alterado.", code="platform_company")
    if "plan" in changes:
        limits = plan_limits(changes["plan"])
        for name in ("max_users", "max_concurrent_sessions", "monthly_analyses", "storage_mb"):
            changes.setdefault(name, getattr(limits, name))
    for name, value in changes.items():
        setattr(company, name, value)
    db.flush()
    record(db, actor, "company.updated", "company", company.id, company_id=company.id, before=before,
           after=_company_snapshot(company))
    return _company_out(company)


def update_own_company(principal: Principal, data: s.CompanyUpdate, actor: Actor) -> s.CompanyOut:
    principal.require("company:write")
    with tenant_transaction(principal.company_id) as db:
        company = db.get(Company, uuid.UUID(principal.company_id), with_for_update=True)
        if company is None:
            raise NotFound("Empresa não encontrada.")
        return _apply_company_update(db, company, data, actor)


def admin_list_companies(query: s.CompanyQuery) -> s.CompanyList:
    with system_transaction() as db:
        stmt = where_given(select(Company).order_by(Company.legal_name),
                           (Company.status, query.status), (Company.plan, query.plan))
        if query.q:
            stmt = stmt.where(contains_any(query.q, Company.legal_name, Company.trade_name, Company.cnpj))
        rows, page = paginate(db, stmt, query.page, query.page_size)
        return s.CompanyList(items=[_company_out(c) for c in rows], page=page)


def admin_get_company(company_id: str) -> s.CompanyOut:
    with system_transaction() as db:
        company = db.get(Company, _uuid(company_id, "Empresa"))
        if company is None:
            raise NotFound("Empresa não encontrada.")
        return _company_out(company)


def admin_update_company(company_id: str, data: s.CompanyAdminUpdate, actor: Actor) -> s.CompanyOut:
    with system_transaction() as db:
        company = db.get(Company, _uuid(company_id, "Empresa"), with_for_update=True)
        if company is None:
            raise NotFound("Empresa não encontrada.")
        return _apply_company_update(db, company, data, actor)


def admin_set_company_status(company_id: str, status: str, actor: Actor) -> s.CompanyOut:
    """Suspension revokes every session of the company at once (and closes their sockets)."""
    revoked: list[uuid.UUID] = []
    with system_transaction() as db:
        company = db.get(Company, _uuid(company_id, "Empresa"), with_for_update=True)
        if company is None:
            raise NotFound("Empresa não encontrada.")
        if company.is_platform:
            raise Conflict("A empresa da plataforma não pode ser suspensa.", code="platform_company")
        before = company.status
        company.status = status
        if status != Status.ACTIVE:
            revoked = revoke_user_sessions(db, None, company.id, "company_suspended")
            _expire_one_time_tokens(db, company_id=company.id)
        record(db, actor, "company.status_changed", "company", company.id, company_id=company.id,
               before={"status": before}, after={"status": status, "sessions_revoked": len(revoked)})
        out = _company_out(company)
    after_revocation(revoked)
    return out


# -------------------------------------------------------------------------------------- users
USER_FIELDS = ("email", "first_name", "last_name", "role", "permissions", "status", "must_change_password")


def _user_out(user: User) -> s.UserSummary:
    return s.UserSummary.model_validate(user, from_attributes=True)


def _tenant_user(db: Session, principal: Principal, user_id: str, lock: bool = False) -> User:
    user = db.get(User, _uuid(user_id, "Usuário"), with_for_update=lock)
    if user is None or str(user.company_id) != principal.company_id:
        raise NotFound("Usuário não encontrado.")
    return user


def _check_can_manage(principal: Principal, target: User) -> None:
    if str(target.id) == principal.user_id:
        raise Forbidden("Use os endpoints do próprio perfil para alterar a si mesmo.", code="self_management")
    if not principal.outranks_or_equals(target.role):
        raise Forbidden("Não é possível gerenciar um usuário de papel superior ao seu.", code="role_too_high")


def check_grant(principal: Principal, company: Company, *, role: str | None = None,
                permissions: Sequence[str] = ()) -> None:
    """The one rule for every grant path (invitation, user update, role change): nobody hands out a role
    above their own or a permission they do not hold, and platform permissions only MASTER, at home."""
    if role is not None and not principal.may_assign(role):
        raise Forbidden("Não é possível atribuir papel superior ao seu.", code="role_too_high",
                        details={"role": role})
    refused = escalations(principal.role, principal.permissions, permissions,
                          platform_company=bool(company.is_platform))
    if refused:
        raise Forbidden("Você só pode conceder permissões que possui.", code="permission_not_held",
                        details={"refused": refused})


def invite_user(principal: Principal, data: s.InviteRequest, actor: Actor) -> s.OneTimeTokenOut:
    principal.require("users:write")
    with tenant_transaction(principal.company_id) as db:
        company = db.get(Company, uuid.UUID(principal.company_id), with_for_update=True)
        assert company is not None
        check_grant(principal, company, role=data.role, permissions=data.permissions)
        seats = db.scalar(select(func.count()).select_from(User).where(
            User.company_id == company.id, User.status != Status.INACTIVE)) or 0
        if seats >= company.max_users:
            raise Conflict("Limite de usuários do plano atingido.", code="user_limit_reached",
                           details={"limit": company.max_users})
        with system_transaction() as global_db:  # e-mails are unique across tenants
            if global_db.scalar(select(User.id).where(User.email == data.email)):
                raise Conflict("E-mail já cadastrado.", code="email_taken")
        user = User(id=uuid.uuid4(), company_id=company.id, email=data.email, first_name=data.first_name,
                    last_name=data.last_name, role=data.role, permissions=data.permissions, status=Status.PENDING,
                    must_change_password=True)
        db.add(user)
        db.flush()
        token = _issue_one_time_token(db, user, "invite")
        record(db, actor, "user.invited", "user", user.id, after=_snapshot(user, USER_FIELDS))
        inviter = db.get(User, uuid.UUID(principal.user_id))
        mail = _setup_mail("account.invitation", user, company, token,
                           inviter_name=f"{inviter.first_name} {inviter.last_name}".strip() if inviter else "")
    send_mail(mail)

    publish_quietly("user.invited", principal.company_id,
                    {"invited_user_id": str(user.id), "email": data.email, "role": data.role},
                    user_id=principal.user_id)
    return token


def _user_page(db: Session, stmt: Select[Any], query: s.UserQuery) -> s.UserList:
    """Filters, search, sort and pagination shared by the tenant and the platform user lists."""
    stmt = where_given(stmt, (User.role, query.role), (User.status, query.status))
    if query.q:
        stmt = stmt.where(contains_any(query.q, User.email, User.first_name, User.last_name))
    sortable = {"created_at": User.created_at, "email": User.email, "first_name": User.first_name}
    stmt = stmt.order_by(*sort_clause(query.sort, sortable, "email"), User.id)
    rows, page = paginate(db, stmt, query.page, query.page_size)
    return s.UserList(items=[_user_out(u) for u in rows], page=page)


def list_users(principal: Principal, query: s.UserQuery) -> s.UserList:
    principal.require("users:read")
    with tenant_transaction(principal.company_id) as db:
        stmt = select(User).where(User.company_id == uuid.UUID(principal.company_id))
        return _user_page(db, stmt, query)


def get_user(principal: Principal, user_id: str) -> s.UserSummary:
    if user_id != principal.user_id:
        principal.require("users:read")
    with tenant_transaction(principal.company_id) as db:
        return _user_out(_tenant_user(db, principal, user_id))


def update_user(principal: Principal, user_id: str, data: s.UserUpdate, actor: Actor) -> s.UserSummary:
    """Names and per-user permissions; a permission change ends the user's sessions (fresh tokens only)."""
    principal.require("users:write")
    revoked: list[uuid.UUID] = []
    with tenant_transaction(principal.company_id) as db:
        user = _tenant_user(db, principal, user_id, lock=True)
        _check_can_manage(principal, user)
        changes = data.model_dump(mode="json", exclude_unset=True)
        before = _snapshot(user, USER_FIELDS)
        if "permissions" in changes:
            company = db.get(Company, user.company_id)
            assert company is not None
            added = sorted(set(changes["permissions"]) - set(user.permissions or []))
            check_grant(principal, company, permissions=added)
        for name, value in changes.items():
            setattr(user, name, value)
        db.flush()
        if "permissions" in changes and sorted(before["permissions"] or []) != changes["permissions"]:
            revoked = revoke_user_sessions(db, [user.id], None, "permissions_changed")
        record(db, actor, "user.updated", "user", user.id, before=before, after=_snapshot(user, USER_FIELDS))
        out = _user_out(user)
    after_revocation(revoked)
    return out


def change_role(principal: Principal, user_id: str, role: str, actor: Actor) -> s.UserSummary:
    principal.require("users:write")
    if not principal.may_assign(role):
        raise Forbidden("Não é possível atribuir papel superior ao seu.", code="role_too_high",
                        details={"role": role})
    with tenant_transaction(principal.company_id) as db:
        user = _tenant_user(db, principal, user_id, lock=True)
        _check_can_manage(principal, user)
        before = user.role
        user.role = role
        revoked = revoke_user_sessions(db, [user.id], None, "role_changed")  # new role in fresh tokens
        record(db, actor, "user.role_changed", "user", user.id, before={"role": before}, after={"role": role})
        out = _user_out(user)
    after_revocation(revoked)
    return out


def set_user_status(principal: Principal, user_id: str, status: str, actor: Actor) -> s.UserSummary:
    principal.require("users:write")
    revoked: list[uuid.UUID] = []
    with tenant_transaction(principal.company_id) as db:
        user = _tenant_user(db, principal, user_id, lock=True)
        _check_can_manage(principal, user)
        before = user.status
        if status == Status.ACTIVE and user.password_hash is None:
            raise Conflict("Usuário ainda não definiu a senha; reenvie o convite.", code="pending_invitation")
        user.status = status
        if status != Status.ACTIVE:
            revoked = revoke_user_sessions(db, [user.id], None, "user_deactivated")
            _expire_one_time_tokens(db, user_id=user.id)
        record(db, actor, "user.status_changed", "user", user.id, before={"status": before},
               after={"status": status})
        out = _user_out(user)
    after_revocation(revoked)
    return out


def reset_password(principal: Principal, user_id: str, actor: Actor) -> s.OneTimeTokenOut:
    principal.require("users:write")
    with tenant_transaction(principal.company_id) as db:
        user = _tenant_user(db, principal, user_id, lock=True)
        _check_can_manage(principal, user)
        user.must_change_password = True
        token = _issue_one_time_token(db, user, "reset" if user.password_hash else "invite")
        record(db, actor, "user.password_reset_requested", "user", user.id)
        company = db.get(Company, user.company_id)
        assert company is not None
        mail = _setup_mail("account.password_reset" if token.purpose == "reset" else "account.invitation",
                           user, company, token)
    send_mail(mail)
    return token


# ------------------------------------------------------------------------------------ profile
def _profile_out(user: User, profile: UserProfile | None) -> s.ProfileOut:
    return s.ProfileOut(user_id=user.id, first_name=user.first_name, last_name=user.last_name,
                        avatar_url=profile.avatar_url if profile else None, phone=profile.phone if profile else None,
                        job_title=profile.job_title if profile else None,
                        preferences=dict(profile.preferences or {}) if profile else {})


def get_profile(principal: Principal) -> s.ProfileOut:
    with tenant_transaction(principal.company_id) as db:
        user = _tenant_user(db, principal, principal.user_id)
        return _profile_out(user, db.get(UserProfile, user.id))


def update_profile(principal: Principal, data: s.ProfileUpdate, actor: Actor) -> s.ProfileOut:
    changes = data.model_dump(exclude_unset=True)
    with tenant_transaction(principal.company_id) as db:
        user = _tenant_user(db, principal, principal.user_id, lock=True)
        profile = db.get(UserProfile, user.id)
        if profile is None:
            profile = UserProfile(user_id=user.id, company_id=user.company_id, preferences={})
            db.add(profile)
        before = _profile_out(user, profile).model_dump(mode="json")
        for name in ("first_name", "last_name"):
            if name in changes:
                setattr(user, name, changes.pop(name))
        if "preferences" in changes:
            profile.preferences = {**(profile.preferences or {}), **changes.pop("preferences")}
        for name, value in changes.items():
            setattr(profile, name, value)
        db.flush()
        out = _profile_out(user, profile)
        record(db, actor, "user.profile_updated", "user", user.id, before=before, after=out.model_dump(mode="json"))
        return out


# -------------------------------------------------------------------------------------- admin
def admin_list_users(query: s.UserQuery, company_id: str | None) -> s.UserList:
    with system_transaction() as db:
        stmt = select(User)
        if company_id:
            stmt = stmt.where(User.company_id == _uuid(company_id, "Empresa"))
        return _user_page(db, stmt, query)
