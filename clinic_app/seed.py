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
    },
    {
        "slug": "video-consultation",
        "name": "Video consultation",
        "duration_minutes": 30,
        "buffer_minutes": 0,
        "is_telehealth": True,
        "sort_order": 3,
        "description": "A secure video visit from home.",
    },
]

MORNING_AND_AFTERNOON = [(time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))]

# (slug, name, credentials, specialty, {office slug: weekdays})
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


def seed_scheduling(session):
    """Create the visit types and providers with their weekly hours, unless they exist; return changes.

    Like ``seed_offices`` this is idempotent, and it never overwrites what the clinic changed
    later (hours, durations): rows are only created when their slug is missing.
    """
    changes = []
    for spec in VISIT_TYPES:
        if session.query(VisitType).filter_by(slug=spec["slug"]).one_or_none() is None:
            session.add(VisitType(**spec))
            changes.append(f"created visit type {spec['slug']}")
    offices = {office.slug: office for office in session.query(Office).all()}
    for slug, name, credentials, specialty, schedule in PROVIDERS:
        if session.query(Provider).filter_by(slug=slug).one_or_none() is not None:
            continue
        provider = Provider(
            slug=slug,
            name=name,
            credentials=credentials,
            specialty=specialty,
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
