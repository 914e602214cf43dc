"""The clinic's web application: patient site, online booking and back office."""

import logging
import os

from flask import Flask
from flask.logging import default_handler
from sqlalchemy.engine import make_url

from config import config_class

from . import assets, i18n, models, notify  # noqa: F401  (every table registered before migrations look)
from .cli import register_commands
from .database import configure_sqlite, ping_after_idle
from .errors import register_errorhandlers
from .extensions import csrf, db, limiter, login_manager, mail, migrate
from .htmx import add_vary_header
from .request_log import register_request_log
from .security import register_security
from .site_context import register_context


def create_app(config=None, **overrides):
    """Build the app from a config class or name (default: ``CLINIC_ENV``), plus overrides."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    settings = (config_class(config) if config is None or isinstance(config, str) else config)()
    app.config.from_object(settings)
    app.config.update(overrides)
    settings.validate()

    configure_logging(app)
    i18n.init_app(app)  # (its /es prefix middleware sits inside the proxy's: register_security)
    register_security(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_log(app)
    register_context(app)
    register_commands(app)
    app.after_request(add_vary_header)
    return app


def configure_logging(app):
    """Log at ``LOG_LEVEL`` through Flask's handler; our request log replaces werkzeug's.

    Werkzeug's access lines include query strings, which may carry what a patient typed.
    """
    app.logger.setLevel(app.config["LOG_LEVEL"].upper())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Flask-Limiter says when Redis is lost (and found again) on a logger of its own.
    limits_log = logging.getLogger("flask-limiter")
    limits_log.setLevel(logging.INFO)
    if default_handler not in limits_log.handlers:
        limits_log.addHandler(default_handler)


def register_extensions(app):
    """Bind every extension to this app."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # psycopg prepares a statement run five times; PostgreSQL then plans it once for any
        # values (a "generic" plan), which for the bookings list's "from today" counted every
        # appointment ever made. Plans made for the values at hand cost a fraction of a
        # millisecond and keep each page's work to its own rows.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        connect_args = options.get("connect_args", {})
        given = connect_args.get("options") or make_url(app.config["SQLALCHEMY_DATABASE_URI"]).query.get("options", "")
        settings = f"{given} -c plan_cache_mode=force_custom_plan".strip()  # (connect_args override the URL's)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": {**connect_args, "options": settings}}
    db.init_app(app)
    from . import stamps  # noqa: F401  (its session events raise the cache versions)

    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        ping_after_idle(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    migrations = os.path.join(os.path.dirname(app.root_path), "migrations")
    migrate.init_app(app, db, directory=migrations, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    assets.init_app(app)


def register_blueprints(app):
    """Mount each feature at its URL prefix."""
    from .admin import bp as admin_bp
    from .articles import bp as articles_bp
    from .ask import bp as ask_bp
    from .booking import bp as booking_bp
    from .health import bp as health_bp
    from .locations import bp as locations_bp
    from .pages import bp as pages_bp
    from .texting import bp as texting_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(articles_bp, url_prefix="/articles")
    app.register_blueprint(locations_bp, url_prefix="/locations")
    app.register_blueprint(ask_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(texting_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
