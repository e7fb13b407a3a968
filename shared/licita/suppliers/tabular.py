"""CSV and XLSX in (openpyxl) and out (XlsxWriter), with the row numbers people see in their spreadsheet.

Pure: bytes in, rows out (and back). Shared by the supplier and product imports/exports.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 20_000
XLSX_MAGIC = b"PK\x03\x04"


class TableError(ValueError):
    """The file itself cannot be read as a table (the message is Portuguese, for the user)."""


@dataclass(frozen=True)
class Table:
    headers: list[str]  # normalised (lowercase, no accents, ``_`` for spaces)
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, header -> text)


def normalize_header(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return str(value.strftime("%d/%m/%Y"))
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # Excel in Brazil saves CSV as Windows-1252
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("Não foi possível ler o CSV: use a codificação UTF-8.")


def _build(raw_rows: Iterable[Sequence[Any]], first_row: int = 1) -> Table:
    iterator = iter(raw_rows)
    header_row = next(iterator, None)
    if header_row is None or not any(_cell(h) for h in header_row):
        raise TableError("O arquivo está vazio ou sem linha de cabeçalho.")
    headers = [normalize_header(_cell(h)) for h in header_row]
    rows: list[tuple[int, dict[str, str]]] = []
    for offset, raw in enumerate(iterator, start=first_row + 1):
        values = [_cell(v) for v in raw]
        if not any(values):
            continue
        if len(rows) >= MAX_ROWS:
            raise TableError(f"O arquivo tem mais de {MAX_ROWS} linhas; divida-o em partes.")
        row = {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers) if h}
        rows.append((offset, row))
    return Table([h for h in headers if h], rows)


def read_table(filename: str, data: bytes) -> Table:
    """Rows of a ``.csv`` (``;`` or ``,``) or ``.xlsx`` file (first sheet)."""
    name = filename.lower()
    if "\x00" in filename:
        raise TableError("Nome de arquivo inválido.")
    if name.endswith(".xlsx"):
        if not data.startswith(XLSX_MAGIC):
            raise TableError("O arquivo não é uma planilha XLSX válida.")
        from openpyxl import load_workbook  # noqa: PLC0415  (heavy: openpyxl, only when a spreadsheet is read)

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise TableError("O arquivo não é uma planilha XLSX válida.") from None
        try:
            sheet = workbook.worksheets[0]
            return _build(sheet.iter_rows(values_only=True))
        finally:
            workbook.close()
    if name.endswith(".csv"):
        text = _decode(data)
        if "\x00" in text:
            raise TableError("O CSV contém caracteres NUL; exporte-o novamente como texto.")
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        return _build(csv.reader(io.StringIO(text), delimiter=delimiter))
    raise TableError("Formato não aceito: envie um arquivo .csv ou .xlsx.")


FORMULA_PREFIXES = ("=", "+", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """Text a spreadsheet will never run as a formula (CSV injection): a leading ``'`` neutralises it."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) else value


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """``;``-separated UTF-8 with BOM: what Excel in Brazil opens correctly."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """One worksheet per (title, headers, rows), header in bold and frozen. XlsxWriter (several times faster
    than openpyxl's writer here); text is always written as text, never as a formula or a link."""
    import xlsxwriter  # noqa: PLC0415  (heavy: xlsxwriter, only when a spreadsheet is written)

    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    for title, headers, rows in sheets:
        sheet = workbook.add_worksheet(title[:31])
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, list(headers), bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
    workbook.close()
    return buf.getvalue()
