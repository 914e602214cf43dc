"""The office-update banner: shown on every page until dismissed, and again when the policy changes."""

from urllib.parse import urlsplit

from flask import request

from ..validators import has_control_characters

BANNER_COOKIE = "office_update_dismissed"
BANNER_COOKIE_MAX_AGE = 60 * 60 * 24 * 90
# Bump when the policy changes, so every patient sees the banner again.
OFFICE_UPDATE_VERSION = "2026-11-01"


def banner_dismissed() -> bool:
    """Whether this browser dismissed the current office update."""
    return request.cookies.get(BANNER_COOKIE) == OFFICE_UPDATE_VERSION


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
