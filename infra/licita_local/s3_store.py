"""Disk mirror of moto's S3 buckets, so uploaded objects survive a restart of the local runtime.

moto keeps objects in memory. The S3 front (s3_guard.py) runs moto in its own process and, after every
successful write to a bucket, mirrors that bucket here: one ``<sha256(key)>.bin`` (the bytes) and one
``.json`` (key, ETag, metadata, last modified) per object under ``<data dir>/s3/<bucket>/``. On start the
buckets and their latest objects are put back into moto without S3 event notifications (they were sent
when the object was first written). Versions, ACLs, tags and unfinished multipart uploads are not kept.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("licita.local.s3")

_BUCKET_MARK = ".bucket"  # present in every mirrored bucket directory (even an empty bucket)


def _backend() -> Any:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def _object_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class ObjectStore:
    """Mirrors buckets to ``root`` and restores them into moto's in-process S3 backend."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._etags: dict[str, dict[str, str]] = {}  # bucket -> key -> ETag on disk

    def _bucket_dir(self, bucket: str) -> Path:
        return self.root / bucket

    # ------------------------------------------------------------------ restore
    def restore(self) -> int:
        """Re-create every mirrored bucket and object in moto; returns the number of objects."""
        backend = _backend()
        count = 0
        with self._lock:
            for bdir in sorted(p for p in self.root.iterdir() if (p / _BUCKET_MARK).exists()):
                bucket = bdir.name
                if bucket not in backend.buckets:
                    backend.create_bucket(bucket, "us-east-1")
                etags: dict[str, str] = {}
                for meta_path in bdir.glob("*.json"):
                    try:
                        meta = json.loads(meta_path.read_text())
                        data = meta_path.with_suffix(".bin").read_bytes()
                    except (OSError, ValueError):
                        log.warning("skipping unreadable mirrored object %s", meta_path)
                        continue
                    key = backend.put_object(bucket, meta["key"], data, etag=meta["etag"].strip('"'),
                                             disable_notification=True)
                    key.set_metadata(dict(meta.get("metadata") or {}))
                    if meta.get("last_modified"):
                        key.last_modified = datetime.datetime.fromisoformat(meta["last_modified"])
                    etags[meta["key"]] = key.etag
                    count += 1
                self._etags[bucket] = etags
        return count

    # ------------------------------------------------------------------ mirror
    def sync(self, bucket: str) -> None:
        """Make the mirror of ``bucket`` equal to moto's: write new/changed objects, drop deleted ones."""
        from moto.s3.models import FakeKey

        backend = _backend()
        with self._lock:
            bdir = self._bucket_dir(bucket)
            live = backend.buckets.get(bucket)
            if live is None:  # bucket deleted
                self._etags.pop(bucket, None)
                shutil.rmtree(bdir, ignore_errors=True)
                return
            bdir.mkdir(parents=True, exist_ok=True)
            (bdir / _BUCKET_MARK).touch()
            known = self._etags.setdefault(bucket, {})
            current: dict[str, Any] = {}
            for name, obj in live.keys.items():
                if isinstance(obj, FakeKey):
                    current[name] = obj
            for name, obj in current.items():
                if known.get(name) == obj.etag:
                    continue
                oid = _object_id(name)
                _write_atomic(bdir / f"{oid}.bin", obj.value)
                meta = {"key": name, "etag": obj.etag, "metadata": dict(obj.metadata),
                        "last_modified": obj.last_modified.isoformat()}
                _write_atomic(bdir / f"{oid}.json", json.dumps(meta).encode())
                known[name] = obj.etag
            for name in [k for k in known if k not in current]:
                oid = _object_id(name)
                for suffix in (".json", ".bin"):
                    (bdir / f"{oid}{suffix}").unlink(missing_ok=True)
                del known[name]
