"""Emails waiting to be delivered: written in the same transaction as the change that causes them."""

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db
from .types import UTCDateTime


class OutboxStatus:
    """Where an email is in its life."""

    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by one sender right now
    SENT = "sent"
    FAILED = "failed"  # gave up after the maximum number of attempts; staff can retry
    SKIPPED = "skipped"  # a text message not sent: the number replied STOP after it was queued


class Channel:
    """How a message travels."""

    EMAIL = "email"
    SMS = "sms"  # ``recipients`` holds one E.164 number, ``text_body`` the whole text


class OutboxMessage(db.Model):
    """One email (or text message) to one audience, with its delivery state."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))  # e.g. "question.office"
    channel: Mapped[str] = mapped_column(String(5), default=Channel.EMAIL, server_default=Channel.EMAIL)
    topic: Mapped[str] = mapped_column(String(60), default="", index=True)  # e.g. "question:12"
    recipients: Mapped[list] = mapped_column(JSON)
    reply_to: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # [{"filename": str, "content_type": str, "data": base64 str}]
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
