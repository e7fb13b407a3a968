"""How Alembic compares the models with a migrated database (env.py and the drift test use the same rules).

Deliberate choices, so ``alembic revision --autogenerate`` proposes nothing on an up-to-date database:

* Server defaults: migrations give columns a server default (raw SQL inserts and backfills need it) while the
  models often keep a Python-side ``default=``. That pair is accepted only when both say the same value
  (``'basic'::character varying`` and ``default="basic"``; ``'{}'::jsonb`` and ``default=dict``), so a
  migration and a model that disagree are still reported.
* Expression indexes (``to_tsvector(...)``, ``lower(email)``): Alembic cannot compare expressions, so an
  index made of expressions that exists only in the database is left alone. Plain-column indexes, partial
  indexes and unique indexes are all compared.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import Column, Index

_CAST = re.compile(r"^\((?P<inner>.*)\)$|^(?P<value>.*?)(::[\w\s\[\]\"]+)+$", re.DOTALL)


def _strip_casts(text: str) -> str:
    """``'{}'::jsonb`` → ``{}``; ``'basic'::character varying`` → ``basic``; ``10`` → ``10``."""
    previous = None
    while previous != text:
        previous = text
        match = _CAST.match(text.strip())
        if match:
            text = match.group("inner") if match.group("inner") is not None else match.group("value")
    text = text.strip()
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    return text


def _python_default(column: Column[Any]) -> tuple[bool, Any]:
    default = column.default
    if default is None or getattr(default, "is_sequence", False) or getattr(default, "is_clause_element", False):
        return False, None
    if getattr(default, "is_callable", False):
        try:
            return True, default.arg(None)  # type: ignore[attr-defined]
        except Exception:  # a callable that needs a real execution context: not comparable
            return False, None
    return True, default.arg  # type: ignore[attr-defined]


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def compare_server_default(context: Any, inspected_column: Any, metadata_column: Column[Any],
                           inspected_default: str | None, metadata_default: Any,
                           rendered_metadata_default: str | None) -> bool | None:
    """True when different, False when the same, None to let Alembic decide (see module docstring)."""
    if metadata_column.server_default is not None or inspected_default is None:
        return None
    known, value = _python_default(metadata_column)
    if not known or callable(value):
        return None
    return _strip_casts(inspected_default) != _literal(value)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Skip only expression indexes present in the database and not in the models (see module docstring)."""
    if type_ == "index" and reflected and compare_to is None and isinstance(obj, Index):
        return all(isinstance(expr, Column) for expr in obj.expressions)
    return True


COMPARE_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "compare_server_default": compare_server_default,
    "include_object": include_object,
}
