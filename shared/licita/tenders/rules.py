"""Pure tender rules (no I/O): which stored object the pipeline may analyse.

The presigned POST is the first wall; this is the second. An object is analysed only when it is the
write create_upload signed (same key, the declared size, the signed content type, the intent still
open), or the very object version already accepted (a redelivery, a re-analysis). Anything else, such as
an overwrite of a READY tender's file or a file dropped beside it, is refused and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

PENDING, CONSUMED = "PENDING", "CONSUMED"


@dataclass(frozen=True)
class Intent:
    """What was signed at create_upload time."""

    key: str
    content_type: str
    expected_size: int | None
    status: str  # PENDING | CONSUMED | EXPIRED
    consumed_etag: str | None = None


@dataclass(frozen=True)
class Observed:
    """What the storage holds now (HEAD), for the key the notification named."""

    key: str
    size: int
    etag: str
    content_type: str | None


@dataclass(frozen=True)
class Admission:
    accepted: bool
    code: str  # why: upload | redelivery | reanalysis, or the refusal's code
    reason: str = ""  # for the audit log and the run record (English, for operators)

    @property
    def consumes_intent(self) -> bool:
        return self.accepted and self.code == "upload"


def _refuse(code: str, reason: str) -> Admission:
    return Admission(False, code, reason)


def _normal(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def admit(intent: Intent | None, observed: Observed, *, bound_etag: str | None, reanalyze: bool) -> Admission:
    """May the pipeline analyse ``observed``?

    ``bound_etag``: the object version the document already accepted (None until an upload is admitted).
    """
    etag = observed.etag.strip('"')
    if bound_etag:
        if etag == bound_etag:
            return Admission(True, "reanalysis" if reanalyze else "redelivery")
        return _refuse("object_replaced",
                       f"object {observed.key} was replaced after it was accepted "
                       f"(accepted ETag {bound_etag}, found {etag})")
    if intent is None:
        return _refuse("no_upload_intent", f"nothing was signed for {observed.key}")
    if intent.key != observed.key:
        return _refuse("key_mismatch", f"signed {intent.key}, received {observed.key}")
    if intent.status == CONSUMED:
        if intent.consumed_etag == etag:
            return Admission(True, "redelivery")
        return _refuse("object_replaced", f"upload of {observed.key} already consumed by ETag {intent.consumed_etag}")
    if intent.status != PENDING:
        return _refuse("upload_intent_closed", f"upload of {observed.key} is {intent.status.lower()}")
    if intent.expected_size is not None and observed.size != intent.expected_size:
        return _refuse("size_mismatch", f"declared {intent.expected_size} bytes, received {observed.size}")
    if _normal(observed.content_type) != _normal(intent.content_type):
        return _refuse("content_type_mismatch",
                       f"signed {intent.content_type}, received {observed.content_type or 'none'}")
    return Admission(True, "upload")
