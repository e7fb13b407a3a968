"""Platform figures for MASTER: tenants, users, sessions, analyses, queue and DLQ depths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from licita.accounts.models import AccessRequest, Company, User, UserSession
from licita.accounts.schemas import Dashboard
from licita.core.config import get_settings
from licita.platform.clients import aws_client, get_mongo
from licita.platform.db.engine import system_transaction


def _queue_depths() -> dict[str, dict[str, int]]:
    settings = get_settings()
    queues = {"analysis": settings.analysis_queue_url, "analysis_dlq": settings.analysis_dlq_url,
              "notifications": settings.notifications_queue_url,
              "notifications_dlq": settings.notifications_dlq_url}
    result: dict[str, dict[str, int]] = {}
    for name, url in queues.items():
        if not url:
            continue
        try:
            attrs = aws_client("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                              "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            result[name] = {"visible": int(attrs.get("ApproximateNumberOfMessages", 0)),
                            "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0))}
        except Exception:
            result[name] = {"visible": -1, "in_flight": -1}  # unreachable: shown, not hidden
    return result


def _analyses_this_month() -> int:
    now = datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    try:
        return int(get_mongo()["ai_processing"].count_documents({"received_at": {"$gte": start}}))
    except Exception:
        return -1


def dashboard() -> Dashboard:
    now = datetime.now(UTC)
    idle = timedelta(minutes=get_settings().session_idle_timeout_minutes)
    with system_transaction() as db:
        companies: dict[str, int] = {row[0]: row[1] for row in db.execute(
            select(Company.status, func.count()).group_by(Company.status)).all()}
        users: dict[str, int] = {row[0]: row[1] for row in db.execute(
            select(User.status, func.count()).group_by(User.status)).all()}
        active: Any = db.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.revoked_at.is_(None), UserSession.expires_at > now,
            UserSession.last_activity_at > now - idle))
        pending: Any = db.scalar(select(func.count()).select_from(AccessRequest).where(
            AccessRequest.status == "PENDING"))
    return Dashboard(companies_by_status=companies, users_by_status=users, active_sessions=int(active or 0),
                     analyses_this_month=_analyses_this_month(), pending_access_requests=int(pending or 0),
                     queues=_queue_depths())
