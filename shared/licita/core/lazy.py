"""Import a module on first attribute access: keeps a function's INIT phase (cold start) small.

Handlers write ``accounts = lazy_import("licita.accounts.service")`` (with the real import under
``TYPE_CHECKING`` for the type checker), so SQLAlchemy, psycopg and friends load on the first request
that needs them, not for routes (or functions) that never do.
"""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, name)


def lazy_import(name: str) -> Any:
    return _LazyModule(name)


def lazy_imports(package: str, *modules: str) -> tuple[Any, ...]:
    """Several modules of one package, each loaded on first use: ``a, b = lazy_imports("licita.x", "a", "b")``."""
    return tuple(_LazyModule(f"{package}.{module}") for module in modules)
