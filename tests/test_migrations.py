"""The committed migrations build the schema on SQLite and PostgreSQL and match the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from clinic_app import create_app
from clinic_app.extensions import db


def model_differences():
    """What autogenerate would still add or change after the migrations ran."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def check_migrations(url):
    """Upgrade, compare with the models, downgrade to nothing, upgrade again."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"office", "opening_hours", "alembic_version"} <= tables
        assert model_differences() == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade()
        assert model_differences() == []
        db.engine.dispose()


def test_migrations_match_the_models_on_sqlite(tmp_path):
    check_migrations(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(postgres_url):
    check_migrations(postgres_url)
