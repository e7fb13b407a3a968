"""Point licita's environment somewhere for a while, then put back exactly what was there (set or unset).

Importable by name from every tier (tests/ is on sys.path through tests/conftest.py). Session fixtures of one
worker each own their variables (see tests/integration/conftest.py ``aws`` and ``notify_env``): a fixture names
only the variables it points at its own resources, never another fixture's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def env_vars(values: Mapping[str, str], reset: Callable[[], None]) -> Iterator[None]:
    """Set ``values``, call ``reset`` (cached settings and clients read the environment once), and on exit
    restore every named variable to its previous value or absence, then ``reset`` again."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    reset()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset()
