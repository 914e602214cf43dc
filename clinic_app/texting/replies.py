"""What a patient's reply to a text does: C confirms their next visit, STOP ends texts to the
number, START resumes them, HELP says who we are. What they wrote is never stored or logged."""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..booking import service
from ..models import Appointment, AppointmentStatus
from .messages import moment
from .opt_outs import resume_texts, stop_texts

# The words carriers treat as opt-out and opt-in (CTIA); a provider reports them to us as well.
STOP_WORDS = {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "OPT OUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO"}
CONFIRM_WORDS = {"C", "CONFIRM"}
BY_TEXT = "patient (text message reply)"


def keyword(body: str) -> str:
    """The reply as a keyword: "  c. " and "Confirm!" read as C and CONFIRM."""
    return " ".join((body or "").upper().split()).strip(" .!")


def next_visit(session, number: str, now: datetime) -> Appointment | None:
    """The soonest coming active visit whose texts go to ``number``."""
    return session.scalars(
        select(Appointment)
        .where(
            Appointment.sms_phone == number,
            Appointment.status.in_(AppointmentStatus.ACTIVE),
            Appointment.starts_at > now,
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    ).first()


def answer_reply(session, number: str, body: str, now: datetime) -> str | None:
    """Act on one reply from ``number``, committed here; the text to answer with (None: none,
    as after STOP, which the provider itself confirms)."""
    clinic = current_app.config["CLINIC_NAME"]
    phone = current_app.config["CLINIC_PHONE"]
    word = keyword(body)
    if word in STOP_WORDS:
        stop_texts(session, number, now)
        session.commit()
        return None
    if word in START_WORDS:
        resume_texts(session, number)
        session.commit()
        return f"{clinic}: texts about your appointments are on again. Reply STOP to end them."
    if word in HELP_WORDS:
        return f"{clinic}: texts about your appointments. For help call {phone}. Reply STOP to end texts."
    if word in CONFIRM_WORDS:
        visit = next_visit(session, number, now)
        if visit is None:
            session.rollback()
            return f"{clinic}: we found no upcoming visit for this number. Please call us at {phone}."
        when = moment(visit.starts_at, visit.office)
        office, office_phone = visit.office.name, visit.office.phone
        service.confirm_by_patient(session, visit, now, by=BY_TEXT)
        return (
            f"{clinic}: thank you, your visit on {when['day']} at {when['time']} at our {office} office "
            f"is confirmed. To change it, call {office_phone}."
        )
    return f"{clinic}: we cannot read replies here. Reply C to confirm your next visit, or call us at {phone}."
