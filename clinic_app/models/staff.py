"""Clinic staff who sign in to the back office, and the record of what they changed."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..extensions import db
from .office import Office
from .types import UTCDateTime

staff_office = Table(
    "staff_office",
    db.metadata,
    Column("user_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("office.id", ondelete="CASCADE"), primary_key=True),
)


class Role:
    """What a back-office user may see."""

    ADMIN = "admin"  # every office
    STAFF = "staff"  # only the offices assigned to them
    ALL = (ADMIN, STAFF)


class StaffUser(UserMixin, db.Model):
    """A front-desk worker or clinic admin."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised on logout and password change: every session signed with an older value ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The second factor: a TOTP key (base32), set at enrolment and confirmed by a first code
    # (``totp_confirmed_at``); the time step of the last code accepted, so no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None]
    # A one-time link to set the password (an invitation, or a new password an admin sent for):
    # the SHA-256 of its token and when it stops working; both cleared once used.
    password_link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    offices: Mapped[list[Office]] = relationship(secondary=staff_office, order_by="Office.name")
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def set_password(self, password: str):
        """Store a scrypt hash of the password (never the password)."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches."""
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session, tied to the current session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def label(self) -> str:
        """How the user appears in the history of a booking."""
        return self.name or self.email

    @property
    def has_second_factor(self) -> bool:
        """Whether sign-in asks for a code from an authenticator app."""
        return self.totp_confirmed_at is not None

    def __repr__(self):
        return f"<StaffUser {self.id} {self.role}>"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (lost phone); stored hashed."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[StaffUser] = relationship(back_populates="recovery_codes")


class AuditEntry(db.Model):
    """Who changed what, and when: one row per action in the back office."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    # {"field": [before, after]} for changes; other details for exports and notes.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)

    user: Mapped[StaffUser | None] = relationship()

    def __repr__(self):
        return f"<AuditEntry {self.action}>"


class AppointmentNote(db.Model):
    """An internal note on an appointment, for staff only."""

    __tablename__ = "appointment_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    user: Mapped[StaffUser | None] = relationship()
