"""The transactional outbox: queue email with the change that causes it, deliver it afterwards.

``enqueue`` adds a row in the caller's transaction, so an email exists if and only if the
booking (or question, or cancellation) that caused it was committed. ``send_pending`` delivers
due rows one at a time: each is first *claimed* in its own short transaction (a conditional
update from ``pending`` to ``sending``, with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so
several senders running at once never deliver the same row twice. A failure schedules a retry
with exponential backoff; after ``OUTBOX_MAX_ATTEMPTS`` the row is marked failed for staff.
"""

import base64
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from .. import clock
from ..extensions import db
from ..models import Channel, OutboxMessage, OutboxStatus
from ..texting.providers import TextNotSent
from .delivery import NotSent, deliver

logger = logging.getLogger("clinic_app.notify")

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
# A row left "sending" this long belongs to a sender that died; it becomes due again.
CLAIM_TIMEOUT = timedelta(minutes=10)


@dataclass(frozen=True)
class Attachment:
    """A file attached to an email."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Email:
    """One email to one audience, composed but not yet queued."""

    kind: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    topic: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


@dataclass
class SendReport:
    """What one ``send_pending`` run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0


def enqueue(session, email: Email, channel: str = Channel.EMAIL) -> OutboxMessage:
    """Add ``email`` to the outbox in the caller's transaction (the caller commits); a text
    message (``channel`` sms) is an ``Email`` with one phone number and a text body.

    :raise ValueError: when the email has no recipient or a header holds a line break.
    """
    if not email.recipients:
        raise ValueError(f"{email.kind}: no recipients")
    for header in (email.subject, email.reply_to or "", *email.recipients):
        if "\r" in header or "\n" in header:
            raise ValueError(f"{email.kind}: line break in a header")
    row = OutboxMessage(
        kind=email.kind,
        channel=channel,
        topic=email.topic,
        recipients=list(email.recipients),
        reply_to=email.reply_to,
        subject=email.subject,
        text_body=email.text,
        html_body=email.html,
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode("ascii"),
            }
            for a in email.attachments
        ],
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=clock.now(),
    )
    session.add(row)
    return row


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def describe_failure(error: Exception) -> str:
    """A short reason for staff: the error type and SMTP code (or the SMS provider's answer),
    never the message's content."""
    if isinstance(error, TextNotSent):
        return f"Text provider: {error.reason}"
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}" + (f" (SMTP {code})" if code else "")


def connection_failed(error: Exception) -> bool:
    """True when the mail server itself is unreachable, so the rest of the batch should wait."""
    return isinstance(error, (OSError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected))


def claim_next(session, now, only_id=None) -> OutboxMessage | None:
    """Atomically take the oldest due row for this sender, or None when nothing is due.

    The claim is committed before the email is sent, so no other sender can take the row. The
    row is returned detached, so reading it while sending holds no transaction open.
    """
    due = or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
    )
    if only_id is not None:
        due = due & (OutboxMessage.id == only_id)
    candidate = session.scalars(
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    claimed = 0
    if candidate is not None:
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == candidate, due)
            .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
    row = session.get(OutboxMessage, candidate, populate_existing=True) if claimed else None
    if row is not None:
        session.expunge(row)
    session.commit()
    return row


def _record(session, row, **values):
    """Write the outcome of one attempt to the row (and to the detached copy in hand)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    for key, value in values.items():
        setattr(row, key, value)


# Emails whose body is a secret (a one-time link to set a password): once delivered, the stored
# copy is cleared, so the link lives only in the recipient's mailbox.
SECRET_KINDS = {"account.password_link"}
CLEARED_BODY = ""


def record_success(session, row, now):
    """Mark the row delivered (and forget a secret body)."""
    forget = {"text_body": CLEARED_BODY, "html_body": None} if row.kind in SECRET_KINDS else {}
    _record(session, row, status=OutboxStatus.SENT, sent_at=now, last_error=None, **forget)


def record_failure(session, row, error, now, max_attempts):
    """Schedule a retry with backoff, or give up after the last allowed attempt."""
    reason = describe_failure(error)
    if row.attempts >= max_attempts or getattr(error, "permanent", False):
        _record(session, row, status=OutboxStatus.FAILED, last_error=reason)
        logger.error("Email %s (%s) failed for good after %d attempts: %s", row.id, row.kind, row.attempts, reason)
    else:
        retry_at = now + retry_delay(row.attempts)
        _record(session, row, status=OutboxStatus.PENDING, next_attempt_at=retry_at, last_error=reason)
        logger.warning("Email %s (%s) not delivered (%s); retry at %s", row.id, row.kind, reason, retry_at)


def send_pending(limit: int = 100, now=None, only_id=None, should_stop=lambda: False) -> SendReport:
    """Deliver up to ``limit`` due emails; stop early when the mail server is unreachable.

    No transaction stays open while an email is being sent, so a slow mail server never holds
    a database lock. ``only_id`` limits the run to one email (staff's "Retry now").
    ``should_stop`` is asked before each email is claimed: a worker told to stop finishes the
    email in hand and leaves the rest queued for the next sender.
    """
    session = db.session
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    report = SendReport()
    for _ in range(limit):
        if should_stop():
            break
        moment = now or clock.now()
        row = claim_next(session, moment, only_id)
        if row is None:
            break
        try:
            deliver(row)
        except NotSent as skipped:  # a text to a number that has since replied STOP
            _record(session, row, status=OutboxStatus.SKIPPED, last_error=str(skipped))
            report.skipped += 1
        except Exception as error:  # every failure is recorded and retried, never lost
            record_failure(session, row, error, moment, max_attempts)
            if row.status == OutboxStatus.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
            if row.channel == Channel.EMAIL and connection_failed(error):
                break  # the mail server is down: the other emails wait too (texts go on)
        else:
            record_success(session, row, moment)
            report.sent += 1
    return report
