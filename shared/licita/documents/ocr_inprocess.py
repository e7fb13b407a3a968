"""Tesseract inside this process (``tesserocr``, the C API): no process start and model load per page.

Same engine and the same ``por.traineddata`` as the CLI (the installed ``tesseract``'s tessdata folder, or
``LICITA_TESSDATA``: on Lambda the analysis layer ships tesserocr and the data, and no CLI), about
0.5 CPU-s a page cheaper on the scanned editais (``tests/bench/bench_ocr.py``).
A ``PyTessBaseAPI`` is not thread-safe: each page in flight takes one from a small idle list and
gives it back, so a warm process loads the model once per worker. tesserocr releases the GIL while
it reads, so the OCR thread pool still runs pages in parallel. The wheel's libtesseract is built
without OpenMP: one thread a page, as the CLI gets with ``OMP_THREAD_LIMIT=1``.
"""

from __future__ import annotations

import ctypes
import functools
import importlib
import io
import re
import subprocess
import threading
from pathlib import Path
from typing import Any

LEPTONICA_SEVERITY_NONE = 6  # leptonica's L_SEVERITY_NONE (environ.h)
IDLE_APIS = 8  # as many as the OCR workers of one job (ocr.OCR_WORKERS); extra instances are dropped, not kept
_PNM = re.compile(rb"P([56])\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s")

_idle: dict[tuple[str, str, int], list[Any]] = {}
_idle_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _module() -> Any | None:
    try:
        module = importlib.import_module("tesserocr")  # lazy: keeps cold starts cheap
    except (ImportError, OSError):  # not installed, or its bundled libraries do not load here
        return None
    _quiet_leptonica(Path(module.__file__ or "").parent)
    return module


def _quiet_leptonica(package: Path) -> None:
    """Silence the wheel's Leptonica: it prints "Error in boxClipToRectangle" and the like to the process's
    stderr for pages Tesseract reads fine (the CLI's stderr was captured; in process it reached the logs)."""
    for library in sorted(package.parent.glob("tesserocr.libs/libleptonica*.so*")):
        try:
            ctypes.CDLL(str(library)).setMsgSeverity(LEPTONICA_SEVERITY_NONE)
        except (OSError, AttributeError):  # another build of the wheel: its messages stay, nothing else changes
            continue


@functools.lru_cache(maxsize=4)
def tessdata_dir(exe: str | None) -> str | None:
    """The tessdata folder of the installed ``tesseract`` (Debian: /usr/share/tesseract-ocr/5/tessdata)."""
    if exe is None:
        return None
    try:
        proc = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    found = re.search(r'"([^"]+)"', out)
    return found.group(1) if found and Path(found.group(1)).is_dir() else None


def version() -> str | None:
    """libtesseract's version (e.g. ``5.5.4``), or None when tesserocr cannot be used."""
    module = _module()
    if module is None:
        return None
    first = str(module.tesseract_version()).splitlines()
    return first[0].split()[-1] if first else "unknown"


def available(folder: str | None, lang: str) -> bool:
    """True when tesserocr imports and the tessdata ``folder`` has ``lang``'s traineddata."""
    return _module() is not None and folder is not None and (Path(folder) / f"{lang}.traineddata").is_file()


def _checkout(folder: str, lang: str, psm: int) -> Any:
    with _idle_lock:
        pool = _idle.get((folder, lang, psm))
        if pool:
            return pool.pop()
    module = _module()
    assert module is not None
    return module.PyTessBaseAPI(path=folder, lang=lang, psm=psm)


def _checkin(folder: str, lang: str, psm: int, api: Any) -> None:
    with _idle_lock:
        pool = _idle.setdefault((folder, lang, psm), [])
        if len(pool) < IDLE_APIS:
            pool.append(api)
            return
    api.End()


def _set_image(api: Any, image: bytes) -> bytes | None:
    """Hand ``image`` to ``api``; return the buffer Tesseract reads from (it does not copy it)."""
    head = _PNM.match(image)
    if head is not None and head.group(4) == b"255":
        channels = 1 if head.group(1) == b"5" else 3
        width, height = int(head.group(2)), int(head.group(3))
        pixels = image[head.end():head.end() + width * height * channels]
        if len(pixels) == width * height * channels:
            api.SetImageBytes(pixels, width, height, channels, width * channels)
            return pixels
    pil: Any = importlib.import_module("PIL.Image")  # PNG, TIFF, JPEG: not the default path
    with pil.open(io.BytesIO(image)) as picture:
        picture.load()
        api.SetImage(picture)
    return None


def read(image: bytes, *, folder: str | None, lang: str, psm: int, dpi: int | None,
         config: tuple[str, ...] = ()) -> str:
    """OCR one image in this process with the language data in ``folder``; raises on any failure."""
    if folder is None:
        raise RuntimeError("no tessdata folder")
    api = _checkout(folder, lang, psm)
    healthy = False
    try:
        for item in config:
            name, _, value = item.partition("=")
            api.SetVariable(name, value)
        buffer = _set_image(api, image)
        if dpi:
            api.SetSourceResolution(dpi)
        text: str = api.GetUTF8Text()
        del buffer  # kept alive until Tesseract has read it
        api.Clear()
        healthy = not config  # variables stick to the instance: do not hand it to the next page
        return text
    finally:
        if healthy:
            _checkin(folder, lang, psm, api)
        else:
            api.End()
