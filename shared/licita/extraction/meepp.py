"""ME/EPP participation rule (LC 123/2006 arts. 47-49): exclusive participation, reserved quota,
both (``mixed``) or none, as editais state it in their preamble, their clauses and their item tables."""

from __future__ import annotations

import re

from licita.extraction.found import conditional as _conditional
from licita.extraction.found import field_at as _field
from licita.extraction.items import ItemsResult
from licita.extraction.models import Field
from licita.extraction.text import Corpus, Hit


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_MEEPP = (r"(?:me\s*[/,]\s*epps?|mes?\s*(?:'s)?\s*(?:e|/|,)\s*epps?(?:\s*'s)?|me\s*/\s*epp\s*/\s*(?:mei|equiparadas)|"
          r"microempresas?|microempreendedor\w*|mpes?\b|empresas?\s+de\s+pequeno\s+porte|"
          r"pequenas\s+empresas)")
_MEEPP_NEG_RE = _re(r"(?:(?:item|itens|participacao|licitacao|cota|lotes?)\s+exclusiv\w*\s+"
                    r"(?:para\s+|a\s+|as\s+|de\s+)?"
                    + _MEEPP + r"[^\n:]{0,40}[:\s-]+nao\b)|(?:preferencia\s+" + _MEEPP + r"[^\n]{0,30}?\s+nao\b)|"
                    r"(?:tratamento\s+diferenciado[^\n]{0,40}:\s*nao\b)|(?:beneficios?\s+" + _MEEPP + r"\s*:?\s*nao\b)|"
                    r"(?:nao\s+(?:havera|sera|serao)\s+(?:aplicad\w+\s+)?(?:(?:itens?|lotes?|cotas?)\s+)?"
                    r"(?:exclusiv\w+|reservad\w+|cota)[^.;]{0,40}?" + _MEEPP + r")|"
                    # a cover label answered no: "EXCLUSIVO ME/EPP: NÃO", "Exclusiva para ME/EPP?\nNão"
                    r"(?:(?:^|\n)[ \t]*exclusiv[oa]s?\s+(?:para\s+)?" + _MEEPP + r"[ \t]*[:?]?[ \t]*\n?[ \t]*nao\b)")
# A quota label answered: "COTA RESERVADA: NÃO" is no quota, "Cota reservada (art. 48, III)?\nSim" is one.
_QUOTA_ANSWER_RE = _re(r"(?:[ \t]*\([^)\n]{0,30}\)|[ \t]+(?:para\s+|p/\s*)?" + _MEEPP + r")?[ \t]*[:?]?[ \t]*\n?[ \t]*"
                       r"(sim|nao)\b")
_MEEPP_QUOTA_RE = _re(r"\bcota\s+(?:reservada|principal)\b|cota\s+de\s+(?:ate\s+)?25\s*%|"
                      r"reserva\s+de\s+cota|cota\s+(?:exclusiva|destinada)\s+(?:para\s+|a\s+|as\s+)?" + _MEEPP)
_EXCL_TARGET = r"(?:para\s+|a\s+|as\s+|de\s+|em\s+favor\s+d[ea]s?\s+)?(?:(?:a\s+)?participacao\s+(?:de\s+|d[ea]s\s+)?)?"
_MEEPP_EXCL_RE = _re(r"(?:participacao|licitacao|disputa|certame|contratacao|pregao|competicao)\s+(?:sera\s+|e\s+)?"
                     r"(?:destinad[ao]\s+)?exclusiv\w*\s+" + _EXCL_TARGET + _MEEPP
                     + r"|exclusivamente\s+" + _EXCL_TARGET + _MEEPP
                     + r"|(?:destinad[ao]s?|reservad[ao]s?)\s+(?:a\s+|para\s+)?(?:a\s+)?participacao\s+exclusiva\s+"
                       r"(?:de\s+|d[ea]s\s+)?" + _MEEPP
                     + r"|(?:item|itens|lotes?|grupos?)\s+(?:n[o.]?\s*)?(?:\d[\d,\se]*\s+)?"
                       r"(?:sao\s+|serao\s+|sera\s+|e\s+)?"
                       r"(?:destinad[ao]s?\s+)?exclusiv\w*\s+" + _EXCL_TARGET + _MEEPP
                     + r"|exclusiv[oa]s?\s+(?:para\s+|a\s+|as\s+)?" + _MEEPP)
_MEEPP_ELSEWHERE_RE = _re(r"itens\s+exclusivos\s+(?:a|para|as)\s+" + _MEEPP + r"[^;]{0,200}?(?:constam|estao|serao)\s+"
                          r"(?:indicad\w+\s+|relacionad\w+\s+)?(?:n[oa]|do)\s+(?:termo|anexo)")
# Lots/items open to everyone next to others reserved: the edital mixes both.
# (platform exports answer a lot's "Benefício:" with "Sem benefício")
_AMPLA_RE = _re(r"ampla\s+(?:participacao|concorrencia|disputa)|nao\s+exclusiv[oa]s?\b|livre\s+participacao|"
                r"sem\s+beneficio")
# Exclusive items and a quota named together: "Itens exclusivos e cota reservada", "cota reservada e itens exclusivos"
_TO_MEEPP = r"(?:\s+(?:para\s+|a\s+)?" + _MEEPP + r")?"
_BOTH_RE = _re(r"(?:itens|lotes)\s+exclusivos" + _TO_MEEPP + r"\s+e\s+(?:(?:itens|lotes)\s+(?:com\s+)?)?cotas?\s+"
               r"reservadas?|cotas?\s+reservadas?" + _TO_MEEPP + r"\s+e\s+(?:itens|lotes)\s+exclusivos")
_SALE_MODALITIES = ("leilao",)
# Art. 48 I: exclusive participation in the *items* worth up to R$ 80.000 ("os itens cujo valor seja de até
# R$ 80.000,00 são exclusivos…"); the items above are open or carry a quota, so the edital mixes both.
_ITEMS_UP_TO_RE = _re(r"\b(?:itens|lotes|grupos|item|lote|grupo)\b[^.;]{0,140}?(?:ate|inferior(?:es)?\s+a|"
                      r"nao\s+(?:superior|excedente)s?\s+a|igual\s+ou\s+inferior\s+a)\s+(?:o\s+valor\s+de\s+)?"
                      r"r\$\s*80(?:\.?000|\s*mil\b)")
# Exclusivity of numbered items or lots: "os itens 1 a 10 são exclusivos para ME/EPP".
_NUMBERED_EXCL_RE = _re(r"(?:item|itens|lotes?|grupos?)\s+(?:n[o.]?\s*)?\d")
# The same with a range or list of numbers, either way round: "Itens 1 a 5: participação exclusiva para ME/EPP",
# "os itens 01 ao 10 são destinados à participação exclusiva de microempresas …", "participação exclusiva de
# ME/EPP nos itens 1 a 4" (a clause reference, "nos termos do item 5.1", names no item).
_NUMBERS = (r"(?:item|itens|lotes?|grupos?)\s*:?\s+(?:n[o.]{0,2}\s*)?\d{1,3}(?:\s*(?:,|e|a|ao|ate|-|–|/)\s*\d{1,3})*"
            r"(?![.,]\d)")
_ITEMS_EXCL_RE = _re(_NUMBERS + r"\s*[:\-–]?\s*(?:(?:a\s+)?participacao\s+(?:sera|e)\s+)?"
                     r"(?:(?:sao|serao|sera|e|ficam?)\s+)?(?:destinad[ao]s?\s+)?(?:a\s+|de\s+)?"
                     r"(?:participacao\s+)?exclusiv\w*\s+" + _EXCL_TARGET + _MEEPP
                     + r"|exclusiv\w*\s+" + _EXCL_TARGET + _MEEPP
                     + r"[^.;\n]{0,30}?\b(?:n[oa]s?|para\s+os?|quanto\s+aos?)\s+" + _NUMBERS
                     # "Tratamento diferenciado ME/EPP: itens 1 a 3 exclusivos; …"
                     + r"|" + _MEEPP + r"[^.;\n]{0,30}?:\s*" + _NUMBERS
                     + r"\s*(?:(?:sao|serao)\s+)?(?:de\s+participacao\s+)?exclusiv"
                     # "Lotes exclusivos ME/EPP: 1, 3 e 5", "Itens exclusivos: 1 ao 15"
                     + r"|(?:itens|lotes|grupos)\s+exclusiv\w*(?:\s+" + _EXCL_TARGET + _MEEPP + r")?"
                     + r"\s*:\s*\d{1,3}(?:\s*(?:,|e|a|ao|ate|-|–)\s*\d{1,3})+")


# Exclusive *items* ("itens exclusivos para ME/EPP") next to open ones ("… e itens de ampla concorrência", "os
# demais itens") in the same passage: some items are exclusive, the edital mixes both.
_ITEMS_WORD_RE = _re(r"(?:itens|lotes|grupos|item|lote|grupo)\b")
_OPEN_ITEMS_RE = _re(r"(?:ampla\s+(?:participacao|concorrencia|disputa)|livre\s+participacao)(?!\s*:\s*nao\b)|"
                     r"demais\s+(?:itens|lotes|grupos)")


# An item table with a column "Exclusivo ME/EPP" (or "Exclusiva ME/EPP?") answered per row: SIM / NÃO; or a column
# "Participação" / "Benefício" answered "Exclusiva ME/EPP", "Ampla", "Cota reservada", "Cota principal". The column
# is one cell of a table header that has an "Item" cell (a cover's "Exclusivo ME/EPP: Não" is no column).
_FLAG_HEADER_RE = _re(r"(?:^|\|)[ \t]*(?:exclusiv[oa]s?\s+(?:para\s+|p/\s*)?" + _MEEPP
                      + r"|(?:tipo\s+de\s+)?participacao|beneficio|tratamento\s+diferenciado)[ \t?]*(?:\||$)", re.M)
_ITEM_CELL_RE = _re(r"(?:^|\|)[ \t]*(?:item|itens|lote)[ \t]*(?:\||$)", re.M)
_FLAG_CELL_RE = _re(r"(?:^|\|)[ \t]*(sim|nao|exclusiv[a-z]*(?:\s+(?:para\s+|p/\s*|a\s+)?" + _MEEPP + r")?|"
                    r"ampla(?:\s+(?:participacao|concorrencia|disputa))?|cota\s+(?:reservada|principal)[^|\n]{0,30}?|"
                    r"sem\s+beneficio)[ \t]*(?=\||$)", re.M)


def _flag_answer(cell: str) -> str:
    """E (exclusive to ME/EPP), A (open to all) or Q (the reserved quota) for one row's answer."""
    if cell.startswith(("sim", "exclusiv")):
        return "E"
    return "Q" if cell.startswith("cota reservada") else "A"


def _flag_column(c: Corpus) -> Field | None:
    """Per-row answers under a participation column: exclusive rows next to open ones are ``mixed``, every row
    exclusive is ``exclusive``, none is ``none``; a reserved quota's rows make ``reserved_quota`` (``mixed`` with
    exclusive rows too)."""
    folded = c.folded
    for pos in c.find_all(("exclusiv", "participacao", "beneficio", "diferenciado")):
        line_start = folded.rfind("\n", 0, pos) + 1
        line_end = folded.find("\n", pos)
        header = _FLAG_HEADER_RE.search(folded, line_start, len(folded) if line_end < 0 else line_end)
        if header is None or not _ITEM_CELL_RE.search(folded, max(0, line_start - 300), header.end()):
            continue
        cells = [m.group(1) for m in _FLAG_CELL_RE.finditer(folded, header.end(), header.end() + 6000)]
        if len(cells) < 2:
            continue
        answers = {_flag_answer(cell) for cell in cells}
        if "Q" in answers:
            value = "mixed" if "E" in answers else "reserved_quota"
        else:
            value = "mixed" if answers == {"E", "A"} else ("exclusive" if answers == {"E"} else "none")
        return _field(c, value, header.start(), header.end() + 60, 0.75)
    return None


# Lot (or group, item) headings: "LOTE 1 – EXCLUSIVO ME/EPP", "LOTE 02 - AMPLA PARTICIPAÇÃO".
_UNIT_HEADING_RE = _re(r"^[ \t|]*(lote|grupo|item)\s*(?:n[o.]{0,2}\s*)?[:\-–]?\s*0*\d{1,3}\b[^\n]*$", re.M)


def _every_unit_exclusive(c: Corpus, hit: Hit) -> bool:
    """Every lot heading of the kind the exclusive one names ("LOTE 1 – EXCLUSIVO ME/EPP", "LOTE 2 – EXCLUSIVO
    ME/EPP", …) says it is exclusive, and nothing is open to all: the whole procedure is exclusive."""
    word = re.match(r"\s*(lote|grupo|item)", hit.match.group(0))
    if word is None:
        return False
    headings = [m for m in _UNIT_HEADING_RE.finditer(c.folded) if m.group(1) == word.group(1)]
    if len(headings) < 2 or not all("exclusiv" in m.group(0) for m in headings):
        return False
    ampla = c.search(_AMPLA_RE)
    return ampla is None or _conditional(c, ampla.start)


def _quota_answer(c: Corpus, hit: Hit) -> str | None:
    """"sim"/"nao" when the quota is a label answered on its line or the next one."""
    m = _QUOTA_ANSWER_RE.match(c.folded, hit.end)
    return m.group(1) if m else None


def _open_items_near(c: Corpus, hit: Hit) -> bool:
    m = _OPEN_ITEMS_RE.search(c.folded, max(0, hit.start - 250), min(len(c.folded), hit.end + 250))
    return m is not None and not _conditional(c, m.start())


def _sentence(c: Corpus, pos: int) -> tuple[int, int]:
    """Offsets of the sentence (or table line block) around ``pos``."""
    start = max(c.folded.rfind(". ", max(0, pos - 400), pos), c.folded.rfind(";", max(0, pos - 400), pos),
                c.folded.rfind("\n\n", max(0, pos - 400), pos), pos - 400, 0)
    ends = [e for e in (c.folded.find(". ", pos), c.folded.find(";", pos)) if e >= 0]
    return start, min([*ends, pos + 400, len(c.folded)])


def _some_items_exclusive(c: Corpus) -> Hit | None:
    """A stated exclusivity of *some* items (by number or by the art. 48 I value), not of a quota."""
    for hit in _windowed(c, ("80.000", "80000", "80 mil"), _ITEMS_UP_TO_RE, 220, 20):
        start, end = _sentence(c, hit.start)
        sentence = c.folded[start:end]
        if "exclusiv" in sentence and re.search(_MEEPP, sentence) and not _conditional(c, hit.start) \
                and not re.search(r"\bnao\s+(?:havera|sera|serao)\b", sentence):
            return hit
    numbered = [h for h in _windowed(c, ("exclusiv",), _MEEPP_EXCL_RE) if _NUMBERED_EXCL_RE.match(h.match.group(0))]
    for hit in sorted([*numbered, *_windowed(c, ("exclusiv",), _ITEMS_EXCL_RE, 120, 160)], key=lambda h: h.start):
        if _conditional(c, hit.start):
            continue
        start, end = _sentence(c, hit.start)
        # a quota named with the exclusive items is the quota's own items ("item 2 – cota reservada – exclusiva
        # ME/EPP"); one named later in the sentence is another item ("…, e o item 6 é a cota reservada do item 5")
        line_start = c.folded.rfind("\n", 0, hit.start) + 1  # a table or list line: its own line
        if not re.search(r"\bnao\b", c.folded[start:end]) and "cota" not in c.folded[max(start, line_start):min(
                end, hit.end + 30)]:
            return hit
    return None


def _windowed(c: Corpus, literals: tuple[str, ...], regex: re.Pattern[str], back: int = 90,
              fwd: int = 160) -> list[Hit]:
    """Run an expensive regex only around cheap literal anchors (str.find), in document order."""
    hits: dict[int, Hit] = {}
    for pos in c.find_all(literals):
        for m in regex.finditer(c.folded, max(0, pos - back), min(len(c.folded), pos + fwd)):
            if m.start() not in hits:
                hits[m.start()] = Hit(c.page_of(m.start()), m.start(), m.end(), m)
    return [hits[k] for k in sorted(hits)]


def me_epp(c: Corpus, kind: str, items: ItemsResult, modality: str | None = None) -> Field:
    """ME/EPP participation rule (LC 123 arts. 47-49).

    An explicit "no" (preamble "Item exclusivo para ME/EPP: NÃO") wins; exclusive items (by number, or
    those worth up to R$ 80.000, art. 48 I) next to a quota or to open items are ``mixed``; then a
    reserved quota (art. 48 III); then exclusivity: of the whole procedure ("licitação exclusiva para ME/EPP") is
    ``exclusive`` unless the items show both exclusive and open ones; of some items or lots
    ("itens 1 a 5 exclusivos…", "LOTE 2 – EXCLUSIVO ME/EPP" next to "AMPLA PARTICIPAÇÃO") is ``mixed``.
    Sales (leilão) and atas have no ME/EPP rule; contracts and announcements only when stated.
    """
    if kind in ("other", "ata_registro_precos") or modality in _SALE_MODALITIES:
        return Field()
    # (anchors are single words: text with double spaces between words still finds them)
    neg = [h for h in _windowed(c, ("exclusiv", "preferencia", "diferenciado", "beneficio", "reservad", "cota "),
                                _MEEPP_NEG_RE) if not _conditional(c, h.start)]
    if neg:
        hit = neg[0]
        quota = next((h for h in _windowed(c, ("cota ",), _MEEPP_QUOTA_RE, 10, 40) if _quota_answer(c, h) == "sim"),
                     None)
        if quota is not None:  # "Exclusivo ME/EPP: NÃO" / "Cota reservada: SIM"
            return _field(c, "reserved_quota", quota.start, quota.end + 20, 0.8)
        return _field(c, "none", hit.start, hit.end, 0.85)
    column = _flag_column(c)
    if column is not None:
        return column
    some = _some_items_exclusive(c)
    for hit in _windowed(c, ("cota ", "reserva"), _MEEPP_QUOTA_RE, 10, 40):
        if (not _conditional(c, hit.start) and "nao" not in c.folded[max(0, hit.start - 12):hit.start]
                and _quota_answer(c, hit) != "nao"):
            if some is not None:  # exclusive items up to R$ 80.000 and a quota of the others
                return _field(c, "mixed", some.start, some.end + 40, 0.7)
            named = _BOTH_RE.search(c.folded, max(0, hit.start - 120), hit.end + 120)
            if named is not None:
                return _field(c, "mixed", named.start(), hit.end + 20, 0.7)
            return _field(c, "reserved_quota", max(0, hit.start - 40), hit.end + 20, 0.8)
    if _windowed(c, ("exclusivos",), _MEEPP_ELSEWHERE_RE, 12, 300):
        return Field(quote="itens exclusivos indicados em outro documento (TR)")
    if some is not None:
        if _every_unit_exclusive(c, some):
            return _field(c, "exclusive", some.start, some.end + 40, 0.7)
        return _field(c, "mixed", some.start, some.end + 40, 0.7)
    flags = [i.me_epp_exclusive for i in items.items]
    both = True in flags and False in flags
    general: Hit | None = None
    for hit in _windowed(c, ("exclusiv",), _MEEPP_EXCL_RE):
        before = c.folded[max(0, hit.start - 12):hit.start]
        if _conditional(c, hit.start) or re.search(r"\bnao\s*$", before):
            continue
        text = hit.match.group(0)
        if re.match(r"(?:item|itens|lotes?|grupos?)\s+(?:n[o.]?\s*)?\d", text) or both:
            return _field(c, "mixed", hit.start, hit.end + 40, 0.7)
        if _ITEMS_WORD_RE.match(text) and _open_items_near(c, hit):
            return _field(c, "mixed", hit.start, hit.end + 40, 0.65)
        line_start = c.folded.rfind("\n", 0, hit.start) + 1
        # a heading/column "EXCLUSIVO ME/EPP" over some rows, or a lot's label answered so ("Benefício: Participação
        # exclusiva ME/EPP")
        if text.startswith("exclusiv") or re.search(r":[ \t]*$", c.folded[line_start:hit.start]):
            ampla = c.search(_AMPLA_RE)
            if ampla and not _conditional(c, ampla.start) and abs(ampla.start - hit.start) < 20000:
                return _field(c, "mixed", hit.start, hit.end + 40, 0.65)
        general = general or hit
    if general is not None:
        return _field(c, "exclusive", general.start, general.end + 40, 0.75)
    if kind in ("edital", "aviso_dispensa"):
        return _field(c, "none", None, None, 0.55, quote="nenhum item exclusivo ou cota reservada a ME/EPP")
    return Field()
