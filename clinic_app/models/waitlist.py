"""The waitlist: patients who asked to hear of an earlier time, the time freed for them, the offers."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from .appointment import Appointment
from .office import Office
from .scheduling import Provider, VisitType
from .types import UTCDateTime


class WaitlistStatus:
    """Where a waitlist entry is in its life."""

    WAITING = "waiting"
    BOOKED = "booked"  # an offer was claimed
    LEFT = "left"  # the patient left the list (or staff removed the entry)
    ENDED = "ended"  # its last day passed, or its visit was cancelled

    LABELS = {WAITING: "Waiting", BOOKED: "Booked from an offer", LEFT: "Left the list", ENDED: "Ended"}


class WaitlistEntry(db.Model):
    """A patient waiting for an earlier time: at an office, for a kind of visit, with one clinician
    or any, up to a last day. Joined from step 2 of the booking (with the patient's details: a claim
    books a new visit) or from a booking's manage page (``appointment``: a claim moves that visit)."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (Index("ix_waitlist_entry_office_status", "office_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    visit_type_id: Mapped[int] = mapped_column(ForeignKey("visit_type.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"))  # None: any clinician
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    last_day: Mapped[date] = mapped_column(Date)  # office-local: no offer for a later day
    reason: Mapped[str] = mapped_column(String(40), default="")

    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254))
    is_new_patient: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_phone: Mapped[str | None] = mapped_column(String(16))
    # The language the patient joined in ("en", "es"): their offers are written in it.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")

    status: Mapped[str] = mapped_column(String(10), default=WaitlistStatus.WAITING)
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    booked_appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="SET NULL"))

    office: Mapped[Office] = relationship()
    visit_type: Mapped[VisitType] = relationship()
    provider: Mapped[Provider | None] = relationship()
    appointment: Mapped[Appointment | None] = relationship(foreign_keys=[appointment_id])
    offers: Mapped[list["WaitlistOffer"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True, order_by="WaitlistOffer.id"
    )

    @property
    def patient_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_waiting(self) -> bool:
        return self.status == WaitlistStatus.WAITING


class OfferStatus:
    """Where an offer of a freed time is."""

    OPEN = "open"
    CLAIMED = "claimed"  # this patient booked it
    TAKEN = "taken"  # someone else booked it first
    EXPIRED = "expired"  # not used in time
    WITHDRAWN = "withdrawn"  # the entry ended or booked another time


class WaitlistOffer(db.Model):
    """A freed time offered to one waitlist entry through a one-time link, for a short while. The
    unique key offers a time to an entry once; the booking itself is guarded like any other."""

    __tablename__ = "waitlist_offer"
    __table_args__ = (UniqueConstraint("entry_id", "provider_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entry.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=OfferStatus.OPEN)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    entry: Mapped[WaitlistEntry] = relationship(back_populates="offers")
    provider: Mapped[Provider] = relationship()


class FreedTime(db.Model):
    """Time a clinician got back (a cancellation, a move, blocked time removed, an offer unused):
    the worker offers it to the waitlist once, then marks it handled."""

    __tablename__ = "freed_time"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    freed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    office: Mapped[Office] = relationship()
