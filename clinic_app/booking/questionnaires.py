"""Which screening questionnaire is in force, from the published versions in the database.

Read once per request (kept on ``flask.g`` for that request only, never per process), so a
version an admin publishes is asked on every instance from the next request on. A page gets the
version in its own language (``translated``: English wording where the Spanish is missing).
"""

import copy
from datetime import UTC, datetime

import markdown
from flask import g, has_request_context
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup
from sqlalchemy import select

from ..i18n import page_language
from ..models import ScreeningVersion
from .screening import FIRST, FIRST_TRANSLATIONS, Questionnaire, ScreeningQuestion, translated

# Before any version is published (a fresh install), the first one is in force from this moment.
FIRST_PUBLISHED_AT = datetime(2026, 11, 1, tzinfo=UTC)


def as_questionnaire(row: ScreeningVersion, language: str = "en") -> Questionnaire:
    """A stored version as the forms and pages in ``language`` use it."""
    english = Questionnaire(
        version=row.version or "draft",
        questions=tuple(
            ScreeningQuestion(q["key"], q["text"], q.get("help", ""), q.get("yes_means", "")) for q in row.questions
        ),
        acknowledgement=row.acknowledgement,
        policy=row.policy,
    )
    return translated(english, translations_of(row).get(language), language)


def is_first_version(row: ScreeningVersion) -> bool:
    """True for the first version as a fresh install stores it (its label and English wording)."""
    return (
        row.version == FIRST.version
        and row.questions == as_rows(FIRST)
        and row.acknowledgement == FIRST.acknowledgement
        and row.policy == FIRST.policy
    )


def translations_of(row: ScreeningVersion) -> dict:
    """The version's wording in other languages, by language code. The first version stored
    before translations were (none stored with it) has its built-in ones."""
    if not row.translations and is_first_version(row):
        return FIRST_TRANSLATIONS
    return row.translations or {}


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


def current(session, now: datetime, language: str | None = None) -> Questionnaire:
    """The questionnaire in force at ``now`` (the first one until a version is published), in
    ``language`` (by default the page's: its answers are then stored in the language asked)."""
    language = language or page_language()
    if has_request_context() and g.get("questionnaire_at") == (now, language):
        return g.questionnaire
    row = published_row(session, now)
    if row is not None:
        found = as_questionnaire(row, language)
    else:
        found = translated(FIRST, FIRST_TRANSLATIONS.get(language), language)
    if has_request_context():  # the request's clock is read once, so its forms and pages agree
        g.questionnaire_at, g.questionnaire = (now, language), found
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
                translations=copy.deepcopy(FIRST_TRANSLATIONS),
                published_at=FIRST_PUBLISHED_AT,
            )
        )
        session.flush()


def in_force() -> Questionnaire:
    """The questionnaire in force now, for a view (the request's session, clock and language)."""
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
