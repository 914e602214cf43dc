"""Who may see what, and the record of who did what.

Every back-office query is narrowed to the user's offices first (an admin sees every office);
every change staff make is written to the audit log in the same transaction.
"""

from sqlalchemy import select

from ...models import AuditEntry, Office, Provider


def audit(session, user, action, appointment=None, **changes):
    """Record who did what (the caller commits)."""
    session.add(
        AuditEntry(
            user_id=user.id if user else None,
            appointment_id=appointment.id if appointment else None,
            action=action,
            changes=changes,
        )
    )


def visible_offices(session, user) -> list[Office]:
    """Every office for an admin, the assigned ones for staff."""
    if user.is_admin:
        return list(session.scalars(select(Office).order_by(Office.name)))
    return list(user.offices)


def visible_office_ids(session, user) -> list[int]:
    return [office.id for office in visible_offices(session, user)]


def visible_providers(session, user) -> list[Provider]:
    """Clinicians who work at any of the user's offices."""
    offices = visible_offices(session, user)
    providers = session.scalars(select(Provider).order_by(Provider.name)).all()
    return [p for p in providers if set(p.offices) & set(offices)]
