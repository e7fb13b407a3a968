"""``licita analyze FILE``: run document extraction + an extractor locally, no services needed."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from licita.core.errors import AppError
from licita.documents import extract_document
from licita.documents.progress import TerminalProgress, Throttle, notify
from licita.extraction import extract_tender
from licita.extraction.evaluate import evaluate_folder, format_table, labelled_documents

PROVIDERS = ("rules", "ollama", "openai")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="licita", description="Ferramentas locais do Licita.")
    sub = parser.add_subparsers(dest="command", required=True)
    analyze = sub.add_parser("analyze", help="Analisa um edital (PDF, DOCX ou ZIP) e mostra os campos extraídos.")
    analyze.add_argument("file", type=Path)
    analyze.add_argument("--provider", choices=PROVIDERS, default="rules")
    analyze.add_argument("--json", action="store_true", help="imprime o resultado no formato EXTRACTION.md")
    analyze.add_argument("--no-ocr", action="store_true", help="não roda OCR em páginas sem texto")
    evaluate = sub.add_parser("eval", help="Mede a extração numa pasta de documentos rotulados (<arquivo>.truth.json).")
    evaluate.add_argument("dir", type=Path)
    evaluate.add_argument("--json", action="store_true", help="imprime o resultado em JSON")
    evaluate.add_argument("--no-ocr", action="store_true", help="não roda OCR em páginas sem texto")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "analyze":
        return _analyze(args)
    if args.command == "eval":
        return _eval(args)
    return 2  # pragma: no cover - argparse enforces the sub-command


def _eval(args: argparse.Namespace) -> int:
    """Score the rules extractor on a folder of labelled documents (per-field table or JSON)."""
    if not args.dir.is_dir():
        print(f"erro: pasta não encontrada: {args.dir}", file=sys.stderr)
        return 2
    if not labelled_documents(args.dir):
        print(f"erro: nenhum documento com rótulo (<arquivo>.truth.json) em {args.dir}", file=sys.stderr)
        return 1
    report = evaluate_folder(args.dir, ocr=not args.no_ocr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(format_table(report))
    return 0


def _analyze(args: argparse.Namespace) -> int:
    if args.provider != "rules" and importlib.util.find_spec("licita.extraction.llm") is None:
        print(f"erro: provider '{args.provider}' not available in this build (only 'rules').", file=sys.stderr)
        return 2
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"erro: não foi possível ler {args.file}: {exc.strerror}", file=sys.stderr)
        return 1

    # A progress bar on stderr when it is a terminal (shown only for long or scanned documents).
    bar = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    progress = Throttle(bar) if bar else None
    try:
        doc = extract_document(data, args.file.name, ocr=not args.no_ocr, progress=progress)
        notify(progress, "rules")
        result = extract_tender(doc).to_dict()
        if args.provider != "rules":
            notify(progress, "llm")
            enriched = _llm_enrich(result, doc, args.provider)
            if enriched is None:
                return 2
            result = enriched
    except AppError as exc:
        print(f"erro [{exc.code}]: {exc.message}", file=sys.stderr)
        return 1
    finally:
        if bar:
            bar.close()
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_summary(result, len(doc.pages), doc.ocr_pages))
    return 0


def _llm_enrich(result: dict[str, Any], doc: Any, provider_name: str) -> dict[str, Any] | None:
    """Hook into ``licita.extraction.llm`` (rules first, then the model fills/checks fields)."""
    try:
        llm: Any = importlib.import_module("licita.extraction.llm")
        provider = llm.get_provider(provider_name)
        pages = [(p.number, p.text) for p in doc.pages]
        outcome = llm.enrich(result, pages, file_sha256=doc.sha256, provider=provider)
    except Exception as exc:  # configuration or import problems of the optional layer
        print(f"erro: provider '{provider_name}' failed: {exc}", file=sys.stderr)
        return None
    merged = getattr(outcome, "merged", None)
    return dict(merged) if isinstance(merged, dict) else result


def _summary(result: dict[str, Any], pages: int, ocr_pages: int) -> str:
    lines = [f"Arquivo: {result['file']}  ({pages} página(s){f', {ocr_pages} por OCR' if ocr_pages else ''})"]
    for name, entry in result["fields"].items():
        value = entry["value"]
        if value is None:
            shown = "—"
        elif name == "estimated_value" and isinstance(value, (int, float)):
            shown = "R$ " + f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        else:
            shown = str(value)
        where = f"  (p. {entry['page']})" if entry.get("page") else ""
        lines.append(f"  {name:<17} {shown[:110]}{where}")
    if result["items"]:
        lines.append(f"Itens: {len(result['items'])} lidos da tabela")
    if result["requirements"]:
        lines.append("Habilitação: " + "; ".join(r["description"] for r in result["requirements"][:8]))
    for d in result["dates"]:
        flag = "" if d["stated"] else " (prazo legal)"
        lines.append(f"Data {d['kind']}: {d['value']}{flag}")
    risk = result["risk"]
    lines.append(f"Risco: {risk['score']}/100 ({risk['level']})")
    for f in risk["factors"]:
        lines.append(f"  +{f['weight']:<3} {f['reason']}")
    for w in result.get("warnings", []):
        lines.append(f"Aviso: {w}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
