"""One PDF page's text layer and whether it must go to OCR: shared by the reader and its text workers.

It is also the text worker itself (``python text_layer.py``, started by ``text_workers``): it imports the
standard library and PyMuPDF only, never the licita package, so a worker holds PyMuPDF and little else.
"""

from __future__ import annotations

import importlib
import marshal
import re
import select
import struct
from typing import IO, Any

# A page with fewer visible characters than this but with images is treated as scanned.
MIN_TEXT_CHARS = 25
# ... and so is one whose text layer is mostly unmapped glyphs (U+FFFD, private-use code points).
MAX_JUNK_SHARE = 0.3

_JUNK_RE = re.compile("[\ufffd\ue000-\uf8ff]")  # never whitespace: counted on the page as on its visible chars

# (text, needs OCR), or None when the page could not be read at all
PageText = tuple[str, bool] | None
HEADER = struct.Struct("<I")  # every frame on a worker's pipes: its length, then its marshal bytes
IDLE_EXIT_SECONDS = 120.0  # a worker with nothing to read leaves (~55 MiB back); the next long PDF starts one


def usable_text(text: str) -> bool:
    """Whether a page's text layer can be used as it is (else the page goes to OCR if it has images).

    Runs on every page of every PDF: a regex counts the junk (no Python loop per character), and a
    junk-free page with enough visible characters in its first lines needs no full count.
    """
    junk = len(_JUNK_RE.findall(text))
    if not junk and len("".join(text[:200].split())) >= MIN_TEXT_CHARS:
        return True
    visible = len("".join(text.split()))
    if visible < MIN_TEXT_CHARS:
        return False
    return junk <= MAX_JUNK_SHARE * visible


def read_page(doc: Any, index: int) -> PageText:
    """The 0-based page's text and whether it needs OCR; a broken page is None (it must not lose the document)."""
    try:
        page = doc.load_page(index)
        text = page.get_text()
        needs_ocr = not usable_text(text) and bool(page.get_images(full=False))
    except Exception:  # PyMuPDF raises several error types for one damaged page
        return None
    if needs_ocr and len("".join(text.split())) >= MIN_TEXT_CHARS:
        text = ""  # mostly unmapped glyphs: OCR replaces it rather than being glued to it
    return text, needs_ocr


def read_pages(data: bytes, start: int, stop: int) -> list[PageText]:
    """Pages ``start``..``stop - 1`` of the PDF in ``data``, in order, by one reader."""
    pymupdf: Any = importlib.import_module("pymupdf")  # lazy: only readers and workers load it

    doc = pymupdf.open(stream=data, filetype="pdf")
    try:
        if doc.needs_pass:
            doc.authenticate("")
        return [read_page(doc, i) for i in range(start, stop)]
    finally:
        doc.close()


def read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("text worker closed its pipe")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: IO[bytes]) -> Any:
    return marshal.loads(read_exactly(stream, HEADER.unpack(read_exactly(stream, 4))[0]))


def write_frame(stream: IO[bytes], value: Any) -> None:
    """Pipes are unbuffered on both sides (a buffered reader may hold a frame that ``select`` then no longer
    sees), so a raw write may be partial: loop until all of it is out."""
    body = marshal.dumps(value)
    frame = memoryview(HEADER.pack(len(body)) + body)
    while frame:
        written = stream.write(frame)
        frame = frame[written or 0:]


def serve(stdin: IO[bytes], stdout: IO[bytes], idle_exit: float = IDLE_EXIT_SECONDS) -> None:
    """The worker's loop, until EOF or ``idle_exit`` seconds without a request.

    A request ``(data, start, stop)`` is read from its LAST page backwards, one ``(index, PageText)`` frame per
    page, while the caller reads the same range forwards: a ``None`` frame from the caller says they met, and
    the worker ends the answer with a ``None`` frame of its own (also when the document cannot be opened: the
    caller then reads those pages itself). A stop that arrives after the answer ended is ignored."""
    while True:
        if not select.select([stdin], [], [], idle_exit)[0]:
            return
        try:
            request = read_frame(stdin)
        except EOFError:
            return
        if request is None:
            continue
        data, start, stop = request
        try:
            _answer_backwards(stdin, stdout, data, start, stop)
        except EOFError:
            return
        write_frame(stdout, None)


def _answer_backwards(stdin: IO[bytes], stdout: IO[bytes], data: bytes, start: int, stop: int) -> None:
    pymupdf: Any = importlib.import_module("pymupdf")
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception:  # an unreadable document: the caller reads the pages itself and reports why
        return
    try:
        if doc.needs_pass:
            doc.authenticate("")
        for index in range(stop - 1, start - 1, -1):
            write_frame(stdout, (index, read_page(doc, index)))
            if select.select([stdin], [], [], 0)[0] and read_frame(stdin) is None:
                return
    finally:
        doc.close()


def main(idle_exit: float = IDLE_EXIT_SECONDS) -> None:
    """Serve on this process's stdin/stdout, unbuffered (see write_frame) whatever PYTHONUNBUFFERED made of
    ``sys.stdin``/``sys.stdout``."""
    with open(0, "rb", buffering=0, closefd=False) as stdin, open(1, "wb", buffering=0, closefd=False) as stdout:
        serve(stdin, stdout, idle_exit)


if __name__ == "__main__":
    main()
