"""Hot paths of moto's SQS backend and server made cheap, in the local runtime's moto process only.

A backlog of N messages made every ReceiveMessage and every DeleteMessage cost O(N) in moto 5.x, with a
large constant: each message's ``visible``/``delayed`` check builds two naive datetimes (``unix_time_millis``
→ ``utcnow() - utcfromtimestamp(0)``), and each delete scans the queue twice, building a receipt-handle list
per message. Profiled during a 600-event notification burst (py-spy), those checks were the largest single
cost of the whole runtime. This module keeps moto's semantics and replaces:

* the SQS module's clock with ``time.time()`` (the same value: seconds since the epoch, in milliseconds);
* ``Queue.messages`` and the two "approximate number" counters with one clock read per call instead of one
  or two per message;
* ``Queue.delete_message`` with one pass that stops at the message and rebuilds the list without it (the
  list is replaced, not mutated, as moto does: a concurrent iteration keeps its snapshot);
* the attribute-name conversion every ``SendMessage`` runs ~15 times with a memoized copy;
* the server's backend lookup, which listed moto's package directory on every request, with one listing.

The server's HTTP side (keep-alive, TCP_NODELAY) is ``s3_guard.keep_alive_handler``.

Never used in production (Amazon SQS there). ``apply()`` is idempotent.
"""

from __future__ import annotations

import functools
import time
from typing import Any

_APPLIED = False


def _now_millis(dt: Any = None) -> float:
    if dt is not None:  # moto's own conversion for an explicit datetime
        from moto.core.utils import unix_time_millis

        return float(unix_time_millis(dt))
    return time.time() * 1000.0


def _visible_now(queue: Any) -> list[Any]:
    now = time.time() * 1000.0
    return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]


def _delayed_count(queue: Any) -> int:
    now = time.time() * 1000.0
    return sum(1 for m in queue._messages if now < m.delayed_until)


def _not_visible_count(queue: Any) -> int:
    now = time.time() * 1000.0
    return sum(1 for m in queue._messages if not now > m.visible_at)


def _delete_message(queue: Any, receipt_handle: str) -> None:
    from moto.sqs.exceptions import ReceiptHandleIsInvalid

    if receipt_handle in queue.deleted_messages:  # already deleted: moto answers success again
        return
    messages = queue._messages
    for index, message in enumerate(messages):
        if message.receipt_handle == receipt_handle or receipt_handle in message._old_receipt_handles:
            queue.pending_messages.discard(message)
            queue.deleted_messages.update(message.all_receipt_handles)
            queue._messages = messages[:index] + messages[index + 1:]
            return
    raise ReceiptHandleIsInvalid()


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    import moto.backends as moto_backends
    import moto.sqs.models as sqs_models

    modules = tuple(moto_backends.list_of_moto_modules())  # a directory listing per request otherwise
    moto_backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]

    sqs_models.unix_time_millis = _now_millis  # type: ignore[attr-defined]
    # every SendMessage reads ``queue.attributes`` (for one flag), which converts ~15 attribute names with a
    # regex each time: half of moto's time per send, profiled in-process; the conversion is a pure function
    sqs_models.camelcase_to_underscores = functools.lru_cache(maxsize=256)(  # type: ignore[attr-defined]
        sqs_models.camelcase_to_underscores)  # type: ignore[attr-defined]
    queue: Any = sqs_models.Queue
    queue.messages = property(_visible_now)
    queue.approximate_number_of_messages_delayed = property(_delayed_count)
    queue.approximate_number_of_messages_not_visible = property(_not_visible_count)
    queue.delete_message = _delete_message
    _APPLIED = True
