"""Sessions and passwords at OWASP ASVS level 2, on real PostgreSQL/Redis/Mongo-wire and a real SMTP sink.

No timing assertions here (tests/bench/bench_auth.py measures known vs unknown logins).
"""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

import bcrypt
import pytest
from helpers import Tenant, login, make_tenant, token
from sqlalchemy import select, update

from apigw import call
from factories import PASSWORD, _cnpj, make_user
from licita.accounts.models import User, UserSession
from licita.core.actor import Actor
from licita.core.security.passwords import PREFIX
from licita.platform.db.engine import system_transaction
from notify_helpers import NotifyEnv

ACTOR = Actor(None, None, "203.0.113.7", "pytest", "req-sec")


@pytest.fixture
def tenant() -> Tenant:
    return make_tenant()


def mails_to(env: NotifyEnv, address: str) -> list[dict[str, Any]]:
    return [m for m in env.sink.list() if address in m["rcpt_tos"]]


def link_token(mail: dict[str, Any]) -> str:
    found = re.search(r"definir-senha\?token=([A-Za-z0-9_\-]+)", mail["text"])
    assert found, mail["text"]
    return found.group(1)


def stored_hash(user_id: Any) -> str:
    with system_transaction() as db:
        value = db.scalar(select(User.password_hash).where(User.id == user_id))
    assert value is not None
    return value


# ------------------------------------------------------------------------------------ no enumeration
def access_request(email: str) -> dict[str, Any]:
    return {"legal_name": "Construtora Exemplo Ltda", "cnpj": _cnpj(), "contact_name": "Maria Souza",
            "email": email, "requested_plan": "pro"}


def test_access_request_for_a_taken_email_answers_like_any_other(notify_env: NotifyEnv, tenant: Tenant) -> None:
    fresh_email = f"nova-{uuid.uuid4().hex[:8]}@exemplo.com.br"
    status_new, new = call("accounts", "POST", "/access-requests", access_request(fresh_email))
    status_taken, taken = call("accounts", "POST", "/access-requests", access_request(tenant.member.email))
    assert status_new == status_taken == 201
    assert set(new) == set(taken) and taken["status"] == new["status"] == "PENDING"
    assert taken["email"] == tenant.member.email.lower()
    # a second request with the same address, still pending, answers the same way too
    assert call("accounts", "POST", "/access-requests", access_request(fresh_email))[0] == 201
    # the owner of the taken address is told by e-mail; the new address gets nothing
    owner_mails = mails_to(notify_env, tenant.member.email)
    assert len(owner_mails) == 1 and "Pedido de acesso com o seu e-mail" in owner_mails[0]["subject"]
    assert "Construtora Exemplo Ltda" in owner_mails[0]["text"]
    assert mails_to(notify_env, fresh_email) == []
    # MASTER cannot turn it into a second account
    from licita.accounts.seed import seed_demo

    creds = seed_demo()
    master = login(creds["master_email"], creds["password"])["access_token"]
    status, body = call("admin", "POST", f"/admin/access-requests/{taken['id']}/approve", token=master)
    assert status == 409 and body["error"]["code"] == "email_taken"


# ------------------------------------------------------------------------------------ password policy
@pytest.mark.parametrize(("password", "rule"), [
    ("aaaaaaaaaaaa", "password_trivial"),
    ("1234567890", "password_common"),
    ("abcabcabcabc", "password_trivial"),
    ("qwertyuiop", "password_common"),
    ("corinthians123", "password_common"),
    ("curta1!", "string_too_short"),  # the schema states the minimum (OpenAPI), in Portuguese
])
def test_weak_new_passwords_are_refused(tenant: Tenant, password: str, rule: str) -> None:
    tok = token(tenant.member)
    status, body = call("auth", "POST", "/auth/password", {"current_password": PASSWORD, "new_password": password},
                        token=tok)
    assert status == 422, body
    assert rule in {d["type"] for d in body["error"]["details"]}
    assert all(re.search(r"[ãáéíóúçê]|senha|caracteres", d["message"]) for d in body["error"]["details"])


def test_password_containing_the_email_or_name_is_refused(tenant: Tenant) -> None:
    local = tenant.member.email.split("@")[0]
    status, body = call("auth", "POST", "/auth/password",
                        {"current_password": PASSWORD, "new_password": f"Zz-{local}-98"}, token=token(tenant.member))
    assert status == 422 and body["error"]["code"] == "weak_password"
    assert body["error"]["details"][0] == {"field": "new_password", "type": "password_personal",
                                           "message": "A senha não pode conter seu e-mail ou seu nome."}


def test_setup_link_applies_the_policy_and_stays_usable_after_a_refusal(tenant: Tenant) -> None:
    status, invited = call("accounts", "POST", "/users/invitations",
                           {"email": f"conv-{uuid.uuid4().hex[:6]}@empresa.com.br", "first_name": "Joana"},
                           token=token(tenant.admin))
    assert status == 201
    status, body = call("auth", "POST", "/auth/password/setup",
                        {"token": invited["token"], "new_password": "joana-12345"})
    assert status == 422 and body["error"]["details"][0]["type"] == "password_personal"
    assert call("auth", "POST", "/auth/password/setup",
                {"token": invited["token"], "new_password": "girassol-azul-77"})[0] == 204


# ------------------------------------------------------------------------------------ > 72 bytes
LONG = "uma frase-senha bem comprida que passa de setenta e dois bytes sem problema algum: "


def test_bytes_after_the_72nd_count(tenant: Tenant) -> None:
    first, second = LONG + "final-um", LONG + "final-dois"
    assert first.encode()[:72] == second.encode()[:72]
    assert call("auth", "POST", "/auth/password", {"current_password": PASSWORD, "new_password": first},
                token=token(tenant.member))[0] == 204
    assert stored_hash(tenant.member.id).startswith(PREFIX)
    assert call("auth", "POST", "/auth/login", {"email": tenant.member.email, "password": second})[0] == 401
    assert call("auth", "POST", "/auth/login", {"email": tenant.member.email, "password": first})[0] == 200


def test_legacy_hashes_still_verify_and_are_upgraded_at_login(tenant: Tenant) -> None:
    legacy = bcrypt.hashpw((LONG + "antigo").encode()[:72], bcrypt.gensalt(rounds=4)).decode()
    with system_transaction() as db:
        db.execute(update(User).where(User.id == tenant.member.id).values(password_hash=legacy))
    assert call("auth", "POST", "/auth/login", {"email": tenant.member.email, "password": LONG + "antigo"})[0] == 200
    upgraded = stored_hash(tenant.member.id)
    assert upgraded.startswith(PREFIX) and upgraded != legacy
    # after the upgrade every byte counts: the 72-byte twin no longer opens the account
    assert call("auth", "POST", "/auth/login", {"email": tenant.member.email, "password": LONG + "outro"})[0] == 401
    assert call("auth", "POST", "/auth/login", {"email": tenant.member.email, "password": LONG + "antigo"})[0] == 200


# ------------------------------------------------------------------------------------ rate limit
def test_current_password_attempts_are_rate_limited(tenant: Tenant) -> None:
    tok = token(tenant.member)
    for _ in range(5):
        status, body = call("auth", "POST", "/auth/password",
                            {"current_password": "palpite-errado-1", "new_password": "girassol-azul-77"}, token=tok)
        assert status == 403 and body["error"]["code"] == "wrong_password"
    status, body = call("auth", "POST", "/auth/password",
                        {"current_password": PASSWORD, "new_password": "girassol-azul-77"}, token=tok)
    assert status == 429 and body["error"]["details"] == {"scope": "password"}
    assert stored_hash(tenant.member.id) != "" and call("auth", "POST", "/auth/login", {
        "email": tenant.member.email, "password": PASSWORD})[0] == 200  # the password did not change


# ------------------------------------------------------------------------------------ one-time tokens
def test_reset_link_dies_when_the_account_is_deactivated(tenant: Tenant) -> None:
    admin = token(tenant.admin)
    status, reset = call("accounts", "POST", f"/users/{tenant.member.id}/password-reset", token=admin)
    assert status == 201 and reset["purpose"] == "reset"
    assert call("accounts", "POST", f"/users/{tenant.member.id}/deactivate", token=admin)[0] == 200
    assert call("accounts", "POST", f"/users/{tenant.member.id}/reactivate", token=admin)[0] == 200
    status, body = call("auth", "POST", "/auth/password/setup", {"token": reset["token"],
                                                                 "new_password": "girassol-azul-77"})
    assert status == 401 and body["error"]["code"] == "token_invalid"


def test_links_die_when_the_company_is_suspended(tenant: Tenant) -> None:
    from licita.accounts.seed import seed_demo

    status, reset = call("accounts", "POST", f"/users/{tenant.member.id}/password-reset", token=token(tenant.admin))
    assert status == 201
    creds = seed_demo()
    master = login(creds["master_email"], creds["password"])["access_token"]
    assert call("admin", "POST", f"/admin/companies/{tenant.company_id}/suspend", token=master)[0] == 200
    assert call("admin", "POST", f"/admin/companies/{tenant.company_id}/reactivate", token=master)[0] == 200
    assert call("auth", "POST", "/auth/password/setup", {"token": reset["token"],
                                                         "new_password": "girassol-azul-77"})[0] == 401


# ------------------------------------------------------------------------------------ refresh grace
def test_concurrent_refreshes_of_one_token_all_get_pairs_of_the_same_family(tenant: Tenant) -> None:
    from licita.auth.service import refresh

    pair = login(tenant.member.email)
    barrier = threading.Barrier(3)
    results: list[Any] = []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(refresh(pair["refresh_token"], ACTOR))
        except Exception as exc:  # collected and asserted below
            results.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 3 and all(not isinstance(r, Exception) for r in results), results
    assert {str(r.session_id) for r in results} == {pair["session_id"]}
    assert len({r.refresh_token for r in results}) == 3
    # the family is alive and every new token rotates normally
    for r in results:
        assert call("auth", "GET", "/auth/me", token=r.access_token)[0] == 200
    assert call("auth", "POST", "/auth/refresh", {"refresh_token": results[0].refresh_token})[0] == 200


def test_reuse_after_the_grace_window_still_revokes_the_family(tenant: Tenant,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.core.config import reset_settings

    pair = login(tenant.member.email)
    status, rotated = call("auth", "POST", "/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert status == 200
    monkeypatch.setenv("REFRESH_GRACE_SECONDS", "0")  # the window has passed
    reset_settings()
    try:
        status, body = call("auth", "POST", "/auth/refresh", {"refresh_token": pair["refresh_token"]})
        assert status == 401 and body["error"]["code"] == "session_revoked"
        # the whole family is dead, including the pair issued by the legitimate rotation
        assert call("auth", "POST", "/auth/refresh", {"refresh_token": rotated["refresh_token"]})[0] == 401
        assert call("auth", "GET", "/auth/me", token=rotated["access_token"])[0] == 401
        with system_transaction() as db:
            reason = db.scalar(select(UserSession.revoke_reason).where(UserSession.id == uuid.UUID(pair["session_id"])))
        assert reason == "refresh_reuse"
    finally:
        monkeypatch.delenv("REFRESH_GRACE_SECONDS")
        reset_settings()


def test_grace_reissues_are_bounded(tenant: Tenant) -> None:
    pair = login(tenant.member.email)
    statuses = [call("auth", "POST", "/auth/refresh", {"refresh_token": pair["refresh_token"]})[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 401]  # one rotation + three grace pairs, then reuse detection


# ------------------------------------------------------------------------------------ account e-mails
def test_invitation_email_carries_a_working_setup_link(notify_env: NotifyEnv, tenant: Tenant) -> None:
    email = f"convidada-{uuid.uuid4().hex[:6]}@empresa.com.br"
    status, invited = call("accounts", "POST", "/users/invitations", {"email": email, "first_name": "Beatriz"},
                           token=token(tenant.admin))
    assert status == 201
    [mail] = mails_to(notify_env, email)
    assert mail["subject"].startswith("[Licita] Convite para o Licita") and "Olá, Beatriz!" in mail["text"]
    assert link_token(mail) == invited["token"]
    assert call("auth", "POST", "/auth/password/setup", {"token": link_token(mail),
                                                         "new_password": "girassol-azul-77"})[0] == 204
    assert login(email, "girassol-azul-77")["access_token"]


def test_first_access_email_after_approval(notify_env: NotifyEnv) -> None:
    from licita.accounts.seed import seed_demo

    email = f"fundadora-{uuid.uuid4().hex[:6]}@exemplo.com.br"
    status, created = call("accounts", "POST", "/access-requests", access_request(email))
    assert status == 201
    creds = seed_demo()
    master = login(creds["master_email"], creds["password"])["access_token"]
    status, approval = call("admin", "POST", f"/admin/access-requests/{created['id']}/approve", token=master)
    assert status == 200
    [mail] = mails_to(notify_env, email)
    assert "Acesso ao Licita aprovado" in mail["subject"] and link_token(mail) == approval["admin"]["token"]


def test_reset_email_reaches_the_user(notify_env: NotifyEnv, tenant: Tenant) -> None:
    target = make_user(tenant.company, role="VIEWER")
    status, reset = call("accounts", "POST", f"/users/{target.id}/password-reset", token=token(tenant.admin))
    assert status == 201
    [mail] = mails_to(notify_env, target.email)
    assert "Redefinição de senha" in mail["subject"] and link_token(mail) == reset["token"]


# ------------------------------------------------------------------------------------ login timing
def test_every_login_attempt_pays_one_bcrypt_verification(tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    """Structure, not time (tests/bench/bench_auth.py measures time): unknown e-mails, wrong passwords and
    pending users each run exactly one bcrypt check at the configured cost, like a real login does."""
    from licita.core.config import get_settings
    from licita.core.security import passwords

    costs: list[bytes] = []
    real = passwords.bcrypt.checkpw

    def counting(candidate: bytes, hashed: bytes) -> bool:
        costs.append(hashed[:7])
        return real(candidate, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", counting)
    pending = make_user(tenant.company, role="USER", status="PENDING")
    with system_transaction() as db:
        db.execute(update(User).where(User.id == pending.id).values(password_hash=None))
    expected = f"$2b${get_settings().bcrypt_rounds:02d}$".encode()
    for email in (f"ninguem-{uuid.uuid4().hex[:6]}@empresa.com.br", tenant.member.email, pending.email):
        costs.clear()
        status, _ = call("auth", "POST", "/auth/login", {"email": email, "password": "palpite-errado-1"})
        assert status == 401 and costs == [expected], (email, costs)
