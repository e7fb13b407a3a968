"""OCR results cached by page hash: in memory (per process) plus an optional directory.

The key is the SHA-256 of the rendered page image and of the OCR settings (engine, version,
language, DPI, segmentation mode), so a page scanned into two different files is read once, and
changing a setting never serves text read with another. Set ``LICITA_OCR_CACHE_DIR`` to keep
results across processes (a local disk, EFS, or /tmp on a warm Lambda).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

CACHE_DIR_ENV = "LICITA_OCR_CACHE_DIR"
MEMORY_ENTRIES = 512  # ~4 KB of text a page: about 2 MB


class OcrCache(Protocol):
    def get(self, key: str) -> str | None: ...

    def put(self, key: str, text: str) -> None: ...


def page_key(image: bytes, settings: str) -> str:
    digest = hashlib.sha256(settings.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(image)
    return digest.hexdigest()


class MemoryOcrCache:
    """Least-recently-used, bounded, thread-safe."""

    def __init__(self, max_entries: int = MEMORY_ENTRIES) -> None:
        self._max = max(1, max_entries)
        self._data: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> str | None:
        with self._lock:
            text = self._data.get(key)
            if text is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return text

    def put(self, key: str, text: str) -> None:
        with self._lock:
            self._data[key] = text
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class DirectoryOcrCache:
    """One UTF-8 file per page under ``root/ab/abcdef….txt``; writes are atomic (rename)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.txt"

    def get(self, key: str) -> str | None:
        try:
            return self._path(key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, key: str, text: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except OSError:  # a full or read-only disk only costs the cache, never the document
            return


class TieredOcrCache:
    """Memory first, then the directory (a directory hit is promoted to memory)."""

    def __init__(self, memory: MemoryOcrCache, directory: OcrCache | None = None) -> None:
        self.memory = memory
        self.directory = directory

    def get(self, key: str) -> str | None:
        text = self.memory.get(key)
        if text is None and self.directory is not None:
            text = self.directory.get(key)
            if text is not None:
                self.memory.put(key, text)
        return text

    def put(self, key: str, text: str) -> None:
        self.memory.put(key, text)
        if self.directory is not None:
            self.directory.put(key, text)


_default: TieredOcrCache | None = None
_default_lock = threading.Lock()


def default_cache() -> TieredOcrCache:
    """The process-wide cache (directory tier only when ``LICITA_OCR_CACHE_DIR`` is set)."""
    global _default
    with _default_lock:
        if _default is None:
            folder = os.environ.get(CACHE_DIR_ENV, "").strip()
            _default = TieredOcrCache(MemoryOcrCache(), DirectoryOcrCache(folder) if folder else None)
        return _default
