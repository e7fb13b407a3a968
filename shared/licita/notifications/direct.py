"""E-mail to an address rather than to an active user: the sender behind ``licita.accounts.mail``.

Same templates (the kind's own, in its area's folder), same durable outbox and SMTP as every notification
e-mail; tried at once, retried by the maintenance schedule when SMTP is down.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from licita.core.events import describe
from licita.notifications import mailer
from licita.notifications.service import Recipient

if TYPE_CHECKING:
    from licita.accounts.mail import AccountMail


def send(mail: AccountMail) -> int:
    """Queue the mail in the outbox and try it now; returns how many were sent (0 or 1)."""
    message = describe({"type": mail.kind, "payload": mail.payload})
    user_id = str(mail.payload.get("target_user_id") or "")
    row = mailer.compose(mail.kind, message, Recipient(user_id, mail.to, mail.first_name, ""), uuid.uuid4().hex,
                         mail.company_id, mail.payload)
    return mailer.send_queued(mailer.enqueue([row]))
