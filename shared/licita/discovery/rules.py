"""Pure discovery rules (no I/O): the keyword language, synonyms, highlight re-accenting, change detection.

Keyword language of a saved search (what a bid team types)::

    notebook OR computador "ar condicionado" -usado -locação

- words/phrases separated by spaces are AND-ed clauses; ``OR`` (or ``|``) joins alternatives of one clause;
- ``"..."`` is an exact phrase (word order kept, accents/case ignored);
- ``-term`` / ``-"phrase"`` excludes.

Each alternative expands to its synonyms (built-in + the company's table). Matching itself runs in
PostgreSQL (``licita_tsq`` per alternative, combined with ``||``, ``&&`` and ``!!``); this module only parses.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from licita.core.time import format_brt

# Length-preserving accent folding; the migration's licita_unaccent() translate() uses the same map.
ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüçñýÿÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝ"
PLAIN = "aaaaaaeeeeiiiiooooouuuucnyyAAAAAAEEEEIIIIOOOOOUUUUCNY"
_FOLD = str.maketrans(ACCENTED, PLAIN)

MAX_QUERY_CHARS = 1000
MAX_ALTERNATIVES = 60  # after synonym expansion
MAX_TERM_CHARS = 200

# Built-in synonyms (folded, lower-case keys). Companies add their own in search_synonyms.
BUILTIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "notebook": ("laptop", "computador portatil"),
    "computador": ("desktop", "microcomputador", "estacao de trabalho"),
    "ar condicionado": ("climatizador", "condicionador de ar", "split"),
    "veiculo": ("automovel", "carro", "viatura"),
    "limpeza": ("higienizacao", "asseio", "conservacao"),
    "impressora": ("multifuncional",),
    "pneu": ("pneumatico",),
    "combustivel": ("gasolina", "diesel", "etanol"),
    "medicamento": ("farmaco", "remedio"),
    "merenda": ("alimentacao escolar", "genero alimenticio"),
    "software": ("sistema", "licenca de uso"),
    "obra": ("construcao", "reforma", "engenharia"),
    "vigilancia": ("seguranca patrimonial",),
    "material de escritorio": ("material de expediente",),
}


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: how terms are compared and keyed."""
    return " ".join(text.translate(_FOLD).lower().split())


class QueryError(ValueError):
    """A keyword query that cannot be used (message in Portuguese, shown to the user)."""


@dataclass(frozen=True)
class Alternative:
    text: str
    synonym_of: str | None = None


@dataclass
class Clause:
    """Alternatives OR-ed together; ``exclude`` clauses must not match."""

    alternatives: list[Alternative] = field(default_factory=list)
    exclude: bool = False


@dataclass
class ParsedQuery:
    clauses: list[Clause]

    @property
    def required(self) -> list[Clause]:
        return [c for c in self.clauses if not c.exclude]

    @property
    def excluded(self) -> list[Clause]:
        return [c for c in self.clauses if c.exclude]

    def as_dict(self) -> dict[str, Any]:
        return {"clauses": [{"exclude": c.exclude, "alternatives": [
            {"text": a.text, **({"synonym_of": a.synonym_of} if a.synonym_of else {})} for a in c.alternatives]}
            for c in self.clauses]}


_TOKEN = re.compile(r'\s*(-?)"([^"]*)"|\s*(\||\bOR\b)|\s*(-?)([^\s"|]+)')


def tokenize(query: str) -> list[tuple[str, str, bool]]:
    """[(kind, text, negated)] with kind in {"term", "phrase", "or"}."""
    out: list[tuple[str, str, bool]] = []
    pos = 0
    text = query.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            if text[pos:].lstrip().startswith('"'):
                raise QueryError("Aspas sem fechamento na busca.")
            pos += 1
            continue
        pos = m.end()
        if m.group(2) is not None:
            out.append(("phrase", m.group(2), m.group(1) == "-"))
        elif m.group(3):
            out.append(("or", "OR", False))
        elif m.group(5):
            out.append(("term", m.group(5), m.group(4) == "-"))
    return out


def parse_query(query: str) -> ParsedQuery:
    """The user's text as AND-ed clauses of OR-ed alternatives (before synonyms)."""
    if "\x00" in query:
        raise QueryError("A busca contém caracteres inválidos.")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"A busca tem mais de {MAX_QUERY_CHARS} caracteres.")
    clauses: list[Clause] = []
    pending_or = False
    for kind, raw, negated in tokenize(query):
        if kind == "or":
            pending_or = bool(clauses) and not clauses[-1].exclude
            continue
        text = " ".join(raw.split())
        if not text:
            continue
        if len(text) > MAX_TERM_CHARS:
            raise QueryError(f"Termo com mais de {MAX_TERM_CHARS} caracteres.")
        alt = Alternative(text)
        if negated:
            clauses.append(Clause([alt], exclude=True))
        elif pending_or and clauses:
            clauses[-1].alternatives.append(alt)
        else:
            clauses.append(Clause([alt]))
        pending_or = False
    if not any(not c.exclude for c in clauses):
        raise QueryError("Informe ao menos um termo a procurar (exclusões sozinhas não bastam).")
    return ParsedQuery(clauses)


def synonym_table(company: Mapping[str, Sequence[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """Built-in synonyms overlaid with the company's (keys folded, the company's spelling kept)."""
    table: dict[str, dict[str, str]] = {k: {fold(v): v for v in vs} for k, vs in BUILTIN_SYNONYMS.items()}
    for term, synonyms in (company or {}).items():
        key = fold(term)
        table.setdefault(key, {}).update({fold(s): " ".join(s.split()) for s in synonyms if fold(s)})
    return {k: tuple(v for f, v in sorted(vs.items()) if f != k) for k, vs in table.items()}


def expand(parsed: ParsedQuery, synonyms: Mapping[str, Sequence[str]]) -> ParsedQuery:
    """Every alternative followed by its synonyms (marked ``synonym_of``); duplicates dropped."""
    clauses: list[Clause] = []
    total = 0
    for clause in parsed.clauses:
        seen: set[str] = set()
        alternatives: list[Alternative] = []
        for alt in clause.alternatives:
            for candidate in (alt, *(Alternative(s, alt.text) for s in synonyms.get(fold(alt.text), ()))):
                key = fold(candidate.text)
                if key and key not in seen:
                    seen.add(key)
                    alternatives.append(candidate)
        total += len(alternatives)
        clauses.append(Clause(alternatives, clause.exclude))
    if total > MAX_ALTERNATIVES:
        raise QueryError(f"A busca ficou grande demais ({total} termos com sinônimos; máximo {MAX_ALTERNATIVES}).")
    return ParsedQuery(clauses)


# ------------------------------------------------------------------------------------------ prefix variant
# The stemmer cannot reconcile "licitacao" with "licitações" or "notebook" with "notebooks": each alternative
# also matches as word prefixes of a light stem (folded words, plural/nominal suffixes cut, >= 4 letters).
SUFFIXES = ("coes", "soes", "cao", "sao", "oes", "aes", "ais", "eis", "ois", "is", "es", "il", "s", "a", "o", "e")
STOPWORDS = frozenset({"a", "o", "as", "os", "e", "de", "da", "do", "das", "dos", "em", "no", "na", "nos", "nas",
                       "para", "por", "com", "um", "uma", "ao", "aos", "ou"})
MIN_STEM = 5  # a shorter stem ("loca" from "locacao") would match unrelated words: keep the word instead
MIN_PREFIX = 4


def light_stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def prefix_query(text: str) -> str:
    """A ``to_tsquery('simple', ...)`` string of word prefixes in phrase order ('' when nothing is left).

    Only ``[a-z0-9]`` survive folding here, so the string is safe to hand to to_tsquery."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    parts: list[str] = []
    gap = 0
    for word in words:
        gap += 1
        if word in STOPWORDS:
            continue
        stem = light_stem(word)
        token = f"{stem}:*" if len(stem) >= MIN_PREFIX else stem
        if parts:
            parts.append("<->" if gap == 1 else f"<{gap}>")
        parts.append(token)
        gap = 0
    return " ".join(parts)


# ------------------------------------------------------------------------------------------ explanations
MARK_START, MARK_STOP = "[[", "]]"


def reaccent(headline: str, original: str) -> str:
    """Put ts_headline's marks (computed on folded text) back on the original, accented text.

    Folding is length-preserving, so the folded fragment sits at the same offsets in ``original``."""
    plain = headline.replace(MARK_START, "").replace(MARK_STOP, "")
    folded_original = original.translate(_FOLD)
    start = folded_original.find(plain)
    if start < 0:
        return headline.replace(MARK_START, "«").replace(MARK_STOP, "»")
    out: list[str] = []
    cursor = start
    i = 0
    while i < len(headline):
        if headline.startswith(MARK_START, i):
            out.append("«")
            i += len(MARK_START)
        elif headline.startswith(MARK_STOP, i):
            out.append("»")
            i += len(MARK_STOP)
        else:
            out.append(original[cursor])
            cursor += 1
            i += 1
    return "".join(out)


def explain_line(hit: Mapping[str, Any]) -> str:
    """One explanation in Portuguese: which term matched which field or item."""
    term = f"“{hit['term']}”"
    if hit.get("synonym_of"):
        term += f" (sinônimo de “{hit['synonym_of']}”)"
    if hit.get("field") == "item":
        return f"{term} encontrado no item {hit.get('item')}: {hit.get('snippet') or ''}".strip()
    return f"{term} encontrado no objeto: {hit.get('snippet') or ''}".strip()


# ------------------------------------------------------------------------------------------ change watch
SITUACAO = {1: "Divulgada", 2: "Revogada", 3: "Anulada", 4: "Suspensa"}
NOTABLE_TITLE = re.compile(r"retifica|errata|adendo|aditamento|esclarec|impugna", re.IGNORECASE)
WATCHED_HEADER = ("situacao_id", "data_abertura_proposta", "data_encerramento_proposta", "valor_total_estimado",
                  "objeto")


@dataclass(frozen=True)
class Change:
    kind: str  # situacao | dates | value | object | document | history | item_homologated
    field: str | None
    before: Any
    after: Any
    message: str
    dedup: str


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return format_brt(value, "%d/%m/%Y %H:%M")
    return "—" if value is None else str(value)


def situacao_message(before: int | None, after: int | None) -> str:
    label = SITUACAO.get(after or 0, str(after))
    if after == 1 and before in (2, 3, 4):
        return f"A contratação voltou a ser divulgada (retomada; antes: {SITUACAO.get(before or 0, before)})."
    return f"Situação da contratação mudou para {label}."


def header_changes(before: Mapping[str, Any], after: Mapping[str, Any], stamp: str) -> list[Change]:
    """Differences in the watched header fields (situação, dates, value, object)."""
    out: list[Change] = []
    for name in WATCHED_HEADER:
        old, new = before.get(name), after.get(name)
        if isinstance(old, Decimal) and isinstance(new, Decimal) and old == new:
            continue
        if old == new:
            continue
        b, a = _iso(old), _iso(new)
        if name == "situacao_id":
            out.append(Change("situacao", name, b, a, situacao_message(old, new), f"situacao:{a}:{stamp}"))
        elif name.startswith("data_"):
            label = "abertura das propostas" if name == "data_abertura_proposta" else "encerramento das propostas"
            out.append(Change("dates", name, b, a, f"Data de {label} alterada: {_when(old)} → {_when(new)}.",
                              f"{name}:{a}"))
        elif name == "valor_total_estimado":
            out.append(Change("value", name, b, a, f"Valor estimado alterado: {_money(old)} → {_money(new)}.",
                              f"valor:{a}"))
        else:
            out.append(Change("object", name, b, a, "O objeto da contratação foi alterado.", f"objeto:{stamp}"))
    return out


def _money(value: Any) -> str:
    if value is None:
        return "sigiloso"
    amount = Decimal(str(value))
    text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"R$ {text}"


def notable_document(title: str | None, tipo_nome: str | None) -> bool:
    """A new document whose title (or type) points to a retificação, errata, adendo, esclarecimento, impugnação."""
    return bool(NOTABLE_TITLE.search(fold(f"{title or ''} {tipo_nome or ''}")))


def document_change(seq: int, title: str | None, tipo_id: int | None, tipo_nome: str | None) -> Change | None:
    label = title or tipo_nome or f"documento {seq}"
    if notable_document(title, tipo_nome):
        return Change("document", "documento", None, {"sequencial": seq, "titulo": title},
                      f"Novo documento publicado: “{label}” (possível retificação/esclarecimento).", f"doc:{seq}")
    if tipo_id == 2:
        return Change("document", "documento", None, {"sequencial": seq, "titulo": title},
                      f"Nova versão do edital publicada: “{label}”.", f"doc:{seq}")
    return None


def history_change(row_hash: str, tipo: str | None, categoria: str | None, justificativa: str | None,
                   documento: str | None) -> Change:
    what = " / ".join(x for x in (tipo, categoria) if x) or "Registro"
    extra = f": {justificativa}" if justificativa else (f": {documento}" if documento else "")
    return Change("history", "historico", None, {"tipo": tipo, "categoria": categoria, "justificativa": justificativa},
                  f"Histórico no PNCP — {what}{extra}", f"hist:{row_hash}")


def item_homologated_change(numero: int, descricao: str | None, valor: Any) -> Change:
    price = f" por {_money(valor)} (unitário)" if valor is not None else ""
    return Change("item_homologated", "item", None, {"item": numero, "valor_unitario": _iso(valor)},
                  f"Item {numero} homologado{price}: {(descricao or '')[:120]}", f"item:{numero}")


def is_new_edital_version(change: Change) -> bool:
    return change.kind == "document"


def field_diff(before: Mapping[str, Any], after: Mapping[str, Any],
               names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Field-by-field diff of two analysis versions (effective values); only changed fields."""
    keys = sorted(set(names) if names is not None else set(before) | set(after))
    return [{"field": k, "before": before.get(k), "after": after.get(k)} for k in keys
            if before.get(k) != after.get(k)]


def dedup_of(ids: Sequence[Any]) -> str:
    """A stable key for a set of ids (order-free), for notification dedup."""
    return hashlib.sha256("|".join(sorted(str(i) for i in ids)).encode()).hexdigest()[:32]
