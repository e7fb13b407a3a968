"""Account e-mails: invitation, first access and reset links, and the notice to an address's owner.

They go to people who are not active users yet, so they cannot ride the notification pipeline's
audience rules (active users of an active company). The kinds and their Portuguese words live in
``accounts/events.py`` and ``accounts/templates``; the sending (the mailer's durable outbox, SMTP, the
maintenance retry) belongs to the notifications area, which sits above this one in the import layers.
The composition roots (the API functions) plug it in with :func:`configure`; until then a mail is only
logged, and the one-time token is still returned to the admin who asked for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("licita.accounts.mail")


@dataclass(frozen=True)
class AccountMail:
    kind: str  # a kind registered in licita.accounts.events
    to: str
    first_name: str
    company_id: str
    payload: dict[str, Any] = field(default_factory=dict)


Sender = Callable[[AccountMail], object]
_load_sender: Callable[[], Sender] | None = None


def configure(load_sender: Callable[[], Sender] | None) -> None:
    """Plug in the sender; it is loaded on the first mail (cold start stays light)."""
    global _load_sender
    _load_sender = load_sender


def send(mail: AccountMail) -> bool:
    """Best effort after the change committed: a mail problem never undoes an invitation."""
    if _load_sender is None:
        log.info("no account mail sender configured; %s to %s not sent", mail.kind, mail.to)
        return False
    try:
        _load_sender()(mail)
        return True
    except Exception:
        log.warning("could not send %s to %s", mail.kind, mail.to, exc_info=True)
        return False
