"""Appointments, the time they hold on a provider's calendar, and bookings still in progress."""

from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from .office import Office
from .scheduling import Provider, VisitType
from .types import UTCDateTime


class AppointmentStatus:
    """Where an appointment is in its life."""

    BOOKED = "booked"  # booked online, not yet confirmed by staff
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"

    ACTIVE = (BOOKED, CONFIRMED)  # these hold their time on the provider's calendar
    LABELS = {
        BOOKED: "Booked",
        CONFIRMED: "Confirmed",
        CANCELLED: "Cancelled",
        COMPLETED: "Completed",
        NO_SHOW: "No-show",
    }


class AppointmentSource:
    """How an appointment was booked."""

    ONLINE = "online"  # by the patient, on the website
    PHONE = "phone"  # by staff, with the patient on the phone
    WALK_IN = "walk_in"  # by staff, with the patient at the desk
    STAFF = "staff"  # by staff otherwise (e.g. a follow-up set at the end of a visit)

    BY_STAFF = (PHONE, WALK_IN, STAFF)
    LABELS = {ONLINE: "Online", PHONE: "Phone", WALK_IN: "Walk-in", STAFF: "Staff"}


class Appointment(db.Model):
    """A patient's visit with one provider at one office; times are stored in UTC."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_office_starts", "office_id", "starts_at"),
        # The bookings list's order (time, then id): any page of years of history is read from
        # the index in order, never sorted.
        Index("ix_appointment_starts_id", "starts_at", "id"),
        # A clinician's visits in time order: their calendar, and the list filtered by clinician.
        Index("ix_appointment_provider_starts", "provider_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    visit_type_id: Mapped[int] = mapped_column(ForeignKey("visit_type.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default=AppointmentStatus.BOOKED, index=True)

    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(254))
    is_new_patient: Mapped[bool] = mapped_column(Boolean)
    insurance: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(40))
    consent_to_contact: Mapped[bool] = mapped_column(Boolean)
    # Text messages (opt-in at step 4): the number in E.164 ("+17035550123") and when the patient
    # agreed; None: no texts. A "STOP" reply (``SmsOptOut``) silences the number everywhere.
    sms_phone: Mapped[str | None] = mapped_column(String(16))
    sms_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    source: Mapped[str] = mapped_column(String(10), default=AppointmentSource.ONLINE, server_default="online")
    # The language the patient booked in ("en", "es"): their emails and texts are written in it,
    # and the desk sees it (to call in Spanish).
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    # Whether the patient chose this clinician (False: "first available"); a move keeps a chosen one.
    clinician_chosen: Mapped[bool] = mapped_column(Boolean, default=False)

    # The screening as answered: questionnaire version, each question's wording and answer.
    screening: Mapped[dict] = mapped_column(JSON, default=dict)
    screening_outcome: Mapped[str] = mapped_column(String(12))  # clear, flagged, not_required

    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # One per booking in progress: replaying the confirmation finds this row instead of booking twice.
    booking_key: Mapped[str] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)  # calendar SEQUENCE, raised on each change
    # The latest reminder (each is an AppointmentReminder, with its own link's token as a hash).
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # When the patient confirmed they are coming, with the reminder's Confirm button.
    confirmed_by_patient_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "Find my appointment" (reference and date of birth) opens the manage page through a third,
    # short-lived token (a hash too): the calendar file links there, never to a private link.
    lookup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    lookup_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # At the door: when the patient arrived and who checked them in (after the door re-screen).
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)

    office: Mapped[Office] = relationship()
    provider: Mapped[Provider] = relationship()
    booked_by: Mapped["StaffUser | None"] = relationship(foreign_keys=[booked_by_id])  # noqa: F821 (models.staff)
    checked_in_by: Mapped["StaffUser | None"] = relationship(foreign_keys=[checked_in_by_id])  # noqa: F821
    visit_type: Mapped[VisitType] = relationship()
    blocks: Mapped[list["ProviderTimeBlock"]] = relationship(back_populates="appointment", cascade="all, delete-orphan")
    reminders: Mapped[list["AppointmentReminder"]] = relationship(
        back_populates="appointment", cascade="all, delete-orphan", passive_deletes=True
    )

    @classmethod
    def hold(cls, *, provider, visit_type, starts_at: datetime, **fields) -> "Appointment":
        """A new appointment holding ``provider``'s time from ``starts_at`` (see ``hold_time``)."""
        appointment = cls(visit_type=visit_type, **fields)
        appointment.hold_time(provider, starts_at)
        return appointment

    def hold_time(self, provider, starts_at: datetime) -> None:
        """Put the visit at ``starts_at`` with ``provider``: its end from the visit's length, and one
        ``ProviderTimeBlock`` per 15 minutes of visit and pause, which the database refuses to give
        to two appointments. The only place an appointment's time is built."""
        from ..booking.slots import time_blocks  # pure; imported here so models load first

        length = timedelta(minutes=self.visit_type.duration_minutes)
        buffer = timedelta(minutes=self.visit_type.buffer_minutes)
        self.provider = provider
        self.starts_at, self.ends_at = starts_at, starts_at + length
        self.blocks = [
            ProviderTimeBlock(provider_id=provider.id, starts_at=block)
            for block in time_blocks(starts_at, length, buffer)
        ]

    @property
    def patient_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"

    @property
    def is_active(self) -> bool:
        """Whether the appointment still holds its time."""
        return self.status in AppointmentStatus.ACTIVE

    def __repr__(self):
        return f"<Appointment {self.reference} {self.status}>"


class ProviderTimeBlock(db.Model):
    """One 15-minute block of a provider's time held by an active appointment (visit plus pause).

    The primary key (provider, block start) is what makes a double booking impossible: two
    appointments that overlap in time always need a common block, and the database refuses the
    second, whatever the concurrency, on SQLite and PostgreSQL alike.
    """

    __tablename__ = "provider_time_block"

    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)

    appointment: Mapped[Appointment] = relationship(back_populates="blocks")


class AppointmentReminder(db.Model):
    """One reminder sent for a visit: so many hours before it, for the time it was then at (a
    moved visit gets its own reminders), with its link's token stored as a hash. The unique key
    is what sends each reminder once, however many workers run."""

    __tablename__ = "appointment_reminder"
    __table_args__ = (UniqueConstraint("appointment_id", "hours_before", "for_starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    hours_before: Mapped[int]
    for_starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the SHA-256 of its link's token

    appointment: Mapped[Appointment] = relationship(back_populates="reminders")


class BookingDraft(db.Model):
    """A booking in progress, kept on the server: the browser holds only a random key to it."""

    __tablename__ = "booking_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    booking_key: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    appointment: Mapped[Appointment | None] = relationship()

    def __repr__(self):
        return f"<BookingDraft {self.id}>"
