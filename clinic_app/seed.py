"""The clinic's reference data, and an idempotent loader for it."""

from datetime import time

from .models import Office, OpeningHours

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
    """Create the two offices, or bring them in line with the data above; return what changed.

    Running it twice changes nothing the second time. Phone numbers and staff notification
    addresses come from ``office_settings`` (``config["OFFICE_SETTINGS"]``), so changing the
    environment and seeding again updates them. Opening hours are only written for an office
    that has none, so hours edited later by the clinic are never overwritten. The caller commits.

    :param session: a SQLAlchemy session.
    :param office_settings: ``{slug: {"phone": str, "notify_emails": [str, ...]}}``.
    :return: a list of human-readable changes, empty when the data was already in place.
    """
    changes = []
    for spec in OFFICES:
        settings = office_settings.get(spec["slug"], {})
        wanted = {key: value for key, value in spec.items() if key != "hours"}
        wanted["phone"] = settings.get("phone", "")
        wanted["notify_emails"] = ",".join(settings.get("notify_emails", []))

        office = session.query(Office).filter_by(slug=spec["slug"]).one_or_none()
        if office is None:
            office = Office(**wanted)
            session.add(office)
            changes.append(f"created office {spec['slug']}")
        else:
            for key, value in wanted.items():
                if getattr(office, key) != value:
                    setattr(office, key, value)
                    changes.append(f"updated {spec['slug']}.{key}")
        if not office.opening_hours:
            office.opening_hours = [
                OpeningHours(weekday=weekday, opens=opens, closes=closes)
                for weekday, opens, closes in spec["hours"]
            ]
            changes.append(f"set opening hours of {spec['slug']}")
    return changes
