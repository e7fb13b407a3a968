"""The supplier page: Jinja2 (autoescaped) HTML in Portuguese, and the form it posts, turned into answers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from licita.core.brazil import format_number, is_ascii_digits
from licita.core.events import format_when
from licita.quotes.mail import environment
from licita.quotes.schemas import AnswerRequest, ItemAnswer, PortalView
from licita.suppliers.rules import money_value

FIELDS = {"preco": "unit_price", "marca": "brand", "modelo": "model", "entrega": "delivery_days",
          "validade": "validity_days", "obs": "notes"}


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return format_number(value, 2) if value != int(value) or value >= 1000 else format_number(value, 0)


def render(*, action: str, view: PortalView | None = None, notice: str | None = None, error: str | None = None,
           form: Mapping[str, str] | None = None, errors: Mapping[str, dict[str, str]] | None = None,
           title: str | None = None) -> str:
    items: list[dict[str, Any]] = []
    for item in view.items if view else []:
        key = str(item.id)

        def value(name: str, current: Any, key: str = key) -> str:
            if form is not None and f"{name}-{key}" in form:
                return form[f"{name}-{key}"]
            return "" if current is None else str(current)

        items.append({
            "id": key, "position": item.position, "description": item.description, "unit": item.unit,
            "quantity_text": _number(item.quantity),
            "price": value("preco", None if item.unit_price is None else format_number(item.unit_price, 2)),
            "brand": value("marca", item.brand), "model": value("modelo", item.model),
            "delivery": value("entrega", item.delivery_days), "validity": value("validade", item.validity_days),
            "notes": value("obs", item.notes),
            "errors": {"preco": "", "entrega": "", "validade": "", **(errors or {}).get(key, {})},
        })
    return environment().get_template("portal.html").render(
        title=title or (view.quote_title if view else "Cotação"), view=view, items=items, action=action,
        notice=notice, error=error, deadline=format_when(view.deadline_at) if view else "")


def parse_form(raw: bytes, item_ids: list[uuid.UUID]) -> tuple[AnswerRequest | None, dict[str, str],
                                                                dict[str, dict[str, str]]]:
    """(answers, the raw form, errors per item and field) from an ``application/x-www-form-urlencoded`` body."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, {}, {"_": {"form": "Formulário com caracteres inválidos."}}
    form = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True, max_num_fields=20_000).items()}
    if any("\x00" in k or "\x00" in v for k, v in form.items()):
        return None, {}, {"_": {"form": "Caracteres inválidos no formulário."}}
    errors: dict[str, dict[str, str]] = {}
    answers: list[ItemAnswer] = []
    for item_id in item_ids:
        key = str(item_id)
        values: dict[str, Any] = {"item_id": item_id}
        problems: dict[str, str] = {}
        price = form.get(f"preco-{key}", "").strip()
        if price:
            try:
                values["unit_price"] = money_value(price)
            except ValueError as exc:
                problems["preco"] = str(exc).capitalize()
        for name, field, low in (("entrega", "delivery_days", 0), ("validade", "validity_days", 1)):
            raw_value = form.get(f"{name}-{key}", "").strip()
            if raw_value:
                if not is_ascii_digits(raw_value) or not low <= int(raw_value) <= 3650:
                    problems[name] = f"Informe um número inteiro de dias entre {low} e 3650."
                else:
                    values[field] = int(raw_value)
        for name, field, limit in (("marca", "brand", 120), ("modelo", "model", 120), ("obs", "notes", 2000)):
            text_value = " ".join(form.get(f"{name}-{key}", "").split()) if name != "obs" else form.get(
                f"{name}-{key}", "").strip()
            if text_value:
                values[field] = text_value[:limit]
        if problems:
            errors[key] = problems
        else:
            answers.append(ItemAnswer.model_validate(values))
    if errors:
        return None, form, errors
    notes = form.get("observacoes", "").strip()[:5000] or None
    return AnswerRequest(items=answers, notes=notes, submit=form.get("acao") != "salvar"), form, {}
