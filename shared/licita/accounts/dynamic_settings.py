"""Per-company settings and templates in MongoDB, validated by schema and versioned.

Each key has a pydantic schema; a write bumps ``version`` (optimistic concurrency with
``expected_version``) and keeps the previous values in a bounded ``history``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from licita.accounts import schemas as s
from licita.core.errors import Conflict, NotFound, ValidationFailed
from licita.core.messages_pt import translate
from licita.platform.clients import get_mongo

HISTORY = 20


class _Setting(BaseModel):
    """Every key: unknown fields refused, strings stripped and bounded, no nested free-form data."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, str_max_length=500)


Hour = Annotated[int, Field(ge=1, le=24 * 30)]
UF = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class NotificationSettings(_Setting):
    email_enabled: bool = True
    digest: Literal["off", "daily", "weekly"] = "daily"
    reminder_hours: list[Hour] = Field(default_factory=lambda: [72, 24, 2], max_length=10)


class AnalysisSettings(_Setting):
    llm_provider: Literal["none", "ollama", "openai"] = "none"
    min_confidence: float = Field(0.6, ge=0, le=1)
    auto_create_deadlines: bool = True


class BrandingSettings(_Setting):
    display_name: str | None = Field(None, max_length=120)
    primary_color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    logo_url: str | None = Field(None, pattern=r"^https://[^\s/?#]+[^\s]*$", max_length=500,
                                 description="https only; shown by the SPA, never fetched by the platform")


class BiddingSettings(_Setting):
    default_margin_percent: float = Field(15, ge=0, le=500)
    me_epp: bool = False
    regions: list[UF] = Field(default_factory=list, max_length=27)


SCHEMAS: dict[str, type[_Setting]] = {
    "notifications": NotificationSettings,
    "analysis": AnalysisSettings,
    "branding": BrandingSettings,
    "bidding": BiddingSettings,
}


def _collection(name: str) -> Any:
    return get_mongo()[name]


def _history(current: dict[str, Any] | None, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """The previous version goes on top of a bounded history."""
    if not current:
        return []
    return [{k: current.get(k) for k in keys}, *current.get("history", [])][:HISTORY]


def _schema(key: str) -> type[_Setting]:
    if key not in SCHEMAS:
        raise NotFound(f"Configuração desconhecida: {key}.", details={"known": sorted(SCHEMAS)})
    return SCHEMAS[key]


def get_setting(company_id: str, key: str) -> s.SettingOut:
    schema = _schema(key)
    doc = _collection("dynamic_settings").find_one({"company_id": company_id, "key": key})
    if doc is None:
        return s.SettingOut(key=key, version=0, value=schema().model_dump(), updated_at=None, updated_by=None)
    return s.SettingOut(key=key, version=doc["version"], value=doc["value"], updated_at=doc.get("updated_at"),
                        updated_by=doc.get("updated_by"))


def put_setting(company_id: str, key: str, value: dict[str, Any], expected_version: int | None,
                user_id: str) -> s.SettingOut:
    schema = _schema(key)
    try:
        validated = schema.model_validate(value).model_dump()
    except ValidationError as err:
        raise ValidationFailed("Configuração inválida.", details=[
            {"field": ".".join(map(str, ("value", *e["loc"]))), "message": translate(e), "type": e["type"]}
            for e in err.errors(include_url=False, include_input=False)]) from None
    collection = _collection("dynamic_settings")
    current = collection.find_one({"company_id": company_id, "key": key})
    version = current["version"] if current else 0
    if expected_version is not None and expected_version != version:
        raise Conflict("Configuração alterada por outra pessoa; recarregue.", code="version_conflict",
                       details={"current_version": version})
    now = datetime.now(UTC)
    history = _history(current, ("version", "value", "updated_at"))
    result = collection.update_one(
        {"company_id": company_id, "key": key, "version": version},
        {"$set": {"value": validated, "version": version + 1, "updated_at": now, "updated_by": user_id,
                  "history": history}},
        upsert=current is None,
    )
    if current is not None and result.matched_count == 0:
        raise Conflict("Configuração alterada por outra pessoa; recarregue.", code="version_conflict")
    return s.SettingOut(key=key, version=version + 1, value=validated, updated_at=now, updated_by=user_id)


def get_template(company_id: str, name: str) -> s.TemplateOut:
    doc = _collection("dynamic_templates").find_one({"company_id": company_id, "name": name})
    if doc is None:
        raise NotFound("Modelo não encontrado.")
    return s.TemplateOut(name=name, version=doc["version"], subject=doc.get("subject"), body=doc["body"],
                         kind=doc["kind"], updated_at=doc.get("updated_at"))


def put_template(company_id: str, name: str, data: s.TemplateUpdate, user_id: str) -> s.TemplateOut:
    collection = _collection("dynamic_templates")
    current = collection.find_one({"company_id": company_id, "name": name})
    version = current["version"] if current else 0
    if data.expected_version is not None and data.expected_version != version:
        raise Conflict("Modelo alterado por outra pessoa; recarregue.", code="version_conflict",
                       details={"current_version": version})
    now = datetime.now(UTC)
    history = _history(current, ("version", "subject", "body", "kind", "updated_at"))
    collection.update_one(
        {"company_id": company_id, "name": name, "version": version},
        {"$set": {"kind": data.kind, "subject": data.subject, "body": data.body, "version": version + 1,
                  "updated_at": now, "updated_by": user_id, "history": history}},
        upsert=current is None,
    )
    return s.TemplateOut(name=name, version=version + 1, subject=data.subject, body=data.body, kind=data.kind,
                         updated_at=now)
