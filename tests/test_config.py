"""Settings: defaults, environment overrides, and production's refusal of unsafe values."""

import pytest

from clinic_app import create_app
from config import (
    DEV_SECRET_KEY,
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_class,
)

SAFE_PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 48,
    "DATABASE_URL": "postgresql://clinic@db.internal/clinic",
    "MAIL_SERVER": "smtp.internal",
    "MAIL_USE_TLS": "true",
    "PUBLIC_BASE_URL": "https://www.clinic.example",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
}


@pytest.fixture
def clean_env(monkeypatch):
    """An environment with none of the app's settings set."""
    for name in [
        "SECRET_KEY",
        "DATABASE_URL",
        "MAIL_SERVER",
        "MAIL_PORT",
        "MAIL_USE_TLS",
        "MAIL_USE_SSL",
        "MAIL_BACKEND",
        "MAIL_DEFAULT_SENDER",
        "MAIL_ALLOW_PLAINTEXT",
        "MAIL_TIMEOUT",
        "CLINIC_ENV",
        "CLINIC_NAME",
        "FAIRFAX_NOTIFY_EMAILS",
        "POTOMAC_NOTIFY_EMAILS",
        "PORT",
        "FAIRFAX_PHONE",
        "PUBLIC_BASE_URL",
        "RATELIMIT_STORAGE_URI",
        "PROXY_HOPS",
    ]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_development_is_the_default_and_uses_sqlite_and_the_mail_sink(clean_env):
    settings = config_class()()
    assert isinstance(settings, DevelopmentConfig)
    assert settings.SQLALCHEMY_DATABASE_URI == "sqlite:///clinic.sqlite3"
    assert settings.MAIL_BACKEND == "file"
    assert settings.SECRET_KEY == DEV_SECRET_KEY
    assert settings.PORT == 5000


def test_every_setting_comes_from_the_environment(clean_env):
    clean_env.setenv("SECRET_KEY", "from-env")
    clean_env.setenv("DATABASE_URL", "postgres://u:p@db/clinic")
    clean_env.setenv("MAIL_SERVER", "smtp.example.org")
    clean_env.setenv("MAIL_PORT", "587")
    clean_env.setenv("MAIL_USE_TLS", "yes")
    clean_env.setenv("MAIL_DEFAULT_SENDER", "desk@example.org")
    clean_env.setenv("CLINIC_NAME", "Northern Virginia Spine")
    clean_env.setenv("FAIRFAX_NOTIFY_EMAILS", "a@example.org, b@example.org")
    clean_env.setenv("FAIRFAX_PHONE", "(703) 555-0111")
    clean_env.setenv("PORT", "8080")

    settings = DevelopmentConfig()

    assert settings.SECRET_KEY == "from-env"
    assert settings.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u:p@db/clinic"
    assert (settings.MAIL_SERVER, settings.MAIL_PORT, settings.MAIL_USE_TLS) == ("smtp.example.org", 587, True)
    assert settings.MAIL_DEFAULT_SENDER == "desk@example.org"
    assert settings.CLINIC_NAME == "Northern Virginia Spine"
    assert settings.OFFICE_SETTINGS["fairfax"] == {
        "phone": "(703) 555-0111",
        "notify_emails": ["a@example.org", "b@example.org"],
    }
    assert settings.PORT == 8080


@pytest.mark.parametrize("name,value", [("MAIL_USE_TLS", "maybe"), ("MAIL_PORT", "twenty-five")])
def test_a_malformed_setting_stops_start_up_with_its_name(clean_env, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        DevelopmentConfig()


def test_unknown_environment_name_is_refused(clean_env):
    clean_env.setenv("CLINIC_ENV", "staging")
    with pytest.raises(ConfigError, match="CLINIC_ENV"):
        config_class()


def test_production_starts_with_safe_settings(clean_env):
    for name, value in SAFE_PRODUCTION_ENV.items():
        clean_env.setenv(name, value)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["HSTS_SECONDS"] >= 365 * 24 * 3600
    assert app.config["MAIL_BACKEND"] == "smtp"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize(
    "change,problem",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"MAIL_SERVER": None}, "MAIL_SERVER"),
        ({"MAIL_USE_TLS": None}, "encrypted"),
        ({"PUBLIC_BASE_URL": None}, "PUBLIC_BASE_URL"),
        ({"PUBLIC_BASE_URL": "http://www.clinic.example"}, "PUBLIC_BASE_URL"),
        ({"RATELIMIT_STORAGE_URI": None}, "RATELIMIT_STORAGE_URI"),
        ({"HSTS_SECONDS": "86400"}, "HSTS_SECONDS"),
        ({"SESSION_COOKIE_SECURE": "false"}, "SESSION_COOKIE_SECURE"),
        ({"RATELIMIT_ENABLED": "false"}, "RATELIMIT_ENABLED"),
        ({"SMS_BACKEND": "twilio"}, "TWILIO_ACCOUNT_SID"),
    ],
)
def test_production_refuses_unsafe_settings(clean_env, change, problem):
    env = {**SAFE_PRODUCTION_ENV, **change}
    for name, value in env.items():
        if value is not None:
            clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=problem):
        create_app("production")


def test_production_accepts_plaintext_mail_only_from_a_relay_on_this_machine(clean_env):
    env = {**SAFE_PRODUCTION_ENV, "MAIL_USE_TLS": "false", "MAIL_ALLOW_PLAINTEXT": "true"}
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert ProductionConfig().MAIL_ALLOW_PLAINTEXT is True
    with pytest.raises(ConfigError, match="only for a relay on this machine"):
        create_app("production")  # smtp.internal: patients' emails would cross the network in clear
    clean_env.setenv("MAIL_SERVER", "127.0.0.1")
    create_app("production")


def test_testing_config_never_sends_real_mail(clean_env):
    clean_env.setenv("MAIL_BACKEND", "smtp")
    assert TestingConfig().MAIL_BACKEND == "file"
