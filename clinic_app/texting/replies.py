"""What a patient's reply to a text does: C confirms their next visit, STOP ends texts to the
number, START resumes them, HELP says who we are. What they wrote is never stored or logged."""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..booking import service
from ..i18n import ENGLISH, written_in
from ..models import Appointment, AppointmentStatus, WaitlistEntry
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
    as after STOP, which the provider itself confirms), in the patient's language."""
    visit = next_visit(session, number, now)
    answer = _act(session, number, keyword(body), visit, now)
    if answer is None:
        return None
    with written_in(visit.language if visit is not None else latest_language(session, number)):
        return answer()


def latest_language(session, number: str) -> str:
    """The language the patient behind ``number`` last booked or joined the waitlist in (English
    when the number is not known)."""
    rows = [
        session.execute(
            select(model.created_at, model.language)
            .where(model.sms_phone == number)
            .order_by(model.created_at.desc())
            .limit(1)
        ).first()
        for model in (Appointment, WaitlistEntry)
    ]
    known = [row for row in rows if row is not None]
    return max(known)[1] if known else ENGLISH


def _act(session, number, word, visit, now):
    """What the reply does (committed here), and how to answer it: a function giving the text,
    called in the patient's language; None for no answer."""
    clinic = current_app.config["CLINIC_NAME"]
    phone = current_app.config["CLINIC_PHONE"]
    if word in STOP_WORDS:
        stop_texts(session, number, now)
        session.commit()
        return None
    if word in START_WORDS:
        resume_texts(session, number)
        session.commit()
        return lambda: _(
            "%(clinic)s: texts about your appointments are on again. Reply STOP to end them.", clinic=clinic
        )
    if word in HELP_WORDS:
        return lambda: _(
            "%(clinic)s: texts about your appointments. For help call %(phone)s. Reply STOP to end texts.",
            clinic=clinic,
            phone=phone,
        )
    if word in CONFIRM_WORDS:
        if visit is None:
            session.rollback()
            return lambda: _(
                "%(clinic)s: we found no upcoming visit for this number. Please call us at %(phone)s.",
                clinic=clinic,
                phone=phone,
            )
        office, office_phone = visit.office, visit.office.phone
        starts_at = visit.starts_at
        service.confirm_by_patient(session, visit, now, by=BY_TEXT)
        return lambda: _(
            "%(clinic)s: thank you, your visit on %(day)s at %(time)s at our %(office)s office is confirmed. "
            "To change it, call %(phone)s.",
            clinic=clinic,
            **moment(starts_at, office),
            office=office.name,
            phone=office_phone,
        )
    return lambda: _(
        "%(clinic)s: we cannot read replies here. Reply C to confirm your next visit, or call us at %(phone)s.",
        clinic=clinic,
        phone=phone,
    )
