"""Fixtures for real-browser tests: the app on a live local server, and Debian's Chromium."""

import threading
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from clinic_app import create_app
from clinic_app.extensions import db
from clinic_app.seed import seed_offices, seed_scheduling
from tests.conftest import TIMEOUT_MS


@pytest.fixture
def live_server(tmp_path):
    """The app with the testing config, fresh seeded SQLite data, served on a free local port."""

    # Bind first (port 0 picks a free port), then build the app with the server's real address.
    holder = {}

    def wsgi(environ, start_response):
        return holder["app"](environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.sqlite3'}",
        MAIL_SINK_DIR=str(tmp_path / "mail"),
        PUBLIC_BASE_URL=url,
    )
    with app.app_context():
        db.create_all()
        seed_offices(db.session, app.config["OFFICE_SETTINGS"])
        db.session.commit()
    holder["app"] = app

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=url, app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def clinic(live_server):
    """The live server with the clinicians and kinds of visit seeded too (``live_server`` has the
    offices only)."""
    with live_server.app.app_context():
        seed_scheduling(db.session)
        db.session.commit()
    return live_server


def _new_context(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser):
    """A page in a fresh browser context (no cookies), JavaScript on."""
    context = _new_context(browser)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page_nojs(browser):
    """A page in a fresh browser context with JavaScript turned off."""
    context = _new_context(browser, java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- helpers shared by the browser tests -------------------------------------------------------


def set_marker(page):
    """Mark the window: the mark survives in-place updates and is lost on a full page load."""
    page.evaluate("window.__marker = 1")


def marker_survived(page) -> bool:
    return page.evaluate("window.__marker === 1")


def active_element_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


# Reports each content-security-policy violation on any page the tab opens, as it happens.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def watch_requests_and_errors(page) -> tuple[list, list]:
    """Lists that fill with every URL the page requests and every console or script error,
    content-security-policy violations included."""
    requests, errors = [], []
    page.expose_binding("reportCspViolation", lambda _source, text: errors.append(f"CSP violation: {text}"))
    page.add_init_script(CSP_WATCH)
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.text} [{message.location.get('url')}]") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return requests, errors
