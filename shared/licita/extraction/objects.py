"""The object of the procurement: the sentence that states it ("O objeto da presente licitação é …", "tem por
objeto …", "OBJETO: …", an aviso's "…, objetivando a …"), without its lead-in and up to the reference that
follows it ("conforme o Termo de Referência")."""

from __future__ import annotations

import re

from licita.extraction.items import ItemsResult
from licita.extraction.models import Field
from licita.extraction.names import all_caps
from licita.extraction.text import Corpus, fold, squash


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_OBJECT_RES = [
    _re(r"objeto\s+(?:d[ao]\s+presente|dest[ea]|d[ao])\s+(?:licitacao|contratacao|contrato|pregao|dispensa|chamamento|edital|"
        r"ata|termo|"
        r"aviso|processo|certame|concorrencia)[^.:,;\n]{0,40}?\s+(?:e|sera|consiste\s+(?:em|n[ao]))\b\s*:?\s*"
        r"(?:(?:o|a|os|as)\b)?\s*:?\s*"),
    _re(r"(?:tem|tera)\s+(?:como|por)\s+(?:objeto|finalidade|objetivo)\s*:?\s*(?:(?:o|a|os|as)\b)?\s*:?\s*|"
        # "Constitui objeto da presente licitação a …", "A presente licitação visa à …"
        # "Constitui objeto deste Pregão a …", "É objeto desta licitação a …" (a clause of its own)
        r"constitu(?:i|em)\s+(?:o\s+)?objeto\s+(?:d[oa]\s+presente|dest[ea])\s+[a-z]+(?:\s+[a-z]+)?\s*:?\s*"
        r"(?:(?:o|a|os|as)\b)?\s*|"
        r"(?:^|\n)[ \t]*(?:\d+(?:\.\d+)*\.?[ \t]*[-–]?[ \t]*)?e\s+objeto\s+(?:d[oa]\s+presente|dest[ea])\s+[a-z]+"
        r"\s*:?\s*(?:(?:o|a|os|as)\b)?\s*|"
        r"(?:presente|este|esta)\s+(?:licitacao|pregao|edital|certame|concorrencia|dispensa|processo)\s+"
        r"(?:visa|objetiva|destina-se)\s+(?:a\s+|a\s+(?=[a-z]))?|"
        # avisos: "… realizará licitação na modalidade pregão, objetivando a aquisição de …", "…, cujo objeto é …"
        r"(?:,\s*|\s)(?:objetivando|cujo\s+objeto\s+(?:e|sera))\s+(?:(?:o|a|os|as)\b\s*)?(?=[a-z])"),
    # the "OBJETO" label or heading: a colon, a dash, a line break or a table gap after it ("… ADJUDICA o\nobjeto às
    # empresas" is a sentence)
    # ("OBJETO DA CONTRATAÇÃO:", "Objeto do Pregão:", "DESCRIÇÃO DO OBJETO:", a cover table's "OBJETO | …")
    _re(r"^[ \t|]*(?:\d+(?:\.\d+)*\.?\s*[-–]?\s*|[ivx]{1,5}[ \t]*[-–.)][ \t]*)?"
        r"(?:(?:do|resumo\s+do|descricao\s+do|especificacao\s+do|definicao\s+do)\s+)?objeto(?:\s+d[ao]\s+(?:licitacao|contratacao|pregao|certame|edital|processo|aviso|dispensa|presente\s+[a-z]+))?"
        r"(?:\s*[.:\-–][ \t]*|[ \t]*\|[ \t]*|[ \t]{2,}|[ \t]*(?=\n))"
        r"(?:\n\s*(?:\d+(?:\.\d+)+\.?\s*[-–]?\s*)?)?[ \t]*(?=[a-z])", re.M),
    # the label inside a notice's run-on paragraph, as ComprasNet's DOU avisos print it: "… Nº Processo:
    # 25000.123456/2024-01. Objeto: Aquisição de … Total de Itens Licitados: 12."
    _re(r"(?<=[.;])[ \t]+objeto\s*:\s*(?=[a-z])"),
    _re(r"^[ \t]*(?:\d+(?:\.\d+)*\.?\s*\n?\s*)(?=(?:contratacao|aquisicao|registro\s+de\s+precos?|"
        r"prestacao\s+de\s+servicos?)\b)", re.M),
    _re(r"^[ \t]*(?:\d+\.?\s*)?condicoes\s+gerais\s+da\s+contratacao[ \t]*\n[ \t]*(?:\d+(?:\.\d+)*\.?\s*)?"
        r"(?=[a-z])", re.M),
]
_OBJECT_STOP_RE = _re(r",?\s*(?:(?:conforme|nos\s+termos|de\s+acordo\s+com|observad[ao]s|segundo\s+as|mediante\s+as|"
                      r"em\s+conformidade|nas\s+condicoes|nos\s+moldes|quantidades\s+e\s+exigencias)\b|"
                      r"constantes?\s+d[aoe]|especificad[ao]s?\s+n[oa]|descrit[ao]s?\s+n[oa]|relacionad[ao]s?\s+n[oa])|\.\s|\.$|;|\n\s*\n|\n\s*\d+(?:\.\d+)+\.?\s|\n\s*[a-z]\)\s"
                      # a preamble goes on with the procedure's rules ("objetivando a aquisição de X, que será regida
                      # pela Lei …", "…, o qual será processado e julgado …")
                      r"|,\s*(?:que|[ao]s?\s+qua(?:l|is))\s+(?:serao?\s+|se\s+)?(?:regid|rege|realizad|processad|julgad)"
                      # the next label of a cover ("OBJETO: AQUISIÇÃO DE PNEUS\nVALOR ESTIMADO: R$ …", "… \nSRP: Sim"),
                      # or one of its cells alone on a line ("OBJETO\nAquisição …\nVALOR TOTAL ESTIMADO\nR$ …")
                      # (a label starts with a capital letter and its value follows on its line: a wrapped object's
                      # line "serviços nos seguintes locais:" is no label)
                      r"|\n[ \t]*(?P<label>[a-z][a-z/()]*(?:[ \t]+[a-z/()$]+){0,4})[ \t]*[:?][ \t]*\S"
                      r"|\n[ \t]*(?:valor(?:\s+(?:total|global))?\s+estimado|data\s+d[aeo]\s+[a-z]+|horario|local|tipo|"
                      r"modalidade|criterio\s+de\s+julgamento|modo\s+de\s+disputa)[ \t]*:?[ \t]*\n")


_LEAD_RE = _re(r"^(?i:(?:preg[aã]o|concorr[eê]ncia|dispensa|tomada\s+de\s+pre[cç]os)(?:\s+(?:eletr[oô]nic[oa]|"
              r"presencial|p[uú]blica|de\s+licita[cç][aã]o))?\s+[-–]\s+|objeto\s*:\s*|art\.?\s*\d+\s*[º°o]?\s*[-–.]?\s*)")
# the OBJETO label as a table cell: "OBJETO | …", "OBJETO    …" (not "OBJETO:  …", nor "… é a  " in a sentence)
_TABLE_CELL_RE = _re(r"(?:objeto|licitacao|contratacao|pregao|certame|edital|processo|aviso|dispensa)"
                     r"(?:[ \t]*\|[ \t]*|[ \t]{2,})$")


def object_field(c: Corpus, items: ItemsResult, srp_stated: bool = False) -> Field:
    best: tuple[int, int, int, float] | None = None
    for rank, regex in enumerate(_OBJECT_RES):
        for hit in c.finditer(regex, 0, c.front_end):
            start = hit.end
            stop = next((m for m in _OBJECT_STOP_RE.finditer(c.folded, start + 15, min(len(c.folded), start + 700))
                         if m.group("label") is None or c.raw[m.start("label")].isupper()), None)
            end = stop.start() if stop else min(len(c.folded), start + 400)
            if rank == 2 and _TABLE_CELL_RE.search(hit.match.group(0)):
                # a cell ends with its line, unless the line after it goes on with the sentence in lower case: a cell
                # that wraps in a scan, where OCR reads one border and not the line breaks inside the cell
                line_end = c.folded.find("\n", start)
                if line_end >= 0 and not re.match(r"[ \t]*[a-zà-ú]", c.raw[line_end + 1:line_end + 3]):
                    end = min(end, line_end)
            text = squash(c.raw[start:end])
            if len(text) < 15 or text.lower().startswith(("da licitação", "deste", "desta")):
                continue
            if best is None or rank < best[0] or (rank == best[0] and start < best[1]):
                best = (rank, start, end, 0.85 if rank < 2 else 0.7)
            break
        if best is not None and best[0] == rank:
            break
    if best is None:
        return Field()
    _, start, end, conf = best
    text = squash(c.raw[start:end]).strip(" ,:-–")
    # AGU formula: "o objeto ... é a escolha da proposta mais vantajosa para a contratação de …"
    text = re.sub(r"^(?i:escolha\s+da\s+proposta\s+mais\s+vantajosa\s+para\s+(?:[ao]s?\s+)?)", "", text)
    # ComprasNet's notices lead with the modality ("Objeto: Pregão Eletrônico - Aquisição de …"), some covers repeat
    # the label ("OBJETO: Objeto: …"), act-style editais number the clause ("DO OBJETO / Art. 1º Aquisição …")
    text = _LEAD_RE.sub("", text)
    if all_caps(text):
        text = text[0] + text[1:].lower()
    text = _enrich_object(text, items)
    if srp_stated and not re.search(r"registro\s+de\s+pre", fold(text)):
        # the object of an SRP procedure is the registration of prices for the purchase
        text = "Registro de preços para " + (text[0].lower() + text[1:] if not text[:2].isupper() else text)
    return Field(value=text, page=c.page_of(start), quote=c.quote(start, end), confidence=conf, where=c.where(start))


# An object that points to an annex for what it buys or sells ("alienação do bem identificado no Anexo I deste
# edital", "aquisição dos materiais relacionados no Anexo II").
_ANNEX_GOODS_RE = _re(r"\b((?:d?[oa]s?\s+)?(?:bem|bens|imovel|imoveis|veiculos?|lotes?|itens|materia(?:l|is)|produtos|"
                      r"equipamentos|servicos))\s+(?:identificad|descrit|relacionad|listad|especificad|constantes?\b)"
                      r"[a-z]*\s+n[oa]\s+anexo\s+(?:[ivxl\d]+\b|\|)")  # ("Anexo |": OCR's reading of "Anexo I")


def _enrich_object(text: str, items: ItemsResult) -> str:
    """Short generic objects ("aquisição de eletrodomésticos") gain the item names in brackets; an object that
    points to an annex for its goods names them instead, whole when they are one to three."""
    annex = _ANNEX_GOODS_RE.search(fold(text))
    described = [squash(item.description) for item in items.items if item.description]
    if annex and 1 <= len(described) <= 3:
        # (a placeholder cell after the description, "XXXXX", is no part of it)
        return text[:annex.end(1)] + ": " + "; ".join(re.sub(r"(?:\s+X{3,})+$", "", d[:300]).rstrip(" .;,")
                                                       for d in described)
    if (len(text.split()) > 14 and not annex) or not items.items:
        return text
    heads: list[str] = []
    for item in items.items:
        head = re.split(r"[:;,(]|\s-\s", item.description, maxsplit=1)[0].strip()
        words = head.split()[:3]
        if not words:
            continue
        name = " ".join(words).lower()
        if name not in heads and not _named_in(name, text):
            heads.append(name)
        if len(heads) >= 12:
            break
    return f"{text} ({', '.join(heads)})" if heads else text


def _named_in(name: str, text: str) -> bool:
    """Whether the object already names these goods ("coletes balísticos nível III-A" names "colete balístico
    nível"): every word of three letters or more starts a word of the text, give or take a plural ending."""
    said = {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", fold(text))}
    words = [w.rstrip("s") for w in re.findall(r"[a-z0-9]+", fold(name)) if len(w) >= 3]
    return bool(words) and all(w in said or w + "e" in said for w in words)  # "motores" names "motor"
