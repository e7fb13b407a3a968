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
import sys
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
    """Pages ``start``..``stop - 1`` of the PDF in ``data`` (what a text worker runs)."""
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


def serve(stdin: IO[bytes], stdout: IO[bytes], idle_exit: float = IDLE_EXIT_SECONDS) -> None:
    """The worker's loop: one (data, start, stop) frame in, that range's page texts out, until EOF or
    ``idle_exit`` seconds without a frame."""
    while True:
        if not select.select([stdin], [], [], idle_exit)[0]:
            return
        try:
            header = read_exactly(stdin, 4)
        except EOFError:
            return
        data, start, stop = marshal.loads(read_exactly(stdin, HEADER.unpack(header)[0]))
        try:
            answer: Any = read_pages(data, start, stop)
        except Exception:  # an unreadable document: the caller reads the pages itself and reports why
            answer = None
        frame = marshal.dumps(answer)
        stdout.write(HEADER.pack(len(frame)) + frame)
        stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
