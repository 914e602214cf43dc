"""The audit log, for admins to read: newest first, filtered by action, staff account and date.

Plain functions over a session (no request), so tests and the view share them.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ...database import paginate
from ...models import AuditEntry, StaffUser
from .access import BY_COMMAND_LINE

PER_PAGE = 50

# What the log page shows of an entry's ``changes``: only details known to hold no patient
# information. Anything else (a staff note's text, a cancellation reason) stays unshown.
SHOWN_DETAILS = {
    "account": "account",
    "why": "why",
    "second_step": "second step",
    "timeout": "timeout",
    "address": "address",
    "status": "status",
    "filters": "filters",
    "search": "search used",
    "rows": "rows",
    "question": "question",
    "email": "email",
    "kind": "kind",
    "email_status": "email status",
    "attempts": "attempts",
    "closure": "closure",
    "office": "office",
    "provider": "clinician",
    "starts_on": "from",
    "ends_on": "to",
    "who": "who",
    "what": "for",
    "when": "when",
    "clinician": "clinician",
}


@dataclass
class AuditFilters:
    """The log's filters, as read from the query string (anything unreadable left empty)."""

    action: str = ""
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def as_args(self, **changes) -> dict:
        """The filters as URL arguments (for the pager)."""
        values = {
            "action": self.action,
            "user": self.user_id or "",
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}


def logged_actions(session) -> list[str]:
    """Every action present in the log, alphabetically (the action filter's choices)."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def staff_accounts(session) -> list[StaffUser]:
    """Every account, turned off or not (the staff filter's choices), by email."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def audit_query(filters: AuditFilters, zone: ZoneInfo):
    """The entries matching ``filters``, newest first; the dates are days in ``zone``, both included."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.user_id is not None:
        query = query.where(AuditEntry.user_id == filters.user_id)
    if filters.date_from:
        query = query.where(AuditEntry.created_at >= _start_of(filters.date_from, zone))
    if filters.date_to:
        query = query.where(AuditEntry.created_at < _start_of(filters.date_to + timedelta(days=1), zone))
    return query


def audit_page(session, filters: AuditFilters, zone: ZoneInfo, per_page: int = PER_PAGE):
    """One page of the matching entries (``database.paginate``)."""
    return paginate(session, audit_query(filters, zone), filters.page, per_page)


def who(entry: AuditEntry) -> str:
    """Who acted: the staff user, the patient through their link, someone at the sign-in page,
    or the command line (no user and nobody else named)."""
    if entry.user is not None:
        return entry.user.label
    return (entry.changes or {}).get("by") or BY_COMMAND_LINE


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and len(value) == 2 and not any(isinstance(v, list | dict) for v in value):
        return f"{_shown(value[0])} → {_shown(value[1])}"
    if isinstance(value, dict):
        return ", ".join(f"{key}={_shown(item)}" for key, item in value.items()) or "none"
    if value is None:
        return "—"
    return str(value)


def shown_details(entry: AuditEntry) -> list[tuple[str, str]]:
    """The entry's details that hold no patient information, as (label, text), in a fixed order;
    then, for a change of settings, each setting that changed as "before → after"."""
    changes = entry.changes or {}
    shown = [(label, _shown(changes[key])) for key, label in SHOWN_DETAILS.items() if key in changes]
    return shown + setting_changes(changes)


def _setting(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    if value == "":
        return "(empty)"
    return _shown(value)


def setting_changes(changes: dict) -> list[tuple[str, str]]:
    """The settings of a ``before``/``after`` pair (practice settings, never a patient's data):
    those that changed as "before → after", or every one of a new thing's."""
    before, after = changes.get("before"), changes.get("after")
    if not isinstance(after, dict):
        return []
    before = before if isinstance(before, dict) else None
    return [
        (
            key.replace("_", " "),
            _setting(value) if before is None else f"{_setting(before.get(key))} → {_setting(value)}",
        )
        for key, value in after.items()
        if before is None or before.get(key) != value
    ]
