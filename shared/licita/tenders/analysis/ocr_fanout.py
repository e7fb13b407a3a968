"""OCR fan-out (``licita.documents.ocr_share``) on the platform: Redis holds a run's claims and page texts, SQS
carries each helper's chunk to ``OcrPagesFunction``.

A run's keys live ``KEY_TTL_S`` at most and are deleted when the lead closes the share. Failures never cost a
page: a share that cannot dispatch reads everything in the lead; a lead that cannot reach Redis reads the pages
itself; a helper that cannot stops, and the lead steals its pages once their claims go stale.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from licita.core.config import get_settings
from licita.documents.errors import DocumentError, OcrUnavailable
from licita.documents.extract import read_shared_part
from licita.documents.ocr import DEFAULT_SETTINGS
from licita.documents.ocr_job import TakenElsewhere
from licita.platform.clients import aws_client, get_redis
from licita.platform.storage import ObjectMissing, ObjectStorage, uploads_storage
from licita.tenders.uploads import max_upload_bytes

log = logging.getLogger("licita.analysis.ocr")

KIND = "ocr.pages"
KEY_TTL_S = 900
FAILED = "\x00"  # a published failure: NUL + the reason (OCR text never holds a NUL)

# KEYS: open flag, claims hash, texts hash. ARGV: owner, now (ms), stale after (ms), page indexes in preference
# order. The first page not published and not claimed (or claimed longer ago than "stale") is claimed and returned.
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local now = tonumber(ARGV[2])
for i = 4, #ARGV do
  local page = ARGV[i]
  if redis.call('HEXISTS', KEYS[3], page) == 0 then
    local held = redis.call('HGET', KEYS[2], page)
    local at = held and tonumber(string.match(held, '@(%d+)$')) or nil
    if not at or now - at > tonumber(ARGV[3]) then
      redis.call('HSET', KEYS[2], page, ARGV[1] .. '@' .. ARGV[2])
      return page
    end
  end
end
return false
"""


class RedisPageShare:
    """One run's share. The lead (``helpers`` > 0) dispatches and collects; a helper claims and publishes."""

    def __init__(self, token: str, *, helpers: int = 0, owner: str | None = None, message: dict[str, Any] | None = None,
                 stale_after: float | None = None, redis: Any = None) -> None:
        self.token = token
        self.helpers = helpers
        self.owner = owner or f"{'lead' if helpers else 'helper'}:{uuid.uuid4().hex[:12]}"
        self._message = message or {}
        stale = stale_after if stale_after is not None else get_settings().ocr_claim_stale_seconds
        self._stale_ms = int(1000 * stale)
        self._redis = redis
        self.dispatched: list[list[int]] = []  # lead: the chunks sent
        self.collected = 0  # lead: pages helpers read
        prefix = f"ocr:share:{token}"
        self._keys = (f"{prefix}:open", f"{prefix}:claims", f"{prefix}:texts")

    @classmethod
    def lead(cls, message: dict[str, Any], helpers: int) -> RedisPageShare:
        """A new run's share; ``message`` says what helpers read (bucket key, etag, file name, sha256)."""
        return cls(uuid.uuid4().hex, helpers=helpers, message=message)

    def _client(self) -> Any:
        if self._redis is None:
            self._redis = get_redis()
        return self._redis

    def is_open(self) -> bool:
        try:
            return bool(self._client().exists(self._keys[0]))
        except Exception:
            log.warning("OCR share %s: Redis unreachable", self.token, exc_info=True)
            return False

    def dispatch(self, chunks: list[list[int]]) -> bool:
        queue = get_settings().ocr_pages_queue_url
        if not queue or not chunks:
            return False
        try:
            self._client().set(self._keys[0], self.owner, ex=KEY_TTL_S)
            entries = [{"Id": str(n), "MessageBody": json.dumps({
                **self._message, "kind": KIND, "token": self.token, "pages": chunk,
                "settings": DEFAULT_SETTINGS.rest().key(), "stale_after": self._stale_ms / 1000})}
                for n, chunk in enumerate(chunks)]
            sent = 0
            for start in range(0, len(entries), 10):
                reply = aws_client("sqs").send_message_batch(QueueUrl=queue, Entries=entries[start:start + 10])
                sent += len(reply.get("Successful", []))
        except Exception:
            log.warning("OCR share %s: helpers not asked; the lead reads every page", self.token, exc_info=True)
            return False
        log.info("OCR share %s: %d of %d chunks sent (%d pages)", self.token, sent, len(chunks),
                 sum(map(len, chunks)))
        if sent:
            self.dispatched = [list(c) for c in chunks]
        return sent > 0  # chunks not sent are claimed by nobody: the lead steals them

    def claim(self, indexes: Sequence[int]) -> int | None:
        if not indexes:
            return None
        try:
            got = self._client().eval(_CLAIM, 3, *self._keys, self.owner, int(time.time() * 1000), self._stale_ms,
                                      *indexes)
        except Exception:
            log.warning("OCR share %s: claim failed", self.token, exc_info=True)
            # the lead reads the page itself (at worst twice); a helper stops taking pages
            return indexes[0] if self.helpers else None
        return int(got) if got is not None else None

    def publish(self, index: int, result: str | OcrUnavailable) -> None:
        value = result if isinstance(result, str) else FAILED + result.message
        pipe = self._client().pipeline(transaction=False)
        pipe.hset(self._keys[2], str(index), value.encode("utf-8"))
        pipe.expire(self._keys[2], KEY_TTL_S)
        pipe.expire(self._keys[1], KEY_TTL_S)
        pipe.execute()

    def collect(self, indexes: Sequence[int]) -> dict[int, str | OcrUnavailable]:
        if not indexes:
            return {}
        try:
            values = self._client().hmget(self._keys[2], [str(i) for i in indexes])
        except Exception:
            log.warning("OCR share %s: collect failed", self.token, exc_info=True)
            return {}
        found: dict[int, str | OcrUnavailable] = {}
        for index, raw in zip(indexes, values, strict=True):
            if raw is None:
                continue
            text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            found[index] = OcrUnavailable(text[1:]) if text.startswith(FAILED) else text
        self.collected += len(found)
        return found

    def summary(self) -> dict[str, int]:
        """For the run record: chunks sent, pages asked, pages helpers delivered (the lead read the rest)."""
        return {"chunks": len(self.dispatched), "pages_asked": sum(map(len, self.dispatched)),
                "pages_from_helpers": self.collected}

    def close(self) -> None:
        try:
            self._client().delete(*self._keys)
        except Exception:  # the keys expire anyway
            log.warning("OCR share %s: not closed", self.token, exc_info=True)


def lead_share(bucket: str, key: str, etag: str, filename: str, sha256: str) -> RedisPageShare | None:
    """The share an analysis run leads when fan-out is configured (``OCR_HELPERS`` and the queue), else None."""
    settings = get_settings()
    if settings.ocr_helpers <= 0 or not settings.ocr_pages_queue_url:
        return None
    return RedisPageShare.lead({"bucket": bucket, "key": key, "etag": etag, "filename": filename,
                                "sha256": sha256}, settings.ocr_helpers)


def read_chunk(body: Any, *, storage: ObjectStorage | None = None) -> dict[str, int]:
    """A helper's message: read its pages of the lead's file into the share. Returns counts (read, taken, failed).

    A message that can never be served (malformed, another deploy's settings, a closed share, a replaced
    file) is consumed with a warning: the lead reads those pages itself, so nothing is lost. Storage and Redis
    errors raise, so SQS redelivers the chunk (and dead-letters it after the queue's receive count).
    """
    counts = {"read": 0, "taken": 0, "failed": 0}
    try:
        token, pages = str(body["token"]), [int(p) for p in body["pages"]]
        key, etag, filename, sha256 = (str(body[k]) for k in ("key", "etag", "filename", "sha256"))
        stale_after = float(body.get("stale_after") or get_settings().ocr_claim_stale_seconds)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("OCR chunk rejected (malformed: %s)", exc)
        return counts
    if body.get("kind") != KIND or body.get("settings") != DEFAULT_SETTINGS.rest().key():
        log.warning("OCR chunk %s rejected: kind %r, settings %r (this reader: %r)", token, body.get("kind"),
                    body.get("settings"), DEFAULT_SETTINGS.rest().key())
        return counts
    share = RedisPageShare(token, stale_after=stale_after)
    if not share.is_open():
        log.info("OCR chunk %s: the lead has finished; nothing to read", token)
        return counts
    store = storage or uploads_storage()
    try:
        stored = store.get_bytes(key, max_bytes=max_upload_bytes())
    except ObjectMissing:
        log.warning("OCR chunk %s: %s is gone", token, key)
        return counts
    if etag and stored.info.etag and stored.info.etag != etag:
        log.warning("OCR chunk %s: %s was replaced", token, key)
        return counts
    try:
        results = read_shared_part(stored.data, filename, pages, share, sha256=sha256)
    except DocumentError as exc:
        log.warning("OCR chunk %s not read: %s", token, exc.message)
        return counts
    for result in results.values():
        counts["taken" if isinstance(result, TakenElsewhere) else "failed" if isinstance(result, OcrUnavailable)
               else "read"] += 1
    log.info("OCR chunk %s: %s", token, counts)
    return counts
