"""The text messages a visit or an offer sends, queued through the outbox like email.

Texts are not a private channel (a phone's lock screen shows them), so a text says only the
time, the office, the booking reference and a link: never a name, a clinician, the kind of visit
or anything about the patient's health. Wording lives in ``templates/text/<name>.txt``.
"""

from babel.dates import format_datetime
from flask import current_app, render_template
from flask_babel import get_locale

from .. import i18n
from ..extensions import db
from ..formatting import time_of_day
from ..models import Channel
from ..notify.outbox import Email, enqueue
from .opt_outs import opted_out

LABELS = {
    "booking": "booking confirmation",
    "reschedule": "new time",
    "cancellation": "cancellation",
    "reminder": "reminder",
    "waitlist_offer": "earlier time offered",
    "waitlist_taken": "offered time taken",
}


def texts_enabled() -> bool:
    """Whether this site sends text messages at all (``SMS_BACKEND`` is not ``off``)."""
    return current_app.config["SMS_BACKEND"] != "off"


def moment(starts_at, office) -> dict:
    """Tue, Dec 8 / 10:00 AM, in the office's time (mar, 8 dic / 10:00 a.m. in Spanish)."""
    local = starts_at.astimezone(office.tz)
    if i18n.page_language() == i18n.ENGLISH:
        day = f"{local:%a, %b} {local.day}"
    else:
        day = format_datetime(local, "EEE, d MMM", tzinfo=office.tz, locale=get_locale())
    return {"day": day, "time": time_of_day(local)}


def one_text(text: str) -> str:
    """A rendered template as one paragraph: line breaks and runs of spaces become one space."""
    return " ".join(text.split())


def queue_text(session, name: str, number: str | None, *, topic: str, **context):
    """Queue text ``name`` to ``number`` in the caller's transaction; nothing when texts are off,
    the patient has no texting number, or the number opted out. Returns the outbox row or None."""
    if not number or not texts_enabled() or opted_out(session, number):
        return None
    context.setdefault("clinic_name", current_app.config["CLINIC_NAME"])
    body = one_text(render_template(f"text/{name}.txt", **context))
    message = Email(
        kind=f"{name}.text",
        topic=topic,
        recipients=(number,),
        subject=f"Text message: {LABELS[name]}",
        text=body,
    )
    return enqueue(session, message, channel=Channel.SMS)


def queue_visit_text(name: str, appointment, link: str | None = None, **context):
    """A text about a visit (``booking``, ``reschedule``, ``cancellation``, ``reminder``)."""
    return queue_text(
        db.session,
        name,
        appointment.sms_phone,
        topic=f"appointment:{appointment.id}",
        reference=appointment.reference,
        office=appointment.office,
        link=link,
        **moment(appointment.starts_at, appointment.office),
        **context,
    )
