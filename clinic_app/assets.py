"""Static files: vendored htmx pinned by version and SRI hash, and fingerprinted URLs for caching.

Templates name a file as it is on disk (``asset_url('css/site.css')``) and get a URL carrying a
hash of its content (``/static/css/site.3f2a9c1b0d4e.css``). A new version of a file gets a new
URL, so browsers and nginx may keep each URL for a year (``immutable``) and never revalidate.
The files themselves are not renamed or copied: the app (and nginx, by a regular expression)
strips the hash to find the file, so the development server works as before and there is no
build step.
"""

import hashlib
import os
import re
from dataclasses import dataclass

from flask import current_app, send_from_directory, url_for

HTMX_VERSION = "4.0.1"
HTMX_FILE = f"vendor/htmx-{HTMX_VERSION}.min.js"
# sha384 of static/vendor/htmx-4.0.1.min.js as published in the npm package htmx.org@4.0.1.
HTMX_INTEGRITY = "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"

FINGERPRINT_LENGTH = 12
# "css/site.3f2a9c1b0d4e.css" -> ("css/site", "3f2a9c1b0d4e", ".css"); nginx uses the same pattern.
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{%d})(?P<ext>\.[A-Za-z0-9]+)$" % FINGERPRINT_LENGTH)
ONE_YEAR = 365 * 24 * 3600


def fingerprinted_name(name: str, digest: str) -> str:
    """``css/site.css`` with ``digest`` -> ``css/site.<digest>.css``."""
    stem, ext = os.path.splitext(name)
    return f"{stem}.{digest}{ext}"


def plain_name(name: str) -> tuple[str, str | None]:
    """The file a fingerprinted name stands for, and its hash: ``css/site.<h>.css`` -> (``css/site.css``, h)."""
    match = FINGERPRINTED.match(name)
    if match is None:
        return name, None
    return match["stem"] + match["ext"], match["hash"]


@dataclass
class Fingerprints:
    """Content hashes of the files in one folder, recomputed only when a file's size or time changes."""

    folder: str

    def __post_init__(self):
        self._known: dict[str, tuple[tuple[int, int], str]] = {}

    def digest(self, name: str) -> str | None:
        """The file's content hash (12 hex digits), or None when there is no such file."""
        path = os.path.join(self.folder, name)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(name)
        if known and known[0] == stamp:
            return known[1]
        with open(path, "rb") as file:
            digest = hashlib.sha256(file.read()).hexdigest()[:FINGERPRINT_LENGTH]
        self._known[name] = (stamp, digest)
        return digest


def fingerprints() -> Fingerprints:
    return current_app.extensions["asset_fingerprints"]


def asset_url(name: str) -> str:
    """The long-cacheable URL of ``static/<name>``; the plain URL when the file does not exist."""
    digest = fingerprints().digest(name)
    return url_for("static", filename=fingerprinted_name(name, digest) if digest else name)


def serve_static(filename):
    """A static file; a fingerprinted name that matches the file's content is cached for a year."""
    name, requested = plain_name(filename)
    if requested is None or requested != fingerprints().digest(name):
        return current_app.send_static_file(filename if requested is None else name)
    response = send_from_directory(current_app.static_folder, name, max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def init_app(app):
    """Serve fingerprinted names and offer ``asset_url`` to templates."""
    app.extensions["asset_fingerprints"] = Fingerprints(app.static_folder)
    app.view_functions["static"] = serve_static
    app.add_template_global(asset_url)
