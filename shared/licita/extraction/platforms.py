"""The electronic system a session runs on (ComprasNet/Compras.gov.br, BLL, BNC, Licitanet, Portal de
Compras Públicas, Licitações-e, BBMNET, others) or the body's own system."""

from __future__ import annotations

import re

from licita.extraction.found import field_at as _field
from licita.extraction.models import Field
from licita.extraction.text import Corpus, anchored


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_STATES = r"(?:ac|al|ap|am|ba|ce|df|es|go|ma|mt|ms|mg|pa|pb|pr|pe|pi|rj|rn|rs|ro|rr|sc|sp|se|to)"
# Words that may stand between "sistema"/"plataforma" and the bank that runs it: "Sistema de Pregão
# Eletrônico do Banco do Brasil", "plataforma de licitações do Banco do Brasil S.A.".
_SYSTEM_WORDS = r"(?:(?:de|eletronic[oa]s?|preg[a-z]os?|licitac[a-z]+|compras|oficial|on-?line)\s+){0,5}?"
_PLATFORMS: list[tuple[str, re.Pattern[str]]] = [
    # (state systems borrow the name: "comprasnet.ba.gov.br", "Comprasnet.GO", "ComprasNet Goiás" are not federal)
    ("comprasgov", _re(r"comprasgovernamentais\.gov\.br|comprasnet(?![.\s-]?" + _STATES + r"\b|\s+(?:goias|bahia)\b)|"
                       r"gov\.br/compras|"
                       r"compras\s?\.\s?gov\s?\.\s?br|\bcomprasgov\b|\bsiasg\b|"
                       r"sistema\s+de\s+compras\s+do\s+governo\s+federal|"
                       r"portal\s+(?:de\s+)?compras\s+do\s+governo\s+federal|compras\s+governamentais")),
    ("bll", _re(r"\bbll\b|bllcompras|bll\.org|bolsa\s+de\s+licitacoes\s+(?:e\s+leiloes|do\s+brasil)")),
    ("bnc", _re(r"\bbnc\.org|bolsa\s+nacional\s+de\s+compras|\bbnc\b|bnccompras")),
    ("licitanet", _re(r"licitanet")),
    ("portal_compras_publicas", _re(r"portaldecompraspublicas|portal\s+(?:de\s+)?compras\s+publicas(?!\s*\.?\s*mg)")),
    # Banco do Brasil's system: "Licitações-e", "www.licitacoes-e.com.br", "Sistema de Pregão Eletrônico do Banco
    # do Brasil"
    ("licitacoes_e", _re(r"licitacoes\s?-\s?e\b|licitacoes-e2?\.|(?:sistema|plataforma|portal|aplicativo)\s+"
                         + _SYSTEM_WORDS + r"d[oa]\s+banco\s+do\s+brasil")),
    # BBMNET is the system of the Bolsa Brasileira de Mercadorias
    ("bbmnet", _re(r"bbmnet|bbm\s+net|\bbolsa\s+brasileira\s+de\s+mercadorias")),
    # other electronic systems, and an auctioneer's own site (leiloeiros use the .lel.br domain)
    ("other", _re(r"\bbec\.sp\.gov|\bbec/sp|\bbolsa\s+eletronica\s+de\s+compras|\bcompras[a-z]*\." + _STATES + r"\.gov|"
                  r"\bcompras\.rj|\bbanrisul|\bcomprasbr|\bportal\s+licita\s+mais|\blicitar\s*\.?\s*digital|\becompras|"
                  r"\bcomprasnet(?:\.go|\s+(?:goias|bahia)\b)|\bcompras\s*publicas\s*(?:mg|\.mg)|\bs?ite\s+do\s+leiloeiro|\.lel\.br\b|"
                  r"www\.[a-z0-9-]*leiloes?\.com|\bcomprasnet[.\s-]?[a-z]{2}\.gov|\blicita\s*mais\s*brasil|"
                  r"\blicitacoes\.caixa|\bpublinexo")),
]
_PLATFORM_RE = anchored(_re("|".join(f"(?P<{name}>{regex.pattern})" for name, regex in _PLATFORMS)))
_PROPRIO_RE = anchored(_re(r"sistema\s+proprio|plataforma\s+propria|"
                  # "o sistema eletrônico da própria Prefeitura", "plataforma de licitações do próprio Município"
                  r"(?:sistema|plataforma|portal)\s+(?:eletronic[oa]\s+)?(?:de\s+(?:licitacoes|compras)\s+)?d[ao]\s+"
                  r"propri[oa]\s+(?:prefeitura|municipio|camara|orgao|entidade|instituto|autarquia|empresa|consorcio)|"
                  r"(?:envio|enviar|registrar|cadastrar|submeter)\s+"
                  r"(?:d[aoe]s?\s+|sua\s+|a\s+)?propostas?\s+(?:no|pelo|por\s+meio\s+do|atraves\s+do|na)\s+"
                  r"(?:sistema|plataforma|portal)\b"))


_NEAR = r"(?:[^.;\n]|\.(?=\S|$)){0,30}$"  # up to the mention, across "www." but not across a sentence
_SESSION_PLACE_RE = _re(r"(?:sessao|disputa|certame|pregao|licitacao|dispensa)[^.;]{0,40}?(?:realizad[ao]|ocorrera|"
                        r"acontecera)[^.;]{0,30}?(?:n[oa]|pel[oa]|por\s+meio\s+d[oa]|atraves\s+d[oa])\s" + _NEAR
                        # cover labels: "Local:", "Local de realização (da sessão):", "Plataforma eletrônica:", "Site:",
                        # "Endereço eletrônico:", "Sistema:", "Portal:"
                        + r"|(?:^|\n)[ \t]*(?:local(?:\s+d[aeo]\s+(?:realizacao|sessao|disputa|abertura|certame|pregao)"
                        r"(?:\s+d[aeo]s?\s+[a-z]+){0,2})?|endereco(?:\s+eletronico)?|plataforma(?:\s+eletronica)?|"
                        r"sistema(?:\s+eletronico)?|site|sitio(?:\s+eletronico)?|portal)\s*:" + _NEAR)


def platform(c: Corpus, kind: str, modality: str | None = None) -> Field:
    """The system the front matter says the session runs on ("A sessão será realizada no endereço
    eletrônico …", "Local: …"); else the one named most (front matter counts triple). Presencial
    sessions have none."""
    if kind in ("ata_registro_precos", "contract"):
        return Field()
    scores: dict[str, tuple[int, float, int, int]] = {}
    for hit in c.finditer(_PLATFORM_RE):
        name = hit.match.lastgroup or "other"
        front = hit.start < c.front_end
        stated = front and bool(_SESSION_PLACE_RE.search(c.folded, max(0, hit.start - 70), hit.start))
        stated_n, total, start, end = scores.get(name, (0, 0.0, hit.start, hit.end))
        scores[name] = (stated_n + stated, total + (3.0 if front else 1.0), start, end)
    presencial = bool(modality and modality.endswith("presencial"))
    if presencial:
        # a session held in a room runs on no system: a site named for the edital or a price survey is no platform
        scores = {name: score for name, score in scores.items() if score[0]}
    if scores:
        name, (_, _, start, end) = max(scores.items(), key=lambda kv: (kv[1][0], kv[1][1], -kv[1][2]))
        return _field(c, name, start, end + 40, 0.85)
    if presencial:
        return Field()
    own = c.search(_PROPRIO_RE)
    if own:
        return _field(c, "proprio", own.start, own.end + 40, 0.6)
    return Field()
