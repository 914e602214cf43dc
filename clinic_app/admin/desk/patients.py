"""Finding a patient across all their visits, past and future, at the user's offices: by name and
date of birth, phone, email or booking reference. A patient is known by first and last name and
date of birth (there are no patient accounts; twins stay apart); their visits, newest first."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select

from ...models import Appointment
from ..auth.access import visible_office_ids
from ..bookings.queries import name_matches, phone_matches

MAX_PATIENTS = 20
DATE_TYPED = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b|\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


@dataclass
class PatientSearch:
    """What was typed, read as a name, a date of birth, a phone number, an email or a reference."""

    name: str = ""
    date_of_birth: date | None = None
    digits: str = ""
    email: str = ""
    reference: str = ""

    @property
    def empty(self) -> bool:
        return not (self.name or self.date_of_birth or self.digits or self.email or self.reference)


def read_search(typed: str) -> PatientSearch:
    """ "Ferreira 08/02/1949", "703-555-0199", "walter@example.org", "7K3M9QXA"."""
    typed = (typed or "").strip()[:100]
    search = PatientSearch()
    found = DATE_TYPED.search(typed)
    if found:
        year, month, day = (found[1], found[2], found[3]) if found[1] else (found[6], found[4], found[5])
        try:
            search.date_of_birth = date(int(year), int(month), int(day))
        except ValueError:
            pass
        typed = (typed[: found.start()] + " " + typed[found.end() :]).strip()
    if "@" in typed:
        search.email = typed.lower()
    elif re.fullmatch(r"[A-Za-z0-9]{8}", typed) and re.search(r"\d", typed):
        search.reference = typed.upper()
    elif len(re.sub(r"\D", "", typed)) >= 4 and not re.search(r"[A-Za-z]", typed):
        search.digits = re.sub(r"\D", "", typed)[-10:]
    else:
        search.name = " ".join(typed.split()).lower()
    return search


@dataclass
class PatientRecord:
    """One patient (first and last name and date of birth) and their visits at the user's offices."""

    first_name: str
    last_name: str
    date_of_birth: date
    phone: str
    email: str
    visits: list = field(default_factory=list)  # Appointment, newest first

    @property
    def latest(self) -> Appointment:
        return self.visits[0]

    def next_visit(self, now: datetime) -> Appointment | None:
        upcoming = [v for v in self.visits if v.is_active and v.starts_at > now]
        return upcoming[-1] if upcoming else None


def find_patients(session, user, search: PatientSearch) -> list[PatientRecord]:
    """Patients matching ``search`` with every visit of theirs at the user's offices; at most
    :data:`MAX_PATIENTS`, the most recently seen first. An empty search finds no one."""
    if search.empty:
        return []
    conditions = []
    if search.name:
        conditions.append(or_(*name_matches(search.name)))
    if search.date_of_birth:
        conditions.append(Appointment.date_of_birth == search.date_of_birth)
    if search.digits:
        conditions.append(phone_matches(search.digits))
    if search.email:
        conditions.append(func.lower(Appointment.email) == search.email)
    if search.reference:
        conditions.append(Appointment.reference == search.reference)
    offices = visible_office_ids(session, user)
    matches = session.execute(
        select(
            func.lower(Appointment.first_name),
            func.lower(Appointment.last_name),
            Appointment.date_of_birth,
            func.max(Appointment.starts_at),
        )
        .where(Appointment.office_id.in_(offices), *conditions)
        .group_by(func.lower(Appointment.first_name), func.lower(Appointment.last_name), Appointment.date_of_birth)
        .order_by(func.max(Appointment.starts_at).desc())
        .limit(MAX_PATIENTS)
    ).all()
    patients = []
    for first_name, last_name, born, _ in matches:
        visits = list(
            session.scalars(
                select(Appointment)
                .where(
                    Appointment.office_id.in_(offices),
                    func.lower(Appointment.first_name) == first_name,
                    func.lower(Appointment.last_name) == last_name,
                    Appointment.date_of_birth == born,
                )
                .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
            )
        )
        newest = max(visits, key=lambda v: v.created_at)  # the details given most recently
        patients.append(PatientRecord(newest.first_name, newest.last_name, born, newest.phone, newest.email, visits))
    return patients
