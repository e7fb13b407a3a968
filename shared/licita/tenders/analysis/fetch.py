"""Download the admitted object (never more than the upload limit) and tell its real type by magic bytes."""

from __future__ import annotations

import time
from concurrent.futures import Future

from licita.core.tasks import process_pool
from licita.platform.storage import ObjectMissing, ObjectStorage, ObjectTooLarge, StoredObject
from licita.tenders.analysis.results import Failure, ms
from licita.tenders.uploads import UploadedObject, kind_for, max_upload_bytes

LABELS = {"pdf": "PDF", "docx": "DOCX", "zip": "ZIP"}


def too_large(size: int, limit: int) -> str:
    return (f"Arquivo grande demais ({size / 1_048_576:.1f} MB): o limite é {limit // 1_048_576} MB. "
            "O arquivo foi guardado, mas não será analisado.")


def prefetch(storage: ObjectStorage, obj: UploadedObject) -> Future[StoredObject] | None:
    """Start reading the object while the claim's transaction runs: neither waits for the other, and the
    claim still decides whether the bytes are used (a skipped delivery drops them)."""
    if obj.size > max_upload_bytes():
        return None
    return process_pool("analysis-prefetch", 2).submit(storage.get_bytes, obj.key, max_bytes=max_upload_bytes())


def download(storage: ObjectStorage, obj: UploadedObject, timings: dict[str, float],
             expected_etag: str | None, prefetched: Future[StoredObject] | None = None) -> tuple[bytes, int]:
    """The object's bytes (``prefetched`` when given); a missing, oversized, empty or meanwhile replaced object
    is a permanent failure. ``timings["download"]`` is what the run waited for them.

    Storage errors (credentials, endpoint) propagate: SQS redelivers and finally dead-letters the message.
    """
    t = time.perf_counter()
    limit = max_upload_bytes()
    if obj.size > limit:  # never download what the policy should have refused
        raise Failure("file_too_large", too_large(obj.size, limit))
    try:
        stored = _admitted(prefetched, expected_etag) or storage.get_bytes(obj.key, max_bytes=limit)
    except ObjectMissing:
        raise Failure("file_missing", "O arquivo não foi encontrado no armazenamento; envie-o novamente.") from None
    except ObjectTooLarge as exc:
        raise Failure("file_too_large", too_large(exc.size, limit)) from None
    timings["download"] = ms(t)
    if expected_etag and stored.info.etag and stored.info.etag != expected_etag:
        raise Failure("file_replaced", "O arquivo foi substituído durante a análise e não será lido; "
                      "envie o edital novamente.")
    if not stored.data:
        raise Failure("empty_file", "O arquivo está vazio (0 bytes).")
    return stored.data, len(stored.data)


def _admitted(prefetched: Future[StoredObject] | None, etag: str | None) -> StoredObject | None:
    """The early read if it holds the version the claim admitted; else None and the object is read again (so
    an error, or a version replaced in between, is judged on a read made after the claim)."""
    if prefetched is None:
        return None
    try:
        stored = prefetched.result()
    except Exception:  # read again below: that read's error is the one that counts
        return None
    return stored if not etag or stored.info.etag == etag else None


def sniff(data: bytes, filename: str) -> str:
    """The real kind from magic bytes; a lying extension is a clear, permanent failure."""
    head = data[:1024]
    actual = "pdf" if b"%PDF-" in head else "zip" if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") else None
    declared = kind_for(filename)
    if declared is None:
        raise Failure("unsupported_file_type", "Tipo de arquivo não aceito: envie PDF, DOCX ou ZIP.")
    if actual is None:
        raise Failure("content_mismatch",
                      f"O conteúdo do arquivo não é um {LABELS[declared]} válido (a extensão não corresponde "
                      "ao conteúdo). Envie o edital em PDF, DOCX ou ZIP.")
    expected = "zip" if declared in ("docx", "zip") else "pdf"
    if actual != expected:
        raise Failure("content_mismatch",
                      f"O arquivo tem extensão de {LABELS[declared]}, mas o conteúdo é {LABELS[actual]}. "
                      "Renomeie-o com a extensão correta e envie de novo.")
    return declared
