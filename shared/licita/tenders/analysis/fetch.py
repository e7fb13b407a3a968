"""Download the admitted object (never more than the upload limit) and tell its real type by magic bytes."""

from __future__ import annotations

import time

from licita.platform.storage import ObjectMissing, ObjectStorage, ObjectTooLarge
from licita.tenders.analysis.results import Failure, ms
from licita.tenders.uploads import UploadedObject, kind_for, max_upload_bytes

LABELS = {"pdf": "PDF", "docx": "DOCX", "zip": "ZIP"}


def too_large(size: int, limit: int) -> str:
    return (f"Arquivo grande demais ({size / 1_048_576:.1f} MB): o limite é {limit // 1_048_576} MB. "
            "O arquivo foi guardado, mas não será analisado.")


def download(storage: ObjectStorage, obj: UploadedObject, timings: dict[str, float],
             expected_etag: str | None) -> tuple[bytes, int]:
    """The object's bytes; a missing, oversized, empty or meanwhile replaced object is a permanent failure.

    Storage errors (credentials, endpoint) propagate: SQS redelivers and finally dead-letters the message.
    """
    t = time.perf_counter()
    limit = max_upload_bytes()
    if obj.size > limit:  # never download what the policy should have refused
        raise Failure("file_too_large", too_large(obj.size, limit))
    try:
        stored = storage.get_bytes(obj.key, max_bytes=limit)
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
