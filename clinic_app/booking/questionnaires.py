"""Which screening questionnaire is in force, from the published versions in the database.

Read once per request (kept on ``flask.g`` for that request only, never per process), so a
version an admin publishes is asked on every instance from the next request on.
"""

from datetime import UTC, datetime

import markdown
from flask import g, has_request_context
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup
from sqlalchemy import select

from ..models import ScreeningVersion
from .screening import FIRST, Questionnaire, ScreeningQuestion

# Before any version is published (a fresh install), the first one is in force from this moment.
FIRST_PUBLISHED_AT = datetime(2026, 11, 1, tzinfo=UTC)


def as_questionnaire(row: ScreeningVersion) -> Questionnaire:
    """A stored version as the forms and pages use it."""
    return Questionnaire(
        version=row.version or "draft",
        questions=tuple(
            ScreeningQuestion(q["key"], q["text"], q.get("help", ""), q.get("yes_means", "")) for q in row.questions
        ),
        acknowledgement=row.acknowledgement,
        policy=row.policy,
    )


def as_rows(questionnaire: Questionnaire) -> list[dict]:
    """A questionnaire's questions as they are stored."""
    return [{"key": q.key, "text": q.text, "help": q.help, "yes_means": q.yes_means} for q in questionnaire.questions]


def published_row(session, now: datetime) -> ScreeningVersion | None:
    """The version in force at ``now``: the latest published at or before it."""
    return session.scalars(
        select(ScreeningVersion)
        .where(ScreeningVersion.published_at.is_not(None), ScreeningVersion.published_at <= now)
        .order_by(ScreeningVersion.published_at.desc(), ScreeningVersion.id.desc())
    ).first()


def current(session, now: datetime) -> Questionnaire:
    """The questionnaire in force at ``now`` (the first one until a version is published)."""
    if has_request_context() and g.get("questionnaire_at") == now:
        return g.questionnaire
    row = published_row(session, now)
    found = as_questionnaire(row) if row is not None else FIRST
    if has_request_context():  # the request's clock is read once, so its forms and pages agree
        g.questionnaire_at, g.questionnaire = now, found
    return found


def ensure_first_version(session) -> None:
    """Store the first version as published, if nothing is stored yet (so history shows it)."""
    if session.scalars(select(ScreeningVersion.id)).first() is None:
        session.add(
            ScreeningVersion(
                version=FIRST.version,
                questions=as_rows(FIRST),
                acknowledgement=FIRST.acknowledgement,
                policy=FIRST.policy,
                published_at=FIRST_PUBLISHED_AT,
            )
        )
        session.flush()


def in_force() -> Questionnaire:
    """The questionnaire in force now, for a view (the request's session and clock)."""
    from .. import clock
    from ..extensions import db

    return current(db.session, clock.now())


SAFE_LINK = ("https://", "http://", "/", "#", "mailto:", "tel:")


class _SafeLinks(Treeprocessor):
    """Links and images only to the web, this site, email or phone (no ``javascript:``)."""

    def run(self, root):
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not value.strip().lower().startswith(SAFE_LINK):
                    del element.attrib[attribute]


def policy_html(text: str) -> Markup:
    """The policy's Markdown as HTML, with any HTML typed into it shown as text (never markup)
    and only safe links; its headings start at level 2, under the page's title."""
    converter = markdown.Markdown(extensions=["sane_lists", "smarty"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    converter.treeprocessors.register(_SafeLinks(converter), "safe_links", 0)
    html = converter.convert(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return Markup(html)  # raw HTML is switched off above, so Markdown has escaped every "<"
