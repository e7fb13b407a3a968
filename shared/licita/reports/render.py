"""Report files: the tender summary PDF (fpdf2) and the pipeline XLSX (openpyxl), in Portuguese with Brazilian
formats (R$ 1.234,56, dd/mm/aaaa). Pure: data in, bytes out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from licita.core.brazil import format_brl, format_cnpj, format_date_br, format_number
from licita.core.events import format_when
from licita.reports.rules import STATUS_LABELS, pdf_text, pipeline
from licita.suppliers.tabular import write_xlsx

Progress = Callable[[int], None]
FIELD_LABELS = {"document_kind": "Tipo de documento", "modality": "Modalidade", "number": "Número",
                "process_number": "Processo", "agency": "Órgão", "agency_cnpj": "CNPJ do órgão", "uasg": "UASG",
                "object": "Objeto", "srp": "Registro de preços", "award_criterion": "Critério de julgamento",
                "dispute_mode": "Modo de disputa", "session_datetime": "Sessão pública",
                "estimated_value": "Valor estimado", "items_count": "Quantidade de itens", "me_epp": "ME/EPP",
                "platform": "Plataforma", "legal_basis": "Base legal"}
DEADLINE_LABELS = {"session": "Sessão pública", "proposal": "Envio de propostas", "impugnacao": "Impugnação",
                   "esclarecimento": "Esclarecimento", "other": "Outro prazo"}
RISK_LEVELS = {"low": "Baixo", "medium": "Médio", "high": "Alto"}


def grid(pdf: Any, widths: Sequence[float], header: Sequence[str], rows: Sequence[Sequence[str]],
         line: float = 4.2) -> None:
    """A bordered table. Lighter than fpdf2's ``table()`` (which lays out every cell twice): only cells wider
    than their column are line-broken, once to measure and once to draw; the header repeats after a page break."""
    def draw(cells: Sequence[str], bold: bool) -> None:
        pdf.set_font("helvetica", "B" if bold else "", 8)
        texts = [pdf_text(c) for c in cells]
        wrapped = [pdf.get_string_width(tx) > w - 2 for tx, w in zip(texts, widths, strict=True)]
        heights = [len(pdf.multi_cell(w, line, tx, dry_run=True, output="LINES")) if wrap else 1
                   for tx, w, wrap in zip(texts, widths, wrapped, strict=True)]
        height = max(heights) * line + 1
        if pdf.will_page_break(height):
            pdf.add_page()
            if not bold:
                draw(header, True)
                pdf.set_font("helvetica", "", 8)
        x, y = pdf.get_x(), pdf.get_y()
        if bold:
            pdf.set_fill_color(229, 231, 235)
            pdf.rect(x, y, sum(widths), height, style="F")
        for tx, w, wrap in zip(texts, widths, wrapped, strict=True):
            pdf.set_xy(x, y + 0.5)
            if wrap:
                pdf.multi_cell(w, line, tx, new_x="RIGHT", new_y="TOP")
            else:
                pdf.cell(w, line, tx)
            pdf.rect(x, y, w, height)
            x += w
        pdf.set_xy(pdf.l_margin, y + height)

    draw(header, True)
    for row in rows:
        draw(row, False)


def _value(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name == "estimated_value":
        return format_brl(value)
    if name == "session_datetime":
        return format_when(value)
    if name == "agency_cnpj":
        return format_cnpj(str(value))
    if isinstance(value, bool):
        return "Sim" if value else "Não"
    return str(value)


def _page(entry: Mapping[str, Any]) -> str:
    return "" if entry.get("page") is None else str(entry.get("page"))


def tender_summary_pdf(t: Mapping[str, Any], generated: date, progress: Progress | None = None) -> bytes:
    """``t``: title, agency, fields {name: {value, page, quote}}, risk {score, level, factors}, items [...],
    deadlines [...], requirements [...] (habilitação)."""
    from fpdf import FPDF  # noqa: PLC0415  (heavy: fpdf, only when a PDF is rendered)

    tick = progress or (lambda _: None)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(pdf_text(f"Resumo do edital - {t.get('title') or ''}"))
    pdf.set_author("Licita")
    pdf.set_creator("Licita")
    pdf.set_lang("pt-BR")
    pdf.add_page()

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("helvetica", "B", 13)
        pdf.cell(0, 8, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 9)

    def section(title: str, widths: Sequence[float], header: Sequence[str], rows: Sequence[Sequence[str]],
                empty: str | None = None) -> None:
        """A heading and its table; ``empty`` is said instead of an empty table."""
        heading(title)
        if rows:
            grid(pdf, widths, header, rows)
        elif empty:
            pdf.cell(0, 6, pdf_text(empty), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, pdf_text(f"Resumo do edital: {t.get('title') or 'sem título'}"), new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font("helvetica", "", 9)
    pdf.cell(0, 6, pdf_text(f"{t.get('agency') or ''}  -  gerado em {format_date_br(generated)}"), new_x="LMARGIN",
             new_y="NEXT")

    fields: Mapping[str, Any] = t.get("fields") or {}
    section("Campos extraídos e evidências", (32, 50, 12, 96), ("Campo", "Valor", "Pág.", "Trecho do edital"),
            [[label, pdf_text(_value(name, f.get("value")), 160), _page(f), pdf_text(f.get("quote") or "—", 240)]
             for name, label in FIELD_LABELS.items() for f in [fields.get(name) or {}]])
    tick(30)

    risk: Mapping[str, Any] = t.get("risk") or {}
    factors: Sequence[Mapping[str, Any]] = risk.get("factors") or []
    section(f"Fatores de risco (nível {RISK_LEVELS.get(str(risk.get('level')), '—')}, "
            f"pontuação {format_number(risk.get('score') or 0, 0)})",
            (60, 14, 12, 104), ("Fator", "Peso", "Pág.", "Motivo / trecho"),
            [[pdf_text(f.get("label") or f.get("code"), 120), str(f.get("weight") or ""), _page(f),
              pdf_text(f.get("reason") or f.get("quote") or "", 240)] for f in factors],
            "Nenhum fator de risco identificado.")
    tick(45)

    deadlines: Sequence[Mapping[str, Any]] = t.get("deadlines") or []
    section("Prazos", (45, 40, 105), ("Prazo", "Data e hora", "Base"),
            [[DEADLINE_LABELS.get(str(d.get("kind")), str(d.get("kind"))), format_when(d.get("due_at")),
              pdf_text(d.get("basis") or "", 200)] for d in deadlines],
            "Nenhum prazo identificado.")
    tick(55)

    requirements: Sequence[Mapping[str, Any]] = t.get("requirements") or []
    section("Checklist de habilitação", (10, 40, 120, 20), ("OK", "Categoria", "Exigência", "Pág."),
            [["[ ]", pdf_text(r.get("category") or r.get("kind") or "", 60),
              pdf_text(r.get("description") or r.get("quote") or "", 320), _page(r)] for r in requirements],
            "Nenhuma exigência de habilitação identificada.")
    tick(70)

    items: Sequence[Mapping[str, Any]] = t.get("items") or []
    section(f"Itens ({len(items)})", (12, 94, 18, 16, 25, 25),
            ("Item", "Descrição", "Qtd.", "Un.", "Unitário", "Total"),
            [[str(i.get("number") or i.get("position") or ""), pdf_text(i.get("description"), 200),
              format_number(i.get("quantity"), 0) if i.get("quantity") is not None else "",
              pdf_text(i.get("unit") or "", 12), format_brl(i.get("unit_price")), format_brl(i.get("total_price"))]
             for i in items])
    tick(90)
    data: bytes = bytes(pdf.output())
    return data


def pipeline_xlsx(tenders: Sequence[Mapping[str, Any]], period: tuple[date, date]) -> bytes:
    summary = pipeline(tenders)
    head = [["Período", f"{format_date_br(period[0])} a {format_date_br(period[1])}"],
            ["Licitações", summary["count"]], ["Valor estimado total", format_brl(summary["total_value"])], []]
    by_status = [[STATUS_LABELS.get(r.status, r.status), r.count, format_brl(r.value)] for r in summary["by_status"]]
    by_result = [[r.status, r.count, format_brl(r.value)] for r in summary["by_result"]]
    rows = [[format_date_br(t.get("created_at")), t.get("title") or "", t.get("agency") or "",
             STATUS_LABELS.get(str(t.get("status")), str(t.get("status"))), format_brl(t.get("estimated_value")),
             format_when(t.get("session_at")), t.get("result") or "Sem cotação"] for t in tenders]
    return write_xlsx([
        ("Resumo", ["Relatório de licitações", ""], [*head, ["Situação", "Quantidade", "Valor estimado"], *by_status,
                                                    [], ["Resultado", "Quantidade", "Valor estimado"], *by_result]),
        ("Licitações", ["Cadastro", "Título", "Órgão", "Situação", "Valor estimado", "Sessão", "Resultado"], rows),
    ])
