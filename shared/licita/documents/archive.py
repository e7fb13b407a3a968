"""Safe ZIP unpacking: PNCP serves most editais as ZIPs, and a ZIP is an easy denial-of-service vector."""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from licita.documents.detect import DOCX, PDF, ZIP, detect_file_type
from licita.documents.errors import ArchiveRejected, DocumentError

MAX_MEMBERS = 500
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 80 * 1024 * 1024
MAX_RATIO = 100.0
MAX_DEPTH = 2  # the uploaded zip is depth 1; one nested zip level is allowed


@dataclass(slots=True)
class ArchiveMember:
    name: str
    data: bytes
    file_type: str  # "pdf" | "docx"


def unpack_archive(data: bytes, *, depth: int = 1, prefix: str = "") -> tuple[list[ArchiveMember], list[str]]:
    """Return the PDF/DOCX members, the most likely main edital first, plus warnings.

    Sizes are checked against the central directory before reading *and* while reading (the
    directory can lie), so a bomb is rejected after at most ``MAX_MEMBER_UNCOMPRESSED`` bytes.
    """
    if depth > MAX_DEPTH:
        raise ArchiveRejected("O arquivo compactado tem muitos níveis de ZIP dentro de ZIP.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ArchiveRejected("O arquivo ZIP está corrompido.", details={"reason": str(exc)[:200]}) from exc
    warnings: list[str] = []
    members: list[ArchiveMember] = []
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise ArchiveRejected(f"O arquivo ZIP tem {len(infos)} arquivos; o máximo aceito é {MAX_MEMBERS}.")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_TOTAL_UNCOMPRESSED:
            raise ArchiveRejected("O conteúdo descompactado do ZIP excede o tamanho máximo permitido.")
        total = 0
        for info in infos:
            name = info.filename
            if not _safe_name(name):
                warnings.append(f"Arquivo ignorado no ZIP (caminho inseguro): {name!r}")
                continue
            if info.flag_bits & 0x1:
                warnings.append(f"Arquivo ignorado no ZIP (protegido por senha): {name}")
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1 << 20:
                raise ArchiveRejected(
                    "O arquivo ZIP foi recusado: taxa de compressão suspeita (possível 'zip bomb').",
                    details={"member": name},
                )
            lower = name.lower()
            if not lower.endswith((".pdf", ".docx", ".zip")):
                continue
            payload = _read_limited(zf, info)
            total += len(payload)
            if total > MAX_TOTAL_UNCOMPRESSED:
                raise ArchiveRejected("O conteúdo descompactado do ZIP excede o tamanho máximo permitido.")
            try:
                kind = detect_file_type(payload, name)
            except DocumentError:
                warnings.append(f"Arquivo ignorado no ZIP (conteúdo não reconhecido): {name}")
                continue
            full = prefix + name
            if kind == ZIP:
                inner, inner_warnings = unpack_archive(payload, depth=depth + 1, prefix=full + "/")
                members.extend(inner)
                warnings.extend(inner_warnings)
            elif kind in (PDF, DOCX):
                members.append(ArchiveMember(name=full, data=payload, file_type=kind))
    if depth == 1 and not members:
        raise ArchiveRejected("O arquivo ZIP não contém nenhum PDF ou DOCX.")
    members.sort(key=lambda m: (-_main_score(m.name), m.name))
    return members, warnings


def _safe_name(name: str) -> bool:
    """Reject absolute paths, drive letters and any ``..`` component (zip-slip)."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        return False
    parts = [p for p in normalized.split("/") if p not in ("", ".")]
    return bool(parts) and ".." not in parts and posixpath.normpath(normalized) == "/".join(parts)


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    limit = min(MAX_MEMBER_UNCOMPRESSED, max(info.file_size, 0))
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 16):
                out += chunk
                if len(out) > MAX_MEMBER_UNCOMPRESSED or len(out) > limit:
                    raise ArchiveRejected(
                        "O arquivo ZIP foi recusado: conteúdo maior que o declarado ou acima do limite.",
                        details={"member": info.filename},
                    )
                if info.compress_size and len(out) / max(info.compress_size, 1) > MAX_RATIO * 10:
                    raise ArchiveRejected(
                        "O arquivo ZIP foi recusado: taxa de compressão suspeita (possível 'zip bomb').",
                        details={"member": info.filename},
                    )
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise ArchiveRejected(
            "Um arquivo dentro do ZIP está corrompido.", details={"member": info.filename}
        ) from exc
    return bytes(out)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _main_score(name: str) -> int:
    """Rank members so the edital itself comes before its annexes (TR, minutas, planilhas)."""
    base = _fold(posixpath.basename(name))
    score = 0
    if "edital" in base:
        score += 10
    if re.search(r"\b(aviso|pregao|concorrencia|dispensa|licitacao)\b", base):
        score += 4
    if re.search(r"termo[ _-]*de[ _-]*referencia|\btr\b", base):
        score += 2
    if re.search(r"anexo|minuta|planilha|modelo|declarac|ata\b|contrato|etp|estudo", base):
        score -= 6
    if base.endswith(".pdf"):
        score += 1
    return score
