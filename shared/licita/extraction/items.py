"""Item tables: find the main table of items (possibly split in lots) and parse its rows.

PDF text comes out one cell per line, so tables are recovered from their numbering: after an
item-table header ("Item | Descrição | Unid | Qtd"), a chain of standalone numbers 1, 2, 3 …
marks the rows. Chains restart after a "LOTE" heading (items are numbered per lot). Two more
signals cover what numbering misses: labelled rows ("Item: 9 - …", as in Compras.gov.br atas)
and priced rows whose total is an integer multiple of the unit price (OCR often drops the
narrow item-number column).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from licita.extraction.formats import MONEY_RE, parse_number
from licita.extraction.item_rows import (
    HEADER_REACH,
    MAX_GAP,
    MONEY_LINE_RE,
    NUMERIC_LINE_RE,
    ROW_TAIL_RE,
    UNIT_LEAD_RE,
    UNIT_RE,
    carries_cells,
    cell_kind,
    line_matches,
    lot_column_rows,
    lot_item_rows,
    supplier_rows,
)
from licita.extraction.models import Item
from licita.extraction.text import Corpus, fold, squash

_HEADER_RE = re.compile(r"^[ \t|]*(?:item|itens|it\.|lotes?)\b[^\n]{0,120}$", re.M)
# Auction and disposal lists: "ANEXO II – RELAÇÃO DE IMÓVEIS", "RELAÇÃO DOS BENS", "LISTA DE LOTES"
_LIST_HEADER_RE = re.compile(r"^[ \t|]*(?:anexo\s+[ivxl\d]+\s*[-–:.]?\s*)?(?:relacao|lista(?:gem)?)\s+d[oea]s?\s+"
                             r"(?:imoveis|bens|itens|lotes|veiculos|produtos|materiais)\b[^\n]{0,80}$", re.M)
# (a result table names the winner instead: "LOTE | EMPRESA VENCEDORA | CNPJ | VALOR", "Item | Valor adjudicado")
_HEADER_NEAR_RE = re.compile(r"descri|especifica|produto|objeto|servico|material|quant|qtd|qtde|unid|und\b|"
                             r"empresa\s+vencedora|fornecedor\s+vencedor|valor\s+(?:total\s+)?adjudicado")
# Lot headings: "LOTE 1", "LOTE: 01", "LOTE Nº: 01", "LOTE - 01", "GRUPO II", "LOTE ÚNICO", "1º LOTE".
# (OCR reads "III" as "HI": see _lot_name)
_LOT_RE = re.compile(r"^[ \t|]*(?:(?:lote|grupo)\s*[:-]?\s*(?:n[o.]{0,2}\s*[:.-]?\s*)?"
                     r"(\d{1,3}|[ivxl]{1,7}\b|h[il]{1,3}\b|unico)|"
                     r"0*(\d{1,3})\s*[oa]\s+(?:lote|grupo)\b)[^\n]{0,150}$", re.M)
# A row number on its own line, or leading a DOCX/OCR row ("3 | ALIMENTAÇÃO", "12 MONITOR …").
# "1." alone on its line is a row number too (when cells follow it); a row written on one line may start in sentence
# case when it ends with its cells ("3 Caneta esferográfica azul UN 100 1,50 150,00").
# (one prefix for both shapes: ``re`` then tries each line once; the empty "inline" group marks the second)
# (a one-line row may carry a product code before its text, as municipal systems print it: "1 12345 CANETA AZUL UN …")
# OCR prints a row's first cells on one line: the number and its quantity ("1 05 Computador Desktop"), or only them
# when the description is a taller cell that Tesseract reads apart ("2 135.000" / "UNIDADE" / "SERINGA …"); a figure
# between the number and the text is that quantity (or a product code), so even sentence case needs no tail then.
_FIGURE = r"\d{1,3}(?:\.\d{3})+(?:,\d{1,4})?|\d{1,9}(?:,\d{1,4})?"
_NUMBER_LINE_RE = re.compile(r"^[ \t]*(?:0*(\d{1,4})|(?P<one>[lI]))(?:\.?[ \t]*(?:\|[^\n]*)?$"
                             r"|[ \t]+(?P<quantity>" + _FIGURE + r")[ \t]*(?:\|[^\n]*)?$"
                             r"|[ \t]+(?:(?:" + _FIGURE + r")[ \t]+(?=[A-ZÀ-Ú][A-Za-zÀ-ú])|(?=[A-ZÀ-Ú]{3}|"
                             r"[A-ZÀ-Ú][a-zà-ú]"
                             r"[^\n]*?(?i:" + ROW_TAIL_RE.pattern + r")))(?P<inline>)"
                             # OCR: a row number centred in a tall row lands mid-description, beside its amount
                             # ("001 situado na Praça … R$ 1.500.000,00"); only on OCR'd pages
                             r"|[ \t]+(?=[a-zà-ú][^\n]*?[Rr]\$[ \t]*\d)(?P<centred>))", re.M)
_OCR_LOST_ROWS = 2
# A company's name in a result table's cell: its legal form ends it ("Alfa Comércio Ltda", "Gama ME", "Beta S/A").
_SUPPLIER_CELL_RE = re.compile(r"\s(?:ltda|eireli|s\.?/?a|me|epp|mei|cia)\.?$", re.I)
_CENTRED_ROW_RE = re.compile(r"[ \t]*\d{1,4}[ \t]+[a-zà-ú]")
_ABOVE_STOP_RE = re.compile(r"(?i:item|lote|descri[cç][aã]o|especifica[cç][aã]o|anexo)\b|^\s*$")
_AMOUNT_IN_TEXT_RE = re.compile(r"\b[Rr]\$[ \t]*(\d{1,3}(?:\.\d{3})*,\d{2})(?![\d,])")
# The figure between a row's number and its text on the number's line ("01  2.000  UN  Camiseta …").
_LEAD_FIGURE_RE = re.compile(r"[ \t]*\d{1,4}[ \t]+(" + _FIGURE + r")[ \t]*$")
# "Item: 9 - AGULHA …", or a heading "ITEM 01" with its labelled description below ("Descrição: Arroz tipo 1").
_LABELLED_RE = re.compile(r"^[ \t|]*item\s*(?:n[o.º]{0,2})?\s*:?\s*0*(\d{1,4})(?:\s*[-–:]\s*|[ \t]*\n[ \t]*"
                          r"(?:descri[cç][aã]o|especifica[cç][aã]o|produto|material|servi[cç]o)[^:\n]{0,20}:[ \t]*)"
                          r"(\S[^\n]*)", re.M | re.I)
_SINGLE_RE = re.compile(r"\b(?:em\s+)?(?:unico\s+item|item\s+unico|lote\s+unico|unico\s+lote)\b")
# The count a notice states instead of a table: "Total de Itens Licitados: 12" (ComprasNet's DOU avisos),
# "Quantidade de itens: 12".
# "Alienação de 25 (vinte e cinco) lotes", "divididos em 3 (três) lotes" (the figure with its words).
_STATED_COUNT_RE = re.compile(r"\b(?:total|quantidade|numero)\s+(?:total\s+)?de\s+itens(?:\s+licitados)?\s*:\s*"
                              r"0*(\d{1,4})\b|\b(?:de|em|com)\s+0*(\d{1,4})\s*\([a-z\s-]{3,40}\)\s+(?:lotes|itens)\b")


@dataclass(slots=True)
class _Row:
    number: int
    padded: bool  # written "01" rather than "1"
    start: int  # offset of the number line
    body_start: int
    lot: str | None
    # (number inline with its text, kind of the cell after it): a last row shaped unlike the first one is a
    # quantity or a description line ("2 LITROS") unless it is a standalone number followed by text
    shape: tuple[bool, str] = (False, "text")
    read: bool = True  # False: a row whose number OCR lost, counted from the numbers around it


@dataclass(slots=True)
class _Table:
    rows: list[_Row] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass(slots=True)
class ItemsResult:
    count: int | None
    page: int | None
    quote: str | None
    items: list[Item]
    method: str


def find_items(corpus: Corpus) -> ItemsResult:
    folded = corpus.folded
    # (line-anchored patterns are found by their newline: see item_rows.line_matches)
    headers = sorted([m.start() for m in line_matches(folded, _HEADER_RE)
                      if _HEADER_NEAR_RE.search(folded, m.start(), min(len(folded), m.start() + 250))]
                     + [m.start() for m in line_matches(folded, _LIST_HEADER_RE)])
    lots = [(m.start(), _lot_name(m.group(1) or m.group(2))) for m in line_matches(folded, _LOT_RE)]
    tables = _number_chains(corpus, headers, lots)
    best = _best_table(corpus, tables)
    dotted = lot_item_rows(corpus, sorted([*headers, *(p for p, _ in lots)]))
    if len(dotted) > (best.count if best else 0):
        best = _Table([_Row(item, False, start, body, str(lot)) for lot, item, start, body in dotted])
    labelled = _labelled_items(corpus)
    if labelled and (best is None or len(labelled) > best.count):
        first = labelled[0]
        return ItemsResult(len(labelled), first.page, f"Item: {first.number} - {first.description[:80]}",
                           labelled, "labelled")
    lot_rows = lot_column_rows(corpus)
    if lot_rows is not None and (best is None or lot_rows[0] > best.count):
        count, start = lot_rows
        return ItemsResult(count, corpus.page_of(start), corpus.quote(start, start + 120), [], "lot-column")
    by_supplier = supplier_rows(corpus)
    if by_supplier is not None and (best is None or by_supplier[0] > best.count):
        count, start = by_supplier
        return ItemsResult(count, corpus.page_of(start), corpus.quote(start, start + 120), [], "by-supplier")
    if best is not None and best.count >= 2:
        items = _parse_rows(corpus, best)
        row = best.rows[0]
        lots_used = sorted({r.lot for r in best.rows if r.lot}, key=lambda s: best.rows.index(
            next(r for r in best.rows if r.lot == s)))
        quote = corpus.quote(row.start, row.start + 120)
        if len(lots_used) > 1:
            quote = f"{best.count} itens em {len(lots_used)} lotes; " + quote
        return ItemsResult(best.count, corpus.page_of(row.start), quote, items, "numbered")
    lone = next((t for t in tables if t.count == 1
                 and MONEY_RE.search(corpus.folded, t.rows[0].body_start, t.rows[0].body_start + 800)), None)
    if lone is not None and best is None:
        # a table with one priced row (a single lot or item): "LOTE | DESCRIÇÃO | AVALIAÇÃO" / "001 … R$ …"
        row = lone.rows[0]
        items = _parse_rows(corpus, lone)
        return ItemsResult(1, corpus.page_of(row.start), corpus.quote(row.start, row.start + 120), items, "single-row")
    stated = corpus.front(_STATED_COUNT_RE)
    count = int(stated.match.group(1) or stated.match.group(2)) if stated else 0
    if stated and count > 0:
        return ItemsResult(count, stated.page, corpus.quote(stated.start, stated.end), [], "stated")
    lot_chain = _lot_chain(corpus, lots)
    if lot_chain is not None:
        # a document with lots only ("LOTE 1 / Descrição: … / Valor: …"): items_count is the lot count
        count, start = lot_chain
        return ItemsResult(count, corpus.page_of(start), corpus.quote(start, start + 120), [], "lots")
    priced = _priced_rows(corpus, headers)
    if priced:
        count, start = priced
        return ItemsResult(count, corpus.page_of(start), corpus.quote(start, start + 120), [], "priced")
    hit = corpus.search(_SINGLE_RE)
    if hit:
        return ItemsResult(1, hit.page, corpus.quote(hit.start - 40, hit.end + 10), [], "single")
    return ItemsResult(None, None, None, [], "none")


_ROMAN_RE = re.compile(r"(?:xl|l?x{0,3})(?:ix|iv|v?i{0,3})")


def _lot_name(name: str) -> str:
    """A lot's Roman numeral as written, where OCR read "II" as "Il" and "III" as "HI"."""
    if not re.fullmatch(r"[ivxlh]+", name) or _ROMAN_RE.fullmatch(name):
        return name
    fixed = name.replace("h", "ii").replace("l", "i")
    return fixed if _ROMAN_RE.fullmatch(fixed) else name


def _number_chains(corpus: Corpus, headers: list[int], lots: list[tuple[int, str]]) -> list[_Table]:
    """Follow 1, 2, 3 … chains; a "1" only starts a table right after a header or lot heading."""
    raw = corpus.raw
    anchors = sorted([(h, None) for h in headers] + [(p, name) for p, name in lots], key=lambda a: a[0])
    anchor_i = 0
    last_anchor: tuple[int, str | None] | None = None
    current_lot: str | None = None
    tables: list[_Table] = []
    # value -> (offset, table index) of the latest valid row with that value
    latest: dict[int, tuple[int, int]] = {}
    for m in line_matches(raw, _NUMBER_LINE_RE):
        pos = m.start()
        while anchor_i < len(anchors) and anchors[anchor_i][0] <= pos:
            last_anchor = anchors[anchor_i]
            if last_anchor[1] is not None:
                # Numbering restarts in each lot ("1" after the heading starts a new chain) or runs on
                # across lots (the open chain continues): both stay possible.
                current_lot = last_anchor[1]
            anchor_i += 1
        scanned = corpus.doc.pages[corpus.page_index(pos)].ocr
        if (m.group("one") is not None or m.group("centred") is not None) and not scanned:
            continue  # OCR reads a lone "1" as "l" or "I"; a text layer's "I" is a Roman numeral
        value = int(m.group(1)) if m.group(1) is not None else 1
        if value == 0:
            continue
        if m.group(0).rstrip().endswith(".") and not carries_cells(raw, m.start(), m.start() + 400):
            continue  # "1." over a heading ("1.\nDO OBJETO\n1.1. …") numbers a clause, not a row
        if value == 1:
            if last_anchor is None or pos - last_anchor[0] > HEADER_REACH:
                continue
            if 1 in latest and latest[1][0] >= last_anchor[0]:
                # a second "1" under the same header is a quantity or a minimum order, not a new table
                continue
        token = (m.group(0).strip().split("|")[0].split() or ["0"])[0]
        padded = token.startswith("0")
        # index of the chain this line would continue (known before its cells are read), and how many row numbers
        # OCR lost before it
        extends, skipped = _chain_to_extend(tables, latest, value, padded, pos, _OCR_LOST_ROWS if scanned else 0)
        if value > 1 and extends is None and value not in latest:
            continue  # most numbered lines of an edital continue no chain: skip before reading their cells
        body_start = m.start("quantity") if m.group("quantity") is not None else m.end()
        shape = (m.group("inline") is not None, _next_cell_kind(raw, m))
        if value == 1:
            tables.append(_Table())
            idx = len(tables) - 1
            if current_lot is not None and pos - _lot_pos(lots, pos) > HEADER_REACH * 4:
                current_lot = None
            tables[idx].rows.append(_Row(1, padded, pos, body_start, current_lot, shape))
            latest[1] = (pos, idx)
            continue
        if _replaces_quantity(tables, latest.get(value), _Row(value, padded, pos, body_start, current_lot, shape)):
            latest[value] = (pos, latest[value][1])
            continue
        if extends is None:
            continue
        if skipped and (shape not in {r.shape for r in tables[extends].rows} or _only_figures_follow(raw, body_start)
                        or (not re.search(r"\d[ \t|.]+\S", m.group(0)) and m.group("inline") is None
                            and not carries_cells(raw, body_start, body_start + 3000, lines=60, reach=3000,
                                                  until=_SUBCLAUSE_RE))):
            # only a row shaped like the table's (OCR reads some borders as "|") may stand for lost ones, with its
            # first cells on its number's line or its unit and figures below: a bare "5" over a heading is a clause
            continue
        tables[extends].rows.extend(_Row(value - k, padded, pos, pos, current_lot, shape, read=False)
                                    for k in range(skipped, 0, -1))
        tables[extends].rows.append(_Row(value, padded, pos, body_start, current_lot, shape))
        latest[value] = (pos, extends)
    for table in tables:
        while table.count > 1 and (not table.rows[-1].read or _only_figures_follow(raw, table.rows[-1].body_start)
                                   or (_suspect(table, table.rows[-1]) and table.rows[-1].shape != (False, "text"))):
            table.rows.pop()
    return tables


# "5.1 Os licitantes …" (not a quantity "1.500"): below it, a bare number is a clause's, whatever figures follow
_SUBCLAUSE_RE = re.compile(r"^[ \t]*\d{1,3}\.\d{1,3}\.?[ \t]*[-–]?[ \t]*[A-Za-zÀ-ú]")


def _chain_to_extend(tables: list[_Table], latest: dict[int, tuple[int, int]], value: int, padded: bool, pos: int,
                     lost_max: int) -> tuple[int | None, int]:
    """The chain a row numbered ``value`` continues, and how many numbers before it were lost: OCR drops short
    numbers in narrow columns ("71" read "7", or "3" not read at all), so on an OCR'd page a chain may go on past
    up to ``lost_max`` missing numbers, which still count as rows."""
    for skipped in range(lost_max + 1 if value > 2 else 1):
        prev = latest.get(value - 1 - skipped) if value - 1 - skipped >= 1 else None
        if prev is None:
            continue
        table = tables[prev[1]]
        if ((not table.rows or table.rows[-1].number == value - 1 - skipped)  # else it would branch an older chain
                # "01, 02 …" tables ignore a bare "2" in a description (and vice versa)
                and (value >= 10 or padded == table.rows[0].padded)
                and pos - prev[0] <= _allowed_gap(table)):
            return prev[1], skipped
    return None, 0


def _next_cell_kind(raw: str, m: re.Match[str]) -> str:
    """Kind of the cell right after a row number: its own text, the next "|" cell, or the next line."""
    if m.group("inline") is not None:
        return "text"
    if m.group("quantity") is not None:
        return cell_kind(m.group("quantity"))
    line = m.group(0)
    if "|" in line:
        cells = [c.strip() for c in line.split("|")[1:] if c.strip()]
        return cell_kind(cells[0]) if cells else "text"
    nxt = next((ln.strip() for ln in raw[m.end():m.end() + 300].splitlines() if ln.strip()), "")
    return cell_kind(nxt)


def _suspect(table: _Table, row: _Row) -> bool:
    """A row not shaped like the table's first row (rows of one table share their column order): a
    quantity ("2" then "UN") or a line of a description ("2 LITROS") that happened to continue the chain."""
    return row.shape != table.rows[0].shape


def _replaces_quantity(tables: list[_Table], last: tuple[int, int] | None, row: _Row) -> bool:
    """A row shaped like its table's first row replaces the suspect rows from the one with its number on:
    item 1's quantity "2" (or a description line "2 LITROS", "3 UNIDADES") was taken for row 2 until the
    real row 2 came."""
    if last is None:
        return False
    table = tables[last[1]]
    at = next((j for j, r in enumerate(table.rows) if r.start == last[0]), 0)
    if (at < 1 or table.rows[at].number != row.number or _suspect(table, row)
            or not all(_suspect(table, r) for r in table.rows[at:])
            or row.start - table.rows[at - 1].start > _allowed_gap(table)):
        return False
    table.rows[at:] = [row]
    return True


_FIGURE_LINE_RE = re.compile(r"^(?:r\$\s*)?\d[\d.,]*$", re.I)


def _only_figures_follow(raw: str, body_start: int) -> bool:
    """A "next number" at the end of a chain followed only by figures is the last row's quantity
    ("4 / RÉGUA / 5 / R$ 0,50"), not a row of its own: a row carries a description or a unit."""
    lines = [ln.strip() for ln in raw[body_start:body_start + 400].splitlines() if ln.strip()][:2]
    return bool(lines) and all(_FIGURE_LINE_RE.match(ln) for ln in lines)


def _allowed_gap(table: _Table) -> int:
    """Rows of one table are evenly spaced; a "next number" far beyond the usual spacing is a
    numbered list elsewhere (e.g. a specification list after a short proposal form)."""
    if len(table.rows) < 2:
        return MAX_GAP
    widest = max(b.start - a.start for a, b in zip(table.rows, table.rows[1:], strict=False))
    return min(MAX_GAP, max(2500, 6 * widest))


def _lot_pos(lots: list[tuple[int, str]], pos: int) -> int:
    before = [p for p, _ in lots if p <= pos]
    return before[-1] if before else -10**9


_LOT_WORD_RE = re.compile(r"\b(?:lote|grupo)\b")


def _unnamed_next_lot(corpus: Corpus, prev: _Table, table: _Table) -> bool:
    """A chain restarting at 1 right after another, with "lote"/"grupo" written between them ("VALOR TOTAL DO
    LOTE", "Lote 02 – …" in a form the lot headings miss) and another first item, is the next lot's items;
    the same first item again is the table repeated (a proposal form)."""
    last, first = prev.rows[-1], table.rows[0]
    if last.lot is not None or first.lot is not None or first.number != 1 or prev.rows[0].number != 1:
        return False
    if first.start - last.start > _allowed_gap(prev):
        return False
    if not _LOT_WORD_RE.search(corpus.folded, last.body_start, first.start):
        return False
    return _first_cell(corpus, prev.rows[0]) != _first_cell(corpus, first)


def _first_cell(corpus: Corpus, row: _Row) -> str:
    head = corpus.folded[row.body_start:row.body_start + 300]
    return next((squash(ln)[:40] for ln in head.split("\n") if ln.strip(" |")), "")


def _best_table(corpus: Corpus, tables: list[_Table]) -> _Table | None:
    """Merge consecutive per-lot chains into one table, then keep the largest (priced wins ties)."""
    merged: list[_Table] = []
    for table in tables:
        if table.count < 1:
            continue
        prev = merged[-1] if merged else None
        if (
            prev is not None and table.rows[0].lot is not None and prev.rows[-1].lot is not None
            and table.rows[0].lot != prev.rows[-1].lot
            # a lot already in the table means the whole table is repeated (TR, then proposal form)
            and table.rows[0].lot not in {r.lot for r in prev.rows}
            and table.rows[0].start - prev.rows[-1].start <= MAX_GAP * 2
        ) or (prev is not None and _unnamed_next_lot(corpus, prev, table)):
            prev.rows.extend(table.rows)
        else:
            merged.append(_Table(rows=list(table.rows)))
    candidates = [t for t in merged if t.count >= 2]
    if not candidates:
        return None

    def priced(t: _Table) -> int:
        end = min(len(corpus.folded), t.rows[-1].start + 600)
        return len(MONEY_RE.findall(corpus.folded, t.rows[0].start, end))

    return max(candidates, key=lambda t: (t.count, priced(t) > 0))


# Homologação/ata reports: "Item: 1" alone on its line with "Descrição: …" below (ComprasNet), or
# "1 - CANETA ESFEROGRÁFICA" headings whose block carries "Quantidade: 100" (Compras.gov.br, BLL,
# Portal de Compras Públicas result reports).
_ITEM_ONLY_RE = re.compile(r"^[ \t|]*item\s*(?:n[oº.]{0,2})?\s*:\s*0*(\d{1,4})[ \t]*$", re.M | re.I)
_DASH_HEADING_RE = re.compile(r"^[ \t|]*0*(\d{1,4})[ \t]*[-–][ \t]*(\S[^\n]{2,})$", re.M)
_QTY_LABEL = r"\bquantidade(?:\s+(?:total|solicitada|adjudicada|homologada|registrada))?"
_QTY_LABEL_RE = re.compile(_QTY_LABEL + r"\s*:", re.I)
_GENERIC_TITLE_RE = re.compile(r"itens?\s+de\s+(?:material|servi[cç]o)s?\s*$", re.I)
_NAME_LABEL_RE = re.compile(r"(?:nome\s*/\s*)?descri[cç][aã]o\s*:[ \t]*\n?[ \t]*([^|\n]+)", re.I)
_DESC_LABEL_RE = re.compile(r"descri[cç][aã]o(?:\s+(?:detalhada|complementar))?\s*:\s*([^|\n]+)", re.I)


def _report_items(corpus: Corpus) -> list[Item]:
    """Items of a result report (homologação, adjudicação, ata) written as labelled blocks."""
    raw = corpus.raw
    best: list[Item] = []
    for regex, needs in ((_ITEM_ONLY_RE, _DESC_LABEL_RE), (_DASH_HEADING_RE, _QTY_LABEL_RE)):
        matches = line_matches(raw, regex)
        items: dict[int, Item] = {}
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else min(len(raw), m.end() + 3000)
            block = raw[m.end():min(end, m.end() + 3000)]
            if not needs.search(block):
                continue
            number = int(m.group(1))
            if number in items or number == 0:
                continue
            desc = _DESC_LABEL_RE.search(block)
            title = m.group(2).strip() if regex is _DASH_HEADING_RE else (desc.group(1).strip() if desc else "")
            if _GENERIC_TITLE_RE.match(title):  # ComprasNet: "1 - Itens de Material", the name is a label below
                named = _NAME_LABEL_RE.search(block)
                title = named.group(1).strip() if named else title
            items[number] = _block_item(corpus, m.start(), number, title, block, r"valor\s+(?:unit[aá]rio|estimado)")
        if len(items) >= 2 and len(items) > len(best):
            best = list(items.values())
    return best


def _labelled_items(corpus: Corpus) -> list[Item]:
    """Rows written as "Item: 9 - AGULHA …" with labelled quantity/price lines below."""
    report = _report_items(corpus)
    matches = line_matches(corpus.raw, _LABELLED_RE)
    seen: set[int] = set()
    items: list[Item] = []
    for i, m in enumerate(matches):
        number = int(m.group(1))
        if number in seen:
            continue
        seen.add(number)
        end = matches[i + 1].start() if i + 1 < len(matches) else min(len(corpus.raw), m.end() + 3000)
        block = corpus.raw[m.end():end]
        title = m.group(2).split(" | ")[0].strip()
        detail = re.search(r"descri[cç][aã]o\s+detalhada\s*:\s*([^|\n]+)", block, re.I)
        description = title + (" - " + detail.group(1).strip() if detail else "")
        items.append(_block_item(corpus, m.start(), number, description, block, r"valor\s+unit[aá]rio"))
    if len(report) > len(items):
        return report
    return items if len(items) >= 2 else []


def _block_item(corpus: Corpus, at: int, number: int, description: str, block: str, unit_price_label: str) -> Item:
    """An item whose quantity, unit and prices are labelled lines of ``block`` (the text below its heading at
    ``at``); the unit price label differs between edital annexes and result reports."""
    return Item(
        number=number, description=squash(description)[:1000],
        quantity=_labelled_number(block, _QTY_LABEL),
        unit=_labelled_text(block, r"(?:uf|unidade(?:\s+de\s+fornecimento)?|unid\.?)"),
        unit_price=_labelled_money(block, unit_price_label),
        total_price=_labelled_money(block, r"valor\s+total"),
        me_epp_exclusive=_labelled_exclusive(block), page=corpus.page_of(at),
    )


def _labelled_exclusive(block: str) -> bool | None:
    """ComprasNet's "Tratamento Diferenciado:" line of an item block ("Tipo I - Participação Exclusiva de
    ME/EPP…" is exclusive; "-", "Tipo III - Cota reservada…" are not); None when the block has no such line."""
    folded = fold(block)
    label = _ROW_TREATMENT_RE.search(folded)
    if label is None:
        return None
    line_end = folded.find("\n", label.end())
    return _ROW_EXCL_RE.search(folded, label.start(), len(folded) if line_end < 0 else line_end) is not None


def _labelled_number(block: str, label: str) -> float | None:
    m = re.search(label + r"\s*:\s*([\d.,]+)", block, re.I)
    return parse_number(m.group(1)) if m else None


def _labelled_text(block: str, label: str) -> str | None:
    m = re.search(r"(?:^|\|)\s*" + label + r"\s*:\s*([^|\n]+)", block, re.I | re.M)
    return m.group(1).strip() or None if m else None


def _labelled_money(block: str, label: str) -> float | None:
    m = re.search(label + r"(?:\s*\([^)\n]{0,20}\))?\s*:\s*(?:r\$\s*)*([\d.]+,\d{2})", block, re.I)
    return parse_number(m.group(1)) if m else None




_EXCL_RE = re.compile(r"exclusiv\w*\s+(?:para\s+|a\s+|as\s+|de\s+)?(?:me\b|me/|microempresa)|cota\s+reservada")
_ROW_EXCL_RE = re.compile(r"(?:participacao|tratamento\s+diferenciado)[^\n]{0,40}?exclusiv\w*\s+(?:para\s+|de\s+)?"
                          r"(?:me\b|me/|microempresa)")
_AMPLA_RE = re.compile(r"ampla\s+(?:participacao|concorrencia)|cota\s+principal|nao\s+exclusiv|sem\s+beneficio")
_ROW_TREATMENT_RE = re.compile(r"tratamento\s+diferenciado\s*:")


def _exclusive_flag(folded: str, headings: list[tuple[int, bool]], row_start: int, row_end: int) -> bool | None:
    """ME/EPP exclusivity of one row: stated in the row itself, else the nearest heading above it.

    A row with its own "Tratamento diferenciado:" answer (ComprasNet's item list: "Tipo I - Participação
    Exclusiva…", "Tipo III - Cota reservada…", "-") says it itself: it inherits nothing from the row above.
    """
    if _ROW_EXCL_RE.search(folded, row_start, row_end):
        return True
    if _ROW_TREATMENT_RE.search(folded, row_start, row_end):
        return False
    i = bisect_left(headings, (row_start, False)) - 1
    if i < 0 or row_start - headings[i][0] > 60000:
        return None
    return headings[i][1]


def _headings(folded: str, start: int, end: int) -> list[tuple[int, bool]]:
    """Offsets of "exclusive"/"ampla participação" markers over a table's span, in order."""
    marks = [(m.start(), True) for m in _EXCL_RE.finditer(folded, start, end)]
    marks += [(m.start(), False) for m in _AMPLA_RE.finditer(folded, start, end)]
    return sorted(marks)


_STOP_LINE_RE = re.compile(r"^(?:lote\b|total\b|valor\s+total|subtotal|item\b)", re.I)


def _parse_rows(corpus: Corpus, table: _Table) -> list[Item]:
    """Split each row's text into description / unit / quantity / prices (best effort).

    Column order varies (Item|Descrição|Unid|Qtd, Item|Qtd|Unid|Descrição …), so cells are
    classified by shape: money, a unit word, a bare number; the quantity is the number next to
    the unit, and the remaining text, in order, is the description.
    """
    items: list[Item] = []
    raw = corpus.raw
    span_start = max(0, table.rows[0].start - 3000)
    headings = _headings(corpus.folded, span_start, min(len(raw), table.rows[-1].start + 2500))
    for i, row in enumerate(table.rows):
        if not row.read:
            continue
        end = table.rows[i + 1].start if i + 1 < len(table.rows) else min(len(raw), row.body_start + 2500)
        block = raw[row.body_start:end]
        line0 = raw[row.start:row.body_start]
        cells = [c.strip() for c in line0.split("|")[1:]] if "|" in line0 else []
        head, _, rest = block.partition("\n")  # a quantity read on the number's line, its cells after it
        head_cells = [c.strip() for c in head.split("|")]
        lead, unit_lead = _LEAD_FIGURE_RE.match(line0), UNIT_LEAD_RE.match(head)
        if lead and unit_lead:  # "01  2.000  UN  Camiseta …": the quantity and the unit before the description
            head_cells = [lead.group(1), unit_lead.group(1), head[unit_lead.end():].strip()]
        elif corpus.doc.pages[corpus.page_index(row.start)].ocr and len(head_cells) == 1:
            # OCR reads a row's cells as one line of text: its amounts ("… e R$ 1.500.000,00 XXXXX") are its cells
            amounts = list(_AMOUNT_IN_TEXT_RE.finditer(head))
            if amounts:
                head_cells = [head[:amounts[0].start()].strip(), *(a.group(1) for a in amounts)]
            if _CENTRED_ROW_RE.match(line0 + head):
                # the number was centred in a tall cell: the description starts on the lines above it and ends with
                # the paragraph below it (then comes whatever follows the table: a footer, the next clause)
                head_cells = _lines_above(raw, row.start) + head_cells
                rest = rest.lstrip("\n").split("\n\n", 1)[0]
        below = [ln.strip() for ln in rest.splitlines()]
        if "|" in line0 + head:  # a row of cells: only cell lines below it continue it (a wrapped description)
            below = list(itertools.takewhile(lambda ln: "|" in ln, below))
        lines = [ln for ln in (cells + head_cells + below) if ln]
        kinds: list[str] = []
        for n, ln in enumerate(lines):
            if n and _STOP_LINE_RE.match(ln) and "text" in kinds:
                lines = lines[:n]
                break
            if MONEY_LINE_RE.match(ln):
                kinds.append("money")
            elif UNIT_RE.match(ln):
                kinds.append("unit")
            elif NUMERIC_LINE_RE.match(ln):
                kinds.append("number")
            elif _SUPPLIER_CELL_RE.search(ln) and len(ln) <= 80:
                kinds.append("supplier")  # a result table's winner ("Alfa Comércio Ltda"), not the goods
            else:
                kinds.append("text")
        unit_at = kinds.index("unit") if "unit" in kinds else -1
        quantity_at = -1
        if unit_at >= 0:
            for k in (unit_at + 1, unit_at - 1):
                if 0 <= k < len(kinds) and kinds[k] == "number":
                    quantity_at = k
                    break
        elif "number" in kinds:
            first_money = kinds.index("money") if "money" in kinds else len(kinds)
            numbers = [k for k, kind in enumerate(kinds[:first_money]) if kind == "number"]
            quantity_at = numbers[-1] if numbers else -1
        texts = [k for k, kind in enumerate(kinds) if kind == "text"]
        desc_parts = [lines[k] for k in range(len(lines)) if k not in (unit_at, quantity_at)
                      and kinds[k] in ("text", "number") and texts and texts[0] <= k <= texts[-1]]
        prices = [v for k, kind in enumerate(kinds) if kind == "money"
                  if (v := parse_number(lines[k].replace("R$", "").replace("r$", ""))) is not None]
        quantity = parse_number(lines[quantity_at]) if quantity_at >= 0 else None
        unit = lines[unit_at] if unit_at >= 0 else None
        unit_price = prices[0] if prices else None
        total = prices[1] if len(prices) > 1 else None
        if unit_price and total and quantity is None:
            ratio = total / unit_price
            if abs(ratio - round(ratio)) < 0.001:
                quantity = float(round(ratio))
        exclusive = _exclusive_flag(corpus.folded, headings, row.start, row.body_start + len(block))
        items.append(Item(
            number=row.number, description=squash(" ".join(desc_parts))[:1000], quantity=quantity, unit=unit,
            unit_price=unit_price, total_price=total, lot=row.lot.upper() if row.lot else None,
            me_epp_exclusive=exclusive, page=corpus.page_of(row.start),
        ))
    return items


def _lines_above(raw: str, start: int, most: int = 4) -> list[str]:
    """The lines right above a row's number line that belong to its cell: up to a blank line or the table's header."""
    lines = raw[max(0, start - 600):start].split("\n")[:-1][-most:]
    kept: list[str] = []
    for line in reversed(lines):
        if _ABOVE_STOP_RE.search(line):
            break
        kept.insert(0, line.strip())
    return kept


def _lot_chain(corpus: Corpus, lots: list[tuple[int, str]]) -> tuple[int, int] | None:
    """Longest run of lot headings numbered 1, 2, 3 … in order; a repeated run (the lots again in the
    proposal form or a summary annex) is the same lots, not more, and so is a heading repeated with its total."""
    best: tuple[int, int] | None = None
    run: list[int] = []
    for pos, name in lots:
        number = int(name) if name.isdigit() else None
        if number is None:
            continue
        if run and number == len(run) and pos - run[-1] <= MAX_GAP:
            continue  # the same lot again ("LOTE 01" heading, then "LOTE 01 – VALOR TOTAL: …")
        if number == 1:
            run = [pos]
        elif run and number == len(run) + 1 and pos - run[-1] <= MAX_GAP:
            run.append(pos)
        else:
            run = []
            continue
        if len(run) >= 2 and (best is None or len(run) > best[0]):
            best = (len(run), run[0])
    return best


def _priced_rows(corpus: Corpus, headers: list[int]) -> tuple[int, int] | None:
    """Count (unit price, total) pairs whose ratio is a whole quantity, per table after a header."""
    best: tuple[int, int] | None = None
    folded = corpus.folded
    for h in headers:
        count = 0
        last = h
        first = -1
        prev_value: float | None = None
        prev_end = -1
        for m in MONEY_RE.finditer(folded, h, min(len(folded), h + 60000)):
            if m.start() - last > MAX_GAP:
                break
            value = parse_number(m.group(1))
            if value is None:
                continue
            if prev_value and m.start() - prev_end < 40 and value >= prev_value:
                ratio = value / prev_value
                if abs(ratio - round(ratio)) < 0.0005 and round(ratio) >= 1:
                    count += 1
                    first = first if first >= 0 else m.start()
                    last = m.start()
                    prev_value = None
                    continue
            prev_value, prev_end = value, m.end()
        if count >= 2 and (best is None or count > best[0]):
            best = (count, first)
    return best
