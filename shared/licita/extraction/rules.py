"""Rules extractor: Brazilian-procurement regexes over the page-aware corpus, no network, no model.

Every rule prefers the *labelled* statement ("Modo de disputa: aberto", "Abertura da licitação
08/12/2025 às 08:30h") over loose mentions, and skips conditional model text ("Caso seja adotado
o modo de disputa aberto…") that AGU templates keep in every edital. Most fields are read from the
front matter (first pages with text) and only then from the whole document.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from licita.documents.model import ExtractedDocument
from licita.extraction.agency import agency
from licita.extraction.formats import (
    CNPJ_RE,
    MONEY_RE,
    cnpj_is_valid,
    parse_number,
)
from licita.extraction.found import conditional as _conditional
from licita.extraction.found import field_at as _field
from licita.extraction.items import ItemsResult, find_items
from licita.extraction.kinds import (
    PROCUREMENT_OTHER,
    PROCUREMENT_RE,
    document_kind,
    procurement_density,
)
from licita.extraction.meepp import me_epp
from licita.extraction.models import FIELD_NAMES, Field
from licita.extraction.objects import object_field
from licita.extraction.platforms import platform
from licita.extraction.session import session_datetime
from licita.extraction.text import Corpus, Hit, fold

R = Callable[[str], re.Pattern[str]]


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


NSIGN = r"(?:\bn(?:\s?\.?\s?o\.?|\.|umero|r\.?)\s*[:.]?\s*)"
# ---------------------------------------------------------------------------------------------
# document kind
# ---------------------------------------------------------------------------------------------

# see licita.extraction.kinds


# ---------------------------------------------------------------------------------------------
# modality and number
# ---------------------------------------------------------------------------------------------

_MODALITY_WORD_RE = _re(
    r"\b(preg[a-z]o|concorrencia(?:\s+publica)?|dispensa(?:\s+de\s+licitacao)?|contratacao\s+direta|"
    r"inexigibilidade|dialogo\s+competitivo|leilao|concurso|credenciamento|tomada\s+de\s+precos?|"
    r"carta[\s-]+convite|convite(?=\s*" + NSIGN + r"\d))\b"
)
_FORM_RE = _re(r"\b(eletronic[oa]|presencial)\b")
# "nº 012/2025", "nº 12/25"; a dot or a dash before a four-digit year ("nº 012.2025", "nº 012-2025")
_NUMBER_RE = _re(NSIGN + r"(\d{1,6}(?:\.\d{3})?(?:[ \t]{0,3}/[ \t]{0,3}\d{2,4}|[.-]\d{4}(?![\d.-]))\b)")
# the number right after the modality, without "nº": "PREGÃO ELETRÔNICO 012/2025"
_BARE_NUMBER_RE = _re(r"[ \t]+(?:(?:eletronic[oa]|presencial|publica|srp)[ \t]+)*(\d{1,6}\s?/\s?\d{4})\b(?!\s?/)")


def _modality_mention(c: Corpus, start: int, end: int) -> re.Match[str] | None:
    for m in _MODALITY_WORD_RE.finditer(c.folded, start, end):
        word = m.group(1)
        after = c.folded[m.end():m.end() + 40]
        before = c.folded[max(0, m.start() - 30):m.start()]
        if word in ("leilao", "concurso", "credenciamento", "inexigibilidade") and not re.match(
            r"\s*(?:eletronico|presencial|publico\s+n|" + NSIGN + r"\d|de\s+licitacao\s*[-–:,(]?\s*(?:lei|art|com\s+"
            r"fundamento|fundamentad|nos\s+termos))", after
        ) and not re.search(r"(?:modalidade|edital|sessao|aviso)\s+(?:de\s+|do\s+|da\s+)?$", before):
            continue
        if word == "leilao" and "licitacoes e" in before:
            continue
        if word.startswith("contratacao") and not re.match(r"\s*(?:eletronica|" + NSIGN + r"\d)", after):
            continue
        if word.startswith("dispensa") and not re.match(
            r"\s*(?:de\s+licitacao\s*)?(?:eletronica|,?\s*na\s+forma|" + NSIGN + r"\d)", after
        ) and not re.match(r"\s*[-–:,(]?\s*(?:lei|art|com\s+fundamento|fundamentad|nos\s+termos\s+do\s+art)",
                           after) and "termo de" not in before and "aviso de" not in before:
            continue
        return m
    return None


def modality_and_number(c: Corpus, kind: str) -> tuple[Field, Field]:
    if kind == "other":
        return Field(), _generic_number(c)
    end = c.front_end
    first = _modality_mention(c, 0, end) or _modality_mention(c, end, len(c.folded))
    if first is None:
        auction = c.front(_AUCTIONEER_RE)
        if auction:  # a sale run by an official auctioneer is a leilão whatever the cover calls it
            return _field(c, "leilao", auction.start, auction.end + 40, 0.6), _generic_number(c)
        return Field(), _generic_number(c)
    word = first.group(1)
    base = _modality_base(word)
    form: str | None = None
    form_hit: re.Match[str] | None = None
    # The form may be written next to any mention of the same modality in the front matter.
    pos = first.start()
    while True:
        m = _modality_mention(c, pos, max(end, first.end() + 1))
        if m is None:
            break
        if _modality_base(m.group(1)) == base:
            window = c.folded[m.end():m.end() + 90]
            window = re.split(r"[.;]\s|\n\s*\n", window)[0]
            f = _FORM_RE.search(window)
            if f and not re.search(r"\b(?:meio|sistema|endereco|portal)\s*$", window[:f.start()]):
                form = "eletronica" if f.group(1).startswith("eletronic") else "presencial"
                form_hit = m
                break
        pos = m.end()
    if form is None and base in ("pregao", "concorrencia") and _old_law_only(c):
        # before Lei 14.133 a pregão or concorrência that does not say "eletrônico" was held in person (the
        # electronic pregão had its own decree and always named its form)
        form = "presencial"
    value = _modality_value(base, form)
    hit = form_hit or first
    modality = _field(c, value, hit.start(), hit.end() + 30, 0.9 if form else 0.7)
    number = Field()
    for m in _modality_iter(c, first.start(), len(c.folded)):
        if _modality_base(m.group(1)) != base:
            continue
        n = _BARE_NUMBER_RE.match(c.folded, m.end()) or _NUMBER_RE.search(
            c.folded, m.end(), min(len(c.folded), m.end() + 60))
        if n and not re.search(r"\b(?:lei|decreto|portaria|instrucao|resolucao|processo)\b",
                                c.folded[m.end():n.start()]):
            number = _field(c, re.sub(r"\s", "", c.raw[n.start(1):n.end(1)]), m.start(), n.end(), 0.9)
            break
        if m.start() > end:
            break
    if number.value is None:
        number = _generic_number(c)
    return modality, number


def _old_law_only(c: Corpus) -> bool:
    """The document cites Lei 8.666/10.520 and never Lei 14.133."""
    return c.search(_L14133_RE) is None and c.search(_LOLD_RE) is not None


_AUCTIONEER_RE = _re(r"\bleiloeir[oa]\s+(?:publico\s+)?oficial|sessao\s+do\s+leilao")


def _modality_iter(c: Corpus, start: int, end: int) -> list[re.Match[str]]:
    out: list[re.Match[str]] = []
    pos = start
    while len(out) < 30:
        m = _modality_mention(c, pos, end)
        if m is None:
            break
        out.append(m)
        pos = m.end()
    return out


def _modality_base(word: str) -> str:
    if word.startswith("tomada"):
        return "tomada_de_precos"
    if word.endswith("convite"):
        return "convite"
    if word.startswith("preg"):
        return "pregao"
    if word.startswith("concorrencia"):
        return "concorrencia"
    if word.startswith(("dispensa", "contratacao")):
        return "dispensa"
    return word.replace(" ", "_")


def _modality_value(base: str, form: str | None) -> str:
    if base == "pregao":
        return "pregao_presencial" if form == "presencial" else "pregao_eletronico"
    if base == "concorrencia":
        return "concorrencia_presencial" if form == "presencial" else "concorrencia_eletronica"
    if base == "dispensa":
        return "dispensa_eletronica" if form == "eletronica" else "dispensa"
    return base


_GENERIC_NUMBER_RE = _re(r"\b(?:edital|chamada\s+publica|chamamento\s+publico|aviso|licitacao)\s*"
                         r"(?:(?:de\s+)?[a-z]+\s*)?"
                         + NSIGN
                         + r"(\d{1,6}[ \t]{0,3}/[ \t]{0,3}\d{2,4})\b")


def _generic_number(c: Corpus) -> Field:
    hit = c.front(_GENERIC_NUMBER_RE)
    if not hit:
        return Field()
    return _field(c, re.sub(r"\s", "", c.raw[hit.match.start(1):hit.match.end(1)]), hit.start, hit.end, 0.6)


# ---------------------------------------------------------------------------------------------
# process number, UASG, CNPJ, agency
# ---------------------------------------------------------------------------------------------

_PROCESS_LABEL = (
    r"(?:\bprocesso(?:\s+(?:administrativo|licitatorio|sei(?:!|\s*/\s*[a-z]{2,8})?|interno|digital|eletronico|adm\.?|"
    r"(?:de\s+)?compras?|"
    r"virtual|fisico|\(sei\)|n[o.]?\s*sei|de\s+(?:licitacao|contratacao(?:\s+direta)?|dispensa|inexigibilidade)"
    r"(?:\s+de\s+licitacao)?))*"
    r"|\bproc\.(?:\s*(?:adm\.?|administrativo|licitatorio|licit\.?))?|\bp\.\s?[al]\.|\bp(?:a[lc]?|l)(?=\s*" + NSIGN
    + r"\d|\s*:\s*\d)|\bnup\b\)?|\bprotocolo\s+sei|\bautos(?:\s+administrativos|(?=\s*" + NSIGN + r"\d))"
    r"|\bprocedimento\s+(?:licitatorio|administrativo)"
    # RS/SP bodies and SEI systems name the process "Expediente nº 12.345/2025", "SEI nº 23000.012345/2024-11"
    r"|\b(?:protocolo(?:\s+(?:administrativo|geral))?|expediente(?:\s+administrativo)?|sei)(?=\s*" + NSIGN + r"\d|"
    r"\s*:\s*\d[\d.]*/\d))"
)
# "Processo nº 123/2025", "Processo Administrativo nº 10.504/2025", "PA nº 45/2025", "Proc. 12/2025",
# "Processo SEI nº 23109.012345/2025-11", "NUP: 00000.000000/0000-00", municipal "Processo de Licitação/
# Dispensa/Contratação nº 12/2025", "Proc. Licitatório nº", "PAL nº" (processo administrativo licitatório);
# with a "nº" or ":" label the number may lack a slash ("Processo nº 2025.01.00123", "Processo nº 1234-2025").
# Also: a parenthesis after the label ("Processo Administrativo Eletrônico (e-Processo) nº …"), both a colon and a
# "nº" ("Processo Licitatório: Nº 45/2025"), a cover table's cell ("PROCESSO | 45/2025"), a slash set apart
# ("Nº 045 / 2025"), RJ's letter prefix ("Processo nº E-04/123.456/2024") and, after "nº" or ":", a number without
# separators (ComprasNet's "Nº Processo: 23090001234202411", "Processo nº 0451"); "Nª", typed for "Nº".
# A court writes its region after its acronym ("PROCESSO TRT/18ª Nº …"; OCR reads the ª as º).
_PROCESS_RE = _re(
    _PROCESS_LABEL + r"(?:\s+[a-z]{2,6}/\d{1,3}[ao]?)?(?:\s*\([^()\n]{1,25}\))?(?:[ \t]*\|)?\s*(?:"
    r"(?:" + NSIGN + r"|\bna\.?\s*(?=\d)|:\s*" + NSIGN + r"?|-)\s*[:\-]?\s*(?:sei\s*[:\-]?\s*)?"
    r"(\d{1,6}[ \t]/[ \t]?\d{4}\b|(?:\be-)?\d[\d.\-/]*[.\-/][\d.\-/]*\d|\d{3,}(?![\d/])(?!,\d)(?!,\s*de\s+\d{4}))"
    r"|(\d[\d.\-]*/[\d.\-/]*\d))"
)
# The code may end a sentence or a clause ("…, UASG 158515."), never a longer number ("158515.001").
_UASG_RE = _re(r"\buasg\b\)?[^\d]{0,120}?(?<![\d.,/-])(\d{5,6})(?![\d/-])(?![.,]\d)")


def process_number(c: Corpus) -> Field:
    for region in ((0, c.front_end), (c.front_end, len(c.folded))):
        for hit in c.finditer(_PROCESS_RE, *region):
            group = 1 if hit.match.group(1) else 2
            value = re.sub(r"[ \t]", "", c.raw[hit.match.start(group):hit.match.end(group)]).strip(".-/")
            if value.isdigit() and (not hit.match.group(0).startswith("proc") or re.fullmatch(r"(?:19|20)\d\d", value)):
                continue  # a bare number is a process only under the word "processo" ("Documento SEI nº 0123456"),
                # and a bare year is none
            nup = _NUP_SLIPS_RE.match(c.raw, hit.match.start(group))
            if nup is not None:  # a NUP with a scanning slip: "59400.000418:2024-32", "63402.00151 9/2024-88"
                value = "{}.{}/{}-{}".format(*(re.sub(r"\s", "", g) for g in nup.groups()))
            return _field(c, value, hit.start, hit.end, 0.85)
    return Field()


# The federal process number (NUP: 5 digits, 6, the year and 2 check digits) as OCR may print it: a space inside the
# digits, a colon or a bar for the slash.
_NUP_SLIPS_RE = re.compile(r"(\d(?:[ \t]?\d){4})[ \t]?\.[ \t]?(\d(?:[ \t]?\d){5})[ \t]?[/:|][ \t]?((?:19|20)\d\d)"
                           r"[ \t]?-[ \t]?(\d[ \t]?\d)(?!\d)")


def uasg(c: Corpus) -> Field:
    hit = c.front(_UASG_RE) or c.search(_UASG_RE)
    if not hit:
        return Field()
    return _field(c, hit.match.group(1), hit.start, hit.end, 0.85)


_CNPJ_ANCHOR_RE = _re(r"c\.?\s?n\.?\s?p\.?\s?j")
_BIDDER_CONTEXT_RE = _re(r"razao\s+social|contratad[ao]|fornecedor|licitante|empresa\s+registrada|detentora|"
                         r"proponente|adjudicatari|beneficiari|\bempresa\b|participante|declarante")
_AGENCY_CONTEXT_RE = _re(r"prefeitura|municipio|fundo\s+municipal|camara|tribunal|secretaria|governo|estado\s+d[aoe]|"
                         r"universidade|instituto|fundacao|autarquia|departamento|ministerio|comando|contratante|"
                         r"orgao\s+gerenciador|consorcio\s+publico|servico\s+autonomo|empresa\s+publica|\bsaae\b")


def agency_cnpj(c: Corpus, agency: Field) -> Field:
    """Pick the contracting body's CNPJ among all valid CNPJs, away from bidder/supplier context."""
    agency_tokens = _name_tokens(str(agency.value)) if agency.value else set()
    letterhead = _letterhead_cnpjs(c)
    best: tuple[float, int, int, str] | None = None
    for anchor in _CNPJ_ANCHOR_RE.finditer(c.folded):
        m = CNPJ_RE.search(c.folded, anchor.end(), anchor.end() + 40)
        if m is None:
            continue
        digits = "".join(m.groups())
        if not cnpj_is_valid(digits):
            continue
        before = c.folded[max(0, m.start() - 220):m.start()]
        after = c.folded[m.end():m.end() + 120]
        near = before[-90:]
        score = 0.0
        if _AGENCY_CONTEXT_RE.search(before[-170:]):
            score += 2
        if re.search(r"pessoa\s+juridica\s+de\s+direito\s+publico", before[-200:]):
            score += 2
        if agency_tokens:
            overlap = len(agency_tokens & _name_tokens(before)) / len(agency_tokens)
            score += 3 * overlap
        if re.search(r"doravante\s+denominad[oa]\s+(?:simplesmente\s+)?(?:contratante|orgao|municipio|administracao)",
                     after):
            score += 2
        if re.search(r"neste\s+ato\s+representad[oa]", after[:80]):
            score += 2  # the party that is represented in the act (bidders are penalised below)
        if digits in letterhead:
            score += 3  # printed in the letterhead/footer of most pages: the issuer's own CNPJ
        if _BIDDER_CONTEXT_RE.search(near) or re.search(r"denominad[oa]\s+(?:simplesmente\s+)?(?:contratad|"
                                                        r"fornecedor|detentor)", after[:80]):
            score -= 4
        if re.search(r"participante|\bparticipa\b", before[-160:]):
            score -= 2
        idx = c.page_index(m.start())
        if idx <= 1 and c.doc.file_type == "pdf":
            score += 1
        if best is None or score > best[0]:
            best = (score, m.start(), m.end(), digits)
    if best is None or best[0] < 2:
        return Field()
    return _field(c, best[3], max(0, best[1] - 60), best[2], min(0.95, 0.5 + best[0] / 10))


def _letterhead_cnpjs(c: Corpus) -> set[str]:
    """CNPJs repeated in the top or bottom 400 characters of at least half the pages (3+ pages)."""
    counts: dict[str, int] = {}
    pages = len(c.starts)
    if pages < 3:
        return set()
    for i in range(pages):
        start, end = c.starts[i], c.page_end(i)
        seen = set()
        for lo, hi in ((start, min(end, start + 400)), (max(start, end - 400), end)):
            for m in CNPJ_RE.finditer(c.folded, lo, hi):
                seen.add("".join(m.groups()))
        for d in seen:
            counts[d] = counts.get(d, 0) + 1
    return {d for d, n in counts.items() if n >= max(3, pages // 2) and cnpj_is_valid(d)}


_STOP = frozenset(["de", "da", "do", "das", "dos", "e", "a", "o", "em", "para", "por", "na", "no"])


_SYNONYMS = {"prefeitura": "municipio", "municipal": "municipio"}


def _name_tokens(text: str) -> set[str]:
    return {_SYNONYMS.get(t, t) for t in re.findall(r"[a-z0-9]{3,}", fold(text)) if t not in _STOP and not t.isdigit()}


# ---------------------------------------------------------------------------------------------
# SRP, award criterion, dispute mode (the object: licita.extraction.objects)
# ---------------------------------------------------------------------------------------------

# "Sistema de Registro de Preços", and its abbreviation as the covers print it: "PREGÃO ELETRÔNICO SRP Nº 5/2025",
# ComprasNet's "Nº 00012/2024 (SRP)"
_SRP_RE = _re(r"registro\s+de\s+precos?\b|\bsrp\b")
# the label answered no: "Registro de preços: NÃO", "SRP? Não"
_SRP_NO_RE = _re(r"\s*[:?]\s*nao\b")


def srp(c: Corpus, kind: str) -> Field:
    if kind == "other":
        return Field()
    if kind == "ata_registro_precos":
        hit = c.front(_SRP_RE)
        return _field(c, True, hit.start if hit else None, hit.end if hit else None, 0.95)
    for hit in c.finditer(_SRP_RE, 0, c.front_end):
        before = c.folded[max(0, hit.start - 40):hit.start]
        if re.search(r"\batas?\s+(?:de\s+)?$|oriund\w*\s+de\s+(?:atas?\s+de\s+)?$|minuta\s+d[ae]\s+$", before):
            continue
        if _conditional(c, hit.start) or re.search(
                r"\bnao\s+(?:e\s+|sera\s+|se\s+(?:destina|refere|trata)\s+(?:a|de)\s+|(?:se\s+)?(?:utilizara|adotara|"
                r"aplica)\s+(?:o\s+)?(?:sistema\s+de\s+)?)?(?:por\s+)?$", before):
            continue
        if _SRP_NO_RE.match(c.folded, hit.end):
            return _field(c, False, hit.start, hit.end + 8, 0.85)
        return _field(c, True, hit.start, hit.end + 40, 0.85)
    if kind == "aviso_licitacao" or procurement_density(c) < 2.5:
        return Field()  # a notice or a fragment that does not say: unknown, not "no"
    return _field(c, False, None, None, 0.6, quote="registro de preços não mencionado na parte inicial")


_AWARD_VALUES = [
    ("tecnica_e_preco", r"tecnica\s+e\s+preco"),
    ("maior_desconto", r"maior\s+(?:percentual\s+de\s+)?desconto"),
    ("melhor_tecnica", r"melhor\s+tecnica(?:\s+ou\s+conteudo\s+artistico)?"),
    ("maior_lance", r"maior\s+(?:lance|oferta)"),
    ("maior_retorno_economico", r"maior\s+retorno\s+economico"),
    ("menor_preco", r"menor\s+preco"),
]
_AWARD_RE = _re("|".join(f"(?P<{k}>{p})" for k, p in _AWARD_VALUES))
_AWARD_LABEL_RE = _re(r"(?:criterio\s+de\s+(?:julgamento|selecao)|\btipo(?:\s+de\s+licitacao)?|julgamento|"
                      r"selecao\s+da\s+proposta|julgad[ao]s?)\b[^\n.]{0,40}$")
_AWARD_QUALIFIED_RE = _re(r"\s*(?:por\s+item|por\s+lote|global|unitario|por\s+grupo|do\s+item|do\s+lote)")


def award_criterion(c: Corpus, kind: str) -> Field:
    if kind in ("other", "ata_registro_precos"):
        return Field()
    fallback: tuple[str, Hit] | None = None
    for region in ((0, c.front_end), (c.front_end, len(c.folded))):
        for hit in c.finditer(_AWARD_RE, *region):
            if _conditional(c, hit.start):
                continue
            value = hit.match.lastgroup or "menor_preco"
            before = c.folded[max(0, hit.start - 60):hit.start]
            labelled = bool(_AWARD_LABEL_RE.search(before))
            qualified = bool(_AWARD_QUALIFIED_RE.match(c.folded, hit.end))
            if labelled:
                return _field(c, value, max(0, hit.start - 40), hit.end + 20, 0.9)
            if fallback is None and (qualified or region[0] == 0) and "/" not in c.folded[hit.end:hit.end + 2]:
                fallback = (value, hit)
    if fallback:
        value, hit = fallback
        return _field(c, value, max(0, hit.start - 40), hit.end + 20, 0.65)
    return Field()


_DISPUTE_RE = _re(r"modo\s+de\s+disputa\s*(?:sera\s+(?:o\s+)?|adotado\s*(?:sera\s+(?:o\s+)?)?)?[:\-–]?\s*"
                  r"(?:o\s+)?\"?\s*"
                  r"(abert[oa]\s*(?:e|/|-)\s*fechad[oa]|fechad[oa]\s*(?:e|/|-)\s*abert[oa]|abert[oa]|fechad[oa])\b")


def dispute_mode(c: Corpus, kind: str) -> Field:
    if kind in ("other", "ata_registro_precos"):
        return Field()
    for region in ((0, c.front_end), (c.front_end, len(c.folded))):
        for hit in c.finditer(_DISPUTE_RE, *region):
            if _conditional(c, hit.start):
                continue
            if re.search(r"\b(?:d|n)o\s+$", c.folded[max(0, hit.start - 4):hit.start]):
                continue  # "lances finais da fase fechada do modo de disputa aberto e fechado"
            word = re.sub(r"\s+e\s+|\s*[/-]\s*", "_", hit.match.group(1).strip())
            word = word.replace("aberta", "aberto").replace("fechada", "fechado")
            return _field(c, word, hit.start, hit.end, 0.9)
    return Field()


# ---------------------------------------------------------------------------------------------
# estimated value (the session date: licita.extraction.session)
# ---------------------------------------------------------------------------------------------

_ESTIMATE_CUE_RE = _re(
    r"(?:valor|preco|orcamento|montante|despesa|custo)\s+(?:total\s+|global\s+|maximo\s+(?:global\s+)?|anual\s+|"
    r"medio\s+)?(?:estimad[oa]|de\s+referencia|orcad[oa]|maximo\s+(?:global\s+)?(?:admitido|aceitavel)|"
    r"(?:total\s+)?da\s+contratacao|(?:total\s+)?da\s+licitacao)|"
    r"estimativa\s+(?:do\s+valor|de\s+(?:custo|preco|valor|despesa))|"
    r"(?:e|sera|esta)\s+estimad[oa]\s+em|"
    r"valor\s+total\s+(?:estimado|da\s+contratacao|de\s+referencia)|valor\s+maximo\s+(?:global|total)\b"
)
# A labelled amount without "R$" ("Valor total estimado: 1.234,56", a table's "Valor estimado (R$): 1.234,56").
_ESTIMATE_BARE_RE = _re(r"\b(?:valor|preco|orcamento)\s+(?:total\s+|global\s+)?(?:estimad[oa]|de\s+referencia)"
                        r"(?:\s+(?:total|global|da\s+contratacao|da\s+licitacao))?\s*(?:\(\s*r\$\s*\))?\s*:\s*"
                        r"(\d{1,3}(?:\.\d{3})*,\d{2})(?![\d,])")
_ESTIMATE_BAD_RE = _re(r"unitari|homologad|multa|capital\s+social|patrimonio|garantia|lance|seguro|por\s+item|"
                       r"inferior\s+a|superior\s+a|ate\s+o\s+limite|limite\s+de|faturamento|receita\s+bruta")
_VALUATION_RE = _re(r"\bvalor\s+(?:total\s+|global\s+)?(?:de|da)\s+avaliacao(?:\s+d[oa]s?\s+(?:lotes?|bens?|imoveis?|"
                    r"veiculos?|itens?))?[^.;\d]{0,40}?r\$\s*(\d{1,3}(?:\.\d{3})*,\d{2})(?![\d,])")
_SIGILO_RE = _re(r"(?:orcamento|valor|preco)s?\s+(?:estimad[oa]s?\s+)?(?:da\s+contratacao\s+)?(?:tera|possui|e|sera|"
                 r"tem|de)?\s*(?:carater\s+)?sigilos")


# A cover table's label set against the middle of a value that wraps (the amount, then its words in brackets that
# close lines later): a scan prints the label among the value's lines ("R$ 314.859,20 (trezentos e …" / "… vinte
# centavos)." / "Valor Estimado da Contratação"). Only a label with no amount after it looks up.
_LABEL_LINE_RE = _re(r"^[ \t|]*(?:valor|preco|orcamento)\s+(?:total\s+|global\s+)?(?:estimad[oa]|de\s+referencia)"
                     r"(?:\s+(?:total|global|da\s+contratacao|da\s+licitacao))?[^\n\d$]{0,12}$", re.M)
_AMOUNT_LINE_RE = _re(r"^[ \t|]*r\$\s*(\d{1,3}(?:\.\d{3})*,\d{2})(?![\d,])[ \t]*\([^\n)]*$", re.M)


def _value_above_label(c: Corpus) -> tuple[int, int, int, float] | None:
    for label in c.finditer(_LABEL_LINE_RE, 0, c.front_end):
        above = label.start
        for _ in range(3):  # the amount starts one of the three lines above the label
            above = c.folded.rfind("\n", 0, max(0, above - 1)) + 1
        amount = _AMOUNT_LINE_RE.search(c.folded, above, label.start)
        value = parse_number(amount.group(1)) if amount else None
        if amount and value and not _conditional(c, amount.start()):
            return (0, amount.start(), label.end, value)
    return None


def estimated_value(c: Corpus, kind: str, modality: str | None = None, items: ItemsResult | None = None) -> Field:
    if kind in ("other", "ata_registro_precos"):
        return Field()
    best: tuple[int, int, int, float] | None = None
    for m in MONEY_RE.finditer(c.folded):
        before_start = max(0, m.start() - 160)
        before = c.folded[before_start:m.start()]
        # only the clause that leads to this amount
        clause_start = max(before.rfind(". "), before.rfind(";"), before.rfind("r$"))
        clause = before[clause_start + 1:] if clause_start >= 0 else before
        cue = None
        for cm in _ESTIMATE_CUE_RE.finditer(clause):
            cue = cm
        if cue is None:
            continue
        between = clause[cue.end():]
        if _ESTIMATE_BAD_RE.search(between) or _ESTIMATE_BAD_RE.search(clause[max(0, cue.start() - 25):cue.start()]):
            continue
        value = parse_number(m.group(1))
        if value is None or value <= 0 or ("," in m.group(1) and len(m.group(1).rpartition(",")[2]) > 2):
            continue  # "R$ 12,5000": a unit value as reports print them, never a total
        rank = 0 if "estimad" in cue.group(0) or "contratacao" in cue.group(0) else 1
        if best is None or rank < best[0]:
            best = (rank, before_start + (clause_start + 1 if clause_start >= 0 else 0) + cue.start(), m.end(), value)
            if rank == 0:
                break
    if best is None:
        best = _value_above_label(c)
    if best is None:
        bare = c.front(_ESTIMATE_BARE_RE)
        amount = parse_number(bare.match.group(1)) if bare else None
        if bare and amount and not _conditional(c, bare.start):
            best = (1, bare.start, bare.end, amount)
    if best is not None:
        _, start, end, value = best
        return _field(c, round(value, 2), start, end, 0.85 if best[0] == 0 else 0.6)
    if modality == "leilao":
        # an auction states what its lots are worth: "O valor total de avaliação dos lotes é de R$ 845.300,00"
        valuation = c.front(_VALUATION_RE)
        amount = parse_number(valuation.match.group(1)) if valuation else None
        if valuation and amount:
            return _field(c, round(amount, 2), valuation.start, valuation.end, 0.7)
    if modality == "leilao" and items is not None and len(items.items) == 1 and items.items[0].unit_price:
        # a single-lot auction: the lot's valuation (the minimum bid) is the value at stake
        item = items.items[0]
        return Field(value=item.unit_price, page=item.page, quote=items.quote, confidence=0.6)
    sig = c.search(_SIGILO_RE)
    if sig:
        return _field(c, None, sig.start, sig.end + 40, 0.7)
    return Field()


# ---------------------------------------------------------------------------------------------
# legal basis (ME/EPP: licita.extraction.meepp; platform: licita.extraction.platforms)
# ---------------------------------------------------------------------------------------------

_L14133_RE = _re(r"14\.?133")
_LOLD_RE = _re(r"\b(?:lei\s+(?:federal\s+)?(?:n(?:umero|[o.r])*\s*)?)(?:10\.?520|8\.?666)")  # "Lei n.º 8.666"
# State-owned companies buy and sell under their own law and regulation (Lei 13.303/2016).
_LSTATE_CO_RE = _re(r"\blei\s+(?:federal\s+)?(?:n(?:umero|[o.r])*\s*)?13\.?303|"
                    r"regulamento\s+(?:interno\s+)?de\s+licitacoes\s+e\s+contratos\s+d[ao]")


def legal_basis(c: Corpus, kind: str) -> Field:
    if kind == "other":
        hit = c.front(_L14133_RE)
        if hit and PROCUREMENT_RE.search(c.folded, max(0, hit.start - 300), hit.end + 300):
            return _field(c, "lei_14133", hit.start - 20, hit.end + 20, 0.5)
        return _field(c, "other", None, None, 0.6, quote="documento não é uma contratação pública")
    for region in ((0, c.front_end), (c.front_end, len(c.folded))):
        new = c.search(_L14133_RE, *region)
        if new:
            return _field(c, "lei_14133", max(0, new.start - 30), new.end + 20, 0.9)
        old = c.search(_LOLD_RE, *region)
        if old:
            return _field(c, "lei_8666_10520", old.start, old.end + 20, 0.85)
        state_co = c.search(_LSTATE_CO_RE, *region)
        if state_co:
            return _field(c, "other", state_co.start, state_co.end + 20, 0.75)
        for value, regex in (("lei_14133", _DECREE_NEW_RE), ("lei_8666_10520", _DECREE_OLD_RE)):
            decree = c.search(regex, *region)
            if decree:  # the regulation names the law it regulates
                return _field(c, value, decree.start, decree.end + 20, 0.7)
    return Field()


# Federal decrees that regulate one law or the other, cited when the law itself is not: Lei 14.133's SRP, pricing
# and agents (11.462/2023, 10.947/2022, 11.246/2022, 11.317/2022), or the old pregão and SRP (10.024/2019,
# 5.450/2005, 3.555/2000, 7.892/2013); "a Nova Lei de Licitações" is Lei 14.133.
_DECREE = r"\bdecreto\s+(?:federal\s+)?(?:n(?:umero|[o.º])*\s*)?"
_DECREE_NEW_RE = _re(_DECREE + r"(?:11\.?462|10\.?947|11\.?246|11\.?317)\b|\bnova\s+lei\s+de\s+licitacoes")
_DECREE_OLD_RE = _re(_DECREE + r"(?:10\.?024|5\.?450|3\.?555|7\.?892)\b")


# ---------------------------------------------------------------------------------------------


def extract_fields(doc: ExtractedDocument, corpus: Corpus | None = None) -> tuple[dict[str, Field], ItemsResult]:
    c = corpus or Corpus(doc)
    kind_f, why = document_kind(c, _modality_mention)
    kind = str(kind_f.value)
    if kind == "diario_oficial" and procurement_density(c) < 2.5:
        # a gazette without procurement notices: nothing to extract
        return {name: Field() for name in FIELD_NAMES} | {"document_kind": kind_f}, _NO_ITEMS
    # Contracts and announcements ("other" in the vocabulary) still name their procedure.
    rk = why if why in PROCUREMENT_OTHER else kind
    items = find_items(c) if rk not in ("other", *PROCUREMENT_OTHER) else _NO_ITEMS
    modality, number = modality_and_number(c, rk)
    agency_f = agency(c)
    fields: dict[str, Field] = {
        "document_kind": kind_f,
        "modality": modality,
        "number": number,
        "process_number": process_number(c) if rk != "other" else Field(),
        "agency": agency_f,
        "agency_cnpj": agency_cnpj(c, agency_f) if rk != "other" else Field(),
        "uasg": uasg(c),
        "object": Field(),
        "srp": srp(c, rk),
        "award_criterion": award_criterion(c, rk),
        "dispute_mode": dispute_mode(c, rk),
        "session_datetime": session_datetime(c, rk),
        "estimated_value": estimated_value(c, rk, str(modality.value), items),
        "items_count": Field(items.count, items.page, items.quote, 0.75 if items.count else 0.0),
        "me_epp": me_epp(c, rk, items, str(modality.value)),
        "platform": platform(c, rk, str(modality.value)),
        "legal_basis": legal_basis(c, rk),
    }
    if rk in ("other", *PROCUREMENT_OTHER):
        fields["items_count"] = Field()
    fields["object"] = object_field(c, items, srp_stated=fields["srp"].value is True)
    return fields, items


_NO_ITEMS = ItemsResult(None, None, None, [], "none")
