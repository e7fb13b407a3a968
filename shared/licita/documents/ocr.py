"""OCR of image-only pages with Tesseract (Debian ``tesseract-ocr-por``).

Tesseract runs inside this process through ``tesserocr`` when it is installed (``ocr_inprocess``:
no process start and model load per page), else as one CLI process per page; a page the in-process
engine fails on is read again by the CLI. ``OcrSettings`` holds the choices that were made by
measurement (``tests/bench/bench_ocr.py``): engine, render DPI, page-segmentation mode and the image
format. The Debian ``por.traineddata`` is the LSTM-only "fast" model, so there is no engine mode to choose.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from licita.core.config import get_settings
from licita.documents import ocr_inprocess
from licita.documents.errors import OcrUnavailable

OCR_LANG = "por"
OCR_TIMEOUT_S = 180
# One Tesseract page per core: on Lambda the analysis function's memory buys its cores (AnalysisMemorySize:
# 10,240 MB is 6 vCPUs against ~2 at the default 3,008 MB). bench_ocr --scaling: 1 -> 2 workers gave 0.92 -> 1.58
# pages/s here (86% per added core), so 6 would read ~4 pages/s at this machine's speed (an estimate).
OCR_WORKERS = max(1, min(8, os.cpu_count() or 1))
# Chosen by measurement (bench_ocr.py): see OcrSettings.
OCR_DPI = 200
OCR_PSM = 3
OCR_IMAGE_FORMAT = "pnm"  # uncompressed: rendering PNG cost ~0.2 s of CPU a page for nothing
# "auto": Tesseract in this process (tesserocr) when it can load the language, else the CLI; "cli": the CLI only.
ENGINES = ("auto", "cli")
# The priority pages (cover, preamble, first table page: the first result) are read in process too, as on
# Lambda (no CLI there): the same text everywhere, and the first result ~1.3 s sooner on the 48-page Turvelandia
# scan (5.4-5.8 s against 6.9-7.0 with Debian's CLI, bench_ocr). They kept Debian's CLI until the session-time
# rule read tesserocr's "o9HOQMIN" (Q for a zero); every scanned document keeps its score with either engine.
OCR_ENGINE = "auto"
# The other pages: tesserocr at 150 dpi kept every score and the vocabulary share (0.931 vs 0.927) at
# ~1.1 CPU-s a page against ~1.9 for the CLI at 200 dpi. At 120 dpi an item count was lost; psm 6 and
# tessedit_do_invert=0 saved nothing measurable; RapidOCR's PP-OCRv6 small (ONNX Runtime) costs ~8 CPU-s.
OCR_REST_ENGINE = "auto"
OCR_REST_DPI = 150


class FallbackText(str):
    """Text the CLI read after the in-process engine failed: not what the settings' cache key names."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class OcrSettings:
    dpi: int = OCR_DPI
    psm: int = OCR_PSM
    lang: str = OCR_LANG
    image_format: str = OCR_IMAGE_FORMAT  # "pnm" or "png"
    engine: str = OCR_ENGINE  # see ENGINES
    # For the pages outside the priority set; None: as above.
    rest_engine: str | None = None
    rest_dpi: int | None = None

    def __post_init__(self) -> None:
        for engine in (self.engine, self.rest_engine or self.engine):
            if engine not in ENGINES:
                raise ValueError(f"unknown OCR engine {engine!r}; expected one of {ENGINES}")

    def rest(self) -> OcrSettings:
        """The settings the pages outside the priority set are read with."""
        return replace(self, engine=self.rest_engine or self.engine, dpi=self.rest_dpi or self.dpi,
                       rest_engine=None, rest_dpi=None)

    def in_process(self) -> bool:
        """Whether pages are read by tesserocr (decided now: it depends on what is installed)."""
        return reads_in_process(self.engine, self.lang)

    def key(self) -> str:
        """Identifies the text these settings produce (for the page cache): engine, version, language, DPI, psm."""
        engine = f"tesserocr/{ocr_inprocess.version()}" if self.in_process() else f"tesseract/{tesseract_version()}"
        return f"{engine}/{self.lang}/dpi{self.dpi}/psm{self.psm}"


DEFAULT_SETTINGS = OcrSettings(rest_engine=OCR_REST_ENGINE, rest_dpi=OCR_REST_DPI)


def tesseract_path() -> str | None:
    return shutil.which(get_settings().licita_tesseract)


def tessdata_folder() -> str | None:
    """Tesseract's language data: ``LICITA_TESSDATA`` when that folder exists, else the installed CLI's folder.

    The template's ``/opt/tessdata`` also reaches the local runtime, where the CLI's folder is the one that exists.
    """
    configured = get_settings().licita_tessdata
    if configured and Path(configured).is_dir():
        return configured
    return ocr_inprocess.tessdata_dir(tesseract_path())


def reads_in_process(engine: str, lang: str) -> bool:
    """Whether ``engine`` reads in this process: "auto" whenever tesserocr can, "cli" only where no CLI is
    installed (Lambda: the analysis layer ships tesserocr and ``por.traineddata``, not the binary)."""
    if engine == "auto" or (engine == "cli" and tesseract_path() is None):
        return ocr_inprocess.available(tessdata_folder(), lang)
    return False


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
              timeout: float = OCR_TIMEOUT_S, config: tuple[str, ...] = (), engine: str = OCR_ENGINE) -> str:
    """OCR one image (PNM, PNG, TIFF, JPEG); raise ``OcrUnavailable`` (never crash the document) on failure.

    ``dpi`` must be given for formats without a resolution (PNM): Tesseract would assume 70 dpi
    and its layout analysis would read worse. ``engine="auto"`` reads in this process when
    tesserocr can (``reads_in_process``); if that fails the CLI reads the page and the text comes
    back as ``FallbackText``.
    """
    if reads_in_process(engine, lang):
        try:
            return ocr_inprocess.read(image, folder=tessdata_folder(), lang=lang, psm=psm, dpi=dpi, config=config)
        except Exception as exc:  # a bad image or a broken install: the CLI is the reference path
            if tesseract_path() is None:
                raise OcrUnavailable("O OCR da página falhou.") from exc
            return FallbackText(ocr_cli(image, lang=lang, psm=psm, dpi=dpi, timeout=timeout, config=config))
    return ocr_cli(image, lang=lang, psm=psm, dpi=dpi, timeout=timeout, config=config)


def ocr_cli(image: bytes, *, lang: str = OCR_LANG, psm: int = OCR_PSM, dpi: int | None = None,
            timeout: float = OCR_TIMEOUT_S, config: tuple[str, ...] = ()) -> str:
    """OCR one image with a ``tesseract`` process."""
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
    return functools.partial(ocr_image, lang=settings.lang, psm=settings.psm, dpi=settings.dpi,
                             engine=settings.engine)


def ocr_pages(
    rendered: Iterable[tuple[int, bytes]],
    *,
    workers: int = OCR_WORKERS,
    ocr: Callable[[bytes], str] = ocr_png,
) -> dict[int, str | OcrUnavailable]:
    """OCR (page number, image) pairs on a small thread pool; failures come back as exceptions.

    Rendering happens in the caller's thread (PyMuPDF objects are not thread-safe); only the OCR
    runs in parallel (subprocesses, or tesserocr with the GIL released).
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
