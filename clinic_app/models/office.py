"""The clinic's offices and their weekly opening hours."""

from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, Time, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Office(db.Model):
    """A place where patients are seen, with its address, phone and front-desk email addresses."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(200))
    suite: Mapped[str] = mapped_column(String(60), default="")
    city: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. America/New_York (seed.py)
    # Comma-separated staff addresses that receive this office's booking emails.
    notify_emails: Mapped[str] = mapped_column(Text, default="")
    offers_telehealth: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    opening_hours: Mapped[list["OpeningHours"]] = relationship(
        back_populates="office",
        cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.opens)",
    )

    @property
    def tz(self) -> ZoneInfo:
        """The office's time zone, for showing times as the patient will live them."""
        return ZoneInfo(self.timezone)

    @property
    def address_lines(self) -> list[str]:
        """The postal address as it is written on an envelope."""
        street = f"{self.street}, {self.suite}" if self.suite else self.street
        return [street, f"{self.city}, {self.state} {self.postal_code}"]

    @property
    def notify_email_list(self) -> list[str]:
        """The staff addresses as a list."""
        return [part.strip() for part in self.notify_emails.split(",") if part.strip()]

    def __repr__(self):
        return f"<Office {self.slug}>"


class OpeningHours(db.Model):
    """One opening interval of an office on a day of the week (0 = Monday), in office time."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        UniqueConstraint("office_id", "weekday", "opens"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    office: Mapped[Office] = relationship(back_populates="opening_hours")

    @property
    def weekday_name(self) -> str:
        """Monday … Sunday."""
        return WEEKDAY_NAMES[self.weekday]

    def __repr__(self):
        return f"<OpeningHours {self.weekday} {self.opens}-{self.closes}>"


def offices_by_name(session) -> list[Office]:
    """Every office, by name: the one query behind menus, forms, pages and the footer."""
    return list(session.scalars(select(Office).order_by(Office.name)))
