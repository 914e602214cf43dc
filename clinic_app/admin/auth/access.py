"""Who may see what, and the record of who did what.

Every back-office query is narrowed to the user's offices first (an admin sees every office);
every change staff make is written to the audit log in the same transaction.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...database import writing
from ...extensions import db
from ...models import AuditEntry, Office, Provider
from ...models.office import offices_by_name
from ...offices import clinic_offices

# Who acted, for entries without a staff user (``changes["by"]``); none of it names a patient.
BY_PATIENT = "patient (manage link)"
BY_SIGN_IN_PAGE = "someone at the sign-in page"
BY_COMMAND_LINE = "command line"


def audit(session, user, action, appointment=None, **changes):
    """Record who did what (the caller commits). ``changes`` never holds a patient's details
    (names, birth dates, contact details, notes, reasons, answers) nor a password, code or token.
    A page view that records its own viewing calls this before changing anything else."""
    writing(session)
    session.add(
        AuditEntry(
            user_id=user.id if user else None,
            appointment_id=appointment.id if appointment else None,
            action=action,
            changes=changes,
        )
    )


def visible_offices(session, user) -> list[Office]:
    """Every office for an admin, the assigned ones for staff (read once per request)."""
    if user.is_admin:
        return list(clinic_offices()) if session is db.session else offices_by_name(session)
    return list(user.offices)


def visible_office_ids(session, user) -> list[int]:
    return [office.id for office in visible_offices(session, user)]


def home_zone(session, user) -> ZoneInfo:
    """The zone to show a time in when no single office applies (an email, a closure of all
    offices): the user's offices' zone, or the first of them by name when they differ."""
    offices = visible_offices(session, user)
    return offices[0].tz if offices else ZoneInfo("UTC")


def offices_today(session, user, now: datetime) -> date:
    """Today's date at the user's offices; the earliest when their zones differ (a day is not
    over for the back office until it is over at every office the user works for)."""
    return min((now.astimezone(office.tz).date() for office in visible_offices(session, user)), default=now.date())


def visible_providers(session, user) -> list[Provider]:
    """Clinicians who work at any of the user's offices."""
    offices = visible_offices(session, user)
    providers = session.scalars(
        select(Provider).order_by(Provider.name).options(selectinload(Provider.offices))  # not one query each
    ).all()
    return [p for p in providers if set(p.offices) & set(offices)]
