"""Turning an outbox row into a real email and handing it to SMTP or the development sink."""

import base64
import logging
import smtplib
import ssl
from pathlib import Path

from flask import current_app
from flask_mail import Connection, Message

from ..extensions import db
from ..models import Channel
from ..texting.opt_outs import opted_out
from ..texting.providers import TextNotSent, provider_from_config

logger = logging.getLogger("clinic_app.notify")


class TimeoutConnection(Connection):
    """Flask-Mail's SMTP connection with a timeout and verified TLS.

    Flask-Mail opens its SMTP connection without a timeout, so a silent server would hang the
    sender for ever; this one gives up after ``MAIL_TIMEOUT`` seconds.
    """

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        context = ssl.create_default_context()
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout, context=context)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls(context=context)
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def message_id(row) -> str:
    """A Message-ID that stays the same on every attempt, so a resend can be recognised."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
    return f"<outbox-{row.id}.{int(row.created_at.timestamp())}@{domain}>"


def build_message(row) -> Message:
    """The Flask-Mail message for an outbox row: text and HTML parts, attachments."""
    message = Message(
        subject=row.subject,
        recipients=list(row.recipients),
        body=row.text_body,
        html=row.html_body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        reply_to=row.reply_to,
    )
    message.msgId = message_id(row)
    for attachment in row.attachments or []:
        message.attach(
            filename=attachment["filename"],
            content_type=attachment["content_type"],
            data=base64.b64decode(attachment["data"]),
        )
    return message


def sink_directory() -> Path:
    """Where the development sink writes: ``MAIL_SINK_DIR`` or ``instance/mail``."""
    configured = current_app.config.get("MAIL_SINK_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "mail"


def write_to_sink(message: Message, name: str) -> Path:
    """Write the message as a readable ``.eml`` file and log where it went (not what it says)."""
    directory = sink_directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.eml"
    path.write_bytes(message.as_bytes())
    logger.info("Email written to %s (%d recipient(s))", path, len(message.send_to))
    return path


class NotSent(Exception):
    """A message that must not go out any more (a text to a number that replied STOP)."""


def send_text(row) -> None:
    """Hand a text message to the SMS provider, unless its number has replied STOP meanwhile."""
    number = row.recipients[0]
    if opted_out(db.session, number):
        db.session.rollback()
        raise NotSent("Not sent: the number replied STOP")
    db.session.rollback()  # no transaction open while the provider answers
    provider = provider_from_config(current_app.config, current_app.instance_path)
    if provider is None:
        raise TextNotSent("text messages are turned off (SMS_BACKEND=off)")
    provider.send(number, row.text_body)


def deliver(row) -> None:
    """Send one outbox row with the configured backend; raise on failure."""
    if row.channel == Channel.SMS:
        send_text(row)
        return
    message = build_message(row)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "file":
        write_to_sink(message, f"{row.created_at:%Y%m%d-%H%M%S}-{row.id:06d}-{row.kind}")
    elif backend == "smtp":
        with TimeoutConnection(current_app.extensions["mail"]) as connection:
            connection.send(message)
    else:
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")
