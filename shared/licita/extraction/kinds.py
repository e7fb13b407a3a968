"""What kind of document this is: the document's *main* kind, not the first notice it quotes.

Signals, strongest first:
- a gazette masthead (the "Diário Oficial" running header on most pages, or an edition line on page 1)
  makes the whole file a ``diario_oficial``, whatever notices it carries;
- explicit document-type titles at the top of the first pages ("TERMO DE REFERÊNCIA", "ATA DE
  REGISTRO DE PREÇOS", "TERMO DE HOMOLOGAÇÃO", "EDITAL", "MINUTA" …) win over a modality header
  ("PREGÃO ELETRÔNICO Nº 12/2025") that many of those documents repeat at the top;
- a notice that only *announces* an edital ("AVISO DE LICITAÇÃO", a one-page "torna público que se
  acha aberta licitação … conforme o edital") is not the edital: it is ``other`` unless the edital
  itself follows in the same file;
- contracts and their extracts are ``other`` (the vocabulary has no contract kind).
A title on a line right below "ANEXO …", or in a table of contents ("…… 25"), names an annex.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from licita.extraction.models import Field
from licita.extraction.text import Corpus, anchored, scan

_M = re.M
_KIND_TITLES: list[tuple[str, re.Pattern[str]]] = [
    ("minuta_edital", re.compile(r"^[ \t]*minuta(?:\s+d[eo]\s+edital)?[ \t]*$|^[ \t]*minuta\s+d[eo]\s+edital\b|"
                                 r"^[ \t]*edital\b[^\n]{0,60}?[-(]\s*minuta\b", _M)),
    ("ata_registro_precos", re.compile(r"^[ \t]*ata\s+d[eoa]\s+registro\s+de\s+precos?\b", _M)),
    ("termo_homologacao", re.compile(
        # (and its publication or record: "AVISO/EXTRATO DE HOMOLOGAÇÃO", "DECISÃO DE HOMOLOGAÇÃO")
        r"^[ \t]*(?:termo\s+de\s+(?:adjudicacao\s+e\s+)?homologacao|termo\s+de\s+adjudicacao|"
        r"(?:decreto|despacho|ato|portaria|decisao|aviso|extrato)\s+de\s+(?:adjudicacao\s+e\s+)?homologacao|(?:relatorio|resultado)\s+de\s+"
        r"(?:adjudicacao\s+e\s+)?homologacao|adjudicacao\s*(?:e|/)\s*homologacao|homologacao)\b(?![^\n]{0,3}d[eoa]\s+"
        r"(?:ata|contrato))", _M)),
    # (with the abbreviation first: "ETP - ESTUDO TÉCNICO PRELIMINAR", "TR - TERMO DE REFERÊNCIA"; the federal
    # system's "ETP DIGITAL")
    ("etp", re.compile(r"^[ \t]*(?:etp\s*[-:]\s*)?estudos?\s+(?:tecnicos?\s+)?preliminar|"
                       r"^[ \t]*etp(?:\s+digital)?[ \t]*$", _M)),
    ("termo_referencia", re.compile(r"^[ \t]*(?:projeto\s+basico\s*(?:/|e)\s*|tr\s*[-:]\s*)?termo\s+de\s+referencia\b|"
                                    r"^[ \t]*projeto\s+basico\b", _M)),
    ("aviso_dispensa", re.compile(r"^[ \t]*(?:termo|aviso)\s+de\s+(?:dispensa|contratacao\s+direta)\b|"
                                  r"^[ \t]*aviso\s+de\s+(?:dispensa|contratacao)\b|"
                                  r"^[ \t]*dispensa\s+eletronica\b", _M)),
    ("contract", re.compile(r"^[ \t]*(?:termo\s+de\s+)?contrato\s+(?:administrativo\s+)?n[o.]|^[ \t]*extrato\s+d[oe]\s+"
                            r"contrato\b|"
                            # the ratification of a dispensa or inexigibilidade: an act about a contract, not a notice
                            r"^[ \t]*(?:(?:termo|ato|despacho|extrato)\s+de\s+)?ratificacao\b", _M)),
    ("aviso_licitacao", re.compile(r"^[ \t]*aviso\s+de\s+(?:abertura\s+de\s+)?(?:licitacao|preg[a-z]o|edital|"
                                   r"concorrencia|tomada|leilao)\b|"
                                   # a notice that changes a procurement (new date, corrected clause) announces it
                                   # too: the edital it changes is another document
                                   r"^[ \t]*(?:aviso\s+de\s+(?:retificacao|alteracao|adiamento|prorrogacao|"
                                   r"suspensao|republicacao|reabertura)|errata)\b", _M)),
    # records of a running procurement: the session's minutes, the judgement, answers to appeals and challenges
    ("proceeding", re.compile(r"^[ \t]*(?:ata\s+d[ae]\s+(?:sessao|reuniao|abertura|julgamento|realizacao)|"
                              r"relatorio\s+d[eo]\s+(?:julgamento|analise|pregoeir|agente\s+de\s+contratac)|"
                              r"(?:decisao|julgamento)\s+d[eo]s?\s+(?:recursos?|impugnac)|"
                              r"resposta\s+(?:a|ao|as|aos)\s+(?:impugnac|recurso|pedidos?\s+de\s+esclarecimento|"
                              r"esclarecimento|questionamento)|parecer\s+juridico)[a-z]*\b", _M)),
    ("edital", re.compile(r"^[ \t]*edital\b", _M)),
]
# A modality header names the procedure, not the document: weaker than any explicit title.
_MODALITY_HEADER_RE = re.compile(r"^[ \t]*(?:preg[a-z]o|concorrencia|leilao|concurso|credenciamento|chamamento|"
                                 r"tomada\s+de\s+precos|carta[\s-]+convite|convite)\b", _M)
PROCUREMENT_RE = anchored(re.compile(
    r"\blicitac|\bpregao\b|\bpregoeir|\blicitante|\bconcorrencia\b|\bdispensa\s+de\s+licitac|"
    r"contratacao\s+direta|14\.133|8\.666|10\.520|registro\s+de\s+precos|\bcertame\b|"
    r"\bsicaf\b|\bhabilitacao\b|\bleilao\b|\bleiloeiro|tomada\s+de\s+precos|"
    # credenciamento (Lei 14.133, art. 79) and inexigibilidade are procurement too; "credenciamento" alone is also
    # the accreditation of a bidder's representative, or of the press at an event
    r"\binexigibilidade\b|edital\s+de\s+credenciamento|credenciamento\s+de\s+(?:pessoas|empresas|prestadores|"
    r"clinicas|laboratorios|profissionais|leiloeiros|instituicoes|fornecedores|interessados)"))
_NON_PROCUREMENT_RE = re.compile(r"chamada\s+publica|selecao\s+de\s+projetos|processo\s+seletivo|concurso\s+publico|"
                                 r"premio\b|bolsas?\s+de\s+estudo|edital\s+de\s+selecao|fomento")
_GAZETTE_HEADER_RE = re.compile(r"diario\s+oficial|imprensa\s+oficial|diario\s+(?:eletronico|municipal)\b")
# A gazette's edition line names its year of circulation in Roman numerals, its number and the weekday it came out
# ("ANO XLII n. 10.295 Campo Grande, segunda-feira, 5 de outubro de 2020"): it tells a gazette whose title, set in a
# large or decorated type, a scan did not read.
_EDITION_LINE_RE = re.compile(r"\bano\s+[ivxlc]+\b[ \t]*[-–•|,.]?[ \t]*(?:n[o.]{0,2}|numero|edicao(?:\s+n[o.]{0,2})?)"
                              r"[ \t]*\d[\d.]*\b[^\n]{0,80}?\b(?:segunda|terca|quarta|quinta|sexta|sabado|domingo)\b")
_GAZETTE_EDITION_RE = re.compile(r"\bedicao\b|\bano\s+[ivxlc]+\b|\bsuplemento\b|\bcaderno\b|\bn\.?[o.]?\s*\d[\d.]*\b")
# An announcement refers to the edital as another document.
_ANNOUNCES_EDITAL_RE = re.compile(r"(?:condicoes|disposicoes)\s+(?:estabelecidas|constantes|previstas)\s+no\s+edital|"
                                  r"(?:o\s+)?edital\s+(?:completo\s+|e\s+(?:seus\s+)?anexos\s+)?(?:podera|poderao|pode|"
                                  r"estara|estarao|encontra-se|esta)\s+(?:ser\s+)?(?:obtido|retirado|adquirido|"
                                  r"consultado|disponivel|disponibilizado|a\s+disposicao)|acerca\s+do\s+edital|"
                                  r"se\s+acha\s+aberta|"
                                  # a notice of change: "As demais condições do edital permanecem inalteradas."
                                  r"(?:demais|restantes)\s+(?:condicoes|clausulas|itens|disposicoes|termos)\s+"
                                  r"(?:d[oa]\s+(?:edital|instrumento\s+convocatorio)\s+)?(?:permanecem|ficam|continuam)"
                                  r"\s+inalterad|permanece(?:m)?\s+inalterad[ao]s?\s+(?:as|os)\s+demais")
# Acts a gazette or a compilation publishes one after another, each under its own title line.
_ACT_TITLE_RE = re.compile(r"^[ \t]*(aviso|extrato|portaria|decreto|lei|resolucao|despacho|errata|ato|"
                           r"termo\s+de\s+(?:homologacao|adjudicacao|ratificacao))\b[^\n]{0,80}?"
                           r"(?:\bn[o.]{0,2}\s*\d|\bd[eoa]s?\s+[a-z]{4,})[^\n]*$", _M)
_CHAPTER_RE = re.compile(r"^[ \t]*\d{1,2}\s*[.)-]?\s*(?:-\s*)?d[aoe]s?\s+[a-z]", _M)
_TITLE_CHARS = 3500

# Kinds that the vocabulary lacks map to "other" (their fields are still read: a contract or an
# announcement names the modality, number, process and agency).
PROCUREMENT_OTHER = ("contract", "aviso_licitacao", "proceeding")


def first_text_page(c: Corpus) -> int:
    for i, page in enumerate(c.doc.pages):
        if len(page.text.strip()) >= 200:
            return i
    return 0


def procurement_density(c: Corpus) -> float:
    """Procurement words per 10,000 characters over the first ~20 pages."""
    sample = min(len(c.folded), 60000)
    return sum(1 for _ in scan(PROCUREMENT_RE, c.folded, 0, sample)) / max(1.0, sample / 10000)


def gazette(c: Corpus) -> tuple[int, int] | None:
    """Span of the masthead when the file is an official gazette (running header or edition line)."""
    pages = c.doc.pages
    headed = []
    for i in range(len(pages)):
        start = c.starts[i]
        end = c.page_end(i)  # the running header, or a footer (PDF text may give the header last)
        m = _GAZETTE_HEADER_RE.search(c.folded, start, min(end, start + 300)) or _GAZETTE_HEADER_RE.search(
            c.folded, max(start, end - 300), end)
        if m:
            headed.append(m)
    if len(pages) >= 3 and len(headed) >= max(2, 0.4 * len(pages)):
        return headed[0].start(), headed[0].end()
    first = c.starts[first_text_page(c)]
    edition = _EDITION_LINE_RE.search(c.folded, first, first + 300)
    if edition:
        return edition.start(), edition.end()
    m = _GAZETTE_HEADER_RE.search(c.folded, first, first + 250)
    if m and _GAZETTE_EDITION_RE.search(c.folded, m.end(), m.end() + 120) and not re.match(
        r"[^\n]{0,40}\b(?:d[oa]\s+(?:uniao|estado|municipio)\s*(?:em|de)\s+\d|publicad)", c.folded[m.end():]
    ):
        return m.start(), m.end()
    return None


def _is_annex_title(folded: str, start: int) -> bool:
    """Titles under an "ANEXO …" line, or table-of-contents entries ("TERMO DE REFERÊNCIA ..... 25")."""
    line_end = folded.find("\n", start)
    line = folded[start:line_end if line_end >= 0 else len(folded)]
    if re.search(r"\.{4,}|\s\d{1,3}\s*$", line) or "anexo" in line[:12]:
        return True
    prev = folded[max(0, start - 120):start].rstrip().rsplit("\n", 1)[-1]
    return bool(re.match(r"\s*anexo\b", prev))


_ANNEX_HEAD_RE = re.compile(r"^[ \t]*anexo\s+[ivxl\d]{1,5}\s*[-:.]\s*(?:(termo\s+de\s+referencia)|"
                            r"estudos?\s+tecnicos?\s+preliminar)", _M)
_TOC_LINE_RE = re.compile(r"\.{4,}|\s\d{1,3}\s*$")
_ANNEX_LINE_RE = re.compile(r"^[ \t]*anexo\b", _M)
_FILE_HEAD_RE = re.compile(r"^[ \t]*(?:edital|sumario|indice)\b", _M)


def _annex_heads_file(c: Corpus, kind: str, start: int) -> bool:
    """A termo de referência or ETP published on its own under its annex heading ("ANEXO I – TERMO DE
    REFERÊNCIA" at the top of the file's first page, under nothing but a letterhead): that is the document, not an
    annex of an edital. A list of annexes, a table of contents, an edital's title or the procedure's header above it
    keeps it an annex."""
    if kind not in ("termo_referencia", "etp"):
        return False
    first = c.starts[first_text_page(c)]
    if start - first >= _PAGE_TOP:
        return False
    line_end = c.folded.find("\n", start)
    line_end = line_end if line_end >= 0 else len(c.folded)
    line = c.folded[start:line_end]
    return not (_TOC_LINE_RE.search(line) or _ANNEX_LINE_RE.search(c.folded, line_end, line_end + 400)
                or _FILE_HEAD_RE.search(c.folded, first, start) or _MODALITY_HEADER_RE.search(c.folded, first, start))


def _title_line(c: Corpus, start: int) -> bool:
    """A title stands on its own line: short, or written in capitals (not a wrapped sentence). A line not in
    capitals that continues the sentence of the line above ("… contidas no / Termo de Referência, Anexo I") is
    text."""
    line_end = c.raw.find("\n", start)
    line = c.raw[start:line_end if line_end >= 0 else len(c.raw)].strip()
    letters = [ch for ch in line if ch.isalpha()]
    capitals = bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
    if not capitals and _CONTINUES_RE.search(c.raw, max(0, start - 200), start):
        return False
    return len(line) <= 60 or capitals


# the line above ends inside a sentence: on a comma or a word that needs what follows (an article, a preposition)
_CONTINUES_RE = re.compile(r"(?:,|\b(?:de|da|do|das|dos|no|na|nos|nas|o|a|os|as|e|em|para|por|pelo|pela|com|ao|aos|à|"
                           r"conforme|pelos|pelas|sob|sobre|cujo|cuja))[ \t]*\n[ \t]*$")


def title_kinds(c: Corpus) -> list[tuple[int, str, int]]:
    """Explicit document-type titles in the head of the document: (offset, kind, end)."""
    first = c.starts[first_text_page(c)]
    head_end = min(len(c.folded), first + _TITLE_CHARS)
    found: list[tuple[int, str, int]] = []
    for kind, regex in _KIND_TITLES:
        for m in regex.finditer(c.folded, 0, head_end):
            if kind != "minuta_edital" and ((_is_annex_title(c.folded, m.start()) and not _annex_heads_file(
                    c, kind, m.start())) or not _title_line(c, m.start())):
                continue
            found.append((m.start(), kind, m.end()))
            break
    # the heading on one line: "ANEXO I – TERMO DE REFERÊNCIA"
    one_line = _ANNEX_HEAD_RE.search(c.folded, first, min(len(c.folded), first + _PAGE_TOP))
    if one_line:
        kind = "termo_referencia" if one_line.group(1) else "etp"
        if kind not in {k for _, k, _ in found} and _annex_heads_file(c, kind, one_line.start()):
            found.append((one_line.start(), kind, one_line.end()))
    return sorted(found)


def _capitals(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _compilation(c: Corpus) -> int | None:
    """Offset of the first act when the head of the file publishes several acts of different kinds
    (notice, contract extract, portaria, decreto …): a gazette or a compilation, not its first notice."""
    first = c.starts[first_text_page(c)]
    acts = [m for m in _ACT_TITLE_RE.finditer(c.folded, first, min(len(c.folded), first + 2 * _TITLE_CHARS))
            if _capitals(c.raw[m.start(1):m.end()])]
    kinds = {m.group(1).split()[0] for m in acts}
    # a list of laws and decrees (the legal basis of an edital) is no compilation: notices must be among them
    if len(acts) >= 4 and len(kinds) >= 3 and kinds & {"aviso", "extrato"}:
        return acts[0].start()
    return None


# A short act that opens a file can be bound before the document the file really is: a one-page ata,
# homologação, contract extract or dispensa notice followed by the full edital (or TR, ata …) from the next page.
_OPENERS = ("aviso_dispensa", "termo_homologacao", "ata_registro_precos", "contract")
_PAGE_TOP = 400  # a title that starts a document stands at the top of its page


def _main_part(c: Corpus, first: tuple[int, str, int]) -> tuple[int, str, int]:
    """The title of the longest part when ``first`` opens the file with a part of a page or so and another
    document, at least three times longer, starts at the top of one of the next two pages."""
    pos, kind, _ = first
    if kind not in _OPENERS:
        return first
    page = c.page_index(pos)
    total = len(c.folded)
    for i in range(page + 1, min(len(c.starts), page + 3)):
        top = c.starts[i]
        for other, regex in _KIND_TITLES:
            if other in (kind, "minuta_edital", "contract", "aviso_licitacao"):
                continue
            m = regex.search(c.folded, top, min(c.page_end(i), top + _PAGE_TOP))
            if (m and _title_line(c, m.start()) and not _is_annex_title(c.folded, m.start())
                    and total - m.start() >= 3 * (m.start() - pos)):
                return m.start(), other, m.end()
    return first


def _short_announcement(c: Corpus) -> bool:
    text_pages = sum(1 for p in c.doc.pages if len(p.text.strip()) >= 200)
    if text_pages > 2:
        return False
    return (bool(_ANNOUNCES_EDITAL_RE.search(c.folded))
            and len(_CHAPTER_RE.findall(c.folded)) < 4)


def document_kind(c: Corpus, modality_mention: Callable[[Corpus, int, int], object]) -> tuple[Field, str]:
    """The main kind (vocabulary value) and an internal kind that says *why* ("contract", …)."""
    masthead = gazette(c)
    if masthead:
        return _kind_field(c, "diario_oficial", masthead[0], masthead[1] + 60, 0.85), "diario_oficial"
    compiled = _compilation(c)
    if compiled is not None:
        return _kind_field(c, "diario_oficial", compiled, compiled + 80, 0.7), "diario_oficial"
    titles = title_kinds(c)
    density = procurement_density(c)
    non_proc = _NON_PROCUREMENT_RE.search(c.folded, 0, c.front_end)
    # A TR/ETP states the need, often before any procurement word is written: trust its title.
    top_title = next((t for t in titles if t[1] in ("termo_referencia", "etp")
                      and t[0] - c.starts[first_text_page(c)] < 600), None)
    if top_title is None and (density < 2.5 or (non_proc and density < 6 and not modality_mention(c, 0, c.front_end))):
        if non_proc:
            return _kind_field(c, "other", non_proc.start(), non_proc.end() + 60, 0.7), "other"
        return Field(value="other", confidence=0.5, quote="sem vocabulário de licitação"), "other"
    if titles:
        kinds = [k for _, k, _ in titles]
        if "minuta_edital" in kinds:
            pos, _, end = titles[kinds.index("minuta_edital")]
            return _kind_field(c, "minuta_edital", pos, end + 40, 0.85), "minuta_edital"
        main = [t for t in titles if t[1] != "aviso_licitacao"] or titles
        pos, kind, end = _main_part(c, main[0])
        if kind == "aviso_licitacao" and not _short_announcement(c) and modality_mention(c, 0, c.front_end):
            kind = "edital"  # the notice is the cover of the edital that follows
        value = "other" if kind in PROCUREMENT_OTHER else kind
        return _kind_field(c, value, pos, end + 60, 0.85), kind
    if _short_announcement(c):
        return Field(value="other", confidence=0.6, quote="aviso que remete ao edital"), "aviso_licitacao"
    header = _MODALITY_HEADER_RE.search(c.folded, 0, min(len(c.folded), c.starts[first_text_page(c)] + _TITLE_CHARS))
    if header:
        return _kind_field(c, "edital", header.start(), header.end() + 60, 0.75), "edital"
    if modality_mention(c, 0, c.front_end):
        return Field(value="edital", confidence=0.5, quote="modalidade de licitação citada"), "edital"
    return Field(value="other", confidence=0.4), "other"


def _kind_field(c: Corpus, value: str, start: int, end: int, confidence: float) -> Field:
    return Field(value=value, page=c.page_of(start), quote=c.quote(start, end), confidence=confidence,
                 where=c.where(start))
