"""Request and response models of the Google Calendar routes. Credentials never appear in any of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from licita.core.schemas import Schema, StrictModel


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("caractere nulo não é permitido")
    return value


class GoogleConnectOut(Schema):
    url: str = Field(description="Google's consent page; send the person there")
    state: str = Field(description="One-time value Google hands back to the SPA's callback page (10 minutes)")
    expires_in: int


class GoogleCallback(StrictModel):
    """What Google appended to the SPA's redirect page, posted by the same signed-in person."""

    code: Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_no_nul)]
    state: Annotated[str, Field(min_length=16, max_length=200), AfterValidator(_no_nul)]
    calendar_id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^/\s]+$"),
                           AfterValidator(_no_nul)] = "primary"


class GoogleDisconnect(StrictModel):
    remove_events: bool = Field(default=False, description="Also delete from Google the events Licita put there")


class GoogleStatus(Schema):
    enabled: bool = Field(description="Whether this deployment offers the Google sync at all")
    connected: bool
    calendar_id: str | None = None
    connected_at: datetime | None = None
    last_synced_at: datetime | None = None
    last_error: str | None = Field(default=None, description="Portuguese, for the person; null when healthy")
    needs_reconnect: bool = False
    linked_events: int = 0


class GoogleSyncResult(Schema):
    pulled: int = 0
    full_resync: bool = False
    inserted: int = 0
    updated: int = 0
    deleted_in_google: int = 0
    deleted_here: int = Field(default=0, description="Personal events deleted in Licita because they were "
                                                     "deleted in Google")
    hidden: int = Field(default=0, description="Events deleted in Google that Licita keeps (company or automatic "
                                               "events) and stops pushing to this person")
    status: GoogleStatus
