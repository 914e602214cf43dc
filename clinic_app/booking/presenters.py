"""Ready-to-show values for booking templates: times in office time, labels, summaries."""

from datetime import date

from flask import current_app, has_request_context, url_for

from ..formatting import long_date, time_of_day
from ..locations.hours import directions_url
from ..reasons import reason_label
from .screening import Outcome

WHAT_TO_BRING = [
    "A photo ID and your insurance card",
    "A list of the medicines you take, with doses",
    "Any X-rays, MRI or CT reports and discs about your back, neck or legs",
    "A referral, if your insurance asks for one",
]


def public_url(endpoint, **values) -> str:
    """An absolute address on the public site (for links in emails), also outside a request."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context(base_url=base):  # e.g. reminders sent by the worker
        return base + url_for(endpoint, **values)


def day_label(day: date) -> str:
    """Tuesday, December 1."""
    return f"{day:%A, %B} {day.day}"


def slot_label(slot, office, show_provider=False) -> str:
    """9:00 AM (office time), with the clinician when the patient chose "first available"."""
    label = time_of_day(slot.starts_at.astimezone(office.tz))
    return f"{label} with {slot.provider.display_name}" if show_provider else label


def when(starts_at, office) -> dict:
    """Date and time of a visit as the patient lives it, in the office's time zone."""
    local = starts_at.astimezone(office.tz)
    return {"date": f"{local:%A}, {long_date(local.date())}", "time": f"{time_of_day(local)} {local:%Z}"}


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
                ("Office", f"{view.office.name} — {', '.join(view.office.address_lines)}"),
                ("Visit", f"{view.visit_type.name} ({view.visit_type.duration_minutes} minutes)"),
                ("Reason", reason_label(view.reason)),
            ],
        },
        {
            "step": "time",
            "edit": url_for("booking.time"),
            "rows": [
                ("Date", moment["date"]),
                ("Time", moment["time"]),
                ("Clinician", view.slot_provider.display_name if view.slot_provider else ""),
            ],
        },
        {
            "step": "screening",
            "edit": url_for("booking.screening", change=1),
            "rows": [("Health screening", screening_text)],
        },
        {
            "step": "details",
            "edit": url_for("booking.details"),
            "rows": [
                ("Name", f"{details.get('first_name', '')} {details.get('last_name', '')}"),
                (
                    "Date of birth",
                    long_date(date.fromisoformat(details["date_of_birth"])) if details.get("date_of_birth") else "",
                ),
                ("Phone", details.get("phone", "")),
                ("Email", details.get("email", "")),
                *([("Text messages", "Yes, to this phone")] if details.get("text_messages") else []),
                ("Patient", "New patient" if details.get("patient_status") == "new" else "Returning patient"),
                ("Insurance", details.get("insurance") or "Not given"),
                ("Notes", details.get("notes") or "None"),
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
        "visit": appointment.visit_type.name,
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
