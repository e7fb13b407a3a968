"""OCR of image-only pages with the Tesseract CLI (Debian ``tesseract-ocr-por``), one process per page.

``OcrSettings`` holds the choices that were made by measurement (``tests/bench/bench_ocr.py``):
render DPI, page-segmentation mode and the image format handed to Tesseract. The Debian
``por.traineddata`` is the LSTM-only "fast" model, so there is no engine mode to choose.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from licita.documents.errors import OcrUnavailable

OCR_LANG = "por"
OCR_TIMEOUT_S = 180
OCR_WORKERS = max(1, min(4, os.cpu_count() or 1))
# Chosen by measurement (bench_ocr.py): see OcrSettings.
OCR_DPI = 200
OCR_PSM = 3
OCR_IMAGE_FORMAT = "pnm"  # uncompressed: rendering PNG cost ~0.2 s of CPU a page for nothing


@dataclass(frozen=True, slots=True)
class OcrSettings:
    dpi: int = OCR_DPI
    psm: int = OCR_PSM
    lang: str = OCR_LANG
    image_format: str = OCR_IMAGE_FORMAT  # "pnm" or "png"

    def key(self) -> str:
        """Identifies the text these settings produce (for the page cache)."""
        return f"tesseract/{tesseract_version()}/{self.lang}/dpi{self.dpi}/psm{self.psm}"


DEFAULT_SETTINGS = OcrSettings()


def tesseract_path() -> str | None:
    return shutil.which(os.environ.get("LICITA_TESSERACT", "tesseract"))


@functools.lru_cache(maxsize=4)
def _version_of(exe: str) -> str:
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    first = (proc.stdout or proc.stderr).decode("utf-8", "replace").strip().splitlines()
    return first[0].split()[-1] if first else "unknown"


def tesseract_version() -> str:
    exe = tesseract_path()
    return _version_of(exe) if exe else "missing"


def ocr_image(image: bytes, *, lang: str = OCR_LANG, psm: int = OCR_PSM, dpi: int | None = None,
              timeout: float = OCR_TIMEOUT_S, config: tuple[str, ...] = ()) -> str:
    """OCR one image (PNG, PNM, TIFF, JPEG); raise ``OcrUnavailable`` (never crash the document) on failure.

    ``dpi`` must be given for formats without a resolution (PNM): Tesseract would assume 70 dpi
    and its layout analysis would read worse.
    """
    exe = tesseract_path()
    if exe is None:
        raise OcrUnavailable("Tesseract não está instalado; a página sem camada de texto não pôde ser lida.")
    # One thread per tesseract process: we parallelise over pages instead (OpenMP oversubscribes).
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    args = [exe, "stdin", "stdout", "-l", lang, "--psm", str(psm)]
    if dpi:
        args += ["--dpi", str(dpi)]
    for item in config:
        args += ["-c", item]
    try:
        proc = subprocess.run(args, input=image, capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OcrUnavailable("O OCR da página excedeu o tempo limite.") from exc
    except OSError as exc:
        raise OcrUnavailable(f"Falha ao executar o Tesseract: {exc}") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrUnavailable(f"O Tesseract falhou: {err[-1] if err else proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def ocr_png(png: bytes, *, lang: str = OCR_LANG, timeout: float = OCR_TIMEOUT_S) -> str:
    """OCR one PNG image with the default page segmentation (kept for existing callers)."""
    return ocr_image(png, lang=lang, psm=OCR_PSM, timeout=timeout)


def engine_for(settings: OcrSettings) -> Callable[[bytes], str]:
    """The OCR callable for ``settings`` (image bytes in, text out)."""
    return functools.partial(ocr_image, lang=settings.lang, psm=settings.psm, dpi=settings.dpi)


def ocr_pages(
    rendered: Iterable[tuple[int, bytes]],
    *,
    workers: int = OCR_WORKERS,
    ocr: Callable[[bytes], str] = ocr_png,
) -> dict[int, str | OcrUnavailable]:
    """OCR (page number, image) pairs on a small thread pool; failures come back as exceptions.

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
