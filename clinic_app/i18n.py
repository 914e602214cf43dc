"""The patient side in English and Spanish (Flask-Babel).

English pages live at their usual addresses and Spanish ones under ``/es/`` with the same paths
(``/es/book/``, ``/es/articles/…``): ``LanguagePrefix`` moves the ``/es`` prefix from the path
to the script root, so the views are the same, and every ``url_for`` on a Spanish page stays in
Spanish. The language is the address's, never a cookie's: a page reads the same for everyone who
opens its link. The back office stays in English (``/es/admin/`` is not a page).

Translations are in ``translations/<language>/LC_MESSAGES/messages.po`` (``make translations``
extracts the strings and updates them); the compiled ``.mo`` files are made from them when the app
starts (``compile_catalogs``), so no build step is needed to run or deploy it.
"""

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import abort, current_app, g, has_request_context, request
from flask_babel import Babel, force_locale

ENGLISH, SPANISH = "en", "es"
BABEL_LOCALES = {ENGLISH: "en_US", SPANISH: "es_US"}  # how dates, times and numbers are written
LANGUAGES = {ENGLISH: "English", SPANISH: "Español"}  # as each language names itself (the switch)
LANGUAGE_NAMES = {ENGLISH: "English", SPANISH: "Spanish"}  # as the (English) back office names them
PREFIXED = (SPANISH,)  # the languages whose pages live under /<code>/
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LANGUAGE_KEY = "clinic.language"
SITE_ROOT_KEY = "clinic.site_root"

babel = Babel()


class LanguagePrefix:
    """WSGI middleware: ``/es/…`` is the Spanish page at ``/…``, with ``/es`` in the script root."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        environ[SITE_ROOT_KEY] = environ.get("SCRIPT_NAME", "")
        environ[LANGUAGE_KEY] = ENGLISH
        for code in PREFIXED:
            if path == f"/{code}" or path.startswith(f"/{code}/"):
                environ["SCRIPT_NAME"] = environ[SITE_ROOT_KEY] + f"/{code}"
                environ["PATH_INFO"] = path[len(code) + 1 :] or "/"
                environ[LANGUAGE_KEY] = code
                break
        return self.app(environ, start_response)


def page_language() -> str:
    """The language of the page being served (its address's); English outside a request."""
    try:
        return request.environ.get(LANGUAGE_KEY, ENGLISH)
    except RuntimeError:
        return ENGLISH


def site_root() -> str:
    """The script root without the language prefix: where static files and other languages live."""
    return request.environ.get(SITE_ROOT_KEY, request.script_root)


def language_prefix() -> str:
    """``/es`` on a Spanish page (``LanguagePrefix`` moved it into the script root), else ``""``."""
    return request.script_root[len(site_root()) :]


def _prefix(language: str) -> str:
    return "" if language == ENGLISH else f"/{language}"


def without_language(url: str) -> str:
    """A path made by ``url_for`` on this page, without the page's language prefix."""
    if request and request.script_root != site_root() and url.startswith(request.script_root + "/"):
        return site_root() + url[len(request.script_root) :]
    return url


def in_language(url: str, language: str) -> str:
    """A path made by ``url_for`` (in any language) as the same page's path in ``language``."""
    path = without_language(url)[len(site_root()) :]
    return site_root() + _prefix(language) + path


# Offered at the top of an English page to a browser that asks for Spanish first (never a redirect).
OFFERS = {SPANISH: "Esta página también está en español"}


def suggested_language() -> str | None:
    """The language to offer on this page: the browser's first choice (``Accept-Language``) when
    the page is English and that choice is another language of the site. Only a suggestion: a
    link at the top, no redirect and no cookie, so every address keeps its language."""
    if page_language() != ENGLISH or not request.headers.get("Accept-Language"):
        return None
    wanted = request.accept_languages.best_match(list(LANGUAGES), default=ENGLISH)
    return wanted if wanted in OFFERS else None


def language_offer() -> dict | None:
    """The offer for ``base.html`` (the caches keep pages apart by it: ``Vary: Accept-Language``)."""
    g.varies_on_language = True
    code = suggested_language()
    return {"code": code, "text": OFFERS[code], "url": page_in(code)} if code else None


def page_in(language: str) -> str:
    """This page's path (and query) in ``language``."""
    query = request.query_string.decode("latin-1")
    return site_root() + _prefix(language) + request.path + (f"?{query}" if query else "")


def alternates() -> list[dict]:
    """This page's address in each language, for ``hreflang`` links and the language switch."""
    base = current_app.config["PUBLIC_BASE_URL"]
    current = page_language()
    pages = {code: page_in(code) for code in LANGUAGES}
    return [
        {"code": code, "name": name, "url": pages[code], "absolute": base + pages[code], "current": code == current}
        for code, name in LANGUAGES.items()
    ]


@contextmanager
def written_in(language: str | None):
    """Compose a message to someone in ``language`` (English if unknown): inside, gettext, Babel's
    dates and times and ``page_language()`` are that language's, and links made with ``url_for``
    go to its pages (``/es/…``), whatever page (or none: the outbox worker, a reminder job) is
    being served. The back office writes to a Spanish-speaking patient in Spanish this way, and
    the office hears of a Spanish booking in English.

    The stand-in request keeps the method of the request being served (a form's POST writes as
    before; a page view still reads only), and is a POST when none is, as the database takes the
    work of a command or the outbox worker. The stand-in shares ``g`` with what runs around it but
    has a throwaway session: compose messages inside, nothing else (no ``current_user``, CSRF
    token or per-request memo is made here)."""
    language = language if language in LANGUAGES else ENGLISH
    base = current_app.config["PUBLIC_BASE_URL"]
    environ = {LANGUAGE_KEY: language, SITE_ROOT_KEY: urlsplit(base).path.rstrip("/")}
    method = request.method if has_request_context() else "POST"
    with (
        current_app.test_request_context(
            "/", method=method, base_url=base + _prefix(language), environ_overrides=environ
        ),
        force_locale(BABEL_LOCALES[language]),
    ):
        yield


def english_only():
    """A before-request hook for the back office: it has no Spanish pages."""
    if page_language() != ENGLISH:
        abort(404)


def compile_catalogs(source: Path = TRANSLATIONS) -> Path:
    """The compiled catalogues (``.mo``) of every ``.po`` under ``source``, made once for their
    content in the system's temporary folder (the app's own folder is read-only as deployed) and
    shared by every process that starts with the same ``.po`` files; each file is written whole,
    then moved into place, so processes starting together never read half of one."""
    sources = sorted(source.glob("*/LC_MESSAGES/*.po"))
    digest = hashlib.sha256()
    for po_path in sources:
        digest.update(str(po_path.relative_to(source)).encode() + b"\0" + po_path.read_bytes())
    compiled = Path(tempfile.gettempdir()) / f"clinic-translations-{digest.hexdigest()[:16]}"
    for po_path in sources:
        mo_path = compiled / po_path.relative_to(source).with_suffix(".mo")
        if mo_path.exists():
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog)
        os.replace(temporary, mo_path)
    return compiled


def init_app(app) -> None:
    app.wsgi_app = LanguagePrefix(app.wsgi_app)
    babel.init_app(
        app,
        locale_selector=lambda: BABEL_LOCALES[page_language()],
        default_translation_directories=str(compile_catalogs()),
        default_timezone="UTC",
    )
    app.jinja_env.globals.update(
        page_language=page_language, language_alternates=alternates, language_offer=language_offer
    )
