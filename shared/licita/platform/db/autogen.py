"""How Alembic compares the models with a migrated database (env.py and the drift test use the same rules).

Deliberate choices, so ``alembic revision --autogenerate`` proposes nothing on an up-to-date database:

* Server defaults: migrations give columns a server default (raw SQL inserts and backfills need it) while the
  models often keep a Python-side ``default=``. That pair is accepted only when both say the same value
  (``'basic'::character varying`` and ``default="basic"``; ``'{}'::jsonb`` and ``default=dict``), so a
  migration and a model that disagree are still reported, by :func:`server_default_drift`. Alembic's own
  comparison is off (``compare_server_default=False``): a custom comparator crashes on identity columns in
  Alembic 1.20 (it reads ``server_default.arg.text`` of an ``Identity``).
* Expression indexes (``to_tsvector(...)``, ``lower(email)``): Alembic cannot compare expressions, so an
  index made of expressions that exists only in the database is left alone. Plain-column indexes, partial
  indexes and unique indexes are all compared.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Column, ColumnDefault, Connection, Index, MetaData, TextClause, inspect
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

_PG = PGDialect_psycopg()  # type: ignore[no-untyped-call]
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
    if not isinstance(default, ColumnDefault) or default.is_clause_element:  # Identity, Sequence, SQL
        return False, None
    if default.is_callable:
        try:
            return True, default.arg(None)
        except Exception:  # a callable that needs a real execution context: not comparable
            return False, None
    return True, default.arg


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _model_server_default(column: Column[Any]) -> str | None:
    default = column.server_default
    arg = getattr(default, "arg", None)
    if arg is None:
        return None
    if isinstance(arg, str):
        return arg
    if isinstance(arg, TextClause):
        return arg.text
    return str(arg.compile(dialect=_PG))


def server_default_drift(conn: Connection, metadata: MetaData) -> list[str]:
    """Columns whose database default disagrees with the model (server default, or mirrored Python default)."""
    inspector = inspect(conn)
    problems: list[str] = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue  # a missing table is reported by compare_metadata
        found = {c["name"]: c for c in inspector.get_columns(table.name)}
        for column in table.columns:
            info = found.get(column.name)
            if info is None or info.get("identity") or info.get("computed"):
                continue
            actual = info.get("default")
            if actual is not None and actual.startswith("nextval("):
                continue  # serial / autoincrement
            declared = _model_server_default(column)
            if declared is not None:
                same = actual is not None and _strip_casts(actual) == _strip_casts(declared)
            elif actual is None:
                continue
            else:
                known, value = _python_default(column)
                if known and isinstance(value, uuid.UUID | datetime):  # generated per row on both sides
                    same = actual.rstrip().endswith(")")
                elif known and isinstance(value, list) and isinstance(column.type, ARRAY):
                    same = _strip_casts(actual) == "{" + ",".join(map(str, value)) + "}"
                else:
                    same = known and not callable(value) and _strip_casts(actual) == _literal(value)
            if not same:
                problems.append(f"{table.name}.{column.name}: database default {actual!r}, model "
                                f"{declared!r} (server) / {_python_default(column)[1]!r} (python)")
    return problems


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Skip only expression indexes present in the database and not in the models (see module docstring)."""
    if type_ == "index" and reflected and compare_to is None and isinstance(obj, Index):
        return all(isinstance(expr, Column) for expr in obj.expressions)
    return True


COMPARE_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "compare_server_default": False,  # see server_default_drift
    "include_object": include_object,
}
