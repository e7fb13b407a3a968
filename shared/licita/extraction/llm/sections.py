"""Choose the few thousand characters of a tender worth sending to a model.

Editais run to 150 pages of boilerplate; the fields live on the cover page, in the preamble and in a
handful of clauses. We keep the first page(s), then add paragraphs that match field cues, taking
turns between fields so no single field eats the budget, and prefix each chunk with its page number
so the model can cite it (and the merge step can check the quote on that page).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_BUDGET = 12_000
_PARA_MAX = 700

# Cues on accent-folded, lower-cased text.
FIELD_CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "object": r"\bobjeto\b",
        "modality": r"\bpregao\b|\bconcorrencia\b|\bdispensa\b|inexigibilidade|credenciamento|\bleilao\b|modalidade",
        "number": r"\bedital\b|\bpregao\b.{0,30}n[.ºo°]|\bn[ºo°]\s*\d",
        "process_number": r"\bprocesso\b",
        "agency": r"prefeitura|municipio|secretaria|ministerio|tribunal|universidade|instituto|camara municipal"
                  r"|governo do estado|autarquia|fundacao",
        "agency_cnpj": r"\bcnpj\b|\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}",
        "uasg": r"\buasg\b",
        "srp": r"registro de precos|\bsrp\b|ata de registro",
        "award_criterion": r"criterio de julgamento|menor preco|maior desconto|tecnica e preco|melhor tecnica"
                           r"|maior lance|maior retorno",
        "dispute_mode": r"modo de disputa|aberto e fechado|fechado e aberto|disputa aberta|disputa fechada",
        "session_datetime": r"sessao publica|abertura da sessao|data d[ae] (abertura|sessao)|horario|\bas \d{1,2}[:h]"
                            r"|\d{1,2}h\d{2}|inicio da (sessao|disputa)",
        "estimated_value": r"valor (total |global |maximo |anual )?estimado|valor global|valor maximo"
                           r"|orcamento estimado|sigilos|valor total",
        "items_count": r"quantidade de itens|\blotes?\b|\bitens\b|planilha|quantitativ",
        "me_epp": r"\bme\b.{0,6}\bepp\b|microempresa|pequeno porte|cota reservada|exclusiv[ao]s?\b.{0,40}(me|epp)"
                  r"|lc 123|complementar n.{0,3}123",
        "platform": r"compras\.?gov|comprasnet|\bbll\b|\bbnc\b|licitanet|portal de compras publicas|licitacoes-e"
                    r"|bbmnet|plataforma|sitio eletronico|www\.|https?://",
        "legal_basis": r"14\.?133|8\.?666|10\.?520",
        "document_kind": r"\bedital\b|termo de referencia|aviso de dispensa|\bata\b|homologacao|estudo tecnico"
                         r"|minuta|diario oficial",
    }.items()
}


def _fold_char(c: str) -> str:
    return "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))


# Latin-1 + Latin Extended-A/B precomputed: str.translate is ~10x faster than per-character NFKD
_FOLD_TABLE = {cp: _fold_char(chr(cp)) for cp in range(0xA0, 0x250) if _fold_char(chr(cp)) != chr(cp)}


def fold(text: str) -> str:
    """Lower-case and strip accents (ç→c, ã→a): cue matching must not depend on OCR's accents."""
    folded = text.translate(_FOLD_TABLE)
    if not folded.isascii():  # rarer characters (combining marks, other scripts): the slow, complete path
        folded = _fold_char(folded)
    return folded.lower()


@dataclass(frozen=True)
class Paragraph:
    page: int
    index: int
    text: str
    fields: frozenset[str]


@dataclass
class Selection:
    """The text to send plus what it covers (for the run record)."""

    text: str
    pages: list[int]
    chars: int
    source_chars: int
    fields_covered: dict[str, list[int]] = field(default_factory=dict)


def split_paragraphs(page: int, text: str) -> list[Paragraph]:
    """Blank-line paragraphs; long runs of lines (PDF text has no blank lines) cut near _PARA_MAX chars."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"-\n(?=[a-zà-ú])", "", text)  # de-hyphenate line breaks
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    out: list[str] = []
    for block in blocks:
        lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in block.split("\n")]
        current = ""
        for raw_line in lines:
            line = raw_line
            if not line:
                continue
            if current and len(current) + len(line) + 1 > _PARA_MAX:
                out.append(current)
                current = ""
            while len(line) > _PARA_MAX:  # a single huge line (DOCX paragraphs, OCR)
                cut = line.rfind(" ", 0, _PARA_MAX)
                cut = cut if cut > _PARA_MAX // 2 else _PARA_MAX
                out.append(line[:cut])
                line = line[cut:].strip()
            current = f"{current}\n{line}" if current else line
        if current:
            out.append(current)
    result = []
    for i, para in enumerate(out):
        folded = fold(para)
        matched = frozenset(name for name, rx in FIELD_CUES.items() if rx.search(folded))
        result.append(Paragraph(page, i, para, matched))
    return result


def select_sections(pages: Sequence[tuple[int, str]], *, budget: int = DEFAULT_BUDGET, head_pages: int = 2,
                    head_share: float = 0.4, focus: Iterable[str] = ()) -> Selection:
    """Pick the opening of the document plus cue-matching paragraphs, within ``budget`` characters.

    ``focus`` lists fields to serve first (e.g. those the rules extractor could not find).
    """
    paragraphs = [p for number, text in pages for p in split_paragraphs(number, text or "")]
    source_chars = sum(len(text or "") for _, text in pages)
    chosen: dict[tuple[int, int], Paragraph] = {}
    used = 0

    def cost(p: Paragraph) -> int:
        # text + newline + a possible "[…]" gap marker, plus the page header the first time the page appears
        return len(p.text) + 6 + (0 if any(k[0] == p.page for k in chosen) else len(_header(p.page)) + 1)

    # 1. the opening pages: cover + preamble carry most fields
    first_numbers = sorted({n for n, _ in pages})[:head_pages]
    head_budget = int(budget * head_share)
    for p in paragraphs:
        if p.page in first_numbers and used + cost(p) <= head_budget:
            used += cost(p)
            chosen[(p.page, p.index)] = p

    # 2. cue paragraphs, taking turns between fields (focus fields first), richest paragraphs first
    focus_list = [f for f in focus if f in FIELD_CUES]
    order = focus_list + [f for f in FIELD_CUES if f not in focus_list]
    candidates = {
        name: sorted((p for p in paragraphs if name in p.fields), key=lambda p: (-len(p.fields), p.page, p.index))
        for name in order
    }
    progress = True
    while progress:
        progress = False
        for name in order:
            queue = candidates[name]
            while queue:
                p = queue.pop(0)
                key = (p.page, p.index)
                if key in chosen:
                    continue
                if used + cost(p) > budget:
                    continue  # too big now; a shorter paragraph for this field may still fit
                used += cost(p)
                chosen[key] = p
                progress = True
                break

    selected = sorted(chosen.values(), key=lambda p: (p.page, p.index))
    text = _render(selected)
    covered: dict[str, list[int]] = {}
    for p in selected:
        for name in p.fields:
            covered.setdefault(name, [])
            if p.page not in covered[name]:
                covered[name].append(p.page)
    return Selection(text=text, pages=sorted({p.page for p in selected}), chars=len(text), source_chars=source_chars,
                     fields_covered=covered)


def _header(page: int) -> str:
    return f"[página {page}]\n"


def _render(selected: list[Paragraph]) -> str:
    parts: list[str] = []
    last: Paragraph | None = None
    for p in selected:
        if last is None or p.page != last.page:
            if parts:
                parts.append("\n")
            parts.append(_header(p.page))
        elif p.index != last.index + 1:
            parts.append("[…]\n")
        parts.append(p.text + "\n")
        last = p
    return "".join(parts).strip()
