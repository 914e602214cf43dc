"""Every model, imported here so that Alembic and ``db.create_all`` see every table."""

from .appointment import (
    Appointment,
    AppointmentReminder,
    AppointmentSource,
    AppointmentStatus,
    BookingDraft,
    ProviderTimeBlock,
)
from .cache_stamp import CacheStamp
from .office import Office, OpeningHours
from .outbox import Channel, OutboxMessage, OutboxStatus
from .question import PatientQuestion, QuestionStatus
from .schedule_claims import ScheduledJob
from .scheduling import Closure, Provider, TimeBlock, VisitType, WorkingHours, provider_office
from .screening import ScreeningVersion
from .staff import AppointmentNote, AuditEntry, RecoveryCode, Role, StaffUser, staff_office
from .texting import SmsOptOut
from .waitlist import FreedTime, OfferStatus, WaitlistEntry, WaitlistOffer, WaitlistStatus

__all__ = [
    "CacheStamp",
    "Channel",
    "FreedTime",
    "OfferStatus",
    "SmsOptOut",
    "WaitlistEntry",
    "WaitlistOffer",
    "WaitlistStatus",
    "Appointment",
    "AppointmentNote",
    "AppointmentReminder",
    "AuditEntry",
    "Role",
    "RecoveryCode",
    "StaffUser",
    "staff_office",
    "AppointmentSource",
    "AppointmentStatus",
    "BookingDraft",
    "Closure",
    "Office",
    "OpeningHours",
    "OutboxMessage",
    "OutboxStatus",
    "PatientQuestion",
    "Provider",
    "ProviderTimeBlock",
    "ScheduledJob",
    "ScreeningVersion",
    "QuestionStatus",
    "TimeBlock",
    "VisitType",
    "WorkingHours",
    "provider_office",
]
