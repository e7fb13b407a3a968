"""The session's date and time (abertura da sessão pública / dos envelopes): labelled cover lines,
preamble sentences, schedules that write the date before its event, and dates written out in words."""

from __future__ import annotations

import re
from datetime import date, datetime

from licita.extraction.formats import BRT, iso, parse_date, parse_datetime, parse_time
from licita.extraction.found import field_at as _field
from licita.extraction.models import Field
from licita.extraction.text import Corpus, fold
from licita.extraction.words import written_time


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_SESSION_LABEL_RE = _re(
    r"abertura\s+da\s+(?:licitacao|sessao(?:\s+publica)?|disputa(?:\s+de\s+(?:precos|lances))?|fase\s+de\s+lances)|"
    r"inicio\s+da\s*sessao(?:\s+publica)?(?:\s+de\s+disputa(?:\s+de\s+(?:precos|lances))?)?|"
    r"inicio\s+da\s+disputa(?:\s+de\s+(?:precos|lances))?|inicio\s+da\s+(?:fase|etapa)\s+de\s+lances|"
    r"sessao\s+(?:publica|de\s+disputa|de\s+lances)(?:\s+(?:para\s+formulacao\s+de\s+lances|do\s+preg[a-z]o\s+eletronico|"
    r"de\s+(?:precos|lances)))?|"
    r"data\s+(?:da|de)\s+(?:abertura|sessao(?:\s+publica)?|realizacao|disputa)|"
    # platform covers: "DATA DE INÍCIO DO PREGÃO: …", "Data de início da sessão/disputa: …"
    r"data\s+de\s+inicio\s+d[oa]\s+(?:pregao|certame|sessao|disputa|licitacao|leilao)|"
    # cover labels: "DATA DO CERTAME: …", "Data do pregão: …", "Realização do pregão: …"
    r"data\s+d[oa]\s+(?:certame|pregao|licitacao|leilao)\s*:|"
    r"realizacao\s+d[ao]\s+(?:sessao(?:\s+publica)?|certame|pregao|licitacao|leilao)\s*:|"
    r"disputa\s+de\s+(?:precos|lances)\s*:|"
    # covers of municipal and 8.666 editais: "ABERTURA: 05/03/2024 às 09h", "ABERTURA DOS ENVELOPES: …"
    # (also inside a notice's run-on paragraph, as ComprasNet's DOU avisos print it: "… no site www.gov.br/compras.
    # Abertura das Propostas: 15/03/2024 às 09h00 …"), "ABERTURA DO CERTAME: …", "Sessão de abertura: …"
    r"(?:^|\n|\.[ \t])[ \t]*(?:data\s+d[aeo]\s+)?(?:(?:recebimento|entrega)\s+e\s+)?abertura(?:\s+e\s+julgamento)?"
    r"(?:\s+d[aoe]s?\s+(?:propostas|envelopes|certame|pregao))?\s*:|sessao\s+de\s+abertura\s*:|"
    # "DATA: 05/03/2024 / HORA: 09:00", "Dia: 05/03/2024 / Hora: 09:00": a bare date label is the session's only
    # next to an hour label
    r"(?:^|\n)[ \t]*(?:data|dia)\s*:(?=[^\n]{0,40}(?:\n[ \t]*)?hor(?:a|ario)\s*:)|"
    # cover tables and auction notices: "DATA E HORÁRIO: 6 de novembro de 2025, às 10h",
    # "Data e hora da Sessão: 06/11/2025", "A hasta pública será realizada no dia 29 de abril de 2019"
    r"(?:data|dia)\s*(?:e|/)\s*hor(?:a|ario)s?(?:\s+(?:d[aoe]|para)\s+(?:inicio\s+d[ao]\s+)?(?:sessao|abertura|leilao|"
    r"disputa|certame|pregao)(?:\s+d[aoe]s?\s+(?:propostas|envelopes|lances|sessao(?:\s+publica)?))?)?\s*:|"
    r"hasta\s+publica|"
    # "A abertura dos envelopes dar-se-á às 9h do dia …"
    r"abertura\s+d[aoe]s?\s+(?:envelopes|propostas|sessao(?:\s+publica)?)\s+(?:dar-se-a|sera\s+(?:realizada|feita)|"
    r"sera(?=\s+(?:as|no\s+dia|em\s+\d|dia)\s)|"
    r"ocorrera|acontecera|tera\s+inicio)|"
    r"(?:leilao|pregao|certame|licitacao|sessao)\s+(?:sera\s+realizad[oa]|realizar-se-a|ocorrera|tera\s+inicio)|"
    # 8.666 avisos: "torna público que realizará, no dia ... , licitação na modalidade ..."
    r"(?:fara\s+realizar|realizara)\s*,?\s*(?=(?:no\s+dia|aos?\s|as\s|em\s+\d|dia\s))|"
    # "A Comissão Permanente de Licitação reunir-se-á às 9h do dia 15/03/2019 para receber e abrir os envelopes"
    r"(?:comissao|pregoeir[oa]|cpl\b)[^.;\n]{0,80}?\breunir-se-ao?\b|"
    # "Abertura prevista para 15/03/2024 às 9h", "Sessão pública marcada para …"
    r"(?:abertura|sessao\s+publica)\s+(?:prevista|marcada|designada|agendada)\s+para\b|"
    # presencial editais: "Os envelopes serão recebidos e abertos no dia 15/03/2024, às 09h, na sala da CPL"
    r"(?:envelopes|propostas)\s+(?:serao|sera)\s+(?:recebid[oa]s\s+e\s+)?abert[oa]s\b"
)
# "… até as 14:00 hs do dia 29/03/2021, para abertura do certame": the date comes *before* the label.
_SESSION_AFTER_RE = _re(r"(?:para|quando\s+(?:sera|serao)\s+(?:feita|realizad[ao]|dado)\s+(?:a\s+)?)\s*(?:a\s+)?"
                        r"abertura\s+d[aoe]s?\s+(?:certame|sessao|licitacao|envelopes|propostas|pregao|leilao)|"
                        # "às 9h30 do dia 5 de março de 2024, será realizada a sessão pública", "às nove horas
                        # do dia … , na sala de licitações, será realizada a abertura dos envelopes"
                        r"(?:sera|serao)\s+realizad[ao]s?\s+a\s+(?:sessao\s+publica|abertura\s+d[aoe]s?\s+"
                        r"(?:envelopes|propostas|sessao))|"
                        # 8.666 preambles: "torna público que às 09:00 horas do dia 15 de março de 2019, na sala de
                        # reuniões, realizará licitação na modalidade …"
                        r"(?:realizara|fara\s+realizar)\s+(?:a\s+)?licitacao\b|"
                        # 8.666 preambles: "… que às nove horas do dia quinze de março de dois mil e dezenove, na sala
                        # de reuniões, reunir-se-á a Comissão para receber e abrir os envelopes"
                        r"reunir-se-ao?\s+(?:a|o)\s+(?:comissao|pregoeir|cpl\b|agente\s+de\s+contratac)|"
                        # "Dia 15/03/2024, às 9h, será aberta a sessão pública."
                        r"(?:sera|serao)\s+abert[oa]s?\s+a\s+sessao\b|"
                        # "… entregues até as 9 horas do dia 20/03/2025, quando serão abertos pela Comissão"
                        r"(?:quando|ocasiao\s+em\s+que|momento\s+em\s+que)\s+(?:serao|sera)\s+abert[oa]s?\b|"
                        # "Fica marcada para o dia 20/03/2025, às 9h, a abertura dos envelopes."
                        r"(?:marcad[ao]|designad[ao]|agendad[ao])\s+para\s+[^.;]{0,60}?,\s*a\s+abertura\s+d[aoe]s?\s+"
                        r"(?:envelopes|propostas|sessao|certame|licitacao)")
# Schedules that write the date before its event, one event a line: "Dia 05/03/2024 às 09h – abertura das
# propostas", "05/03/2024 às 09h30min - Início da sessão pública".
_SCHEDULE_LINE_RE = _re(r"(?:^|\n)[ \t]*(?:dia\s+)?((?:\d{1,2}\s?[/.]\s?\d{1,2}\s?[/.]\s?\d{2,4}|"
                        r"\d{1,2}o?\s+de\s+[a-z]{4,9}\s+de\s+\d{4})[^\n]{0,40}?)\s*[-–:]\s*(?:abertura|inicio)\s+d[aoe]s?\s+"
                        r"(?:sessao|propostas|disputa|lances|envelopes|certame|licitacao)")
# A cover line that holds nothing but the date and the hour, no label: "Dia 15 de março de 2025 (sábado), às 9h",
# "15/03/2025 – segunda-feira – 09h00 (horário de Brasília)". On an edital's first page that is the session.
_WEEKDAY = r"\(?(?:domingo|segunda|terca|quarta|quinta|sexta|sabado)(?:[\s-]feira)?\)?"
_BARE_TIME = (r"(?:as|a\s+partir\s+das)?[ \t]*\d{1,2}[ \t]*(?:h|hs|hrs|horas?|:)[ \t]*(?:\d{2}[ \t]*"
              r"(?:min(?:utos)?|h|hs|hrs|horas?)?)?(?:[ \t]*\(?(?:horario\s+)?(?:oficial\s+)?(?:de\s+brasilia|local)"
              r"(?:\s*[-/]\s*df)?\)?)?")
_BARE_LINE_RE = _re(r"(?:^|\n)[ \t]*(?:dia\s+)?(?:" + _WEEKDAY + r"[ \t]*,[ \t]*(?:dia\s+)?)?"
                    r"(?:\d{1,2}\s?[/.]\s?\d{1,2}\s?[/.]\s?\d{2,4}|\d{1,2}o?\s+de\s+[a-z]{4,9}\s+de\s+\d{4})"
                    r"(?:[ \t,\-–]*" + _WEEKDAY + r")?[ \t,\-–]*" + _BARE_TIME + r"[ \t.]*(?=\n|$)")
# "… recebidos até às 08h30 do dia 20/03/2025 e abertos às 09h do mesmo dia": the hour here, the date before.
# "… e a abertura dos envelopes às 9h do mesmo dia"
_SAME_DAY_RE = _re(r"\babert(?:[oa]s?|ura\s+d[aoe]s?\s+(?:envelopes|propostas|sessao))\b[^.;]{0,60}?"
                   r"\bdo\s+mesmo\s+dia\b")
_SENTENCE_END_RE = _re(r"\.\s")
_DISPUTE_RE = _re(r"disputa|lances")
_OPENING_RE = _re(r"abertura\s+d[aoe]s?\s+(?:propostas|envelopes)")
_LEGAL_REF_RE = _re(r"\b(?:lei|decreto|portaria|instrucao|resolucao|lc)\b")
_SESSION_CUT_RE = _re(r"\b(?:recebimento|propostas?\s+(?:ate|recebidas)|encerramento|envio\s+das\s+propostas|"
                      r"acolhimento)\b")


# A cover that gives the hour on the line above the date: "HORÁRIO DE ABERTURA: 09h00\nDATA DE ABERTURA: 15/03/2024"
_HOUR_LABEL_RE = _re(r"(?:^|\n)[ \t]*hor(?:a|ario)(?:\s+d[aeo]\s+(?:abertura|inicio)(?:\s+d[aoe]s?\s+[a-z]+)?)?\s*:"
                     r"[ \t]*([^\n]{1,40})\n?[ \t]*$")


def _with_hour_above(c: Corpus, label: int, day: datetime | date) -> datetime | date:
    m = _HOUR_LABEL_RE.search(c.folded, max(0, label - 120), label)
    hour = parse_time(m.group(1)) if m else None
    if not isinstance(day, date) or isinstance(day, datetime) or hour is None:
        return day
    return datetime.combine(day, hour, BRT)


# A rescheduled session names the date it replaces: "anteriormente marcada para 10/04/2024 às 09h00, fica adiada
# para o dia 22/04/2024" (an amended edital or a notice of change). The former date is blanked before reading.
_FORMER_DATE_RE = _re(r"\b(?:anteriormente|inicialmente|originalmente|antes)\s+(?:marcad|previst|designad|agendad|"
                      r"fixad)[ao]s?\s+para\s+(?:o\s+)?(?:dia\s+)?\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?\d{2,4}"
                      r"(?:\s*,?\s*(?:as|a\s+partir\s+das)\s+\d{1,2}\s*(?:[:h]\s*\d{2})?\s*(?:h|hs|horas|min)?)?")


def _without_former_dates(text: str) -> str:
    return _FORMER_DATE_RE.sub(lambda m: " " * len(m.group()), text)


# Brasília time unless the session's line names another zone: Mato Grosso, Mato Grosso do Sul, Rondônia, Roraima
# and most of Amazonas keep UTC-4, Acre and western Amazonas UTC-5 ("às 9h (horário de Cuiabá-MT)", "horário
# oficial de Mato Grosso", "GMT-4"). Platforms run on Brasília time and say so, or say nothing.
_ZONE_RE = _re(r"\b(?:hor[a-z]*|fuso(?:\s+horario)?)\s+(?:oficial\s+)?(?:local\s+)?(?:de|do|da)\s+(?:(?P<m4>cuiaba|"
               r"campo\s+grande|porto\s+velho|boa\s+vista|manaus|mato\s+grosso(?:\s+do\s+sul)?|rondonia|roraima|amazonas)|"
               r"(?P<m5>rio\s+branco|acre))\b|\b(?:gmt|utc)\s*(?P<z>[-−–]\s*0?[45])(?::?00)?\b")


def _zoned(found: Field) -> Field:
    """The session at the offset its line names (the wall time stays as written)."""
    if not isinstance(found.value, str) or "T" not in found.value or not found.quote:
        return found
    zone = _ZONE_RE.search(fold(found.quote))
    if zone is None:
        return found
    hours = 5 if zone.group("m5") or (zone.group("z") and zone.group("z").endswith("5")) else 4
    found.value = found.value[:-6] + f"-0{hours}:00"
    return found


def session_datetime(c: Corpus, kind: str) -> Field:
    return _zoned(_session_datetime(c, kind))


def _session_datetime(c: Corpus, kind: str) -> Field:
    if kind in ("other", "ata_registro_precos", "termo_referencia", "etp"):
        return Field()
    for hit in c.finditer(_SCHEDULE_LINE_RE, 0, c.front_end):
        when = parse_datetime(hit.match.group(1))
        if when is not None and "T" in iso(when) and not _LEGAL_REF_RE.search(hit.match.group(1)):
            return _field(c, iso(when), hit.start, hit.end, 0.85)
    fallback: Field | None = None
    opening: Field | None = None  # "Abertura das propostas: …" when the cover also gives the dispute's start
    for hit in c.finditer(_SESSION_LABEL_RE, 0, c.front_end):
        window = _without_former_dates(c.folded[hit.end:hit.end + 130])
        cut = _SESSION_CUT_RE.search(window)
        if cut:
            window = window[:cut.start()]
        if _LEGAL_REF_RE.search(window[:60]):
            continue
        stop = _SENTENCE_END_RE.search(window)
        said = window[:stop.start()] if stop else ""
        if stop and re.search(r"[a-z0-9]", said) and parse_datetime(said) is None:
            continue  # "Abertura da sessão: conforme aviso.\nPublicação: 01/03/2024": the label's sentence has no date
        value = parse_datetime(window)
        if value is None:
            continue
        if "T" not in iso(value):
            value = _with_hour_above(c, hit.start, value)
        found = _field(c, iso(value), hit.start, hit.end + len(window.rstrip()), 0.9 if "T" in iso(value) else 0.6)
        if "T" in iso(value):
            # covers that list the proposals' opening and then the dispute ("ABERTURA DAS PROPOSTAS: 08h01 /
            # INÍCIO DA DISPUTA: 09h") hold the session at the dispute
            if _DISPUTE_RE.search(hit.match.group(0)) or (opening is not None and not _OPENING_RE.search(
                    hit.match.group(0))):
                return found
            if opening is None and _OPENING_RE.search(hit.match.group(0)):
                opening = found
                continue
            return opening or found
        fallback = fallback or found
    if opening is not None:
        return opening
    for hit in c.finditer(_SESSION_AFTER_RE, 0, c.front_end):
        start = max(0, hit.start - 240)
        window = c.folded[start:hit.start]
        window = window[max(window.rfind(". "), window.rfind(";")) + 1:]
        value = parse_datetime(window + c.folded[hit.start:hit.end])  # the date before the event, or in its phrase
        if value is not None and "T" in iso(value):
            return _field(c, iso(value), hit.start - len(window), hit.end, 0.8)
    for hit in c.finditer(_SAME_DAY_RE, 0, c.front_end):
        before = c.folded[max(0, hit.start - 240):hit.start]
        before = before[max(before.rfind(". "), before.rfind(";")) + 1:]
        day = parse_date(before)
        hour = parse_time(hit.match.group(0)) or written_time(hit.match.group(0))
        if day is not None and hour is not None:
            return _field(c, iso(datetime.combine(day, hour, BRT)), hit.start - len(before), hit.end, 0.75)
    if fallback is None and c.starts:
        bare = c.search(_BARE_LINE_RE, 0, c.page_end(0))
        value = parse_datetime(bare.match.group(0)) if bare else None
        if bare and value is not None and "T" in iso(value):
            return _field(c, iso(value), bare.start, bare.end, 0.6)
    return fallback or Field()
