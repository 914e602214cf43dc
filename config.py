"""Settings for every environment, each read from an environment variable with a safe default.

Values are read when a config object is *instantiated* (``create_app`` does that), not when this
module is imported, so a test or a deployment can change the environment before building an app.
"""

import os
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"


ONE_YEAR_SECONDS = 365 * 24 * 3600
# A mail relay on this machine (one that itself sends on over TLS) may be spoken to in plain text.
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


class ConfigError(RuntimeError):
    """A setting is missing or unsafe for the chosen environment."""


def env_str(name, default=None):
    """The variable's value, or ``default`` when it is unset or blank."""
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def env_bool(name, default=False):
    """``true/1/yes/on`` as True, ``false/0/no/off`` as False, anything else is an error."""
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_number(name, default, kind=int):
    """A number setting (``kind`` int or float); a value that is not one is an error, not a default."""
    value = env_str(name)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what}, not {value!r}") from None


def env_int(name, default):
    """An integer setting."""
    return env_number(name, default, int)


def env_list(name, default=()):
    """A comma-separated list, blanks dropped."""
    value = env_str(name)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


def reminder_hours(values, cutoff_hours) -> tuple:
    """``REMINDER_HOURS`` as whole hours, largest first; the first must come before the cut-off."""
    try:
        hours = tuple(sorted({int(value) for value in values}, reverse=True))
    except ValueError:
        raise ConfigError(f"REMINDER_HOURS must be whole hours like 72,24, not {','.join(values)!r}") from None
    if not hours or hours[-1] <= 0:
        raise ConfigError("REMINDER_HOURS needs at least one positive number of hours, like 72,24")
    if hours[0] <= cutoff_hours:
        raise ConfigError(
            f"REMINDER_HOURS: the first reminder ({hours[0]} h) must come before online changes close "
            f"(BOOKING_CHANGE_CUTOFF_HOURS, {cutoff_hours} h), or its Change link could only say to call"
        )
    return hours


def database_url(default):
    """``DATABASE_URL`` normalised for SQLAlchemy with psycopg 3 (``postgres://`` is accepted)."""
    url = env_str("DATABASE_URL", default)
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"

    def __init__(self):
        self.SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = database_url("sqlite:///clinic.sqlite3")
        # hide_parameters: a database error never writes patient data into the log.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
        # A pooled connection idle this long is tested before use (see database.ping_after_idle).
        self.DATABASE_PING_AFTER_IDLE_SECONDS = env_number("DATABASE_PING_AFTER_IDLE_SECONDS", 5.0, float)
        self.SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 15000)

        # The practice: neutral defaults, real values come from the environment.
        self.CLINIC_NAME = env_str("CLINIC_NAME", "Spine & Nerve Clinic")
        self.CLINIC_PHONE = env_str("CLINIC_PHONE", "(703) 555-0100")
        self.PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.OFFICE_SETTINGS = {
            "fairfax": {
                "phone": env_str("FAIRFAX_PHONE", "(703) 555-0142"),
                "notify_emails": env_list("FAIRFAX_NOTIFY_EMAILS", ["fairfax-frontdesk@example.org"]),
            },
            "potomac": {
                "phone": env_str("POTOMAC_PHONE", "(301) 555-0187"),
                "notify_emails": env_list("POTOMAC_NOTIFY_EMAILS", ["potomac-frontdesk@example.org"]),
            },
        }

        # Email. MAIL_BACKEND "file" writes each message as an .eml file (development sink);
        # "smtp" delivers through MAIL_SERVER.
        self.MAIL_BACKEND = env_str("MAIL_BACKEND", "smtp")
        self.MAIL_SINK_DIR = env_str("MAIL_SINK_DIR")  # default: <instance>/mail
        self.MAIL_SERVER = env_str("MAIL_SERVER", "localhost")
        self.MAIL_PORT = env_int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
        self.MAIL_USERNAME = env_str("MAIL_USERNAME")
        self.MAIL_PASSWORD = env_str("MAIL_PASSWORD")
        self.MAIL_DEFAULT_SENDER = env_str("MAIL_DEFAULT_SENDER", "appointments@example.org")
        self.MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)
        self.MAIL_ALLOW_PLAINTEXT = env_bool("MAIL_ALLOW_PLAINTEXT", False)
        self.OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)

        # Text messages (opt-in at booking step 4): SMS_BACKEND "off" (no texts, no opt-in shown),
        # "file" (development sink: each text a .txt file under SMS_SINK_DIR or instance/sms) or
        # "twilio" (Twilio's REST API; replies come to /texts/inbound, signed with the auth token).
        self.SMS_BACKEND = env_str("SMS_BACKEND", "off")
        self.SMS_SINK_DIR = env_str("SMS_SINK_DIR")
        self.SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10)
        self.TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
        self.TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
        self.TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")  # E.164, or use a messaging service:
        self.TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
        self.TWILIO_API_URL = env_str("TWILIO_API_URL", "https://api.twilio.com").rstrip("/")

        # Waitlist: a freed time is offered to this many waiting patients at once (in the order
        # they joined), each through a link that works this many minutes; the first to claim books.
        self.WAITLIST_OFFER_BATCH = env_int("WAITLIST_OFFER_BATCH", 3)
        self.WAITLIST_OFFER_MINUTES = env_int("WAITLIST_OFFER_MINUTES", 120)
        # /healthz says "degraded" when an email has waited longer than this (no worker running?).
        # `flask purge` (daily) clears the text of sent emails after this many days...
        self.EMAIL_BODY_RETENTION_DAYS = env_int("EMAIL_BODY_RETENTION_DAYS", 30)
        # ...removes patients' details from appointments this long after the visit (medical
        # records: seven years at least), or this many days after a cancelled visit's time...
        self.PATIENT_RECORD_RETENTION_YEARS = env_int("PATIENT_RECORD_RETENTION_YEARS", 7)
        self.CANCELLED_BOOKING_RETENTION_DAYS = env_int("CANCELLED_BOOKING_RETENTION_DAYS", 365)
        # ...and deletes patients' questions this many days after they were asked.
        self.QUESTION_RETENTION_DAYS = env_int("QUESTION_RETENTION_DAYS", 365)
        # ...and deletes waitlist entries (the patient's details) this many days after they ended.
        self.WAITLIST_RETENTION_DAYS = env_int("WAITLIST_RETENTION_DAYS", 30)
        # The outbox worker runs that purge this often (once across all workers).
        self.PURGE_EVERY_HOURS = env_int("PURGE_EVERY_HOURS", 24)
        # How often `flask outbox work` looks for email to deliver.
        self.OUTBOX_POLL_SECONDS = env_number("OUTBOX_POLL_SECONDS", 5.0, float)
        self.OUTBOX_STUCK_AFTER_SECONDS = env_int("OUTBOX_STUCK_AFTER_SECONDS", 15 * 60)

        # Online booking rules.
        self.BOOKING_MIN_NOTICE_MINUTES = env_int("BOOKING_MIN_NOTICE_MINUTES", 120)
        self.BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 60)
        self.BOOKING_CHANGE_CUTOFF_HOURS = env_int("BOOKING_CHANGE_CUTOFF_HOURS", 24)
        # With JavaScript, a booking step warns this many seconds before its answers are cleared
        # (a booking in progress is kept 30 minutes after its last step: DRAFT_LIFETIME), with a
        # "Keep my answers" button; the browser tests set it near the lifetime to see it at once.
        self.BOOKING_DRAFT_WARNING_SECONDS = env_int("BOOKING_DRAFT_WARNING_SECONDS", 300)
        # Reminders go out this many hours before a visit, the largest first; the first comes before
        # the change cut-off (so its Change and Cancel links still work), the last asks the health
        # questions again.
        if env_str("REMINDER_LEAD_HOURS") is not None:
            raise ConfigError("REMINDER_LEAD_HOURS is replaced by REMINDER_HOURS (hours before a visit, e.g. 72,24)")
        self.REMINDER_HOURS = reminder_hours(env_list("REMINDER_HOURS", ["72", "24"]), self.BOOKING_CHANGE_CUTOFF_HOURS)
        # Bookings one client address, and one email address, may make online in an hour (only
        # bookings made count: a time lost to another patient or a refusal does not).
        self.CONFIRMATIONS_PER_HOUR = env_int("CONFIRMATIONS_PER_HOUR", 20)
        # A patient may hold this many upcoming appointments booked under one email address.
        self.MAX_UPCOMING_BOOKINGS_PER_EMAIL = env_int("MAX_UPCOMING_BOOKINGS_PER_EMAIL", 3)
        # Booking steps 1 and 4 and the question form sent sooner than this after they were shown
        # are refused as automated (0: no timing check; the hidden honeypot field stays).
        self.FORM_MIN_FILL_SECONDS = env_number("FORM_MIN_FILL_SECONDS", 3.0, float)

        # Public pages (home, articles, offices, the office update) are kept rendered this long in
        # each process for visitors without a session, and browsers and proxies may keep them as
        # long; a change in the back office shows on them within this time (0: not kept).
        self.PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
        # Booking steps 1 and 2 and the back office's bookings list as rendered, and the free
        # times behind them, are kept in each process until what they show changes (in any
        # process on any host; see clinic_app/stamps.py) or the quarter hour turns; off only to
        # compare with it.
        self.RENDERED_PAGE_CACHE = env_bool("RENDERED_PAGE_CACHE", True)
        # Booking steps 1 and 2 are served kept without reading the database; a process checks the
        # data versions for another process's change at most this often (0: every request).
        self.VERSION_RECHECK_SECONDS = env_number("VERSION_RECHECK_SECONDS", 1.0, float)

        # The largest request body accepted (our forms are a few kilobytes); more answers 413.
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.MAX_FORM_MEMORY_SIZE = self.MAX_CONTENT_LENGTH

        # Each response says how long the app took (a Server-Timing header): for the benchmark.
        self.SERVER_TIMING = env_bool("SERVER_TIMING", False)

        # Off only for benchmarks (one client address stands for many patients); production refuses it.
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = env_str("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        # Redis down: limits go on in this process's memory (one warning line) instead of a 500,
        # and a Redis that does not answer is given up on quickly rather than holding the patient.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        self.WTF_CSRF_TIME_LIMIT = env_int("WTF_CSRF_TIME_LIMIT", 8 * 3600)
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
        # Strict-Transport-Security: how long browsers must use HTTPS only (0: not sent; on by
        # default in production, two years).
        self.HSTS_SECONDS = env_int("HSTS_SECONDS", 0)
        # A back-office session ends after this long without a request, and this long after
        # sign-in whatever happens (health data: automatic log-off).
        self.ADMIN_IDLE_MINUTES = env_int("ADMIN_IDLE_MINUTES", 30)
        # How long an emailed link to set a back-office password (an invitation) works.
        self.STAFF_PASSWORD_LINK_HOURS = env_int("STAFF_PASSWORD_LINK_HOURS", 72)
        self.ADMIN_SESSION_HOURS = env_int("ADMIN_SESSION_HOURS", 12)
        self.LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
        self.PORT = env_int("PORT", 5000)
        # How many reverse proxies (nginx, a load balancer) sit in front of the app: their
        # X-Forwarded-For/-Proto headers are trusted for that many hops, so rate limits see the
        # patient's address, not the proxy's.
        self.PROXY_HOPS = env_int("PROXY_HOPS", 0)

    def validate(self):
        """Refuse settings that cannot work in any environment."""
        problems = self.texting_problems()
        if problems:
            raise ConfigError("Text message settings refused: " + "; ".join(problems))

    def texting_problems(self) -> list:
        """What is missing or unsafe in the SMS settings."""
        if self.SMS_BACKEND not in {"off", "file", "twilio"}:
            return [f"SMS_BACKEND must be off, file or twilio, not {self.SMS_BACKEND!r}"]
        if self.SMS_BACKEND != "twilio":
            return []
        problems = [
            f"{name} must be set for SMS_BACKEND=twilio"
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
            if not getattr(self, name)
        ]
        if not (self.TWILIO_FROM_NUMBER or self.TWILIO_MESSAGING_SERVICE_SID):
            problems.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID must be set for SMS_BACKEND=twilio")
        host = urlsplit(self.TWILIO_API_URL).hostname or ""
        if not self.TWILIO_API_URL.startswith("https://") and host not in LOOPBACK_HOSTS:
            problems.append("TWILIO_API_URL must be an https:// address (plain http only on this machine)")
        return problems


class DevelopmentConfig(Config):
    """A laptop: SQLite under instance/, every email written to instance/mail as an .eml file."""

    ENV_NAME = "development"

    def __init__(self):
        super().__init__()
        self.MAIL_BACKEND = env_str("MAIL_BACKEND", "file")
        self.SMS_BACKEND = env_str("SMS_BACKEND", "file")


class TestingConfig(Config):
    """The test suite: CSRF stays on (tests post real tokens); nothing leaves the machine."""

    ENV_NAME = "testing"
    TESTING = True
    __test__ = False  # not a pytest test class, despite its name

    def __init__(self):
        super().__init__()
        self.SECRET_KEY = "testing-secret-key"
        self.MAIL_BACKEND = "file"
        self.MAIL_SERVER = "127.0.0.1"
        # Flask-Mail silently drops mail under TESTING; tests that choose SMTP talk to a real server.
        self.MAIL_SUPPRESS_SEND = False
        self.PUBLIC_BASE_URL = "http://localhost"
        self.RATELIMIT_STORAGE_URI = "memory://"
        # The tests submit forms at once; tests of the timing check set it themselves.
        self.FORM_MIN_FILL_SECONDS = 0
        # Pages change between requests in tests; the page cache's own tests turn it on.
        self.PAGE_CACHE_SECONDS = 0
        self.VERSION_RECHECK_SECONDS = 0


class ProductionConfig(Config):
    """Real patients: secrets, PostgreSQL and an encrypted mail server are required."""

    ENV_NAME = "production"

    def __init__(self):
        super().__init__()
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
        # "__Host-": browsers accept the cookie only from this exact host, over HTTPS, for every
        # path, so no sibling subdomain can set or overwrite it.
        self.SESSION_COOKIE_NAME = "__Host-session"
        self.HSTS_SECONDS = env_int("HSTS_SECONDS", 2 * ONE_YEAR_SECONDS)
        self.PREFERRED_URL_SCHEME = "https"

    def validate(self):
        """Stop start-up on a development secret, a missing database or an unsafe mail server."""
        problems = self.texting_problems()
        if not env_str("SECRET_KEY") or self.SECRET_KEY == DEV_SECRET_KEY or len(self.SECRET_KEY) < 32:
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        if not env_str("DATABASE_URL"):
            problems.append("DATABASE_URL must point at the production database")
        if not env_str("MAIL_SERVER"):
            problems.append("MAIL_SERVER must name the SMTP server")
        if self.MAIL_BACKEND != "smtp":
            problems.append("MAIL_BACKEND must be smtp in production")
        loopback = self.MAIL_SERVER in LOOPBACK_HOSTS
        if not (self.MAIL_USE_TLS or self.MAIL_USE_SSL) and not (self.MAIL_ALLOW_PLAINTEXT and loopback):
            problems.append(
                "mail must be encrypted: set MAIL_USE_TLS or MAIL_USE_SSL (MAIL_ALLOW_PLAINTEXT=true is accepted "
                "only for a relay on this machine, MAIL_SERVER=127.0.0.1, ::1 or localhost)"
            )
        if not self.PUBLIC_BASE_URL.startswith("https://") or not env_str("PUBLIC_BASE_URL"):
            problems.append("PUBLIC_BASE_URL must be the site's https:// address (it goes into patients' emails)")
        if not self.RATELIMIT_ENABLED:
            problems.append("RATELIMIT_ENABLED must stay on in production")
        if self.RATELIMIT_STORAGE_URI.startswith("memory://"):
            problems.append("RATELIMIT_STORAGE_URI must be shared by every worker, e.g. redis://127.0.0.1:6379/0")
        if self.MAIL_USE_TLS and self.MAIL_USE_SSL:
            problems.append("set only one of MAIL_USE_TLS and MAIL_USE_SSL")
        if self.HSTS_SECONDS < ONE_YEAR_SECONDS:
            problems.append(f"HSTS_SECONDS must be at least a year ({ONE_YEAR_SECONDS}) in production")
        if not self.SESSION_COOKIE_SECURE:
            problems.append("SESSION_COOKIE_SECURE must stay on in production (the site is served over HTTPS only)")
        if problems:
            raise ConfigError("Production settings refused: " + "; ".join(problems))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name=None):
    """The config class for ``name``, or for ``CLINIC_ENV`` (default ``development``)."""
    name = name or env_str("CLINIC_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"CLINIC_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
