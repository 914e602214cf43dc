"""What a back-office user may see: every query is narrowed to their offices first."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from ...booking.screening import Outcome
from ...database import paginate
from ...models import Appointment, AppointmentSource, AppointmentStatus, Office
from ..auth.access import visible_office_ids, visible_offices

PER_PAGE = 25


@dataclass
class BookingFilters:
    """The bookings list's filters, as read from the query string."""

    q: str = ""
    office: str = ""
    provider: int | None = None
    status: str = ""
    source: str = ""
    date_from: date | None = None
    date_to: date | None = None
    flagged: bool = False
    page: int = 1

    def as_args(self, **changes) -> dict:
        """The filters as URL arguments (for pagination links and the export)."""
        values = {
            "q": self.q,
            "office": self.office,
            "provider": self.provider or "",
            "status": self.status,
            "source": self.source,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "flagged": "y" if self.flagged else "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}


def appointment_for(session, user, appointment_id) -> Appointment | None:
    """The appointment if this user may see it, else None (the view answers 404 either way)."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.office_id not in visible_office_ids(session, user):
        return None
    return appointment


def _digits_only(column):
    for char in "()- .+":
        column = func.replace(column, char, "")
    return column


def like_term(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere, any case; % and _ typed by staff are letters to
    find, not wildcards (escaped with a backslash)."""
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def name_matches(text: str) -> list:
    """Conditions finding ``text`` in a patient's full name or last name."""
    term = like_term(text)
    return [
        func.lower(Appointment.first_name + " " + Appointment.last_name).like(term, escape="\\"),
        func.lower(Appointment.last_name).like(term, escape="\\"),
    ]


def phone_matches(digits: str):
    """The condition finding these digits (the last ten) in a phone number however it is written."""
    return _digits_only(Appointment.phone).like(f"%{digits[-10:]}%")


def _from_day(offices, first_day):
    """Appointments from the start of ``first_day(office)`` in each office's own zone."""
    return or_(
        *(
            (Appointment.office_id == office.id)
            & (Appointment.starts_at >= datetime.combine(first_day(office), time.min, tzinfo=office.tz))
            for office in offices
        )
    )


def _before_day(offices, day: date):
    """Appointments before the start of ``day`` in each office's own zone."""
    return or_(
        *(
            (Appointment.office_id == office.id)
            & (Appointment.starts_at < datetime.combine(day, time.min, tzinfo=office.tz))
            for office in offices
        )
    )


def bookings_query(session, user, filters: BookingFilters, now: datetime):
    """The appointments matching ``filters`` within the user's offices, soonest first.

    With no dates given the list starts today (upcoming); days begin and end in each office's own
    time zone; an office the user may not see matches nothing rather than everything.
    """
    offices = visible_offices(session, user)
    query = select(Appointment).where(Appointment.office_id.in_([office.id for office in offices]))
    if not offices:
        return query.order_by(Appointment.starts_at, Appointment.id)
    if filters.office:
        query = query.join(Office, Appointment.office_id == Office.id).where(Office.slug == filters.office)
    if filters.provider:
        query = query.where(Appointment.provider_id == filters.provider)
    if filters.status in AppointmentStatus.LABELS:
        query = query.where(Appointment.status == filters.status)
    if filters.source in AppointmentSource.LABELS:
        query = query.where(Appointment.source == filters.source)
    if filters.date_from:
        query = query.where(_from_day(offices, lambda office: filters.date_from))
    elif not filters.date_to:  # upcoming: from today at each office
        query = query.where(_from_day(offices, lambda office: now.astimezone(office.tz).date()))
    if filters.date_to and filters.date_to < date.max:  # the last day of the calendar has no end
        query = query.where(_before_day(offices, filters.date_to + timedelta(days=1)))
    if filters.flagged:
        query = query.where(Appointment.screening_outcome == Outcome.FLAGGED)
    if filters.q:
        conditions = [
            *name_matches(filters.q),
            func.lower(Appointment.email).like(like_term(filters.q), escape="\\"),
            func.upper(Appointment.reference) == filters.q.upper(),
        ]
        digits = re.sub(r"\D", "", filters.q)
        if len(digits) >= 4:
            conditions.append(phone_matches(digits))
        query = query.where(or_(*conditions))
    return query.order_by(Appointment.starts_at, Appointment.id)


def bookings_page(session, user, filters: BookingFilters, now: datetime, per_page=PER_PAGE):
    """One page of the filtered list, and how many match in all."""
    return paginate(session, bookings_query(session, user, filters, now), filters.page, per_page)
