"""Every area's ORM models on one metadata: what Alembic compares the database against."""

from __future__ import annotations

from types import ModuleType

from licita.accounts import models as accounts_models
from licita.audit import models as audit_models
from licita.boards import models as boards_models
from licita.calendars import models as calendars_models
from licita.conversations import models as conversations_models
from licita.discovery import models as discovery_models
from licita.forms import models as forms_models
from licita.platform.db.base import Base
from licita.products import models as products_models
from licita.quotes import models as quotes_models
from licita.reports import models as reports_models
from licita.suppliers import models as suppliers_models
from licita.tenders import models as tenders_models
from licita.vault import models as vault_models

metadata = Base.metadata
AREA_MODELS: tuple[ModuleType, ...] = (accounts_models, audit_models, tenders_models, boards_models,
                                       calendars_models, conversations_models, forms_models)
AREA_MODELS += (suppliers_models, products_models, quotes_models, reports_models)  # procurement desk (issue 10)
AREA_MODELS += (discovery_models, vault_models)  # discovery from PNCP + habilitação vault (issue 13)
