"""Form templates (versioned; the two built-ins appear in every company on first use) and submissions
validated against the exact version they were filled with, attached to a tender or a card."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licita.audit.service import Actor, record
from licita.boards.models import Card
from licita.core.errors import Conflict, NotFound, ValidationFailed
from licita.core.security.principal import Principal
from licita.forms import rules
from licita.forms.models import FormSubmission, FormTemplate
from licita.forms.schemas import (
    ExportQuery,
    SubmissionCreate,
    SubmissionOut,
    SubmissionPage,
    SubmissionQuery,
    TemplateCreate,
    TemplateList,
    TemplateOut,
    VersionCreate,
)
from licita.platform.db.engine import tenant_transaction
from licita.platform.db.listing import paginate
from licita.platform.db.lookup import company_of, company_transaction, get_owned, read_owned
from licita.tenders.models import Tender

EXPORT_LIMIT = 10_000


def _out(t: FormTemplate) -> TemplateOut:
    return TemplateOut(id=t.id, key=t.key, version=t.version, name=t.name, description=t.description,
                       json_schema=t.schema, builtin=t.builtin, created_at=t.created_at)


def _sub_out(s: FormSubmission) -> SubmissionOut:
    return SubmissionOut(id=s.id, template_id=s.template_id, template_key=s.template_key,
                         template_version=s.template_version, tender_id=s.tender_id, card_id=s.card_id, data=s.data,
                         submitted_by=s.submitted_by, created_at=s.created_at)


def ensure_builtins(db: Session, company_id: uuid.UUID) -> None:
    have = set(db.scalars(select(FormTemplate.key).where(FormTemplate.company_id == company_id,
                                                         FormTemplate.key.in_(list(rules.BUILTINS)))))
    for key, spec in rules.BUILTINS.items():
        if key not in have:
            db.add(FormTemplate(id=uuid.uuid4(), company_id=company_id, key=key, version=1, name=spec["name"],
                                description=spec["description"], schema=spec["schema"], builtin=True))
    db.flush()


def _checked(schema: dict[str, Any]) -> dict[str, Any]:
    problems = rules.check_schema(schema)
    if problems:
        raise ValidationFailed("Esquema do formulário inválido.", code="invalid_form_schema",
                               details=[{"field": "schema", "message": p} for p in problems])
    return schema


def list_templates(principal: Principal, all_versions: bool = False) -> TemplateList:
    with company_transaction(principal) as (db, company_id):
        ensure_builtins(db, company_id)
        rows = list(db.scalars(select(FormTemplate).where(FormTemplate.company_id == company_id,
                                                          FormTemplate.archived_at.is_(None))
                               .order_by(FormTemplate.key, FormTemplate.version.desc())))
        if not all_versions:
            latest: dict[str, FormTemplate] = {}
            for t in rows:
                latest.setdefault(t.key, t)
            rows = list(latest.values())
        return TemplateList(items=[_out(t) for t in rows])


def create_template(principal: Principal, body: TemplateCreate, actor: Actor) -> TemplateOut:
    company_id = company_of(principal)
    schema = _checked(body.json_schema)
    try:
        with tenant_transaction(company_id) as db:
            ensure_builtins(db, company_id)
            t = FormTemplate(id=uuid.uuid4(), company_id=company_id, key=body.key, version=1, name=body.name,
                             description=body.description, schema=schema, builtin=False,
                             created_by=uuid.UUID(principal.user_id))
            db.add(t)
            db.flush()
            record(db, actor, "form_template.created", "form_template", t.id, company_id=company_id,
                   after={"key": t.key, "version": 1})
            return _out(t)
    except IntegrityError:
        raise Conflict("Já existe um formulário com esta chave; publique uma nova versão.",
                       code="form_key_taken") from None


def new_version(principal: Principal, template_id: str, body: VersionCreate, actor: Actor) -> TemplateOut:
    """A new version of the template ``template_id`` belongs to; submissions already made stay tied to the
    version they were filled with."""
    company_id = company_of(principal)
    schema = _checked(body.json_schema)
    with tenant_transaction(company_id) as db:
        key = _template(db, company_id, template_id).key
        latest = db.scalar(select(FormTemplate).where(FormTemplate.company_id == company_id, FormTemplate.key == key)
                           .order_by(FormTemplate.version.desc()).limit(1).with_for_update())
        if latest is None:
            raise NotFound("Formulário não encontrado.", code="form_not_found")
        t = FormTemplate(id=uuid.uuid4(), company_id=company_id, key=key, version=latest.version + 1,
                         name=body.name or latest.name, description=body.description or latest.description,
                         schema=schema, builtin=False, created_by=uuid.UUID(principal.user_id))
        db.add(t)
        db.flush()
        record(db, actor, "form_template.versioned", "form_template", t.id, company_id=company_id,
               after={"key": key, "version": t.version})
        return _out(t)


def get_template(principal: Principal, template_id: str) -> TemplateOut:
    return read_owned(principal, _template, template_id, _out)


def _template(db: Session, company_id: uuid.UUID, template_id: str) -> FormTemplate:
    return get_owned(db, FormTemplate, company_id, template_id, code="form_not_found",
                     message="Formulário não encontrado.")


def submit(principal: Principal, template_id: str, body: SubmissionCreate, actor: Actor) -> SubmissionOut:
    company_id = company_of(principal)
    if (body.tender_id is None) == (body.card_id is None):
        raise ValidationFailed("Anexe o formulário a uma licitação ou a um cartão (um dos dois).",
                               code="form_target_required",
                               details=[{"field": "tender_id", "message": "informe tender_id ou card_id"}])
    with tenant_transaction(company_id) as db:
        t = _template(db, company_id, template_id)
        errors = rules.validate(t.schema, body.data)
        if errors:
            raise ValidationFailed("O formulário tem campos inválidos.", code="form_invalid", details=errors)
        _target_exists(db, company_id, body)
        s = FormSubmission(id=uuid.uuid4(), company_id=company_id, template_id=t.id, template_key=t.key,
                           template_version=t.version, tender_id=body.tender_id, card_id=body.card_id,
                           data=body.data, submitted_by=uuid.UUID(principal.user_id))
        db.add(s)
        record(db, actor, "form.submitted", "card" if body.card_id else "tender", body.card_id or body.tender_id,
               company_id=company_id, after={"submission_id": str(s.id), "form": t.key, "version": t.version})
        db.flush()
        db.refresh(s)
        return _sub_out(s)


def _target_exists(db: Session, company_id: uuid.UUID, body: SubmissionCreate) -> None:
    model, ident, what = (Tender, body.tender_id, "Licitação") if body.tender_id else (Card, body.card_id, "Cartão")
    if db.scalar(select(model.id).where(model.id == ident, model.company_id == company_id)) is None:
        raise NotFound(f"{what} não encontrada." if what == "Licitação" else "Cartão não encontrado.",
                       code="tender_not_found" if what == "Licitação" else "card_not_found")


def _filtered(company_id: uuid.UUID, q: SubmissionQuery | ExportQuery) -> Any:
    stmt = select(FormSubmission).where(FormSubmission.company_id == company_id)
    for column, value in ((FormSubmission.template_key, q.template_key), (FormSubmission.template_version, q.version),
                          (FormSubmission.tender_id, q.tender_id), (FormSubmission.card_id, q.card_id),
                          (FormSubmission.submitted_by, getattr(q, "submitted_by", None))):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt.order_by(FormSubmission.created_at.desc(), FormSubmission.id)


def list_submissions(principal: Principal, query: SubmissionQuery) -> SubmissionPage:
    with company_transaction(principal) as (db, company_id):
        rows, page = paginate(db, _filtered(company_id, query), query.page, query.page_size)
        return SubmissionPage(items=[_sub_out(s) for s in rows], page=page)


def export_csv(principal: Principal, query: ExportQuery) -> str:
    """CSV of one form's submissions: fixed columns, then every field of the versions involved, in order."""
    with company_transaction(principal) as (db, company_id):
        subs = list(db.scalars(_filtered(company_id, query).limit(EXPORT_LIMIT)))
        versions = {s.template_id for s in subs}
        fields: list[str] = []
        for t in db.scalars(select(FormTemplate).where(FormTemplate.id.in_(versions))
                            .order_by(FormTemplate.version)):
            fields += [f for f in (t.schema.get("properties") or {}) if f not in fields]
        count = db.scalar(select(func.count()).select_from(FormSubmission).where(
            FormSubmission.company_id == company_id, FormSubmission.template_key == query.template_key))
    if not count:
        raise NotFound("Nenhuma resposta para este formulário.", code="no_submissions")
    base = ["id", "versao", "licitacao", "cartao", "enviado_por", "enviado_em"]
    rows = [{"id": s.id, "versao": s.template_version, "licitacao": s.tender_id, "cartao": s.card_id,
             "enviado_por": s.submitted_by, "enviado_em": s.created_at and s.created_at.isoformat(), **s.data}
            for s in subs]
    return rules.to_csv(base + fields, [{k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in r.items()}
                                        for r in rows])
