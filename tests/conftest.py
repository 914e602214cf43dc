"""Shared fixtures: an app on a fresh SQLite file per test, its client, PostgreSQL, factories."""

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from datetime import UTC, datetime

import psycopg
import pyotp
import pytest
from flask import has_app_context
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import select
from sqlalchemy.engine import make_url
from werkzeug.routing import Rule

import clinic_app.clock
from clinic_app import create_app
from clinic_app.extensions import db as _db
from clinic_app.models import Office, OpeningHours
from clinic_app.seed import seed_offices, seed_scheduling

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def in_app_context(app):
    """The app context already active (sharing its session and transaction), or a new one.

    On SQLite every transaction holds the write lock, so a second context (a second connection)
    inside the first would wait for it.
    """
    return contextlib.nullcontext() if has_app_context() else app.app_context()


def wait_for(condition, seconds=20, interval=0.1):
    """Poll ``condition`` until it is true (True) or ``seconds`` have passed (False)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


QUICK_HASH = "scrypt:1024:8:1"  # scrypt still, with cheap parameters (the default takes ~0.1 s)


@pytest.fixture
def real_password_hashing():
    """Asked for by a test that checks the app's own hashing: no quick hashes then."""


@pytest.fixture(autouse=True)
def quick_password_hashes(request, monkeypatch):
    """Cheap scrypt parameters for every test that does not test hashing itself (a faster suite)."""
    if "real_password_hashing" in request.fixturenames:
        return
    from werkzeug.security import generate_password_hash

    import clinic_app.models.staff as staff_model

    monkeypatch.setattr(
        staff_model,
        "generate_password_hash",
        lambda password, method="scrypt": generate_password_hash(password, QUICK_HASH),
    )


def set_clock(monkeypatch, moment):
    """Freeze the one clock (``clinic_app.clock``) at ``moment`` for every app and module."""
    monkeypatch.setattr(clinic_app.clock, "system_time", lambda: moment)


@pytest.fixture
def frozen_clock(monkeypatch):
    """A stoppable clock: ``frozen_clock["now"] = moment`` sets what every app reads as now."""
    moment = {"now": clinic_app.clock.system_time()}
    monkeypatch.setattr(clinic_app.clock, "system_time", lambda: moment["now"])
    return moment


MONDAY_8AM = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 8:00 AM in Fairfax


@pytest.fixture
def frozen(monkeypatch):
    """The clock stopped at Monday 8:00 AM in Fairfax; ``frozen["now"] = moment`` moves it."""
    moment = {"now": MONDAY_8AM}
    monkeypatch.setattr(clinic_app.clock, "system_time", lambda: moment["now"])
    return moment


def book_online(
    client, notes="My left leg gives way on stairs. SECRET-NOTE", reason="sciatica", language_prefix="", **more_details
):
    """Book the first Fairfax new-patient time through the real pages; the confirmation page.
    ``more_details``: further step-4 fields (``text_messages="y"``) or replaced ones;
    ``language_prefix="/es"`` books through the Spanish pages."""
    token = csrf_token_from(client.get(f"{language_prefix}/book/").get_data(as_text=True))

    def post(url, **data):
        return client.post(language_prefix + url, data={"csrf_token": token, **data})

    assert post("/book/", office="fairfax", visit_type="new-patient", reason=reason, provider="any").status_code == 303
    slot = re.search(
        r'name="slot" value="([^"]+)"', client.get(f"{language_prefix}/book/time").get_data(as_text=True)
    ).group(1)
    assert post("/book/time", slot=slot).status_code == 303
    answers = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}
    assert post("/book/screening", acknowledged="y", **answers).status_code == 303
    details = {
        "first_name": "Rosa",
        "last_name": "Parkes",
        "date_of_birth": "1961-02-03",
        "phone": "703 555 0188",
        "email": "rosa@example.org",
        "patient_status": "new",
        "notes": notes,
        "consent": "y",
        **more_details,
    }
    assert post("/book/details", **details).status_code == 303
    response = post("/book/review")
    assert response.status_code == 303
    response.close()
    return client.get(f"{language_prefix}/book/confirmed").get_data(as_text=True)


def seed_clinic(app):
    """Create the schema in ``app``'s database and load the offices, visit types and clinicians."""
    with app.app_context():
        _db.create_all()
        seed_offices(_db.session, app.config["OFFICE_SETTINGS"])
        _db.session.flush()
        seed_scheduling(_db.session)
        _db.session.commit()


def need_service(message):
    """Fail under CI (a missing service is a broken machine), skip on a laptop."""
    if IN_CI:
        pytest.fail(message + " (CI=true: tests that need it fail instead of skipping)")
    pytest.skip(message)


# Every test builds its own app; compiled templates are shared (Jinja checks each source's
# checksum before reusing its code, so what is rendered is unchanged).
TEMPLATE_CODE = FileSystemBytecodeCache(tempfile.mkdtemp(prefix="clinic-jinja-"))

# So are the URL builders Werkzeug compiles for each route (Python code generated from the rule,
# most of the time it takes to create an app): a builder depends only on the rule's text, its
# defaults and whether unknown arguments are appended, so the same rule gets the same function.
_compile_url_builder = Rule._compile_builder
_URL_BUILDERS = {}


def _shared_url_builder(rule, append_unknown=True):
    key = (rule.rule, rule.subdomain, rule.host, rule.merge_slashes, repr(sorted((rule.defaults or {}).items())))
    key += (append_unknown,)
    if key not in _URL_BUILDERS:
        _URL_BUILDERS[key] = _compile_url_builder(rule, append_unknown)
    return _URL_BUILDERS[key]


Rule._compile_builder = _shared_url_builder


def build_app(database_url, tmp_path, *, has_schema=False, **overrides):
    """An app with the testing config (plus ``overrides``) and an empty schema at ``database_url``
    (created unless the database ``has_schema`` already)."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, MAIL_SINK_DIR=str(tmp_path / "mail"), **overrides)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    if not has_schema:
        with app.app_context():
            _db.create_all()
    return app


def dispose(app):
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    """An app with the testing config and an empty schema in a fresh SQLite file."""
    app = build_app(f"sqlite:///{tmp_path / 'clinic.sqlite3'}", tmp_path)
    yield app
    dispose(app)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def each_database_app(request, tmp_path):
    """The ``app`` fixture on SQLite and then on a fresh PostgreSQL database: a module whose
    queries and transactions must hold on both says ``app = each_database_app`` (as a fixture)."""
    if request.param == "sqlite":
        app = build_app(f"sqlite:///{tmp_path / 'clinic.sqlite3'}", tmp_path)
    else:
        app = build_app(request.getfixturevalue("postgres_url_with_schema"), tmp_path, has_schema=True)
    yield app
    dispose(app)


@pytest.fixture
def client(app):
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``app``'s ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """The database, inside an app context."""
    with app.app_context():
        yield _db


@pytest.fixture
def offices(app):
    """The clinic's two real offices, as ``flask seed`` loads them: ``{slug: Office}``."""
    with app.app_context():
        seed_offices(_db.session, app.config["OFFICE_SETTINGS"])
        _db.session.commit()
        return {office.slug: office for office in _db.session.query(Office).all()}


@pytest.fixture
def clinic(app, offices):
    """The offices plus the seeded visit types, providers and their weekly hours."""
    with app.app_context():
        seed_scheduling(_db.session)
        _db.session.commit()
    return offices


@pytest.fixture
def make_office(app):
    """Factory: an office with sensible defaults, any field overridden."""

    def make(**overrides):
        values = {
            "slug": f"office-{uuid.uuid4().hex[:6]}",
            "name": "Test Office",
            "street": "1 Main St",
            "suite": "",
            "city": "Fairfax",
            "state": "VA",
            "postal_code": "22030",
            "phone": "(703) 555-0199",
            "timezone": "America/New_York",
            "notify_emails": "desk@example.org",
        }
        hours = overrides.pop("hours", None)
        values.update(overrides)
        with in_app_context(app):
            office = Office(**values)
            if hours:
                office.opening_hours = [OpeningHours(weekday=d, opens=o, closes=c) for d, o, c in hours]
            _db.session.add(office)
            _db.session.commit()
            _db.session.refresh(office)
            _db.session.expunge(office)
            return office

    return make


@pytest.fixture(scope="session")
def postgres_server():
    """The machine's PostgreSQL, reachable as an administrator, or a skip/fail."""
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=5, autocommit=True):
            pass
    except psycopg.OperationalError as error:
        need_service(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def redis_server():
    """The machine's Redis (a database of its own, emptied first), or a skip/fail."""
    import redis

    url = make_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    # Each pytest-xdist worker a database of its own, counting down from the one configured.
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    url = url.set(database=str(int(url.database or 0) - worker)).render_as_string(hide_password=False)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        need_service(f"Redis is not reachable at {url}: {error}")
    return url


@contextlib.contextmanager
def new_postgres_database(server, template="template1"):
    """A brand-new PostgreSQL database copied from ``template``; its SQLAlchemy URL, dropped afterwards."""
    name = f"clinic_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(server).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_server):
    """A brand-new empty PostgreSQL database for one test, dropped afterwards."""
    with new_postgres_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_with_schema(postgres_server, tmp_path_factory):
    """One database for the session holding the models' schema (made once: creating the tables
    for every test would take longer than the tests that use them)."""
    with new_postgres_database(postgres_server) as url:
        dispose(build_app(url, tmp_path_factory.mktemp("schema")))
        yield url


@pytest.fixture
def postgres_url_with_schema(postgres_with_schema):
    """The session's PostgreSQL database with every row deleted and every id counter reset: to a
    test it is as new as an empty database. (DELETE, not TRUNCATE: on a few rows it is ten times
    quicker.)"""
    url = make_url(postgres_with_schema).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(f'DELETE FROM "{table.name}"')
        for (sequence,) in conn.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").fetchall():
            conn.execute(f'ALTER SEQUENCE "{sequence}" RESTART')
    return postgres_with_schema


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


def csrf_token_from(html):
    """The CSRF token a page carries, in a form field or in the body's htmx headers."""
    match = CSRF_INPUT.search(html) or CSRF_HEADER.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


class SMTPRecorder:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": parsed})
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on a free loopback port; the app is pointed at it."""
    from aiosmtpd.controller import Controller

    recorder = SMTPRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = port
    recorder.port = port
    recorder.controller = controller
    yield recorder
    controller.stop()


def answers(url, context=None, timeout=2) -> bool:
    """True when ``url`` answers 200 now (``context``: the TLS context for an https:// test server)."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return response.status == 200
    except OSError:
        return False


def free_port():
    """A loopback TCP port nothing listens on (for "the mail server is down")."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_appointment(
    session, starts_at, provider="amira-haddad", office="fairfax", visit="follow-up", token=None, **overrides
):
    """An active appointment holding its provider's time (``Appointment.hold``), added to ``session``
    and flushed (the caller commits); its id. Seeded offices, clinicians and visit types needed."""
    from datetime import date

    from sqlalchemy import select

    from clinic_app.booking.service import new_reference, token_hash
    from clinic_app.models import Appointment, Provider, VisitType

    first_name = overrides.pop("first_name", "Test")
    values = {
        "reference": new_reference(),
        "office": session.scalars(select(Office).filter_by(slug=office)).one(),
        "first_name": first_name,
        "last_name": "Patient",
        "date_of_birth": date(1970, 1, 1),
        "phone": "(703) 555-0123",
        "email": "patient@example.org",
        "is_new_patient": False,
        "reason": "back-pain",
        "consent_to_contact": True,
        "screening": {},
        "screening_outcome": "clear",
        "manage_token_hash": token_hash(token or uuid.uuid4().hex),
        "booking_key": uuid.uuid4().hex,
    }
    values.update(overrides)
    appointment = Appointment.hold(
        provider=session.scalars(select(Provider).filter_by(slug=provider)).one(),
        visit_type=session.scalars(select(VisitType).filter_by(slug=visit)).one(),
        starts_at=starts_at,
        **values,
    )
    session.add(appointment)
    session.flush()
    return appointment.id


@pytest.fixture
def make_appointment(app, clinic):
    """Factory: an active appointment holding its provider's time, like a confirmed booking; its id."""

    def make(starts_at, **choices):
        with in_app_context(app):
            appointment_id = add_appointment(_db.session, starts_at, **choices)
            _db.session.commit()
            return appointment_id

    return make


PASSWORD = "correct horse battery staple"


def make_staff_user(
    app, email="admin@example.org", role="admin", office_slugs=(), name="", password=PASSWORD, second_factor=True
):
    """A back-office user (role admin or staff, offices by slug) in ``app``'s database, with an
    authenticator app set up unless ``second_factor`` is false (then sign-in asks to set one up); its id."""
    from clinic_app.models import StaffUser

    with in_app_context(app):
        user = StaffUser(
            email=email,
            name=name or email.split("@")[0].title(),
            role=role,
            offices=[o for o in _db.session.query(Office).all() if o.slug in office_slugs],
        )
        if second_factor:
            for name, value in authenticator_set_up().items():
                setattr(user, name, value)
        user.set_password(password)
        _db.session.add(user)
        _db.session.commit()
        return user.id


@pytest.fixture
def make_user(app, offices):
    """Factory: a back-office user (role admin or staff, offices by slug), password ``PASSWORD``."""

    def make(*args, **kwargs):
        return make_staff_user(app, *args, **kwargs)

    return make


def authenticator_set_up() -> dict:
    """A StaffUser's fields once an authenticator app is set up (a fresh key, confirmed)."""
    return {"totp_secret": pyotp.random_base32(), "totp_confirmed_at": clinic_app.clock.system_time()}


def authenticator_code(app, email, step=0):
    """What the user's authenticator app shows now (``step`` 30-second steps later)."""
    from clinic_app.models import StaffUser

    with in_app_context(app):
        user = _db.session.scalars(select(StaffUser).filter_by(email=email)).one()
        moment = clinic_app.clock.system_time().timestamp() + 30 * step
        return pyotp.TOTP(user.totp_secret).at(moment)


def forget_last_code(app, email):
    """Let the user's next code be accepted even within the same 30 seconds (tests sign in the
    same person many times at one frozen moment; the replay guard has tests of its own)."""
    from clinic_app.models import StaffUser

    with in_app_context(app):
        _db.session.scalars(select(StaffUser).filter_by(email=email)).one().totp_last_step = None
        _db.session.commit()


# Audit entries that record access (who signed in, who opened what) rather than a change; tests
# of what a change records leave them out (tests/admin/test_audit.py checks them).
ACCESS_ACTIONS = ("signed_in", "signed_out", "sign_in.failed", "sign_in.wrong_code", "appointment.viewed")


def sign_in(client, email, password=PASSWORD):
    """Sign in as staff do, through the real forms (CSRF tokens and all): the password, then the
    authenticator app's code. The password step's response when it is refused, else the code step's."""
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"csrf_token": token, "email": email, "password": password})
    if response.status_code != 303 or not response.headers["Location"].endswith("/admin/login/code"):
        return response
    return enter_code(client, email) or response


def enter_code(client, email):
    """The code step after a right password: the app's current code; its response (None when the
    user has no authenticator app yet and is asked to set one up)."""
    page = client.get("/admin/login/code").get_data(as_text=True)
    if "Set up a second step" in page:
        return None
    email = email.strip().lower()
    forget_last_code(client.application, email)
    code = authenticator_code(client.application, email)
    return client.post("/admin/login/code", data={"csrf_token": csrf_token_from(page), "code": code})


@pytest.fixture
def admin_client(app, make_user):
    """A client signed in as an admin (every office)."""
    make_user("admin@example.org", "admin")
    client = app.test_client()
    assert sign_in(client, "admin@example.org").status_code == 303
    return client


@pytest.fixture
def fairfax_staff_client(app, make_user):
    """A client signed in as front-desk staff of the Fairfax office only."""
    make_user("fairfax.desk@example.org", "staff", ["fairfax"])
    client = app.test_client()
    assert sign_in(client, "fairfax.desk@example.org").status_code == 303
    return client


# --- Debian's Chromium, shared by the browser and production tests --------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every wait in these tests is short: a local server answers in milliseconds.
TIMEOUT_MS = 5_000


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(executable):
        need_service("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("Playwright is not installed (pip install -r requirements-test.txt)")

    playwright = sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001  (any launch failure means no usable browser)
            need_service(f"Chromium at {executable} could not be started: {error}")
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def fake_twilio():
    """A local fake of Twilio's Messages API (see tests/fake_sms.py)."""
    from tests.fake_sms import FakeTwilio

    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def texting_app(app, fake_twilio):
    """``app`` sending its text messages to the fake provider."""
    app.config.update(fake_twilio.settings())
    return app
