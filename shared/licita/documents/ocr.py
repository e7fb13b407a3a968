"""OCR of image-only pages with the Tesseract CLI (Debian ``tesseract-ocr-por``), one process per page."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from licita.documents.errors import OcrUnavailable

OCR_LANG = "por"
OCR_TIMEOUT_S = 180
OCR_WORKERS = max(1, min(4, os.cpu_count() or 1))


def tesseract_path() -> str | None:
    return shutil.which(os.environ.get("LICITA_TESSERACT", "tesseract"))


def ocr_png(png: bytes, *, lang: str = OCR_LANG, timeout: float = OCR_TIMEOUT_S) -> str:
    """OCR one PNG image; raise ``OcrUnavailable`` (never crash the whole document) on any failure."""
    exe = tesseract_path()
    if exe is None:
        raise OcrUnavailable("Tesseract não está instalado; a página sem camada de texto não pôde ser lida.")
    # One thread per tesseract process: we parallelise over pages instead (OpenMP oversubscribes).
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "-l", lang, "--psm", "3"],
            input=png, capture_output=True, timeout=timeout, env=env, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrUnavailable("O OCR da página excedeu o tempo limite.") from exc
    except OSError as exc:
        raise OcrUnavailable(f"Falha ao executar o Tesseract: {exc}") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrUnavailable(f"O Tesseract falhou: {err[-1] if err else proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def ocr_pages(
    rendered: Iterable[tuple[int, bytes]],
    *,
    workers: int = OCR_WORKERS,
    ocr: Callable[[bytes], str] = ocr_png,
) -> dict[int, str | OcrUnavailable]:
    """OCR (page number, PNG) pairs on a small thread pool; failures come back as exceptions.

    Rendering happens in the caller's thread (PyMuPDF objects are not thread-safe); only the
    subprocess calls run in parallel, so the GIL is not a bottleneck.
    """
    results: dict[int, str | OcrUnavailable] = {}
    futures: dict[int, Future[str]] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ocr") as pool:
        for number, png in rendered:
            futures[number] = pool.submit(ocr, png)
        for number, fut in futures.items():
            try:
                results[number] = fut.result()
            except OcrUnavailable as exc:
                results[number] = exc
    return results
