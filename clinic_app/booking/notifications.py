"""The emails a booking, a cancellation or a reschedule queues, in the caller's transaction."""

import logging
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from .. import clock
from ..extensions import db
from ..formatting import long_day, office_time
from ..i18n import ENGLISH, LANGUAGE_NAMES, written_in
from ..models import AppointmentSource
from ..notify.messages import one_line, render_pair
from ..notify.outbox import Attachment, Email, enqueue
from ..texting.messages import moment as text_moment
from ..texting.messages import queue_text, queue_visit_text
from .ics import CalendarEvent, build_calendar, web_calendar_links
from .presenters import WHAT_TO_BRING, appointment_summary, public_url, when
from .screening import Outcome

logger = logging.getLogger("clinic_app.notify")


def calendar_event(appointment) -> CalendarEvent:
    """The appointment as a calendar event; its UID never changes, so updates replace it. Calendar
    services sync and share events, so it links to "Find my appointment", never a private link."""
    config = current_app.config
    domain = urlsplit(config["PUBLIC_BASE_URL"]).hostname or "localhost"
    office = appointment.office
    clinic = config["CLINIC_NAME"]
    summary = appointment_summary(appointment)
    where = _("By secure video") if summary["is_video"] else ", ".join([clinic, *office.address_lines])
    find_url = public_url("booking.find_appointment")
    return CalendarEvent(
        uid=f"appointment-{appointment.reference}@{domain}",
        sequence=appointment.sequence,
        start=appointment.starts_at,
        end=appointment.ends_at,
        timezone=office.timezone,
        summary=f"{summary['visit']} — {clinic}",
        location=where,
        description="\n".join(
            [
                _("%(visit)s with %(clinician)s.", visit=summary["visit"], clinician=summary["clinician"]),
                _("Booking reference: %(reference)s", reference=appointment.reference),
                _(
                    "To change or cancel: %(url)s (your booking reference and date of birth)",
                    url=find_url,
                ),
                _("Questions: call the %(office)s office at %(phone)s.", office=office.name, phone=office.phone),
            ]
        ),
        organizer_email=config["MAIL_DEFAULT_SENDER"],
        organizer_name=clinic,
        attendee_email=appointment.email,
        attendee_name=appointment.patient_name,
        cancelled=not appointment.is_active,
        url=find_url,
    )


def calendar_attachment(appointment, method) -> Attachment:
    """The .ics file for an email."""
    data = build_calendar(calendar_event(appointment), method, clock.now())
    return Attachment(
        f"appointment-{appointment.reference}.ics", f"text/calendar; charset=utf-8; method={method}", data
    )


def calendar_links(appointment):
    """The web-calendar links of an appointment: the calendar file's title and place, and how to
    find the booking again (its reference, the "Find my appointment" page)."""
    details = _(
        "Booking reference: %(reference)s. To change or cancel: %(url)s",
        reference=appointment.reference,
        url=public_url("booking.find_appointment"),
    )
    return web_calendar_links(calendar_event(appointment), details)


def _patient_context(appointment, manage_url=None):
    """What a patient's email may show: never the visit reason, notes or screening answers."""
    return {
        "appointment": appointment,
        "summary": appointment_summary(appointment),
        "manage_url": manage_url,
        "find_url": public_url("booking.find_appointment"),
        "what_to_bring": WHAT_TO_BRING,
        "calendar_links": calendar_links(appointment) if appointment.is_active else None,
    }


def _office_context(appointment):
    """What the front desk needs to act: who, when, where, with whom, whether to call first, and
    the way into the back office. Email is not a safe channel for health information, so the
    reason, notes, insurance, contact details and screening answers stay behind the staff login."""
    return {
        **_patient_context(appointment),
        "language": LANGUAGE_NAMES.get(appointment.language) if appointment.language != ENGLISH else None,
        "flagged": Outcome.of(appointment.screening_outcome).is_flagged,
        "admin_url": public_url("admin.appointment", appointment_id=appointment.id),
    }


def _office_email(appointment, kind, headline, template):
    """To the office's front desk, in English (the back office's language), whatever language
    the patient booked in; the email says which, so that the desk calls in it."""
    with written_in(ENGLISH):
        return _compose_office_email(appointment, kind, headline, template)


def _compose_office_email(appointment, kind, headline, template):
    summary = appointment_summary(appointment)
    flagged = Outcome.of(appointment.screening_outcome).is_flagged
    call_first = "Call first — " if flagged and kind != "screening.office" else ""
    text, html = render_pair(template, headline=headline, **_office_context(appointment))
    return Email(
        kind=kind,
        topic=f"appointment:{appointment.id}",
        recipients=tuple(appointment.office.notify_email_list),
        subject=one_line(
            f"{call_first}{headline}: {summary['date']} {summary['time']} — "
            f"{appointment.office.name} — {appointment.reference}"
        ),
        text=text,
        html=html,
    )


def _enqueue_for_office(appointment, email):
    """Queue an office email; an office with no staff address set is logged, never a failed booking."""
    if not email.recipients:
        logger.error(
            "Office %s has no notification address; %s email for appointment %s not sent",
            appointment.office.slug,
            email.kind,
            appointment.id,
        )
        return
    enqueue(db.session, email)


def _patient_email(appointment, kind, subject, template, method=None, manage_url=None, **context):
    """To the patient, in the language they booked in (the caller sees to that: ``written_in``);
    with the calendar file for ``method`` (``REQUEST``, ``CANCEL``) when given."""
    text, html = render_pair(template, **context, **_patient_context(appointment, manage_url))
    return Email(
        kind=kind,
        topic=f"appointment:{appointment.id}",
        recipients=(appointment.email,),
        subject=one_line(subject),
        text=text,
        html=html,
        attachments=(calendar_attachment(appointment, method),) if method else (),
    )


def _queue_pair(
    appointment, event, headline, patient_subject, patient_template, method, manage_token=None, **patient_context
):
    """One email to the office (in English) and one to the patient (in their language, as is the
    text) about the same change. ``patient_subject``: the subject from the visit's summary;
    ``patient_context``: more for the patient's template."""
    _enqueue_for_office(appointment, _office_email(appointment, f"{event}.office", headline, "booking_office"))
    with written_in(appointment.language):
        manage_url = public_url("booking.manage", token=manage_token) if manage_token else None
        short_link = public_url("booking.short_link", token=manage_token) if manage_token else None
        queue_visit_text(event, appointment, short_link, book_url=public_url("booking.start"))
        if not appointment.email:  # booked at the desk for a patient who gave no email address
            return
        subject = patient_subject(appointment_summary(appointment))
        enqueue(
            db.session,
            _patient_email(
                appointment, f"{event}.patient", subject, patient_template, method, manage_url, **patient_context
            ),
        )


def queue_booking_emails(appointment, manage_token):
    """New booking: the office is told at once; the patient gets a confirmation and invitation."""
    clinic = current_app.config["CLINIC_NAME"]
    by_staff = appointment.source in AppointmentSource.BY_STAFF
    _queue_pair(
        appointment,
        "booking",
        f"New booking ({AppointmentSource.LABELS[appointment.source].lower()})" if by_staff else "New booking",
        lambda visit: _(
            "Your appointment on %(date)s at %(time)s - %(clinic)s",
            date=visit["date"],
            time=visit["time"],
            clinic=clinic,
        ),
        "booking_patient",
        "REQUEST",
        manage_token,
    )


def queue_cancellation_emails(appointment, *, by_patient=False):
    """Cancelled: the office frees the time; the patient's calendar entry is cancelled. The desk's
    reason is told to the patient; the patient's own (``by_patient``, which may touch on their
    health) stays in the back office and is never repeated in an email."""
    _queue_pair(
        appointment,
        "cancellation",
        "Cancelled",
        lambda visit: _("Cancelled: your appointment on %(date)s at %(time)s", date=visit["date"], time=visit["time"]),
        "cancellation_patient",
        "CANCEL",
        reason_from_patient=by_patient,
    )


def queue_reschedule_emails(appointment, manage_token):
    """Moved: both hear the new time; the patient's calendar entry moves (same UID, higher SEQUENCE)."""
    _queue_pair(
        appointment,
        "reschedule",
        "Rescheduled",
        lambda visit: _("New time: your appointment on %(date)s at %(time)s", date=visit["date"], time=visit["time"]),
        "booking_patient",
        "REQUEST",
        manage_token,
    )


def queue_reminder_email(appointment, reminder_token, last=True):
    """A reminder, in the patient's language: time, place, what to bring, and its own link's
    Confirm and Change/Cancel; the last one also asks the health questions again (none for a video
    visit)."""
    with written_in(appointment.language):
        _queue_reminder(appointment, reminder_token, last)


def _queue_reminder(appointment, reminder_token, last):
    summary = appointment_summary(appointment)
    manage_url = public_url("booking.manage", token=reminder_token)
    queue_reminder_text(appointment, reminder_token, last)
    if not appointment.email:
        return
    screening_url = (
        public_url("booking.rescreen", token=reminder_token)
        if last and not appointment.visit_type.is_telehealth
        else None
    )
    subject = _("Reminder: your appointment on %(date)s at %(time)s", date=summary["date"], time=summary["time"])
    email = _patient_email(
        appointment,
        "reminder.patient",
        subject,
        "reminder_patient",
        manage_url=manage_url,
        screening_url=screening_url,
        confirm_url=public_url("booking.confirm_visit", token=reminder_token),
        confirmed=appointment.confirmed_by_patient_at is not None,
    )
    enqueue(db.session, email)


def queue_reminder_text(appointment, reminder_token, last):
    """The reminder as a text: reply C to confirm, the short link to change or cancel; the last
    one sends to the health questions (their page links on to the rest)."""
    rescreen = last and not appointment.visit_type.is_telehealth
    endpoint = "booking.rescreen" if rescreen else "booking.short_link"
    queue_visit_text(
        "reminder",
        appointment,
        public_url(endpoint, token=reminder_token),
        rescreen=rescreen,
        confirmed=appointment.confirmed_by_patient_at is not None,
    )


def queue_found_notice(appointment, now):
    """To the patient: their appointment was opened with "Find my appointment" (a reference and a
    date of birth are not secret from everyone, so the patient hears of every opening), in the
    language they booked in."""
    with written_in(appointment.language):
        subject = _("Your appointment was opened on our website")
        opened_at = office_time(now, appointment.office)
        enqueue(db.session, _patient_email(appointment, "found.patient", subject, "found_patient", opened_at=opened_at))


def queue_screening_flag_email(appointment):
    """To the office: a patient answered "yes" after the reminder; call them before the visit."""
    _enqueue_for_office(
        appointment,
        _office_email(appointment, "screening.office", "Please call the patient before the visit", "booking_office"),
    )


# --- the waitlist ----------------------------------------------------------------------------


def _waitlist_email(entry, kind, subject, template, **context):
    if not entry.email:  # booked at the desk without one: texts (if agreed) and the desk only
        return
    current_visit = None
    if entry.appointment is not None:
        moment = when(entry.appointment.starts_at, entry.office)
        current_visit = _("%(date)s at %(time)s", date=moment["date"], time=moment["time"])
    text, html = render_pair(
        template, entry=entry, current_visit=current_visit, last_day=long_day(entry.last_day), **context
    )
    enqueue(
        db.session,
        Email(
            kind=kind,
            topic=f"waitlist:{entry.id}",
            recipients=(entry.email,),
            subject=one_line(subject),
            text=text,
            html=html,
        ),
    )


def queue_waitlist_joined(entry, raw_token):
    """To the patient, in the language they joined in (as every waitlist message): they are on the
    waitlist, what happens next, their link to leave it."""
    with written_in(entry.language):
        entry_url = public_url("booking.waitlist_entry", token=raw_token)
        _waitlist_email(
            entry,
            "waitlist_joined.patient",
            _("You are on our waitlist"),
            "waitlist_joined_patient",
            entry_url=entry_url,
        )


def queue_waitlist_offer(entry, offer, raw_token):
    """To the patient (email, and a text if they agreed): a freed time, with its one-time link."""
    with written_in(entry.language):
        office = entry.office
        moment = when(offer.starts_at, office)
        offer_url = public_url("booking.waitlist_offer", token=raw_token)
        expires = _("%(day)s, %(time)s", **text_moment(offer.expires_at, office))  # Tue, Dec 8, 3:15 PM
        _waitlist_email(
            entry,
            "waitlist_offer.patient",
            _("An earlier time opened: %(date)s at %(time)s", date=moment["date"], time=moment["time"]),
            "waitlist_offer_patient",
            when=moment,
            provider_name=offer.provider.display_name,
            offer_url=offer_url,
            expires=expires,
        )
        queue_text(
            db.session,
            "waitlist_offer",
            entry.sms_phone,
            topic=f"waitlist:{entry.id}",
            office=office,
            link=offer_url,
            expires=expires,
            **text_moment(offer.starts_at, office),
        )


def queue_waitlist_taken(entry, offer):
    """To the patient: the time offered went to someone else; they stay on the list."""
    with written_in(entry.language):
        office = entry.office
        moment = when(offer.starts_at, office)
        _waitlist_email(
            entry,
            "waitlist_taken.patient",
            _("The time on %(date)s was taken", date=moment["date"]),
            "waitlist_taken_patient",
            when=moment,
        )
        queue_text(
            db.session,
            "waitlist_taken",
            entry.sms_phone,
            topic=f"waitlist:{entry.id}",
            **text_moment(offer.starts_at, office),
        )


def queue_waitlist_booking(appointment, manage_token):
    """A claimed offer: a new visit is confirmed like any booking; a moved one like any move."""
    if manage_token:
        queue_booking_emails(appointment, manage_token)
    else:
        queue_reschedule_emails(appointment, None)
