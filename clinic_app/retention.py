"""Retention purge: health information kept no longer than needed.

Expired booking drafts are deleted. Sent emails, after ``email_body_days``, lose what they said:
subject (it names the patient's visit), bodies, attachments and reply-to; the row stays
as delivery history (kind, topic, recipients, status, dates). Failed emails keep their content
until staff retry or dismiss them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Text, cast, or_, update

from .booking.service import purge_expired_drafts
from .models import OutboxMessage, OutboxStatus

# What a cleared email holds: the emptiest values its columns accept (text_body and attachments
# are NOT NULL; html_body may be NULL).
CLEARED_TEXT_BODY = ""
CLEARED_ATTACHMENTS: list = []
CLEARED_SUBJECT = "(removed after the retention period)"


@dataclass(frozen=True)
class RetentionPolicy:
    """How long data is kept: a sent email's content, ``email_body_days`` days after it was sent."""

    email_body_days: int = 30

    def __post_init__(self):
        if isinstance(self.email_body_days, bool) or not isinstance(self.email_body_days, int):
            raise TypeError("email_body_days must be a whole number of days")
        if self.email_body_days < 0:
            raise ValueError("email_body_days cannot be negative")


@dataclass
class PurgeReport:
    """What one purge removed."""

    drafts_deleted: int = 0
    email_bodies_cleared: int = 0

    def __str__(self) -> str:
        drafts = "draft" if self.drafts_deleted == 1 else "drafts"
        emails = "email" if self.email_bodies_cleared == 1 else "emails"
        return (
            f"retention purge: {self.drafts_deleted} expired booking {drafts} deleted, "
            f"content of {self.email_bodies_cleared} sent {emails} cleared"
        )


def _not_yet_cleared():
    """True for a row that still holds some content (so a cleared row is never counted twice).

    ``attachments`` is compared as text: PostgreSQL's ``json`` type has no equality operator, and
    both databases give back the stored text, which SQLAlchemy writes as ``[]`` for an empty list.
    """
    return or_(
        OutboxMessage.subject != CLEARED_SUBJECT,
        OutboxMessage.text_body != CLEARED_TEXT_BODY,
        OutboxMessage.html_body.is_not(None),
        cast(OutboxMessage.attachments, Text) != "[]",
    )


def purge(session, now: datetime, policy: RetentionPolicy = RetentionPolicy()) -> PurgeReport:
    """Delete expired booking drafts and clear the content of emails sent long enough ago.

    Both happen in one transaction, committed here (rolled back if anything fails). Only emails
    with status ``sent`` and ``sent_at`` older than ``policy.email_body_days`` are cleared:
    pending, sending and failed emails keep their content, since they may still be delivered.
    ``now`` must be an aware datetime; the function never reads the clock.
    """
    cutoff = now - timedelta(days=policy.email_body_days)
    try:
        drafts = purge_expired_drafts(session, now)
        cleared = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.SENT,
                OutboxMessage.sent_at < cutoff,
                _not_yet_cleared(),
            )
            .values(
                subject=CLEARED_SUBJECT,
                text_body=CLEARED_TEXT_BODY,
                html_body=None,
                attachments=CLEARED_ATTACHMENTS,
                reply_to=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()  # also expires loaded rows, so nobody reads the old bodies from the session
    except BaseException:
        session.rollback()
        raise
    return PurgeReport(drafts_deleted=drafts, email_bodies_cleared=cleared)
