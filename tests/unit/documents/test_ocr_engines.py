"""The OCR engines on real rendered images: Tesseract in process (tesserocr) and its CLI fallback,
the settings' cache keys, and which pages the careful (priority) and the cheaper settings read."""

from __future__ import annotations

import importlib
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from licita.core.config import reset_settings
from licita.documents import MemoryOcrCache, OcrSettings, ocr_inprocess, read_document
from licita.documents import ocr as ocr_mod
from licita.documents.ocr import DEFAULT_SETTINGS, FallbackText, ocr_image
from licita.documents.ocr_cache import page_key
from licita.documents.pdf_reader import iter_pdf

TENDERS_DIR = Path(__file__).resolve().parents[4] / "shared" / "data" / "tenders"
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract (and its por data) "
                                     "not installed; tesserocr itself is a declared dependency and never skipped")


def _render(text: str, dpi: int = 150, fmt: str = "pnm") -> bytes:
    """A picture of ``text`` (gray), as the OCR job renders scanned pages."""
    pymupdf: Any = importlib.import_module("pymupdf")
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=120)
    page.insert_text((20, 60), text, fontsize=18)
    image: bytes = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY).tobytes(fmt)
    doc.close()
    return image


def test_tesserocr_is_installed() -> None:
    # a declared dependency (requirements.txt): its absence is a broken install, not a reason to skip
    assert ocr_inprocess.version() is not None


@needs_tesseract
@pytest.mark.parametrize("fmt", ["pnm", "png"])
def test_in_process_reads_portuguese(fmt: str) -> None:
    folder = ocr_mod.tessdata_folder()
    assert ocr_inprocess.available(folder, "por")
    text = ocr_inprocess.read(_render("PREGÃO ELETRÔNICO Nº 005/2025", fmt=fmt), folder=folder,
                              lang="por", psm=3, dpi=150)
    assert "PREGÃO ELETRÔNICO" in text and "005/2025" in text


@needs_tesseract
def test_auto_engine_reads_like_the_cli() -> None:
    image = _render("Licitação: aquisição de serviços 19/11/2025")
    in_process = ocr_image(image, dpi=150, engine="auto")
    assert not isinstance(in_process, FallbackText)
    assert in_process.split() == ocr_image(image, dpi=150, engine="cli").split()


@needs_tesseract
def test_idle_instances_are_reused_and_threads_get_their_own() -> None:
    folder = ocr_mod.tessdata_folder()
    images = [_render(f"PAGINA {n} DO EDITAL") for n in range(1, 7)]
    texts: dict[int, str] = {}

    def read(n: int) -> None:
        texts[n] = ocr_inprocess.read(images[n], folder=folder, lang="por", psm=3, dpi=150)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(len(images))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(f"PAGINA {n + 1}" in texts[n] for n in range(len(images)))
    assert folder is not None
    idle = ocr_inprocess._idle[(folder, "por", 3)]
    assert 1 <= len(idle) <= ocr_inprocess.IDLE_APIS
    before = list(idle)
    ocr_inprocess.read(images[0], folder=folder, lang="por", psm=3, dpi=150)
    assert sorted(map(id, ocr_inprocess._idle[(folder, "por", 3)])) == sorted(map(id, before))


@needs_tesseract
def test_a_failing_in_process_read_falls_back_to_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("libtesseract crashed")

    monkeypatch.setattr(ocr_inprocess, "read", broken)
    text = ocr_image(_render("PROCESSO 9580/2025"), dpi=150, engine="auto")
    assert isinstance(text, FallbackText) and "9580/2025" in text


def test_missing_tesseract_disables_both_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr_mod, "tesseract_path", lambda: None)
    assert not OcrSettings(engine="auto").in_process()
    with pytest.raises(ocr_mod.OcrUnavailable, match="Tesseract"):
        ocr_image(_render("X"), dpi=150, engine="auto")


@needs_tesseract
def test_cache_keys_name_engine_version_and_dpi() -> None:
    assert DEFAULT_SETTINGS.key() == f"tesserocr/{ocr_inprocess.version()}/por/dpi200/psm3"
    assert OcrSettings(engine="cli").key() == f"tesseract/{ocr_mod.tesseract_version()}/por/dpi200/psm3"
    rest = DEFAULT_SETTINGS.rest()
    assert rest.engine == "auto" and rest.dpi == 150
    assert rest.key() == f"tesserocr/{ocr_inprocess.version()}/por/dpi150/psm3"
    assert OcrSettings().rest() == OcrSettings()
    with pytest.raises(ValueError, match="unknown OCR engine"):
        OcrSettings(rest_engine="rapidocr")


class _Recorder:
    """Records the engine and DPI each page was read with (answers with the call number)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []
        self.lock = threading.Lock()

    def __call__(self, image: bytes, **kw: Any) -> str:
        with self.lock:
            self.calls.append((kw["engine"], kw["dpi"]))
            return f"PREGÃO ELETRÔNICO Nº {len(self.calls)}/2025 texto lido por OCR"


@pytest.mark.parametrize("two_phase", [True, False])
def test_priority_pages_keep_the_careful_settings(scan_pdf: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch,
                                                   ocr_orders: list[list[int]], two_phase: bool) -> None:
    recorder = _Recorder()
    monkeypatch.setattr(ocr_mod, "ocr_image", recorder)
    data = scan_pdf("scan:CAPA", "scan:PREAMBULO", "scan:OBJETO", "scan:X", "table:ITENS", "scan:Y")
    settings = OcrSettings(engine="cli", dpi=60, rest_engine="auto", rest_dpi=40)
    orders = ocr_orders
    list(iter_pdf(data, cache=MemoryOcrCache(), workers=1, settings=settings, first_pages=3 if two_phase else None))
    assert orders == [[0, 1, 2, 4, 3, 5]]
    # one worker: calls come in submission order; cover, preamble, object and the table page are careful
    assert recorder.calls == [("cli", 60)] * 4 + [("auto", 40)] * 2


@needs_tesseract
def test_real_read_caches_each_page_under_its_own_settings(scan_pdf: Callable[..., bytes]) -> None:
    pymupdf: Any = importlib.import_module("pymupdf")
    data = scan_pdf("scan:PREGAO ELETRONICO 005/2025", "scan:OBJETO AQUISICAO", "scan:ANEXO I DO EDITAL")
    settings = OcrSettings(engine="cli", dpi=100, rest_engine="auto", rest_dpi=90)
    cache = MemoryOcrCache()
    docs = list(read_document(data, "scan.pdf", first_pages=1, cache=cache, settings=settings))
    final = docs[-1]
    assert final.complete and "005/2025" in final.pages[0].text and "ANEXO" in final.pages[2].text
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        def key(index: int, how: OcrSettings) -> str:
            pix = doc.load_page(index).get_pixmap(dpi=how.dpi, colorspace=pymupdf.csGRAY)
            return page_key(pix.tobytes("pnm"), how.key())

        assert cache.get(key(0, settings)) is not None  # the cover: the CLI at 100 dpi
        assert cache.get(key(2, settings.rest())) is not None  # the rest: tesserocr at 90 dpi
        assert cache.get(key(2, settings)) is None
    hits = cache.hits
    again = list(read_document(data, "scan.pdf", first_pages=1, cache=cache, settings=settings))
    assert [p.text for p in again[-1].pages] == [p.text for p in final.pages] and cache.hits == hits + 3


def test_the_rest_starts_once_the_priority_pages_are_read(scan_pdf: Callable[..., bytes],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Else a cheaper rest engine could finish every page first, and the first result would never come."""
    spans: list[tuple[str, float, float]] = []

    def slow_careful(image: bytes, **kw: Any) -> str:
        start = time.monotonic()
        time.sleep(0.3 if kw["engine"] == "cli" else 0.01)
        spans.append((kw["engine"], start, time.monotonic()))
        return "PREGÃO ELETRÔNICO Nº 5/2025 texto lido por OCR"

    monkeypatch.setattr(ocr_mod, "ocr_image", slow_careful)
    data = scan_pdf(*(f"scan:PAGINA {n}" for n in range(1, 9)))
    reads = list(iter_pdf(data, cache=MemoryOcrCache(), workers=2, first_pages=3,
                          settings=OcrSettings(engine="cli", dpi=40, rest_engine="auto")))
    assert [r.complete for r in reads] == [False, True] and reads[0].pending == [4, 5, 6, 7, 8]
    careful_end = max(end for engine, _, end in spans if engine == "cli")
    assert min(start for engine, start, _ in spans if engine == "auto") >= careful_end


@pytest.fixture
def lambda_layout(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    """As deployed on Lambda: no ``tesseract`` binary, only tesserocr and the layer's ``tessdata/por.traineddata``."""
    source = ocr_mod.tessdata_folder()
    if source is None:
        pytest.skip("no por.traineddata installed to copy into the layer-shaped folder")
    layer = tmp_path / "opt" / "tessdata"
    layer.mkdir(parents=True)
    shutil.copy(f"{source}/por.traineddata", layer / "por.traineddata")
    monkeypatch.setenv("LICITA_TESSERACT", str(tmp_path / "no-such-tesseract"))
    monkeypatch.setenv("LICITA_TESSDATA", str(layer))
    reset_settings()
    yield layer
    reset_settings()


@needs_tesseract
def test_without_the_cli_both_engines_read_in_process_from_the_layer_data(lambda_layout: Any) -> None:
    assert ocr_mod.tesseract_path() is None and ocr_mod.tessdata_folder() == str(lambda_layout)
    image = _render("PREGÃO ELETRÔNICO Nº 017/2025")
    for engine in ("cli", "auto"):
        text = ocr_image(image, dpi=150, engine=engine)
        assert "017/2025" in text and not isinstance(text, FallbackText)
    # the cache key names the engine that really read the priority pages
    assert DEFAULT_SETTINGS.in_process() and DEFAULT_SETTINGS.key().startswith("tesserocr/")


@needs_tesseract
def test_without_the_cli_a_scanned_pdf_is_read_whole(lambda_layout: Any, scan_pdf: Callable[..., bytes]) -> None:
    data = scan_pdf("scan:PREGAO ELETRONICO 005/2025", "table:ITENS DO LOTE", "scan:ANEXO II MINUTA")
    final = list(read_document(data, "scan.pdf", first_pages=1, cache=MemoryOcrCache()))[-1]
    assert final.complete and "005/2025" in final.pages[0].text and "ANEXO" in final.pages[2].text


def test_without_the_cli_or_the_language_data_pages_fail_with_a_reason(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Any) -> None:
    monkeypatch.setenv("LICITA_TESSERACT", str(tmp_path / "no-such-tesseract"))
    monkeypatch.setenv("LICITA_TESSDATA", str(tmp_path / "missing"))
    reset_settings()
    try:
        assert ocr_mod.tessdata_folder() is None and not DEFAULT_SETTINGS.in_process()
        with pytest.raises(ocr_mod.OcrUnavailable, match="Tesseract não está instalado"):
            ocr_image(_render("X"), dpi=150, engine="cli")
    finally:
        reset_settings()


@needs_tesseract
def test_leptonica_messages_stay_out_of_the_process_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    # Turvelandia's cover makes the wheel's Leptonica print "Error in boxClipToRectangle" (harmless) when not quieted
    scan = TENDERS_DIR / "turvelandia-go-pe-005-2025-edital-scanned.pdf"
    if not scan.is_file():
        pytest.skip("needs ../shared/data (the scanned Turvelandia edital)")
    pymupdf: Any = importlib.import_module("pymupdf")
    with pymupdf.open(scan) as doc:
        image = doc.load_page(0).get_pixmap(dpi=200, colorspace=pymupdf.csGRAY).tobytes("pnm")
    text = ocr_image(image, dpi=200, engine="auto")
    assert "19/11/2025" in text
    assert "Error in" not in capfd.readouterr().err
