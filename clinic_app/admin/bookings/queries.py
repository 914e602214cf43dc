"""What a back-office user may see: every query is narrowed to their offices first."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from ...booking.screening import Outcome
from ...database import keyset_page
from ...i18n import LANGUAGES
from ...models import Appointment, AppointmentSource, AppointmentStatus
from ..auth.access import visible_office_ids, visible_offices

PER_PAGE = 25
LIST_ORDER = (Appointment.starts_at, Appointment.id)  # soonest first; the id parts equal times
CURSOR_KINDS = (datetime, int)


@dataclass
class BookingFilters:
    """The bookings list's filters, as read from the query string."""

    q: str = ""
    office: str = ""
    provider: int | None = None
    status: str = ""
    source: str = ""
    language: str = ""
    date_from: date | None = None
    date_to: date | None = None
    flagged: bool = False
    page: int = 1  # the page's number, as the pager's links counted it (shown only)
    after: tuple | None = None  # the page after this row's place (``database.cursor``)
    before: tuple | None = None  # the page before it

    def as_args(self, **changes) -> dict:
        """The filters as URL arguments (for pagination links and the export)."""
        values = {
            "q": self.q,
            "office": self.office,
            "provider": self.provider or "",
            "status": self.status,
            "source": self.source,
            "language": self.language,
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


def _from_day(columns, offices, first_day):
    """Appointments from the start of ``first_day(office)`` in each office's own zone."""
    starts = {office.id: datetime.combine(first_day(office), time.min, tzinfo=office.tz) for office in offices}
    return (columns.bound >= min(starts.values())) & or_(
        *((columns.office_id == office) & (columns.starts_at >= moment) for office, moment in starts.items())
    )


def _before_day(columns, offices, day: date):
    """Appointments before the start of ``day`` in each office's own zone."""
    ends = {office.id: datetime.combine(day, time.min, tzinfo=office.tz) for office in offices}
    return (columns.bound < max(ends.values())) & or_(
        *((columns.office_id == office) & (columns.starts_at < moment) for office, moment in ends.items())
    )


@dataclass(frozen=True)
class _ListColumns:
    """The columns the list's conditions are written on. SQLite plans with one index and, given
    conditions on several, may pick the (office_id, starts_at) index and then sort every match to
    show 25, or bound its walk of the (starts_at, id) index by the list's first day rather than
    by the page's cursor. So on SQLite only the condition meant to bound that walk names the
    column plainly; the others are filters, written with a unary ``+``, which takes a column out
    of index choice (SQLite's documented way). PostgreSQL weighs them itself."""

    office_id: object
    starts_at: object
    bound: object  # the whole list's first and last moment

    @classmethod
    def of(cls, session, bounds_indexed: bool) -> "_ListColumns":
        if session.get_bind().dialect.name != "sqlite":
            return cls(Appointment.office_id, Appointment.starts_at, Appointment.starts_at)
        starts_at = _unindexed(Appointment.starts_at)
        return cls(_unindexed(Appointment.office_id), starts_at, Appointment.starts_at if bounds_indexed else starts_at)


def _unindexed(column):
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def bookings_query(session, user, filters: BookingFilters, now: datetime, *, bounds_indexed=True):
    """The appointments matching ``filters`` within the user's offices, soonest first.

    With no dates given the list starts today (upcoming); days begin and end in each office's own
    time zone; an office the user may not see matches nothing rather than everything.
    ``bounds_indexed=False``: for a page bounded by its cursor instead (``_ListColumns``).
    """
    offices = visible_offices(session, user)
    columns = _ListColumns.of(session, bounds_indexed)
    if filters.office:
        offices = [office for office in offices if office.slug == filters.office]
    query = select(Appointment).where(columns.office_id.in_([office.id for office in offices]))
    if not offices:
        return query.order_by(*LIST_ORDER)
    if filters.provider:
        query = query.where(Appointment.provider_id == filters.provider)
    if filters.status in AppointmentStatus.LABELS:
        query = query.where(Appointment.status == filters.status)
    if filters.source in AppointmentSource.LABELS:
        query = query.where(Appointment.source == filters.source)
    if filters.language in LANGUAGES:
        query = query.where(Appointment.language == filters.language)
    if filters.date_from:
        query = query.where(_from_day(columns, offices, lambda office: filters.date_from))
    elif not filters.date_to:  # upcoming: from today at each office
        query = query.where(_from_day(columns, offices, lambda office: now.astimezone(office.tz).date()))
    if filters.date_to and filters.date_to < date.max:  # the last day of the calendar has no end
        query = query.where(_before_day(columns, offices, filters.date_to + timedelta(days=1)))
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
    return query.order_by(*LIST_ORDER)


def bookings_page(session, user, filters: BookingFilters, now: datetime, per_page: int | None = None):
    """One page of the filtered list (paged by time, so a page deep in the history costs what
    the first does), and how many match, up to ``COUNT_UP_TO``."""
    each_row_names = (joinedload(Appointment.provider), joinedload(Appointment.visit_type))
    return keyset_page(
        session,
        bookings_query(session, user, filters, now).options(*each_row_names),
        LIST_ORDER,
        beside_cursor=(
            bookings_query(session, user, filters, now, bounds_indexed=False).options(*each_row_names)
            if filters.after is not None or filters.before is not None
            else None
        ),
        after=filters.after,
        before=filters.before,
        number=filters.page,
        per_page=per_page or PER_PAGE,
    )
