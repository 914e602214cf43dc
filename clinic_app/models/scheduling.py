"""Who sees patients, where, when, and for what kind of visit: providers, hours, visit types, closures."""

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import ENGLISH, page_language
from .office import Office
from .types import UTCDateTime

provider_office = Table(
    "provider_office",
    db.metadata,
    Column("provider_id", ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
)


provider_visit_type = Table(
    "provider_visit_type",
    db.metadata,
    Column("provider_id", ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True),
    Column("visit_type_id", ForeignKey("visit_type.id", ondelete="CASCADE"), primary_key=True),
)


class PatientWording:
    """A row some of whose words patients read (a kind of visit's name, a clinician's specialty):
    the columns hold the English, ``translations`` the same fields in other languages, by
    language code (``{"es": {"name": …}}``)."""

    def wording(self, field: str, language: str | None = None) -> str:
        """``field`` as patients read it in ``language`` (by default the page's, which is also
        the patient's while a message to them is written): its translation, or the English when
        there is none or it is blank."""
        english = getattr(self, field)
        language = language or page_language()
        if language == ENGLISH:
            return english
        translated = ((self.translations or {}).get(language) or {}).get(field)
        return translated if isinstance(translated, str) and translated.strip() else english


class Provider(PatientWording, db.Model):
    """A clinician who sees patients at one or more offices."""

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(60), default="")  # e.g. "MD, PhD"
    specialty: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What patients read in another language, by language code: {"es": {"specialty": …, "bio": …}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # An optional portrait, re-encoded as a small JPEG (stored in the database, so every instance
    # on every host serves it; loaded only when asked for); when it was set (None: no photo).
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Whether they see patients new to the practice (visit types for new patients).
    accepts_new_patients: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    offices: Mapped[list[Office]] = relationship(secondary=provider_office, order_by="Office.name")
    # The kinds of visit they offer (a video visit among them, or not).
    visit_types: Mapped[list["VisitType"]] = relationship(
        secondary=provider_visit_type, order_by="(VisitType.sort_order, VisitType.id)"
    )
    working_hours: Mapped[list["WorkingHours"]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="(WorkingHours.weekday, WorkingHours.starts)"
    )

    @property
    def display_name(self) -> str:
        """Dr. Jane Roe, MD."""
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def offers(self, visit_type: "VisitType") -> bool:
        """Whether they see patients for this kind of visit (new patients only if they accept them)."""
        if visit_type.patients == VisitType.NEW and not self.accepts_new_patients:
            return False
        return any(offered.id == visit_type.id for offered in self.visit_types)

    def __repr__(self):
        return f"<Provider {self.slug}>"


class VisitType(PatientWording, db.Model):
    """A kind of appointment with its length, the pause after it, and whether it is by video."""

    __tablename__ = "visit_type"
    __table_args__ = (
        # Slots sit on a 15-minute grid; lengths and pauses are whole grid steps.
        CheckConstraint("duration_minutes > 0 AND duration_minutes % 15 = 0", name="duration_on_grid"),
        CheckConstraint("buffer_minutes >= 0 AND buffer_minutes % 15 = 0", name="buffer_on_grid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # What patients read in another language, by language code: {"es": {"name": …, "description": …}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    duration_minutes: Mapped[int]
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    is_telehealth: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who it is for: patients new to the practice, returning ones, or anyone.
    patients: Mapped[str] = mapped_column(String(10), default="any", server_default="any")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    NEW, RETURNING, ANY = "new", "returning", "any"
    PATIENTS = {ANY: "Any patient", NEW: "New patients", RETURNING: "Returning patients"}

    def __repr__(self):
        return f"<VisitType {self.slug}>"


class WorkingHours(db.Model):
    """When a provider sees patients at an office on a day of the week (0 = Monday), in office time."""

    __tablename__ = "working_hours"
    __table_args__ = (
        UniqueConstraint("provider_id", "office_id", "weekday", "starts"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("starts < ends", name="starts_before_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)

    provider: Mapped[Provider] = relationship(back_populates="working_hours")
    office: Mapped[Office] = relationship()

    def __repr__(self):
        return f"<WorkingHours {self.provider_id}@{self.office_id} {self.weekday} {self.starts}-{self.ends}>"


class Closure(db.Model):
    """An office or a provider unavailable for a range of days (holiday, vacation), both ends included."""

    __tablename__ = "closure"
    __table_args__ = (
        CheckConstraint("office_id IS NOT NULL OR provider_id IS NOT NULL", name="office_or_provider"),
        CheckConstraint("starts_on <= ends_on", name="starts_before_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    office: Mapped[Office | None] = relationship()
    provider: Mapped[Provider | None] = relationship()

    def __repr__(self):
        return f"<Closure {self.starts_on}..{self.ends_on}>"


class TimeBlock(db.Model):
    """Part of a day when a clinician, or a whole office, takes no appointments (surgery, a meeting,
    lunch, leave): on one day, or every week on that weekday from ``starts_on`` until ``ends_on``
    (None: no end). Times are wall-clock times in the office's zone; a clinician's block holds them
    at every office."""

    __tablename__ = "time_block"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint("ends_on IS NULL OR starts_on <= ends_on", name="first_day_before_last"),
    )

    KINDS = {"surgery": "Surgery", "meeting": "Meeting", "lunch": "Lunch", "leave": "Leave", "other": "Other"}

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    weekly: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    office: Mapped[Office] = relationship()
    provider: Mapped[Provider | None] = relationship()

    def covers(self, day: date) -> bool:
        """Whether the block falls on ``day``."""
        if not self.weekly:
            return day == self.starts_on
        return (
            day.weekday() == self.starts_on.weekday()
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )

    def __repr__(self):
        return f"<TimeBlock {self.kind} {self.starts_on} {self.starts_at}-{self.ends_at}>"
