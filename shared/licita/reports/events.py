"""Notification kinds the reports area raises (to the user who asked for the report)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licita.core.events import Kind, Message, register

LABELS = {"tender_summary": "Resumo do edital (PDF)", "quote_comparison": "Comparativo de cotação (XLSX)",
          "pipeline": "Relatório de licitações (XLSX)"}


def _label(p: Mapping[str, Any]) -> str:
    return LABELS.get(str(p.get("report_kind")), "Relatório")


def _ready(p: Mapping[str, Any]) -> Message:
    return Message(f"Relatório pronto: {_label(p)}", f"“{p.get('filename') or _label(p)}” está pronto para baixar.",
                   f"/reports/{p['report_id']}" if p.get("report_id") else None)


def _failed(p: Mapping[str, Any]) -> Message:
    return Message(f"Falha no relatório: {_label(p)}", f"Não foi possível gerar o relatório: {p.get('error') or '?'}.",
                   f"/reports/{p['report_id']}" if p.get("report_id") else None)


register(
    Kind("report.ready", "Relatório pronto", "target", "reports:read", describe=_ready),
    Kind("report.failed", "Falha em relatório", "target", "reports:read", describe=_failed),
)
