"""Every area's ORM models on one metadata: what Alembic compares the database against."""

from __future__ import annotations

from licita.accounts import models as accounts_models
from licita.audit import models as audit_models
from licita.platform.db.base import Base
from licita.tenders import models as tenders_models

metadata = Base.metadata
AREA_MODELS = (accounts_models, audit_models, tenders_models)
