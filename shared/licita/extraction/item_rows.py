"""Row-level pieces of item tables: the kind of a cell, and the two lot-aware row numberings that the
item-number chains of items.py cannot follow (a lot column before the item column; "lot.item" numbers)."""

from __future__ import annotations

import itertools
import re

from licita.extraction.text import Corpus

MAX_GAP = 9000  # chars between consecutive rows of one table (long descriptions)
HEADER_REACH = 2500  # a table's row 1 must follow a header (or lot heading) this closely

_UNITS = (r"un|und|unid|unidade|unidades|un\.|cx|caixa|pct|pacote|kg|g|m|m2|m²|m3|metros?|l|lt|litros?|"
          r"turma|servico|serviço|mes|mês|meses|par|pares|resma|galao|galão|frasco|rolo|kit|jogo|conjunto|"
          r"peca|peça|fardo|saco|lata|ampola|comprimido|diaria|diária|hora|horas|km|sv|vb|verba|global|"
          r"embalagem|cartela|bisnaga|tubo|envelope|bloco|folha|duzia|dúzia")
UNIT_RE = re.compile(rf"^(?:{_UNITS})\.?$", re.I)
# A unit leading a row's text: "UN Camiseta manga curta" (Item | Qtd | Unid | Descrição written on one line).
UNIT_LEAD_RE = re.compile(rf"^[ \t]*((?:{_UNITS})\.?)[ \t]+(?=\S)", re.I)
NUMERIC_LINE_RE = re.compile(r"^\d{1,3}(?:\.\d{3})*(?:,\d+)?$|^\d+$")
MONEY_LINE_RE = re.compile(r"^(?:r\$\s*)?\d{1,3}(?:\.\d{3})*,\d{2}$", re.I)
# A row written on one line ends with its cells: "… UN 10 [R$ 5,00 [R$ 50,00]]" or "… 10 R$ 5,00".
_MONEY = r"(?:r\$\s*)?\d{1,3}(?:\.\d{3})*,\d{2}"
ROW_TAIL_RE = re.compile(rf"\s(?:(?:{_UNITS})\.?\s+\d[\d.,]*(?:\s+{_MONEY}){{0,2}}|\d[\d.,]*(?:\s+(?:{_UNITS})\.?)?"
                         rf"(?:\s+{_MONEY}){{1,2}})[ \t]*$", re.I)


_LINE_FORMS: dict[re.Pattern[str], re.Pattern[str]] = {}


def line_matches(text: str, regex: re.Pattern[str]) -> list[re.Match[str]]:
    """``regex.finditer(text)`` for a pattern anchored at line starts ("^[ \\t|]*(?:lote|grupo)…", re.M), found by
    its newline: ``re`` tries a "^…" pattern at every offset of a 250k-character edital (~3 ms a pattern), while
    "\\n…" it finds by the literal newline. Each match is taken again from its line start (same groups)."""
    form = _LINE_FORMS.get(regex)
    if form is None:
        form = _LINE_FORMS[regex] = re.compile("\n" + regex.pattern.removeprefix("^"), regex.flags)
    first = regex.match(text)
    out = [first] if first is not None else []
    for m in form.finditer(text):
        again = regex.match(text, m.start() + 1)
        if again is not None:
            out.append(again)
    return out


def cell_kind(cell: str) -> str:
    if MONEY_LINE_RE.match(cell):
        return "money"
    if UNIT_RE.match(cell):
        return "unit"
    return "number" if NUMERIC_LINE_RE.match(cell) else "text"


# Tables whose first column is the lot and the second the item ("LOTE | ITEM | DESCRIÇÃO | …", DOCX and
# platform exports): each row is one item, whether items restart in each lot or run on across lots.
_LOT_COLUMN_HEADER_RE = re.compile(r"^[ \t|]*(?:lotes?|grupos?)\s*\|\s*(?:item|itens|it\.)\b[^\n]*$", re.M)
_LOT_COLUMN_ROW_RE = re.compile(r"^[ \t|]*0*(\d{1,3})[ \t]*\|[ \t]*0*(\d{1,4})[ \t]*\|", re.M)
# the same table one cell per line (PDF text): "LOTE / ITEM / DESCRIÇÃO …" then "1 / 1 / CANETA …"; a row's two
# numbers are followed by its text (a quantity line followed by the next row's lot is no row)
_LOT_COLUMN_HEADER_CELLS_RE = re.compile(r"^[ \t]*(?:lotes?|grupos?)[ \t]*\n[ \t]*(?:item|itens|it\.)[ \t]*$", re.M)
_LOT_COLUMN_CELLS_RE = re.compile(r"^[ \t]*0*(\d{1,3})[ \t]*\n[ \t]*0*(\d{1,4})[ \t]*\n[ \t]*(?=[^\d\s])", re.M)
# and one row a line, cells set apart by spaces (municipal homologação reports): "Lote Item Especificação …" then
# "1 2 LÁPIS PRETO UN 20,00 0,50 10,00"
_LOT_COLUMN_HEADER_SPACED_RE = re.compile(r"^[ \t]*(?:lotes?|grupos?)[ \t]+(?:item|itens|it\.)[ \t]+[a-z][^\n]*$", re.M)
_LOT_COLUMN_SPACED_RE = re.compile(r"^[ \t]*0*(\d{1,3})[ \t]+0*(\d{1,4})[ \t]+(?=[^\d\s|])", re.M)


def lot_column_rows(corpus: Corpus) -> tuple[int, int] | None:
    """Rows (lot, item) under a lot-then-item header, in order: lots never go back, items go up within
    a lot; the largest such table (a repeated table in the proposal form is the same items)."""
    folded = corpus.folded
    best: tuple[int, int] | None = None
    shapes = [(h, _LOT_COLUMN_ROW_RE) for h in line_matches(folded, _LOT_COLUMN_HEADER_RE)]
    shapes += [(h, _LOT_COLUMN_CELLS_RE) for h in line_matches(folded, _LOT_COLUMN_HEADER_CELLS_RE)]
    shapes += [(h, _LOT_COLUMN_SPACED_RE) for h in line_matches(folded, _LOT_COLUMN_HEADER_SPACED_RE)]
    for header, row_re in shapes:
        rows: list[tuple[int, int, int]] = []
        pos = header.end()
        for m in row_re.finditer(folded, header.end()):
            lot, item = int(m.group(1)), int(m.group(2))
            if m.start() - pos > HEADER_REACH:
                break
            if rows:
                prev_lot, prev_item, _ = rows[-1]
                if lot < prev_lot or (lot == prev_lot and item <= prev_item) or lot > prev_lot + 1:
                    break
            elif lot != 1:
                break
            rows.append((lot, item, m.start()))
            pos = m.end()
        if len(rows) >= 2 and len({r[0] for r in rows}) < len(rows) and (best is None or len(rows) > best[0]):
            best = (len(rows), rows[0][2])
    return best


# "lot.item" row numbers on their own line (or leading a "|" row): "1.1", "01.02", "2.1." — items numbered
# within their lot, as in tables split in lots or groups. Numbered clauses ("1.1 O objeto …") are inline.
# The number may lead its description on the same line ("1.1 CANETA AZUL …", capitals as in item tables).
_LOT_ITEM_RE = re.compile(r"^[ \t]*0*(\d{1,2})\.0*(\d{1,2})\.?(?:[ \t]*(?:\|[^\n]*)?$|[ \t]+(?=[A-ZÀ-Ú]{3}))", re.M)


def carries_cells(raw: str, start: int, end: int, *, lines: int = 14, reach: int = 1500,
                  until: re.Pattern[str] | None = None) -> bool:
    """A table row carries at least two cells that are figures, units or money (quantity, unit, price),
    on lines of their own or at the end of a one-line row; a numbered clause carries prose. The first ``lines``
    lines within ``reach`` characters count, up to a line ``until`` matches (a sub-clause: the number is a clause's)."""
    text = raw[start:min(end, start + reach)].splitlines()[:lines]
    if until is not None:
        text = list(itertools.takewhile(lambda ln: until.match(ln) is None, text))
    if text and ROW_TAIL_RE.search(text[0]):
        return True
    cells = [c.strip() for ln in text for c in ln.split("|")]
    return sum(1 for c in cells[1:] if c and cell_kind(c) != "text") >= 2


def lot_item_rows(corpus: Corpus, anchors: list[int]) -> list[tuple[int, int, int, int]]:
    """Rows numbered "lot.item" — (lot, item, start, body start) — of the largest such table: 1.1, 1.2,
    then 2.1 … each row once. A table starts at "1.1" close after an item header or lot heading (``anchors``,
    sorted); a repeated table (the proposal form) starts a new table rather than adding to the first."""
    raw = corpus.raw
    matches = line_matches(raw, _LOT_ITEM_RE)
    tables: list[list[tuple[int, int, int, int]]] = []
    a = 0
    for i, m in enumerate(matches):
        lot, item = int(m.group(1)), int(m.group(2))
        end = matches[i + 1].start() if i + 1 < len(matches) else len(raw)
        if lot == 0 or item == 0 or not carries_cells(raw, m.start(), end):
            continue
        while a < len(anchors) and anchors[a] <= m.start():
            a += 1
        if (lot, item) == (1, 1):
            if a and m.start() - anchors[a - 1] <= HEADER_REACH:
                tables.append([(1, 1, m.start(), m.end())])
            continue
        if not tables:
            continue
        last = tables[-1][-1]
        if (lot, item) in ((last[0], last[1] + 1), (last[0] + 1, 1)) and m.start() - last[2] <= MAX_GAP:
            tables[-1].append((lot, item, m.start(), m.end()))
    return max(tables, key=len) if tables and len(max(tables, key=len)) >= 2 else []


# Result reports (homologação, adjudicação, ata) grouped by supplier: each supplier's block lists the items it
# won, in order, so item numbers interleave across blocks ("Fornecedor: A" 1, 4, 7 / "Fornecedor: B" 2, 3, 5, 6).
_SUPPLIER_RE = re.compile(r"^[ \t|]*(?:fornecedor(?:\s+registrado|\s+beneficiario)?|empresa(?:\s+vencedora)?|"
                          r"vencedor[a]?|licitante\s+vencedor[a]?|adjudicatari[oa]|detentora|razao\s+social|contratad[ao]|"
                          r"proponente|beneficiari[oa])\s*:", re.M)
# A row: the item number leading its description ("4 CANETA …", "4 | CANETA | …"), or alone on its line.
_ROW_START_RE = re.compile(r"^[ \t|]*0*(\d{1,4})[ \t]*(?:\|[ \t]*|[ \t]+(?=[a-z]{3})|$)", re.M)


def supplier_rows(corpus: Corpus) -> tuple[int, int] | None:
    """Distinct item numbers of a result report grouped by supplier: (count, first row offset) when at least
    two supplier blocks each list rows numbered upwards (a row is a number followed by its description and
    carries figures: quantity, unit, prices; a numbered declaration does not)."""
    folded, raw = corpus.folded, corpus.raw
    starts = [m.start() for m in line_matches(folded, _SUPPLIER_RE)]
    if len(starts) < 2:
        return None
    numbers: set[int] = set()
    first: int | None = None
    blocks = 0
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else min(len(folded), start + MAX_GAP)
        found: list[int] = []
        for m in _ROW_START_RE.finditer(folded, start, min(end, start + MAX_GAP)):
            number = int(m.group(1))
            if number == 0 or (found and number <= found[-1]) or not carries_cells(raw, m.start(), m.start() + 600):
                continue
            line_end = folded.find("\n", m.end())
            rest = raw[m.end():line_end if line_end >= 0 else len(raw)].strip(" |")
            if not rest:  # one cell per line: the description follows on the next line
                nxt = raw[line_end + 1:line_end + 200].split("\n", 1)[0].strip(" |") if line_end >= 0 else ""
                if cell_kind(nxt) != "text":
                    continue
            elif cell_kind(rest.split("|")[0].strip()) != "text":
                continue
            found.append(number)
            first = m.start() if first is None else first
        if found:
            blocks += 1
            numbers.update(found)
    if blocks < 2 or len(numbers) < 2 or first is None:
        return None
    return len(numbers), first
