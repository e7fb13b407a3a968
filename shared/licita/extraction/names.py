"""Writing a body's name the way the document means it: title case for names printed in capitals,
with the acronyms the document itself uses kept upper case; a name cut by a line break completed from
where the document writes it in full; the acronym written after the name ("… de Valinhos – VALIPREV")."""

from __future__ import annotations

import re

from licita.extraction.models import Field
from licita.extraction.text import Corpus, fold, squash


def all_caps(text: str) -> bool:
    """Upper-case text (ordinal indicators ª/º are lower-case letters for Unicode)."""
    return any(ch.isalpha() for ch in text) and not any(ch.islower() and ch not in "ªº" for ch in text)


# -- what OCR changes in a name -------------------------------------------------------------------

# A dash set between spaces is the en dash of a name and its acronym ("… Contra as Secas – DNOCS"); OCR reads it as an
# em dash or doubles it ("—-"). A spaced hyphen is left as written.
_SPACED_DASH_RE = re.compile(r"[ \t]+[-‐‑‒−]*[–—][-–—‐‑‒−]*[ \t]+")
# An ordinal agrees with its noun: "18ª Região", "4º Batalhão"; OCR reads ª as º (or °) and back.
_FEMININE = (r"regi[aã]o|vara|zona|se[cç][aã]o|circunscri[cç][aã]o|brigada|divis[aã]o|companhia|delegacia|"
             r"promotoria|procuradoria|junta|turma|superintend[eê]ncia|coordenadoria|ger[eê]ncia|regional|"
             r"esquadrilha|bateria|for[cç]a|inspetoria|auditoria|c[aâ]mara")
_MASCULINE = (r"batalh[aã]o|distrito|comando|grupo|regimento|esquadr[aã]o|dep[oó]sito|centro|juizado|of[ií]cio|"
              r"cart[oó]rio|tabelionato|n[uú]cleo|setor|contingente|grupamento|destacamento")
_ORDINAL_FEMININE_RE = re.compile(r"\b(\d{1,3})[ \t]?[º°](?=[ \t]+(?:" + _FEMININE + r")\b)", re.I)
_ORDINAL_MASCULINE_RE = re.compile(r"\b(\d{1,3})[ \t]?ª(?=[ \t]+(?:" + _MASCULINE + r")\b)", re.I)


# A speck at the end of a letterhead's line comes out as a lone accented letter or a mark ("… da 18ª Região À").
_TRAILING_SPECK_RE = re.compile(r"[ \t]+(?:[À-ÖØ-Ýà-öø-ý]|[^\w\s()]+)$")


def tidy_name(name: str) -> str:
    """A body's name as printed, without what scanning changed in it."""
    name = _TRAILING_SPECK_RE.sub("", name)
    name = _SPACED_DASH_RE.sub(" – ", name)
    name = _ORDINAL_FEMININE_RE.sub(r"\1ª", name)
    return _ORDINAL_MASCULINE_RE.sub(r"\1º", name)


# -- acronyms --------------------------------------------------------------------------------------

# A word in capitals is an acronym when the document writes it between lower-case words ("na sede do IPMA,
# no horário …"), in brackets ("(IPMA)") or last after a dash ("… – SAAE"); "SANTA RITA DO SUL" in a letterhead
# or an upper-case preamble subject is a name, whatever its length.
_WORD_BEFORE_RE = re.compile(r"([^\W\d_]+)[^\w]*$")
_WORD_AFTER_RE = re.compile(r"[^\w]*([^\W\d_]+)")
_ROMAN_RE = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


class Acronyms:
    """Whether a word in capitals is used as an acronym in the front matter (looked up per word, on demand:
    names in capitals are few, the front matter is long)."""

    def __init__(self, c: Corpus) -> None:
        self._text = c.raw[:c.front_end]
        self._known: dict[str, bool] = {}

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        if word not in self._known:
            self._known[word] = self._used_as_acronym(word)
        return self._known[word]

    def _used_as_acronym(self, word: str) -> bool:
        text = self._text
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if not (at and (text[at - 1].isalnum() or text[at - 1] == "_")) and not (
                    end < len(text) and (text[end].isalnum() or text[end] == "_")):
                if text[max(0, at - 2):at].rstrip().endswith("(") and text[end:end + 2].lstrip().startswith(")"):
                    return True
                if re.search(r"[-–][ \t]*$", text[max(0, at - 3):at]) and not re.match(r"[-/]|[ \t]+[A-Z]{2}",
                                                                                     text[end:end + 3]):
                    return True
                before = _WORD_BEFORE_RE.search(text, max(0, at - 40), at)
                after = _WORD_AFTER_RE.match(text, end, end + 40)
                words = [m.group(1) for m in (before, after) if m is not None]
                if words and all(w.islower() for w in words):
                    return True
            at = text.find(word, at + 1)
        return False


def doc_acronyms(c: Corpus) -> Acronyms:
    """The document's acronym lookup (one per document)."""
    cached = c.memo.get("acronyms")
    if isinstance(cached, Acronyms):
        return cached
    made = Acronyms(c)
    c.memo["acronyms"] = made
    return made


_LOWER_WORDS = frozenset(["de", "da", "do", "das", "dos", "e", "em", "para", "por", "na", "no", "nas", "nos", "a",
                          "o", "as", "os", "à", "às", "ao", "aos"])


def title(text: str, acronyms: Acronyms | frozenset[str] = frozenset()) -> str:
    """Title-case an all-caps name, keeping prepositions lower and acronyms upper: words without a vowel
    ("TRT"), Roman numerals, words the document uses as acronyms, the last word after a dash ("… – DNOCS")."""
    words = squash(text).split(" ")
    out = []
    for i, w in enumerate(words):
        lw = w.lower()
        if i and lw in _LOWER_WORDS:
            out.append(lw)
        elif re.fullmatch(r"[A-Z]{2,10}", w) and (
                not re.search(r"[AEIOUY]", w) or w in acronyms or _ROMAN_RE.fullmatch(w)
                or (i == len(words) - 1 and i >= 2 and words[i - 1] in ("-", "–"))):
            out.append(w)
        elif re.fullmatch(r"[^/]{2,}/[A-Z]{2}", w):  # "COSTA/BA": the state stays upper case
            out.append(w[:1].upper() + w[1:-3].lower() + w[-3:])
        else:  # each part of a hyphenated name: "DEL-REI" is "Del-Rei", "PRÓ-REITORIA" "Pró-Reitoria"
            out.append("-".join(part[:1].upper() + part[1:].lower() for part in w.split("-")))
    return " ".join(out)


# -- names cut by a line break ---------------------------------------------------------------------

def _words(words: list[str]) -> str:
    """A name's folded words, whatever separates them (no leading \\b: it would cost ``re`` its literal-prefix
    search; callers check the word start with ``_word_start``)."""
    return r"[^a-z0-9]+".join(re.escape(w) for w in words)


def _word_start(text: str, pos: int) -> bool:
    return pos == 0 or not text[pos - 1].isalnum()


# Words that follow a name in a sentence without being part of it.
_NOT_NAME = r"(?!(?:estado|torna|tornam|inscrit[oa]|cnpj|com|sediad[oa]|situad[oa]|localizad[oa]|por|atraves|neste|" \
            r"nesta|rua|avenida|av|praca|cep|que|sob|realizara|comunica|doravante|pessoa|ente|orgao|edital|pregao|" \
            r"processo|aviso|termo|ata|objeto|modalidade|licitacao|concorrencia|tomada|convite|dispensa|anexo)\b)"
# the name goes on in the same line of running text (or on the next one after a connector: "… Monte Alegre de\nMinas")
_AFTER_CONNECTOR = r"(?:(?<=\bde)|(?<=\bda)|(?<=\bdo)|(?<=\bdas)|(?<=\bdos)|(?<=\bem))[ \t]*\n"
_MORE_WORDS = r"((?:(?:[ \t]+|" + _AFTER_CONNECTOR + r"[ \t]*)" + _NOT_NAME + r"[a-z]+){1,6})"


def complete_cut(c: Corpus, found: Field, acronyms: Acronyms) -> Field:
    """A name that ends a line ("INSTITUTO DE PREVIDÊNCIA DE MONTE") and goes on in the next lines, where
    scanning or layout broke it ("AR o ALEGRE DE MINAS"): the words the document writes right after the same
    name elsewhere ("… de Monte Alegre de Minas (IPMA)"), when the next lines hold them, complete it."""
    name = str(found.value or "")
    words = re.findall(r"[a-z0-9]+", fold(name))
    if len(words) < 3:
        return found
    cut = next((m for m in re.finditer(_words(words) + r"[ \t-]*\n", c.folded[:c.front_end])
                if _word_start(c.folded, m.start())), None)
    if cut is None:
        return found
    ahead_end = min(len(c.folded), cut.end() + 160)
    ahead = c.folded[cut.end():ahead_end]
    tail = re.compile(_words(words[-3:]) + _MORE_WORDS)
    best: tuple[int, int] | None = None  # span of the continuation in ``ahead``
    for m in tail.finditer(c.folded, 0, min(len(c.folded), c.front_end + 20000)):
        if (m.start() < cut.end() and m.end() > cut.start()) or not _word_start(c.folded, m.start()):
            continue
        more = m.group(1).split()
        for k in range(len(more), 0, -1):
            at = re.search(r"\b" + r"\s+".join(more[:k]) + r"\b", ahead)
            if at is not None:
                if best is None or at.end() - at.start() > best[1] - best[0]:
                    best = (at.start(), at.end())
                break
    if best is None:
        return found
    extra = squash(c.raw[cut.end() + best[0]:cut.end() + best[1]])
    found.value = name + " " + (title(extra, acronyms) if all_caps(extra) else extra)
    return found


def complete_short(c: Corpus, found: Field) -> Field:
    """A letterhead set in a logo or in large type gives only the first words of a long name ("INSTITUTO DE
    PREVIDÊNCIA SOCIAL DOS SERVIDORES", the rest drawn in the image): where the document defines the name in full,
    with its acronym after it ("… DOS SERVIDORES MUNICIPAIS DE VALINHOS – VALIPREV"), that name is the body's.
    A scan may add a stray word to the letterhead ("Instituto de Al Previdência …"): the body's name then only
    needs to start with its first word and hold its last three."""
    name = str(found.value or "")
    words = re.findall(r"[a-z0-9]+", fold(name))
    if len(words) < 3 or " – " in name or "(" in name:
        return found
    end = min(len(c.folded), c.front_end + 20000)
    loose = _words(words[:1]) + r"(?:[^a-z0-9\n]+[a-z0-9]+){0,6}?[^a-z0-9]+" + _words(words[-3:])
    for pattern, whole in ((_words(words), False), (loose, True)):
        for m in re.compile(pattern + _MORE_WORDS).finditer(c.folded, 0, end):
            more = squash(c.raw[m.start(1):m.end(1)])
            after = _ACRONYM_AFTER_RE.match(c.raw, m.end(1))
            acronym = after and (after.group(1) or after.group(2))
            written = squash(c.raw[m.start():m.end(1)]) if whole else more
            if (_word_start(c.folded, m.start()) and acronym and acronym.upper() not in _NOT_ACRONYMS
                    and all(w[0].isupper() or fold(w) in _STOP for w in written.split())):
                text = title(written, doc_acronyms(c)) if all_caps(written) else written
                found.value = text if whole else name + " " + text
                return found
    return found


# -- the acronym written after the name ----------------------------------------------------------------

_ACRONYM_AFTER_RE = re.compile(r"[ \t]*(?:\n?[ \t]*\(\s*([A-Z][A-Za-z]{1,10}[A-Z][a-z]?)\s*\)|"
                               r"[-–][ \t\n]*([A-Z]{3,10})\b(?![ \t]*[-–/(]|[ \t]+[A-Z]{2}))")
_ACRONYM_BEFORE_RE = re.compile(r"\b([A-Z]{3,10})[ \t]*[-–][ \t]*$")
_NOT_ACRONYMS = frozenset(["CNPJ", "CPF", "UASG", "SRP", "EPP", "LTDA", "CEP", "SEI", "NUP", "ME", "MEI", "PE", "PP",
                           "ATA", "ANEXO", "EDITAL", "AVISO", "LOTE", "ITEM"])
_STOP = frozenset(["de", "da", "do", "das", "dos", "e", "a", "o", "em", "para", "por", "na", "no"])


def _usual_spelling(c: Corpus, acronym: str) -> str:
    """The acronym as the document writes it most: a scan may misread one letter where the name is defined
    ("VALIPREY") and read it right everywhere else ("equipamentos do VALIPREV")."""
    counts: dict[str, int] = {}
    for m in re.finditer(rf"\b[A-Z]{{{len(acronym)}}}\b", c.raw):
        word = m.group()
        if word == acronym or sum(a != b for a, b in zip(word, acronym, strict=True)) == 1:
            counts[word] = counts.get(word, 0) + 1
    best = max(counts, key=lambda w: (counts[w], w == acronym), default=acronym)
    return best if counts.get(best, 0) >= 2 * counts.get(acronym, 1) else acronym


def _initials_fit(acronym: str, words: list[str]) -> bool:
    """The acronym's letters are initials of the name's words, in order, from the first ("IPMA" for
    "Instituto de Previdência de Monte Alegre de Minas")."""
    initials = [w[0] for w in words if w not in _STOP]
    letters = acronym.lower()
    if len(letters) < 3 or not initials or letters[0] != initials[0]:
        return False
    i = 0
    for ch in letters:
        while i < len(initials) and initials[i] != ch:
            i += 1
        if i == len(initials):
            return False
        i += 1
    return True


def with_acronym(c: Corpus, found: Field) -> Field:
    """Append "(ACRONYM)" when the front matter writes the name followed by its acronym; where the start of
    the name is written differently (a typo, an OCR slip), its last words followed by an acronym made of the
    name's initials will do."""
    name = str(found.value or "")
    words = re.findall(r"[a-z0-9]+", fold(name))
    if len(words) < 3 or re.search(r"\(|\s[-–]\s*[A-Z]{3,}\b|[A-Z][a-z]*[A-Z]", name.rsplit(" – ", maxsplit=1)[-1]):
        return found
    patterns = [(re.compile(_words(words) + r"\b"), False)]
    if len(words) >= 6:
        patterns.append((re.compile(_words(words[-4:]) + r"\b"), True))
    for pattern, by_initials in patterns:
        for m in pattern.finditer(c.folded, 0, c.front_end):
            if not _word_start(c.folded, m.start()):
                continue
            before = _ACRONYM_BEFORE_RE.search(c.raw, max(0, m.start() - 16), m.start())
            if before and _initials_fit(before.group(1), words):  # "SAAE – SERVIÇO AUTÔNOMO DE ÁGUA E ESGOTO …"
                found.value = f"{name} ({before.group(1)})"
                return found
            after = _ACRONYM_AFTER_RE.match(c.raw, m.end())
            acronym = after and (after.group(1) or after.group(2))
            if (acronym and acronym.upper() not in _NOT_ACRONYMS and not words[-1].startswith(acronym.lower())
                    and (not by_initials or _initials_fit(acronym, words))):
                found.value = f"{name} ({_usual_spelling(c, acronym)})"
                return found
    return found
