"""The office-update banner: shown on every page until dismissed, and again when a new version of
the policy and its questions is published (the cookie holds the version dismissed)."""

from urllib.parse import urlsplit

from flask import request
from sqlalchemy.exc import SQLAlchemyError

from ..booking.questionnaires import in_force
from ..booking.screening import FIRST
from ..extensions import db
from ..validators import has_control_characters

BANNER_COOKIE = "office_update_dismissed"
BANNER_COOKIE_MAX_AGE = 60 * 60 * 24 * 90


def office_update_version() -> str:
    """The version of the policy in force (a new one shows the banner again). On an error page
    with the database out of reach, the first version's: the banner must never break the page
    that says something went wrong."""
    try:
        return in_force().version
    except SQLAlchemyError:
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        from ..page_cache import degraded  # (this package is imported by the page cache's users)

        degraded()
        return FIRST.version


def banner_dismissed() -> bool:
    """Whether this browser dismissed the current office update."""
    return request.cookies.get(BANNER_COOKIE) == office_update_version()


def safe_next_url(target: str | None) -> str:
    """``target`` when it is a path on this site, otherwise the home page: only a path starting with
    a single "/", with no backslash and no control character (a line break in it would split the
    ``Location`` header), so never an open redirect, a forged header or an error."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or has_control_characters(target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target
