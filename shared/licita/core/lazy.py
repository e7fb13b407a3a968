"""Import a module on first attribute access: keeps a function's INIT phase (cold start) small.

Handlers write ``accounts = lazy_import("licita.accounts.service")`` (with the real import under
``TYPE_CHECKING`` for the type checker), so SQLAlchemy, psycopg and friends load on the first request
that needs them, not for routes (or functions) that never do.
"""

from __future__ import annotations

import importlib
import types
from typing import Any

_DECLARED: list[_LazyModule] = []  # every lazy module of this process, for load_all (SnapStart priming)


class _LazyModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, name)


def lazy_import(name: str) -> Any:
    module = _LazyModule(name)
    _DECLARED.append(module)
    return module


def lazy_imports(package: str, *modules: str) -> tuple[Any, ...]:
    """Several modules of one package, each loaded on first use: ``a, b = lazy_imports("licita.x", "a", "b")``."""
    return tuple(lazy_import(f"{package}.{module}") for module in modules)


def load_all() -> list[str]:
    """Load every module declared lazy so far (a snapshot should hold them); returns the names loaded now."""
    loaded: list[str] = []
    for module in list(_DECLARED):
        if "__file__" not in module.__dict__:  # not resolved yet: its real module's attributes were never copied
            module.__getattr__("__name__")
            loaded.append(module.__name__)
    return loaded
