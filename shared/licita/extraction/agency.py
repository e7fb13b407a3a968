"""The contracting body: the unit that runs the procedure, not its parent (ministry, state, armed
force, the prefeitura of a municipal fund) nor the agent who signs (commission, pregoeiro).

Evidence, strongest first: a labelled buyer line (ComprasNet/Compras.gov.br "UASG 153000 - …",
"Unidade compradora: …", "Órgão gerenciador: …"); a preamble that names the unit acting for its
body ("O Município de X, por intermédio do Fundo Municipal de Saúde, torna público …"); the
municipal letterhead ("PREFEITURA MUNICIPAL DE X"); an armed-force letterhead with its unit; the
subject of "torna público"; a contract party; the deepest institution line of the letterhead.
"""

from __future__ import annotations

import re

from licita.extraction.found import field_at as _field
from licita.extraction.kinds import first_text_page
from licita.extraction.models import Field
from licita.extraction.names import all_caps, complete_cut, complete_short, doc_acronyms, tidy_name, title, with_acronym
from licita.extraction.text import Corpus, fold, squash


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# A letterhead line that ends on "e"/"de"/"do" runs on: "INSTITUTO FEDERAL DE EDUCAÇÃO, CIÊNCIA E / TECNOLOGIA DE X".
_RUNS_ON = r"(?:\s(?:e|de|da|do|das|dos)\n[ \t]*[a-z][^\n]{2,80}?)?"
# What a letterhead line may add after the name: " – CNPJ …", " | Secretaria …", " – PODER LEGISLATIVO", a wide gap
# before the title ("PREFEITURA …      PREGÃO ELETRÔNICO Nº 4/2025"), " - SP" (kept as "/SP", as "- Estado de São
# Paulo" is); "- Estado de X" stays in the name for the state suffix rule.
_LINE_TAIL = r"(?:(?:[ \t]+[-–][ \t]+(?!estado\s)|[ \t]*\|[ \t]*|[ \t]{3,})(?P<tail>[^\n]*))?"
_PREFEITURA_LINE_RE = _re(r"^[ \t]*((?:prefeitura(?:\s+municipal)?|camara\s+municipal)\s+(?:da\s+cidade\s+)?d[eao]\s+"
                          r"[^\n,;()|]{2,60}?" + _RUNS_ON
                          + r")" + _LINE_TAIL + r"[ \t]*$", re.M)
# A letterhead that names the municipality itself: "MUNICÍPIO DE EXEMPLO" (in capitals, alone on its line).
_MUNICIPIO_LINE_RE = _re(r"^[ \t]*(municipio\s+d[eao]\s+[^\n,;()|]{2,60}?" + _RUNS_ON + r")" + _LINE_TAIL + r"[ \t]*$",
                         re.M)
# The unit printed right below a municipal letterhead ("PREFEITURA MUNICIPAL DE X / FUNDO MUNICIPAL DE SAÚDE")
# buys in its own name; the secretarias of administration and finance buy for the whole prefeitura (agents).
_MUNICIPAL_UNIT_RE = _re(r"[ \t]*((?:fundo\s+municipal|secretaria\s+(?:municipal\s+)?d[aeo]s?\s|fundacao|instituto|"
                         r"autarquia|servico\s+autonomo|hospital|superintendencia|companhia|empresa\s+municipal)"
                         r"(?!(?:[^\n]{0,20}?)(?:administracao|financas|fazenda|planejamento|gestao)\b)"
                         r"[^\n]{2,100}?" + _RUNS_ON + r")[ \t]*$", re.M)
_STATE_LINE_RE = _re(r"[ \t]*(?:estado|governo\s+do\s+estado)\s+d[aeo]\s[^\n]{2,40}\n|[ \t]*c\.?n\.?p\.?j[^\n]{0,60}\n")
# Units that publish in their own name under a municipal letterhead.
_OWN_UNIT_RE = _re(r"(?:fundo|secretaria|fundacao|instituto|autarquia|servico\s+autonomo|hospital|superintendencia|"
                   r"departamento|companhia|empresa|consorcio|agencia)\b")
# Federal institutes keep a comma in their name: "Instituto Federal de Educação, Ciência e Tecnologia de X".
_IF_COMMA = r",\s*ciencia\s+e\s+tecnologia\b"
_NAME_END = r"(?!" + _IF_COMMA + r")"
# A preamble's subject clause runs over appositions (CNPJ, address, "neste ato representado pelo Sr. Fulano"):
# the dot of an abbreviation or inside a number does not end it.
_ABBREVIATION = r"(?:(?<=\bsr)|(?<=\bsra)|(?<=\bav)|(?<=\bdr)|(?<=\bdra))"
# AGU models keep the template's "o(a)": "Torna-se público que o(a) Tribunal …"
_ARTICLE = r"(?:o|a)(?:[ \t]*\([oa]\)[ \t]*|[ \t]+)"
_ARTICLE_NL = r"(?:o|a)(?:\s*\([oa]\)\s*|\s+)"
_TORNA_SE_RE = _re(r"torna(?:-|\s)?se\s+publico\s*,?\s*(?:para\s+conhecimento\s+(?:dos|de\s+todos\s+os)\s+"
                   r"interessados\s*,?\s*)?que\s+" + _ARTICLE_NL + r"([^,;\n]{0,5}[a-z](?:[^,;]|" + _IF_COMMA
                   + r"){3,160}?)" + _NAME_END + r"\s*[,;]")
_TORNA_PUBLICO_RE = _re(r"(?:^|[.:]\s+|\n)[ \t]*(?:\d+(?:\.\d+)*\s*[-.]?\s*)?" + _ARTICLE + r"([a-z](?:[^,;.\n]|"
                        + _IF_COMMA + r"){3,120}?)" + _NAME_END
                        + r"(?:\s*,(?:[^.]|\.(?=\S|\s+\d)|" + _ABBREVIATION + r"\.){0,700}?|\s+)torna\s+publico")
_TOP_BODY_RE = _re(r"^[ \t]*(marinha\s+do\s+brasil|exercito\s+brasileiro|forca\s+aerea\s+brasileira|"
                   r"comando\s+da\s+aeronautica|comando\s+do\s+exercito)[ \t]*$", re.M)
_UNIT_LINE_RE = _re(r"^[ \t]*((?:\d{1,3}\s*[oa.]?\s*)?(?:centro|diretoria|base|hospital|policlinica|comando|batalhao|"
                    r"servico|"
                    r"arsenal|escola|grupamento|capitania|depósito|deposito|colegio|odontoclinica|"
                    r"estacao|parque|regiao|distrito|organizacao|secretaria|departamento)\b[^\n]{3,100}?)[ \t]*$",
                    re.M)
# A federal institute's or university's letterhead with its campus on the next line: the campus buys, as an
# armed force's unit does ("INSTITUTO FEDERAL DE EDUCAÇÃO, CIÊNCIA E TECNOLOGIA DE X / CAMPUS Y").
_CAMPUS_HEAD_RE = _re(r"^[ \t]*((?:instituto\s+federal|universidade|centro\s+federal\s+de\s+educacao)\b[^\n]{3,110}?"
                      + _RUNS_ON + r")[ \t]*\n[ \t]*(campus\s+[a-z][^\n]{1,60}?)[ \t]*$", re.M)
_INSTITUTION_LINE_RE = _re(r"^[ \t]*((?:tribunal|universidade|instituto|departamento|fundacao|companhia|delegacia|"
                           r"gerencia\s+(?:executiva|regional)|administracao\s+regional|"
                           r"agencia|conselho|ministerio|secretaria\s+(?:de\s+estado|municipal|d[aeo]s?(?=\s))|hospital|"
                           r"fundo\s+municipal|servico\s+autonomo|superintendencia|assembleia|"
                           r"consorcio|empresa\s+(?:brasileira|municipal|publica|estadual)|autarquia|defensoria|"
                           r"procuradoria|servico\s+(?:social|nacional)|policia|corpo\s+de\s+bombeiros)[\s-]+[a-z]"
                           r"[^\n]{2,100}?" + _RUNS_ON + r")[ \t]*$", re.M)


# Who signs the notice is often an agent of the body, not the body: follow "…, da Prefeitura de X".
# An official is named by a title ("O Senhor Diretor Técnico … do Hospital …", "O Reitor da Universidade …"), never the
# body's own name ("A Diretoria de …", "A Superintendência …", "A Coordenadoria …" stay bodies).
_AGENT_RE = _re(r"(?:(?:senhora?|sra?\.?|excelentissim[oa]|ilustrissim[oa])\s+)*"
                r"(?:comissao|pregoeir|agente\s+de\s+contratac|setor\s+de\s+(?:licitac|compras)|departamento\s+de\s+"
                r"(?:licitac|compras)|cpl\b|presidente|prefeit[oa]\b|secretari[oa]\s+de\s+administracao\s+e|"
                r"diretora?\b|superintendente\b|reitora?\b|vice-reitora?\b|coordenadora?\b|chefe\b|gerente\b|"
                r"comandante\b|ordenador(?:a)?\s+de\s+despesas?\b|delegad[oa]\b)")
_OF_BODY_RE = _re(r"[^,;\n]{0,80}?,?\s*d[ao]\s+((?:prefeitura|camara|municipio|secretaria|fundo|fundacao|instituto|"
                  r"autarquia|servico|empresa|companhia|consorcio|universidade|tribunal|departamento|hospital|"
                  r"superintendencia|agencia)\b[^,;\n]{3,100}?)\s*(?:[,;\n]|torna(?:-se)?\s+publico)")
# Parent bodies in a letterhead (the contracting unit is on a line below them).
_PARENT_RE = _re(r"^(?:ministerio|governo\s+(?:do\s+estado|federal|municipal)|estado\s+d[aoe]\s|poder\s+(?:judiciario|"
                 r"executivo|legislativo)|republica\s+federativa|uniao\b|justica\s+(?:federal|eleitoral|do\s+trabalho)|"
                 r"secretaria\s+(?:geral|especial)|comando\s+d[ao]\s+(?:exercito|aeronautica|marinha))")
# "A União, por intermédio do Centro de …", "o órgão gerenciador será o Centro de …"
_UNIT_VIA_RE = _re(r"(?:por\s+intermedio|por\s+meio|atraves)\s+d[oa]\s+((?:centro|diretoria|base|hospital|comando|"
                   r"batalhao|servico|arsenal|escola|grupamento|capitania|deposito|policlinica|organizacao\s+militar|"
                   r"universidade|instituto|superintendencia|secretaria|fundo|fundacao|departamento|unidade|"
                   r"tribunal|delegacia|gerencia|coordenacao|campus|reitoria|pro-reitoria)\b[^,;\n]{3,110}?)\s*[,;]|"
                   r"orgao\s+gerenciador\s+(?:sera|e)\s+(?:o|a)\s+([^,;\n]{5,110}?)\s*[,;.]")


# Buyer lines of ComprasNet/Compras.gov.br/PNCP pages and covers: "UASG 153000 - UNIVERSIDADE …",
# "Unidade compradora: 925001 - SECRETARIA …", "Órgão gerenciador: Hospital …". The UASG needs its code
# ("Código UASG: 80020" alone names nobody).
_BUYER_LINE_RE = _re(r"^[ \t|]*(?:uasg\s*(?:n[o.]?\s*)?:?\s*\d{5,6}\s*[-–]|(?P<label>unidade\s+(?:compradora|gestora)|"
                     r"orgao\s+(?:gerenciador|contratante|comprador|licitante|promotor|realizador)|"
                     r"entidade\s+(?:contratante|promotora|licitante)|orgao\s*/\s*entidade|orgao|entidade)"
                     r"\s*(?:\(uasg\))?\s*:\s*(?:\d{1,6}\s*[-–])?)"
                     r"[ \t]*([a-z][^\n|]{4,110}?)[ \t|]*$", re.M)
# A bare "Órgão:" / "Órgão/Entidade:" (PNCP, Licitanet, BNC, Licitar Digital headers) names the body; the
# unit labels beside it ("Unidade compradora:", a UASG line) name the unit that buys: they come first.
_BARE_LABEL_RE = _re(r"orgao\s*(?:/\s*entidade)?$|entidade$")


def agency(c: Corpus) -> Field:
    """The contracting body, with the short name the document gives it ("… de Valinhos – VALIPREV")."""
    found = with_acronym(c, complete_short(c, complete_cut(c, _agency(c), doc_acronyms(c))))
    if isinstance(found.value, str):
        found.value = tidy_name(found.value)
    return found


def _agency(c: Corpus) -> Field:
    """The contracting body: the unit that runs the procedure, not its parent (ministry, state,
    armed force, prefeitura) nor the agent who signs (commission, pregoeiro)."""
    end = c.front_end
    head_end = _head_end(c)
    top = _TOP_BODY_RE.search(c.folded, 0, head_end)
    if top:
        unit = _UNIT_LINE_RE.match(c.folded, c.folded.find("\n", top.end()) + 1)
        while unit:
            # a chain of commands down to the unit that buys ("EXÉRCITO BRASILEIRO / COMANDO MILITAR DO SUL / 4º
            # BATALHÃO LOGÍSTICO"): the deepest line in capitals that names a unit, not its agent nor an address
            below = _UNIT_LINE_RE.match(c.folded, c.folded.find("\n", unit.end()) + 1)
            if (below is None or _AGENT_UNIT_RE.match(below.group(1)) or "," in below.group(1)
                    or not all_caps(c.raw[below.start(1):below.end(1)])):
                break
            unit = below
        if unit:
            unit_end = _run_on(c, unit.start(1), unit.end(1))
            name = _title(c, c.raw[top.start(1):top.end(1)]) + " – " + _title(c, squash(c.raw[unit.start(1):unit_end]))
            return _field(c, name, top.start(1), unit_end, 0.8)
        via = _UNIT_VIA_RE.search(c.folded, 0, end)
        if via:
            g = 1 if via.group(1) else 2
            unit_name = squash(c.raw[via.start(g):via.end(g)])
            name = _title(c, c.raw[top.start(1):top.end(1)]) + " – " + (_title(c, unit_name) if all_caps(unit_name)
                                                                       else unit_name)
            return _field(c, name, via.start(g), via.end(g), 0.75)
    buyers = [m for m in _BUYER_LINE_RE.finditer(c.folded, 0, end)
              if not _PARENT_RE.match(m.group(2)) and not _AGENT_RE.match(m.group(2))]
    buyer = next((m for m in buyers if not _BARE_LABEL_RE.match(m.group("label") or "")), None) or next(
        (m for m in buyers if not re.search(r":\s*\d", m.group())), None)  # "Órgão: 02 - …" is a budget line
    # ComprasNet abbreviates its buyer lines ("UASG 158135 - INST.FED.DE EDUC.,CIENC.E TEC.DO CEARA"): the name
    # the document writes out comes first
    abbreviated = buyer is not None and _ABBREVIATED_RE.search(buyer.group(2)) is not None
    if buyer and not abbreviated:
        return _agency_field(c, buyer.start(2), buyer.end(2), 0.8)
    campus = _CAMPUS_HEAD_RE.search(c.folded, 0, head_end)
    if campus:
        name = " – ".join(str(_agency_field(c, campus.start(g), campus.end(g), 0.8).value) for g in (1, 2))
        return _field(c, name, campus.start(1), campus.end(2), 0.75)
    preamble = _preamble(c, end)
    if preamble is not None and (preamble[1] or _OWN_UNIT_RE.match(fold(str(preamble[0].value or "")))):
        # the body and the unit acting for it, or a fund/secretaria/autarquia that publishes in its own
        # name, outrank the municipal letterhead above them
        return preamble[0]
    m = _PREFEITURA_LINE_RE.search(c.folded, 0, end)
    if m:
        return _municipal_unit(c, m) or _with_uf(_agency_field(c, m.start(1), m.end(1), 0.85), m)
    m = next((m for m in _MUNICIPIO_LINE_RE.finditer(c.folded, 0, end) if all_caps(c.raw[m.start(1):m.end(1)])),
             None)
    if m:
        return _municipal_unit(c, m) or _with_uf(_agency_field(c, m.start(1), m.end(1), 0.7), m)
    if preamble is not None:
        return preamble[0]
    if buyer:
        return _letterhead_unit(c, end, head_only=True) or _agency_field(c, buyer.start(2), buyer.end(2), 0.7)
    party = _CONTRACT_PARTY_RE.search(c.folded, 0, end)
    if party:
        return _agency_field(c, party.start(1), party.end(1), 0.65)
    head = _letterhead_unit(c, end, head_only=False)
    if head:
        return head
    if top:
        return _field(c, _title(c, c.raw[top.start(1):top.end(1)]), top.start(1), top.end(1), 0.5)
    for named in _NAMED_BODY_RE.finditer(c.folded, 0, end):
        if all_caps(c.raw[named.start():named.end()]):  # a body's proper name, not "a secretaria responsável"
            return _agency_field(c, named.start(), named.end(), 0.5)
    return Field()


def _head_end(c: Corpus) -> int:
    """Where a letterhead may stand: the first page with text, or its first 3,000 characters and more (PDF text
    may give a page's header after its body)."""
    first = first_text_page(c)
    return min(c.front_end, max(3000 + c.starts[first], c.page_end(first)))


_ABBREVIATED_RE = _re(r"\b[a-z]{2,6}\.\s?[a-z]{2,6}\.")


def _with_uf(found: Field, line: re.Match[str]) -> Field:
    """"PREFEITURA MUNICIPAL DE X - SP" is written "Prefeitura Municipal de X/SP"."""
    tail = (line.group("tail") or "").strip()
    if re.fullmatch(r"[a-z]{2}", tail) and tail.upper() in _UF.values() and found.value:
        found.value = f"{found.value}/{tail.upper()}"
    return found


def _municipal_unit(c: Corpus, head: re.Match[str]) -> Field | None:
    """The unit on the line below a municipal letterhead (a state or CNPJ line may come between): the unit
    alone when it names the municipality, else "<letterhead> – <unit>"."""
    pos = head.end() + 1
    skip = _STATE_LINE_RE.match(c.folded, pos)
    unit = _MUNICIPAL_UNIT_RE.match(c.folded, skip.end() if skip else pos)
    if unit is None or _AGENT_UNIT_RE.match(unit.group(1)) or not all_caps(c.raw[unit.start(1):unit.end(1)]):
        return None
    place = re.sub(r"^\S+\s+(?:municipal\s+)?d[eao]\s+", "", squash(head.group(1)))
    found = _agency_field(c, unit.start(1), unit.end(1), 0.75)
    if place not in squash(unit.group(1)):
        parent = _agency_field(c, head.start(1), head.end(1), 0.75)
        found.value = f"{parent.value} – {found.value}"
    return found



def _letterhead_unit(c: Corpus, end: int, head_only: bool) -> Field | None:
    """Letterhead hierarchy: the deepest institution line that is not a parent body (head_only: in the first
    page's head, else anywhere in the front matter)."""
    lines = [m for m in _INSTITUTION_LINE_RE.finditer(c.folded, 0, end)]
    head_end = c.starts[first_text_page(c)] + 600
    units = [m for m in lines if not _PARENT_RE.match(m.group(1)) and not _AGENT_UNIT_RE.match(m.group(1))]
    block = [m for m in units if m.start() < head_end]
    if head_only and not block:
        return None
    if not lines:
        return None
    m = block[-1] if block else next(iter(units), lines[0])
    found = _agency_field(c, m.start(1), m.end(1), 0.6)
    above = next((k for k in reversed(lines) if k.end() < m.start()), None)
    if (_PLACE_UNIT_RE.match(m.group(1)) and above is not None and not _PARENT_RE.match(above.group(1))
            and not c.folded[above.end():m.start()].strip()):
        # a regional unit named by its place only ("SUPERINTENDÊNCIA NO ESTADO DE SANTA CATARINA") belongs to the
        # body on the line above it ("POLÍCIA RODOVIÁRIA FEDERAL")
        found.value = f"{_agency_field(c, above.start(1), above.end(1), 0.6).value} – {found.value}"
    return found


_PLACE_UNIT_RE = _re(r"(?:superintendencia|delegacia|gerencia|coordenacao|coordenadoria|diretoria|unidade|escritorio|"
                     r"nucleo)(?:\s+(?:regional|estadual|executiva|local))?\s+(?:n[oa]s?|em)\s|"
                     # the S system's regional bodies: "SENAI / DEPARTAMENTO REGIONAL DE EXEMPLO"
                     r"(?:departamento|administracao)\s+regional\s+(?:d[eoa]s?|n[oa]s?|em)\s")


def _preamble(c: Corpus, end: int) -> tuple[Field, bool] | None:
    """The subject of "torna público" (followed to its body when it is an agent); True when the
    preamble names the unit acting for the body ("…, por intermédio do Fundo Municipal de Saúde")."""
    for regex in (_TORNA_SE_RE, _TORNA_PUBLICO_RE):
        m = regex.search(c.folded, 0, end)
        if not m or re.match(r"(?:por\s+meio|atraves|mediante|presente)", m.group(1)):
            continue
        if re.fullmatch(r"[A-Z]{2,10}", c.raw[m.start(1):m.end(1)].strip()):
            continue  # "O SAAE torna público": the name is written out in the letterhead
        if _AGENT_RE.match(m.group(1)):
            body = _OF_BODY_RE.match(c.folded, m.start(1))
            if body:
                return _agency_field(c, body.start(1), body.end(1), 0.7), False
            continue
        if _PARENT_RE.match(m.group(1)):
            via = _UNIT_VIA_RE.search(c.folded, m.end(1), m.end(1) + 200)
            if via and via.group(1):
                return _agency_field(c, via.start(1), via.end(1), 0.7), True
        found = _agency_field(c, m.start(1), m.end(1), 0.75)
        via2 = _via_in_clause(c, m.end(1))
        if via2 and found.value:
            unit_name = squash(c.raw[via2.start(1):via2.end(1)])
            found.value = f"{found.value} – {_title(c, unit_name) if all_caps(unit_name) else unit_name}"
            return found, True
        return found, False
    return None


# Last resort: a body named in capitals inside a sentence ("… do INSTITUTO DE PREVIDÊNCIA DE X – IPX, …").
_NAMED_BODY_RE = _re(r"\b(?:instituto|fundo\s+municipal|fundacao|universidade|servico\s+autonomo|superintendencia|"
                     r"secretaria\s+(?:municipal|de\s+estado)|prefeitura\s+municipal|camara\s+municipal|tribunal)"
                     r"\s+d[aeo]s?\s+[^\n,;.()–-]{3,100}(?:\n(?![ \t]*(?:edital|aviso|pregao|processo|termo|ata|anexo|"
                     r"objeto|contrato|concorrencia|dispensa|licitac|modalidade)\b)[^\n,;.()–-]{2,80})?"
                     r"(?=[,;.()–-]|\s*$)", re.M)


# Contract preamble: "O INSTITUTO …, autarquia …, inscrito no CNPJ …, neste ato representado …"
# Atas and contracts open with a date: "Aos vinte dias do mês de março de 2025, o MUNICÍPIO DE X, pessoa jurídica …".
_PUBLIC_BODY = (r"(?:municipio|prefeitura|camara|estado\s+d|uniao|fundo|secretaria|instituto|universidade|fundacao|"
                r"autarquia|servico|consorcio|tribunal|departamento|hospital|companhia|agencia|superintendencia|"
                r"empresa\s+(?:publica|municipal|brasileira))")
_CONTRACT_PARTY_RE = _re(r"(?:(?:^|\n)[ \t]*|,\s*(?=(?:o|a)\s+" + _PUBLIC_BODY + r"))(?:o|a)\s+"
                         r"([a-z][^,;\n]{5,80}(?:\n[^,;\n]{1,80})?)\s*,\s*(?:[^;]{0,220}?)"
                         r"(?:pessoa\s+juridica\s+de\s+direito\s+publico|inscrit[oa]\s+no\s+cnpj)")


_VIA_RE = _re(r"(?:por\s+intermedio|por\s+meio|atraves)\s+d[oa]\s+((?:fundo|secretaria|fundacao|departamento|centro|"
             r"diretoria|unidade|hospital|superintendencia|pro-?\s?reitoria|autarquia|instituto|comando|base|"
             r"campus|coordenadoria|gerencia\s+regional)\b[^,;\n]{3,90}?)\s*[,;]")
# The subject's clause runs to its verb: "O MUNICÍPIO DE X, pessoa jurídica …, inscrito no CNPJ …, por
# intermédio do FUNDO …, torna público" (a period inside "01.234.567/0001-00" or "nº" does not end it).
_CLAUSE_END_RE = _re(r"torna(?:-se)?\s+publico|\brealizara|\bfara\s+realizar|\bcomunica|\bresolve|"
                     r"(?<!\bsr)(?<!\bsra)(?<!\bav)(?<!\bdr)(?<!\bdra)[.;](?=\s+[a-z])")
# A department that runs purchases for its body is an agent, not the contracting unit.
_AGENT_UNIT_RE = _re(r"(?:departamento|setor|divisao|coordenacao|coordenadoria|gerencia|nucleo|secao|central|diretoria|"
                     r"secretaria|"
                     r"comissao|unidade)\s+(?:\S+\s+){0,3}?(?:licitac|compras|pregao|contratac|suprimento|aquisic)")


def _via_in_clause(c: Corpus, start: int) -> re.Match[str] | None:
    """"…, por intermédio do/da <unit>, …" inside the subject's clause of a preamble."""
    stop = _CLAUSE_END_RE.search(c.folded, start, start + 500)
    via = _VIA_RE.search(c.folded, start, stop.start() if stop else start + 500)
    if via is None or _AGENT_UNIT_RE.match(via.group(1)):
        return None
    return via


_UF = {
    "acre": "AC", "alagoas": "AL", "amapa": "AP", "amazonas": "AM", "bahia": "BA", "ceara": "CE",
    "distrito federal": "DF", "espirito santo": "ES", "goias": "GO", "maranhao": "MA", "mato grosso": "MT",
    "mato grosso do sul": "MS", "minas gerais": "MG", "para": "PA", "paraiba": "PB", "parana": "PR",
    "pernambuco": "PE", "piaui": "PI", "rio de janeiro": "RJ", "rio grande do norte": "RN",
    "rio grande do sul": "RS", "rondonia": "RO", "roraima": "RR", "santa catarina": "SC", "sao paulo": "SP",
    "sergipe": "SE", "tocantins": "TO",
}
_STATE_SUFFIX_RE = _re(r"\s*[-–,/]\s*(?:estado\s+d[eoa]\s+)(" + "|".join(sorted(_UF, key=len, reverse=True)) + r")\s*$")


# A name cut by a line break goes on in the next line when it ends on a connector ("… DA MARINHA EM / BRASÍLIA")
# or the next line starts with one ("INSTITUTO DE PREVIDÊNCIA SOCIAL / DOS SERVIDORES MUNICIPAIS DE X – VALIPREV",
# "Comissão …, da Prefeitura Municipal / de Tucano, Estado da Bahia").
_CONNECTOR_END_RE = _re(r"\b(?:de|da|do|das|dos|e|em)[ \t]*$")
_NEXT_LINE_RE = _re(r"[ \t]*\n[ \t]*((?:(?:d[aeo]s?|em)\s+)?[a-z][^\n,;()|]{1,80}?)"
                    r"(?=[ \t]+[-–][ \t]|[ \t]*(?:[,;()|\n]|$))")


def _run_on(c: Corpus, start: int, end: int) -> int:
    """End of a name whose line break cut it (see ``_NEXT_LINE_RE``); ``end`` when the name is whole."""
    if not re.match(r"[ \t]*\n", c.folded[end:end + 8]):
        return end
    nxt = _NEXT_LINE_RE.match(c.folded, end)
    if nxt is None:
        return end
    if _CONNECTOR_END_RE.search(c.folded, start, end) or re.match(r"(?:d[aeo]s?|em)\s", nxt.group(1)):
        return nxt.end(1)
    return end


def _agency_field(c: Corpus, start: int, end: int, confidence: float) -> Field:
    end = _run_on(c, start, end)
    name = squash(c.raw[start:end]).strip(" -–,")
    name = re.sub(r"\s*\(\d{5,6}\)$", "", name)
    if all_caps(name):
        name = _title(c, name)
    state = _STATE_SUFFIX_RE.search(fold(name))
    if state:  # "Município de X - Estado de Goiás" is written "Município de X/GO"
        name = name[:state.start()] + "/" + _UF[state.group(1)]
    return _field(c, name, start, end, confidence)


def _title(c: Corpus, text: str) -> str:
    return title(text, doc_acronyms(c))
