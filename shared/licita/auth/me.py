"""GET /auth/me without SQLAlchemy: the SPA's first call after a page load, and so often a function's cold start.
One plain query on ``platform.db.light`` instead of the ORM (whose import is most of that cold start)."""

from __future__ import annotations

import uuid

from licita.auth.schemas import UserOut
from licita.core.errors import Unauthorized
from licita.core.security.principal import Principal
from licita.platform.db import light

_FIELDS = tuple(UserOut.model_fields)  # id, company_id, email, names, role, permissions, status, ...
_USER = f"SELECT {', '.join(_FIELDS)} FROM users WHERE id = %s"


def me(principal: Principal) -> UserOut:
    row = light.run_system(lambda cur: cur.execute(_USER, (uuid.UUID(principal.user_id),)).fetchone())
    if row is None:
        raise Unauthorized("Usuário não existe mais.", code="user_gone")
    return UserOut.model_validate(dict(zip(_FIELDS, row, strict=True)))
