"""Numbers that asked for no more text messages."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db
from .types import UTCDateTime


class SmsOptOut(db.Model):
    """A phone number (E.164) that replied STOP: no text goes to it until it replies START."""

    __tablename__ = "sms_opt_out"

    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
