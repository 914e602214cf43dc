"""The safety-screening questionnaire as the clinic's admins edit it: dated versions."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db
from .types import UTCDateTime


class ScreeningVersion(db.Model):
    """One version of the screening questions, the acknowledgement and the policy (Markdown).

    A draft has no ``published_at``; a published version is the current one from that moment
    until a later one is published. Published versions are never changed, so every stored set of
    answers can be read against the wording it answered (the answers also keep that wording).
    """

    __tablename__ = "screening_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str | None] = mapped_column(String(40), unique=True)  # set when published
    # [{"key": "fever", "text": "Do you have…?", "help": "…", "yes_means": "…"}, …]
    questions: Mapped[list] = mapped_column(JSON, default=list)
    acknowledgement: Mapped[str] = mapped_column(Text, default="")
    policy: Mapped[str] = mapped_column(Text, default="")  # Markdown: the Safe Patient Appointments page
    # The same version in another language, by language code, stored (and published) with it:
    # {"es": {"questions": {key: {"text", "help", "yes_means"}}, "acknowledgement": …, "policy": …}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    @property
    def is_draft(self) -> bool:
        return self.published_at is None
