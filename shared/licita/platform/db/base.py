"""The declarative base every area's ORM models share (one metadata: Alembic sees every table)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONB, list[str]: JSONB}


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()
