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


_AREA_MODULES_LOADED: set[str] = set()


def import_area_modules(module: str) -> None:
    """Import ``licita.<area>.<module>`` for every area that has one, once per process: how areas plug their
    notification kinds (``events``) and WebSocket actions (``sockets``) in without a central list."""
    if module in _AREA_MODULES_LOADED:
        return
    import pkgutil  # noqa: PLC0415  (off the cold paths: the first event or socket action pays it)
    from pathlib import Path  # noqa: PLC0415

    import licita  # noqa: PLC0415

    root = Path(licita.__path__[0])
    for info in pkgutil.iter_modules(licita.__path__):
        if info.ispkg and (root / info.name / f"{module}.py").exists():
            importlib.import_module(f"licita.{info.name}.{module}")
    _AREA_MODULES_LOADED.add(module)
