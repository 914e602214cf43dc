"""Static files: vendored htmx pinned by version and SRI hash, and fingerprinted URLs for caching.

Templates name a file as it is on disk (``asset_url('css/site.css')``) and get a URL carrying a
hash of its content (``/static/css/site.3f2a9c1b0d4e.css``). A new version of a file gets a new
URL, so browsers may keep each URL for a year (``immutable``) and never revalidate.

The app serves such a URL itself by stripping the hash (so the development server needs no build
step), only when the hash is the file's (another is a 404). In production
``flask assets build DEST`` copies every file under its fingerprinted name (and a gzipped copy)
into ``DEST``, which nginx serves directly; copies from earlier releases are kept, so during a
rolling upgrade or a rollback every URL still gets exactly the content its hash names.
"""

import gzip
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_from_directory, url_for
from werkzeug.security import safe_join

from . import i18n

HTMX_VERSION = "4.0.1"
HTMX_FILE = f"vendor/htmx-{HTMX_VERSION}.min.js"
# sha384 of static/vendor/htmx-4.0.1.min.js as published in the npm package htmx.org@4.0.1.
HTMX_INTEGRITY = "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"

FINGERPRINT_LENGTH = 12
# "css/site.3f2a9c1b0d4e.css" -> ("css/site", "3f2a9c1b0d4e", ".css"); nginx uses the same pattern.
FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{FINGERPRINT_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")
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
        """The file's content hash (12 hex digits), or None when there is no such file in the folder."""
        path = safe_join(self.folder, name)
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if stat is None or not os.path.isfile(path):
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(name)
        if known and known[0] == stamp:
            return known[1]
        with open(path, "rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()[:FINGERPRINT_LENGTH]
        self._known[name] = (stamp, digest)
        return digest


def fingerprints() -> Fingerprints:
    return current_app.extensions["asset_fingerprints"]


def asset_url(name: str) -> str:
    """The long-cacheable URL of ``static/<name>``; the plain URL when the file does not exist."""
    digest = fingerprints().digest(name)
    url = url_for("static", filename=fingerprinted_name(name, digest) if digest else name)
    return i18n.without_language(url)  # one address per file, whatever the page's language


def serve_static(filename):
    """A static file; a fingerprinted name is served, for a year, only if its hash is the file's.

    Another hash (a page of another release asking this one) is a 404: no URL ever gets content
    other than the content its hash names.
    """
    name, requested = plain_name(filename)
    if requested is None:
        return current_app.send_static_file(filename)
    if requested != fingerprints().digest(name):
        abort(404)
    response = send_from_directory(current_app.static_folder, name, max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


COMPRESSIBLE = {".css", ".js", ".svg", ".txt", ".html", ".json", ".map"}


def build_assets(static_folder, destination) -> list[str]:
    """Copy every static file to ``destination`` under its fingerprinted name; return the new names.

    A text file also gets a ``.gz`` beside it (nginx's ``gzip_static``). Existing copies are left
    alone, so the files of earlier releases stay available under their own names.
    """
    static, target = Path(static_folder), Path(destination)
    written = []
    for source in sorted(path for path in static.rglob("*") if path.is_file()):
        name = source.relative_to(static).as_posix()
        data = source.read_bytes()
        copy = target / fingerprinted_name(name, hashlib.sha256(data).hexdigest()[:FINGERPRINT_LENGTH])
        if copy.exists():
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        partial = copy.with_name(copy.name + ".partial")
        shutil.copyfile(source, partial)
        if copy.suffix in COMPRESSIBLE:
            with open(partial.with_name(copy.name + ".gz.partial"), "wb") as packed:
                packed.write(gzip.compress(data, compresslevel=9, mtime=0))
            os.replace(partial.with_name(copy.name + ".gz.partial"), copy.with_name(copy.name + ".gz"))
        os.replace(partial, copy)  # last: a copy that exists is complete
        written.append(copy.relative_to(target).as_posix())
    return written


def init_app(app):
    """Serve fingerprinted names and offer ``asset_url`` to templates."""
    app.extensions["asset_fingerprints"] = Fingerprints(app.static_folder)
    app.view_functions["static"] = serve_static
    app.add_template_global(asset_url)
