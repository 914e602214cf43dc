"""Ready-to-show values for booking templates: times in office time, labels, summaries."""

from datetime import date

from babel.dates import format_date
from flask import current_app, has_request_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..formatting import long_date, time_of_day
from ..locations.hours import directions_url
from ..reasons import reason_label
from .screening import Outcome

WHAT_TO_BRING = [
    _l("A photo ID and your insurance card"),
    _l("A list of the medicines you take, with doses"),
    _l("Any X-rays, MRI or CT reports and discs about your back, neck or legs"),
    _l("A referral, if your insurance asks for one"),
]


def public_url(endpoint, **values) -> str:
    """An absolute address on the public site (for links in emails), also outside a request."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context(base_url=base):  # e.g. reminders sent by the worker
        return base + url_for(endpoint, **values)


def _other_locale():
    """The Babel locale when the text is not in English (a Spanish page, or a message written
    under ``force_locale``); None in English, outside a request included."""
    locale = get_locale()
    return None if locale is None or locale.language == "en" else locale


def day_label(day: date) -> str:
    """Tuesday, December 1 (martes 1 de diciembre on a Spanish page)."""
    locale = _other_locale()
    if locale is None:
        return f"{day:%A, %B} {day.day}"
    return format_date(day, "EEEE d 'de' MMMM", locale=locale)


def day_short(day: date) -> dict:
    """A day in a few letters, as the time step's strip of days shows it: its weekday ("Mon",
    "lun") and its date ("Dec 7", "7 dic")."""
    locale = _other_locale()
    if locale is None:
        return {"weekday": f"{day:%a}", "date": f"{day:%b} {day.day}"}
    return {"weekday": format_date(day, "EEE", locale=locale), "date": format_date(day, "d MMM", locale=locale)}


def soonest_label(slot, office, show_provider=False) -> str:
    """Monday, December 7 at 10:00 AM (with the clinician when the patient chose "first
    available"): one of the soonest times step 2 offers up front."""
    day = slot.starts_at.astimezone(office.tz).date()
    return _("%(day)s at %(time)s", day=day_label(day), time=slot_label(slot, office, show_provider))


def slot_label(slot, office, show_provider=False) -> str:
    """9:00 AM (office time), with the clinician when the patient chose "first available"."""
    label = time_of_day(slot.starts_at.astimezone(office.tz))
    if not show_provider:
        return label
    return _("%(time)s with %(clinician)s", time=label, clinician=slot.provider.display_name)


def when(starts_at, office) -> dict:
    """Date and time of a visit as the patient lives it, in the office's time zone."""
    local = starts_at.astimezone(office.tz)
    locale = _other_locale()
    if locale is None:
        return {"date": f"{local:%A}, {long_date(local.date())}", "time": f"{time_of_day(local)} {local:%Z}"}
    return {
        "date": format_date(local.date(), "EEEE d 'de' MMMM 'de' y", locale=locale),
        "time": f"{time_of_day(local)} {local:%Z}",
    }


def draft_summary(view) -> list[dict]:
    """The review page: one row per step with an Edit link."""
    details = view.details or {}
    moment = when(view.starts_at, view.office) if view.starts_at else {"date": "", "time": ""}
    screening_text = Outcome.of((view.screening or {}).get("outcome")).patient_label
    return [
        {
            "step": "visit",
            "edit": url_for("booking.start"),
            "rows": [
                (_("Office"), f"{view.office.name} — {', '.join(view.office.address_lines)}"),
                (
                    _("Visit"),
                    _(
                        "%(visit)s (%(minutes)s minutes)",
                        visit=view.visit_type.wording("name"),
                        minutes=view.visit_type.duration_minutes,
                    ),
                ),
                (_("Reason"), reason_label(view.reason)),
            ],
        },
        {
            "step": "time",
            "edit": url_for("booking.time"),
            "rows": [
                (_("Date"), moment["date"]),
                (_("Time"), moment["time"]),
                (_("Clinician"), view.slot_provider.display_name if view.slot_provider else ""),
            ],
        },
        {
            "step": "screening",
            "edit": url_for("booking.screening", change=1),
            "rows": [(_("Health screening"), screening_text)],
        },
        {
            "step": "details",
            "edit": url_for("booking.details"),
            "rows": [
                (_("Name"), f"{details.get('first_name', '')} {details.get('last_name', '')}"),
                (
                    _("Date of birth"),
                    long_date(date.fromisoformat(details["date_of_birth"])) if details.get("date_of_birth") else "",
                ),
                (_("Phone"), details.get("phone", "")),
                (_("Email"), details.get("email", "")),
                *([(_("Text messages"), _("Yes, to this phone"))] if details.get("text_messages") else []),
                (
                    _("Patient"),
                    _("New patient") if view.patient_status == "new" else _("Returning patient"),
                ),
                (_("Insurance"), details.get("insurance") or _("Not given")),
                (_("Notes"), details.get("notes") or _("None")),
            ],
        },
    ]


def appointment_summary(appointment) -> dict:
    """What the confirmation and manage pages show."""
    office = appointment.office
    moment = when(appointment.starts_at, office)
    return {
        "reference": appointment.reference,
        "date": moment["date"],
        "time": moment["time"],
        "visit": appointment.visit_type.wording("name"),
        "is_video": appointment.visit_type.is_telehealth,
        # The visit's own length: a later change to its kind of visit applies to new bookings only.
        "duration": int((appointment.ends_at - appointment.starts_at).total_seconds() // 60),
        "clinician": appointment.provider.display_name,
        "office": office,
        "address_lines": office.address_lines,
        "directions_url": directions_url(office),
        "what_to_bring": WHAT_TO_BRING,
        "status": appointment.status,
    }
