"""A faithful fake of PNCP's consulta and integração APIs (see ``server`` for routes, quirks, control API).

    from licita_local.pncp_fake import FakePncp
    with FakePncp(seed=13, count=1000) as fake:       # recorded data (../shared or vendored samples) + generated
        fake.base_url                                   # → PncpSettings.for_base(fake.base_url)
        fake.fail("429", count=5, retry_after="1")      # next 5 requests: HTML 429 with Retry-After
        fake.store.update_compra(ncp, situacaoCompraId=4, justificativa="Suspensa por decisão do TCE")

CLI: ``python -m licita_local.pncp_fake --port 8765 [--count N] [--seed S] [--no-recorded]``.
"""

from licita_local.pncp_fake.data import PncpStore, Recorded, UnknownCompra, load_recorded, shared_data_dir
from licita_local.pncp_fake.generator import Generator, minimal_pdf, zip_of
from licita_local.pncp_fake.server import FAULT_KINDS, FakeConfig, FakePncp, Fault, http_date_in

__all__ = [
    "FAULT_KINDS",
    "FakeConfig",
    "FakePncp",
    "Fault",
    "Generator",
    "PncpStore",
    "Recorded",
    "UnknownCompra",
    "http_date_in",
    "load_recorded",
    "minimal_pdf",
    "shared_data_dir",
    "zip_of",
]
