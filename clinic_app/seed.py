"""The clinic's reference data, and an idempotent loader for it."""

from datetime import time

from .models import Office, OpeningHours, Provider, VisitType, WorkingHours

WEEKDAYS_8_TO_5 = [(weekday, time(8, 0), time(17, 0)) for weekday in range(5)]

OFFICES = [
    {
        "slug": "fairfax",
        "name": "Fairfax, VA",
        "street": "4001 Fair Ridge Dr",
        "suite": "Suite 202",
        "city": "Fairfax",
        "state": "VA",
        "postal_code": "22033",
        "timezone": "America/New_York",
        "hours": WEEKDAYS_8_TO_5,
    },
    {
        "slug": "potomac",
        "name": "Potomac, MD",
        "street": "7811 Montrose Rd",
        "suite": "Suite 220",
        "city": "Potomac",
        "state": "MD",
        "postal_code": "20854",
        "timezone": "America/New_York",
        "hours": WEEKDAYS_8_TO_5,
    },
]


def seed_offices(session, office_settings):
    """Create the two offices when they are missing; return what changed.

    A fresh install only: an office that exists is left exactly as it is, since the clinic's
    admins change addresses, phones, time zones, notification addresses and opening hours in the
    back office (Offices). Phone numbers and staff notification addresses come from
    ``office_settings`` (``config["OFFICE_SETTINGS"]``, the environment) the first time.
    Running it twice changes nothing the second time. The caller commits.

    :param session: a SQLAlchemy session.
    :param office_settings: ``{slug: {"phone": str, "notify_emails": [str, ...]}}``.
    :return: a list of human-readable changes, empty when the offices were already there.
    """
    changes = []
    for spec in OFFICES:
        if session.query(Office).filter_by(slug=spec["slug"]).one_or_none() is not None:
            continue
        settings = office_settings.get(spec["slug"], {})
        office = Office(**{key: value for key, value in spec.items() if key != "hours"})
        office.phone = settings.get("phone", "")
        office.notify_emails = ",".join(settings.get("notify_emails", []))
        office.opening_hours = [
            OpeningHours(weekday=weekday, opens=opens, closes=closes) for weekday, opens, closes in spec["hours"]
        ]
        session.add(office)
        changes.append(f"created office {spec['slug']}")
    return changes


VISIT_TYPES = [
    {
        "slug": "new-patient",
        "name": "New-patient consultation",
        "duration_minutes": 45,
        "buffer_minutes": 15,
        "is_telehealth": False,
        "patients": "new",
        "sort_order": 1,
        "description": "A first visit: history, examination and a plan. Please arrive 15 minutes early.",
        "translations": {
            "es": {
                "name": "Consulta para pacientes nuevos",
                "description": "Su primera visita: le preguntamos por sus síntomas y su salud, le examinamos "
                "y le proponemos un plan. Por favor, llegue 15 minutos antes.",
            }
        },
    },
    {
        "slug": "follow-up",
        "name": "Follow-up visit",
        "duration_minutes": 30,
        "buffer_minutes": 0,
        "is_telehealth": False,
        "patients": "returning",
        "sort_order": 2,
        "description": "For patients already under our care.",
        "translations": {
            "es": {"name": "Visita de seguimiento", "description": "Para pacientes que ya atendemos en la clínica."}
        },
    },
    {
        "slug": "video-consultation",
        "name": "Video consultation",
        "duration_minutes": 30,
        "buffer_minutes": 0,
        "is_telehealth": True,
        "sort_order": 3,
        "description": "A secure video visit from home.",
        "translations": {
            "es": {"name": "Consulta por video", "description": "Una visita por video segura, desde su casa."}
        },
    },
]

MORNING_AND_AFTERNOON = [(time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))]

# (slug, name, credentials, specialty, {office slug: weekdays}); the specialty in Spanish below
PROVIDERS = [
    (
        "amira-haddad",
        "Dr. Amira Haddad",
        "MD",
        "Physical medicine and rehabilitation",
        {"fairfax": [0, 2, 4], "potomac": [1, 3]},
    ),
    ("daniel-okafor", "Dr. Daniel Okafor", "MD", "Orthopedic spine surgery", {"fairfax": [1], "potomac": [0, 2]}),
    ("lauren-whitfield", "Lauren Whitfield", "PA-C", "Spine care", {"fairfax": [0, 1, 2, 3]}),
    ("michael-brenner", "Dr. Michael Brenner", "DO", "Interventional pain medicine", {"potomac": [0, 1, 2, 3, 4]}),
]


SPANISH_SPECIALTIES = {
    "amira-haddad": "Medicina física y rehabilitación",
    "daniel-okafor": "Cirugía ortopédica de la columna",
    "lauren-whitfield": "Atención de la columna",
    "michael-brenner": "Tratamiento intervencionista del dolor",
}


def add_missing_spanish(row, seeded: dict) -> bool:
    """Give a row an earlier seed made the Spanish wording it was seeded with (``seeded``: by
    field, ``(English, Spanish)``) when it has no Spanish yet, for each field whose English still
    reads as seeded (what the clinic rewrote keeps its own wording); whether any was given."""
    if (row.translations or {}).get("es"):
        return False
    given = {field: spanish for field, (english, spanish) in seeded.items() if getattr(row, field) == english}
    if given:
        row.translations = {**(row.translations or {}), "es": given}
    return bool(given)


def seed_scheduling(session):
    """Create the visit types and providers with their weekly hours, unless they exist; return changes.

    Like ``seed_offices`` this is idempotent, and it never overwrites what the clinic changed
    later (hours, durations): rows are only created when their slug is missing. A row made
    before the seed had Spanish wording gets it (``add_missing_spanish``).
    """
    changes = []
    for spec in VISIT_TYPES:
        visit_type = session.query(VisitType).filter_by(slug=spec["slug"]).one_or_none()
        if visit_type is None:
            session.add(VisitType(**spec))
            changes.append(f"created visit type {spec['slug']}")
        else:
            seeded = {field: (spec[field], spanish) for field, spanish in spec["translations"]["es"].items()}
            if add_missing_spanish(visit_type, seeded):
                changes.append(f"added the Spanish wording of visit type {spec['slug']}")
    offices = {office.slug: office for office in session.query(Office).all()}
    for slug, name, credentials, specialty, schedule in PROVIDERS:
        existing = session.query(Provider).filter_by(slug=slug).one_or_none()
        if existing is not None:
            if add_missing_spanish(existing, {"specialty": (specialty, SPANISH_SPECIALTIES[slug])}):
                changes.append(f"added the Spanish wording of provider {slug}")
            continue
        provider = Provider(
            slug=slug,
            name=name,
            credentials=credentials,
            specialty=specialty,
            translations={"es": {"specialty": SPANISH_SPECIALTIES[slug]}},
            offices=[offices[o] for o in schedule if o in offices],
            visit_types=session.query(VisitType).order_by(VisitType.sort_order).all(),
        )
        provider.working_hours = [
            WorkingHours(office=offices[office_slug], weekday=weekday, starts=starts, ends=ends)
            for office_slug, weekdays in schedule.items()
            if office_slug in offices
            for weekday in weekdays
            for starts, ends in MORNING_AND_AFTERNOON
        ]
        session.add(provider)
        changes.append(f"created provider {slug}")
    return changes
