"""Clinicians, the kinds of visit and the offices, managed by admins: add, change, take a
clinician off the schedule and back. Plain functions over a session; each change is audited with the settings
before and after, and none silently breaks a booked visit: a change that would is refused with
the visits it concerns. The caller commits.
"""

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ...i18n import SPANISH
from ...models import Appointment, AppointmentStatus, Office, OpeningHours, Provider, VisitType, WorkingHours
from ..auth.access import audit

MAX_VISIT_MINUTES = 240
MAX_PAUSE_MINUTES = 120


class SettingsInvalid(Exception):
    """The form's answers cannot be saved: ``problems`` by field name, and the booked visits the
    change would break (appointments, for the page to list and link)."""

    def __init__(self, problems: dict, affected=()):
        super().__init__(", ".join(problems.values()))
        self.problems = problems
        self.affected = list(affected)


@dataclass(frozen=True)
class ClinicianRequest:
    name: str
    credentials: str
    specialty: str
    bio: str
    office_ids: tuple
    visit_type_ids: tuple
    accepts_new_patients: bool
    photo: bytes | None = None  # a new portrait (already re-encoded), or None to keep what is there
    remove_photo: bool = False
    # What patients read on the Spanish pages; blank: the English.
    spanish_specialty: str = ""
    spanish_bio: str = ""


@dataclass(frozen=True)
class VisitTypeRequest:
    name: str
    description: str
    duration_minutes: int
    buffer_minutes: int
    is_telehealth: bool
    patients: str
    active: bool
    provider_ids: tuple
    # What patients read on the Spanish pages; blank: the English.
    spanish_name: str = ""
    spanish_description: str = ""


def with_translation(translations: dict | None, language: str, wording: dict) -> dict:
    """``translations`` (a row's, by language code) with ``language``'s ``wording`` (by field)
    put in: a blank field is taken out, and so is a language left with no field. Always a new
    dict, so that the change is saved (changes made inside a JSON column are not seen)."""
    changed = {code: dict(fields) for code, fields in (translations or {}).items()}
    fields = changed.setdefault(language, {})
    for field, text in wording.items():
        if text and text.strip():
            fields[field] = text
        else:
            fields.pop(field, None)
    if not fields:
        del changed[language]
    return changed


def spanish(row, field: str) -> str:
    """The Spanish wording of a row's ``field`` as admins gave it ("" when none)."""
    return ((row.translations or {}).get(SPANISH) or {}).get(field, "")


def unique_slug(session, model, name: str) -> str:
    """A URL-safe name not yet used by ``model``: "Dr. Amira Haddad" → "dr-amira-haddad"(-2 …)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50] or "item"
    taken = set(session.scalars(select(model.slug).where(model.slug.like(f"{base}%"))))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def coming_visits(session, now: datetime, *conditions) -> list[Appointment]:
    """Active visits that have not ended and meet ``conditions``, in time order."""
    query = select(Appointment).where(
        Appointment.status.in_(AppointmentStatus.ACTIVE), Appointment.ends_at > now, *conditions
    )
    return list(session.scalars(query.order_by(Appointment.starts_at)))


# Clinicians


def clinician_snapshot(provider: Provider) -> dict:
    """What the audit log keeps of a clinician's settings (no patient in it)."""
    return {
        "name": provider.name,
        "credentials": provider.credentials,
        "specialty": provider.specialty,
        "offices": [office.name for office in provider.offices],
        "visit_types": [visit.name for visit in provider.visit_types],
        "accepts_new_patients": provider.accepts_new_patients,
        "active": provider.active,
        "bio": provider.bio,
        "spanish_specialty": spanish(provider, "specialty"),
        "spanish_bio": spanish(provider, "bio"),
        "photo": provider.photo_updated_at.isoformat() if provider.photo_updated_at else "none",
    }


def _chosen(session, model, ids) -> list:
    return list(session.scalars(select(model).where(model.id.in_(ids)))) if ids else []


def _check_clinician(session, request: ClinicianRequest):
    problems = {}
    offices = _chosen(session, Office, request.office_ids)
    visit_types = _chosen(session, VisitType, request.visit_type_ids)
    if not offices or len(offices) != len(set(request.office_ids)):
        problems["offices"] = "Please choose at least one office where they see patients."
    if not visit_types or len(visit_types) != len(set(request.visit_type_ids)):
        problems["visit_types"] = "Please choose at least one kind of visit they offer."
    return offices, visit_types, problems


def spanish_of_clinician(request: ClinicianRequest) -> dict:
    return {"specialty": request.spanish_specialty, "bio": request.spanish_bio}


def _set_photo(provider: Provider, request: ClinicianRequest, now: datetime) -> None:
    if request.photo is not None:
        provider.photo, provider.photo_updated_at = request.photo, now
    elif request.remove_photo and provider.photo_updated_at is not None:
        provider.photo, provider.photo_updated_at = None, None


def add_clinician(session, by, request: ClinicianRequest, now: datetime) -> Provider:
    """A new clinician, bookable once they have weekly hours at an office.

    :raise SettingsInvalid: with problems by field name.
    """
    offices, visit_types, problems = _check_clinician(session, request)
    if problems:
        raise SettingsInvalid(problems)
    provider = Provider(
        slug=unique_slug(session, Provider, request.name),
        name=request.name,
        credentials=request.credentials,
        specialty=request.specialty,
        bio=request.bio,
        translations=with_translation({}, SPANISH, spanish_of_clinician(request)),
        accepts_new_patients=request.accepts_new_patients,
        offices=offices,
        visit_types=visit_types,
    )
    _set_photo(provider, request, now)
    session.add(provider)
    session.flush()
    audit(session, by, "clinician.added", provider=provider.display_name, after=clinician_snapshot(provider))
    return provider


def update_clinician(session, by, provider: Provider, request: ClinicianRequest, now: datetime) -> bool:
    """Change a clinician's details, offices and kinds of visit; whether anything changed.

    An office with booked visits still to come cannot be taken away (the visits are listed:
    move or cancel them first); the weekly hours at an office taken away go with it. Visits
    already booked keep their kind and length whatever is offered from now on.
    """
    offices, visit_types, problems = _check_clinician(session, request)
    leaving = [office for office in provider.offices if office not in offices]
    affected = []
    for office in leaving:
        affected += coming_visits(
            session, now, Appointment.provider_id == provider.id, Appointment.office_id == office.id
        )
    if affected:
        names = ", ".join(office.name for office in leaving)
        problems["offices"] = f"{provider.display_name} has booked visits at {names}; move or cancel them first."
    kept_ids = {visit.id for visit in visit_types}
    dropped = [
        visit
        for visit in provider.visit_types
        if visit.id not in kept_ids or (visit.patients == VisitType.NEW and not request.accepts_new_patients)
    ]
    of_dropped = []
    for visit in dropped:
        of_dropped += coming_visits(
            session, now, Appointment.provider_id == provider.id, Appointment.visit_type_id == visit.id
        )
    if of_dropped:
        names = ", ".join(sorted({a.visit_type.name for a in of_dropped}))
        problems["visit_types"] = (
            f"{provider.display_name} has booked visits of {names} (they could not be moved); "
            "move or cancel them first, or keep offering it."
        )
        affected += of_dropped
    if problems:
        raise SettingsInvalid(problems, affected)
    before = clinician_snapshot(provider)
    provider.name, provider.credentials, provider.specialty = request.name, request.credentials, request.specialty
    provider.bio, provider.accepts_new_patients = request.bio, request.accepts_new_patients
    translations = with_translation(provider.translations, SPANISH, spanish_of_clinician(request))
    if translations != provider.translations:
        provider.translations = translations
    provider.offices, provider.visit_types = offices, visit_types
    _set_photo(provider, request, now)
    for hours in list(provider.working_hours):
        if hours.office_id in {office.id for office in leaving}:
            provider.working_hours.remove(hours)
    after = clinician_snapshot(provider)
    if after == before:
        return False
    audit(session, by, "clinician.changed", provider=provider.display_name, before=before, after=after)
    return True


def set_clinician_active(session, by, provider: Provider, active: bool, now: datetime) -> None:
    """Take a clinician off the schedule (no new bookings, their column leaves the calendar) or
    back on. Refused while they have booked visits to come, which are listed."""
    if provider.active == active:
        return
    if not active:
        booked = coming_visits(session, now, Appointment.provider_id == provider.id)
        if booked:
            message = f"{provider.display_name} has booked visits to come; move or cancel them first."
            raise SettingsInvalid({"active": message}, booked)
    provider.active = active
    audit(session, by, "clinician.activated" if active else "clinician.deactivated", provider=provider.display_name)


def hours_count(session, provider: Provider) -> int:
    return len(session.scalars(select(WorkingHours.id).filter_by(provider_id=provider.id)).all())


# Kinds of visit


def visit_type_snapshot(visit_type: VisitType, providers) -> dict:
    return {
        "name": visit_type.name,
        "description": visit_type.description,
        "spanish_name": spanish(visit_type, "name"),
        "spanish_description": spanish(visit_type, "description"),
        "duration_minutes": visit_type.duration_minutes,
        "buffer_minutes": visit_type.buffer_minutes,
        "video": visit_type.is_telehealth,
        "patients": visit_type.patients,
        "active": visit_type.active,
        "offered_by": sorted(p.name for p in providers),
    }


def offered_by(session, visit_type: VisitType) -> list[Provider]:
    if visit_type.id is None:
        return []
    return [p for p in session.scalars(select(Provider).order_by(Provider.name)) if visit_type in p.visit_types]


def _check_visit_type(session, request: VisitTypeRequest):
    problems = {}
    if request.duration_minutes % 15 or not 15 <= request.duration_minutes <= MAX_VISIT_MINUTES:
        problems["duration_minutes"] = (
            f"Please give a length in steps of 15 minutes, from 15 to {MAX_VISIT_MINUTES} (for example 30 or 45)."
        )
    if request.buffer_minutes % 15 or not 0 <= request.buffer_minutes <= MAX_PAUSE_MINUTES:
        problems["buffer_minutes"] = f"Please give a pause in steps of 15 minutes, from 0 to {MAX_PAUSE_MINUTES}."
    if request.patients not in VisitType.PATIENTS:
        problems["patients"] = "Please choose who this kind of visit is for."
    providers = _chosen(session, Provider, request.provider_ids)
    if len(providers) != len(set(request.provider_ids)):
        problems["provider_ids"] = "Please choose clinicians from the list."
    return providers, problems


def _apply_visit_type(visit_type: VisitType, request: VisitTypeRequest, providers, everyone) -> None:
    visit_type.name, visit_type.description = request.name, request.description
    wording = {"name": request.spanish_name, "description": request.spanish_description}
    translations = with_translation(visit_type.translations, SPANISH, wording)
    if translations != visit_type.translations:
        visit_type.translations = translations
    visit_type.duration_minutes, visit_type.buffer_minutes = request.duration_minutes, request.buffer_minutes
    visit_type.is_telehealth, visit_type.patients, visit_type.active = (
        request.is_telehealth,
        request.patients,
        request.active,
    )
    for provider in everyone:
        offers = visit_type in provider.visit_types
        if provider in providers and not offers:
            provider.visit_types.append(visit_type)
        elif provider not in providers and offers:
            provider.visit_types.remove(visit_type)


def add_visit_type(session, by, request: VisitTypeRequest) -> VisitType:
    providers, problems = _check_visit_type(session, request)
    if problems:
        raise SettingsInvalid(problems)
    last = session.scalars(select(VisitType.sort_order).order_by(VisitType.sort_order.desc())).first() or 0
    visit_type = VisitType(slug=unique_slug(session, VisitType, request.name), sort_order=last + 1)
    _apply_visit_type(visit_type, request, providers, list(session.scalars(select(Provider))))
    session.add(visit_type)
    session.flush()
    audit(session, by, "visit_type.added", what=visit_type.name, after=visit_type_snapshot(visit_type, providers))
    return visit_type


def update_visit_type(session, by, visit_type: VisitType, request: VisitTypeRequest, now: datetime) -> bool:
    """Change a kind of visit; whether anything changed. Booked visits keep their own start, end
    and held time: a new length or pause applies to bookings made from now on. What a booked
    visit is (at the office or by video, for whom) cannot change under it, and a clinician with
    booked visits of it keeps offering it: such changes are refused with the visits listed."""
    providers, problems = _check_visit_type(session, request)
    booked = coming_of_type(session, visit_type, now)
    affected = []
    if booked and (request.is_telehealth != visit_type.is_telehealth or request.patients != visit_type.patients):
        problems["is_telehealth" if request.is_telehealth != visit_type.is_telehealth else "patients"] = (
            f"{len(booked)} visit(s) are booked as {visit_type.name}; where it happens and for whom cannot "
            "change under them. Add a new kind of visit instead, or move or cancel them first."
        )
        affected = booked
    kept = {provider.id for provider in providers}
    left = [a for a in booked if a.provider_id not in kept]
    if left:
        names = ", ".join(sorted({a.provider.display_name for a in left}))
        problems["provider_ids"] = f"{names} still have booked visits of {visit_type.name}; move or cancel them first."
        affected = affected + [a for a in left if a not in affected]
    if problems:
        raise SettingsInvalid(problems, affected)
    before = visit_type_snapshot(visit_type, offered_by(session, visit_type))
    _apply_visit_type(visit_type, request, providers, list(session.scalars(select(Provider))))
    after = visit_type_snapshot(visit_type, providers)
    if before == after:
        return False
    audit(session, by, "visit_type.changed", what=visit_type.name, before=before, after=after)
    return True


def coming_of_type(session, visit_type: VisitType, now: datetime) -> list[Appointment]:
    return coming_visits(session, now, Appointment.visit_type_id == visit_type.id)


# Offices


@dataclass(frozen=True)
class OfficeRequest:
    name: str
    street: str
    suite: str
    city: str
    state: str
    postal_code: str
    phone: str
    timezone: str
    notify_emails: tuple
    offers_telehealth: bool
    hours: tuple  # (weekday, opens, closes) for each day it is open
    zone_change_confirmed: bool = False


def office_snapshot(office: Office) -> dict:
    return {
        "name": office.name,
        "address": ", ".join(office.address_lines),
        "phone": office.phone,
        "time_zone": office.timezone,
        "notification_emails": office.notify_email_list,
        "video_visits": office.offers_telehealth,
        "opening_hours": [
            f"{h.weekday_name} {h.opens:%H:%M}–{h.closes:%H:%M}"
            for h in sorted(office.opening_hours, key=lambda h: (h.weekday, h.opens))
        ],
    }


def update_office(session, by, office: Office, request: OfficeRequest, now: datetime) -> bool:
    """Change an office's address, phone, zone, notification addresses, video visits and opening
    hours; whether anything changed. A new time zone with visits booked there needs
    ``zone_change_confirmed`` (their moments stay; the office reads them in its new zone)."""
    problems = {}
    if not request.notify_emails:
        problems["notify_emails"] = "Please give at least one address: the office is emailed about every booking."
    if request.timezone not in available_zones():
        problems["timezone"] = "Please give a time zone by its name, like America/New_York."
    affected = []
    if request.timezone != office.timezone and not problems.get("timezone"):
        affected = coming_visits(session, now, Appointment.office_id == office.id)
        if affected and not request.zone_change_confirmed:
            problems["zone_change_confirmed"] = (
                f"{len(affected)} visit(s) are booked at {office.name}: they keep their moment, and their office "
                "time then reads differently. Tick the box to change the time zone anyway."
            )
    if problems:
        raise SettingsInvalid(problems, affected if "zone_change_confirmed" in problems else [])
    before = office_snapshot(office)
    office.name, office.street, office.suite = request.name, request.street, request.suite
    office.city, office.state, office.postal_code = request.city, request.state, request.postal_code
    office.phone, office.timezone = request.phone, request.timezone
    office.notify_emails = ",".join(request.notify_emails)
    office.offers_telehealth = request.offers_telehealth
    wanted = sorted(request.hours)
    if wanted != sorted((h.weekday, h.opens, h.closes) for h in office.opening_hours):
        office.opening_hours = []
        session.flush()  # the old rows go before the new ones (a day keeps its opening time)
        office.opening_hours = [OpeningHours(weekday=d, opens=o, closes=c) for d, o, c in wanted]
    session.flush()
    after = office_snapshot(office)
    if before == after:
        return False
    audit(session, by, "office.changed", office=office.name, before=before, after=after)
    return True


def available_zones() -> set:
    """Time zones by region and city (America/New_York), not the system's aliases ("localtime",
    "Factory", "posix/…")."""
    return {
        zone
        for zone in zoneinfo.available_timezones()
        if "/" in zone and not zone.startswith(("posix/", "right/", "Etc/", "SystemV/"))
    }
