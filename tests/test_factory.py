"""The application factory and the WSGI entry point."""

import importlib

from clinic_app import create_app


def test_factory_builds_the_chosen_config_with_overrides(tmp_path):
    app = create_app("testing", CLINIC_NAME="Test Spine Center")
    assert app.testing
    assert app.config["CLINIC_NAME"] == "Test Spine Center"
    assert {"pages", "health"} <= set(app.blueprints)


def test_factory_reads_clinic_env_when_no_config_is_given(monkeypatch):
    monkeypatch.setenv("CLINIC_ENV", "testing")
    assert create_app().testing


def test_each_app_is_independent():
    first = create_app("testing", CLINIC_NAME="One")
    second = create_app("testing", CLINIC_NAME="Two")
    assert first.config["CLINIC_NAME"] == "One"
    assert second.config["CLINIC_NAME"] == "Two"


def test_wsgi_exposes_an_app_for_gunicorn(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'wsgi.sqlite3'}")
    wsgi = importlib.import_module("wsgi")
    wsgi = importlib.reload(wsgi)
    assert wsgi.app.name == "clinic_app"
    assert wsgi.app.config["ENV_NAME"] == "development"
