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


def check_rows_survive_and_clinicians_get_their_visit_types(url):
    """Data written before the clinicians' visit types (3deba1f95b3e): a table rebuilt by batch
    mode on SQLite keeps the rows that refer to it, and clinicians get every in-person kind of
    visit, plus video if they offered it."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="490c0cff7f10")
        statements = [
            "INSERT INTO office (id, slug, name, street, suite, city, state, postal_code, phone, timezone,"
            " notify_emails, offers_telehealth) VALUES (1, 'fairfax', 'Fairfax, VA', '4001 Fair Ridge Dr', '',"
            " 'Fairfax', 'VA', '22033', '', 'America/New_York', 'desk@example.org', true)",
            "INSERT INTO visit_type (id, slug, name, description, duration_minutes, buffer_minutes, is_telehealth,"
            " active, sort_order) VALUES (1, 'new-patient', 'New', '', 45, 15, false, true, 1),"
            " (2, 'video-consultation', 'Video', '', 30, 0, true, true, 3)",
            "INSERT INTO provider (id, slug, name, credentials, specialty, offers_telehealth, active)"
            " VALUES (1, 'on-video', 'On Video', '', '', true, true),"
            " (2, 'in-person', 'In Person', '', '', false, true)",
            "INSERT INTO provider_office (provider_id, office_id) VALUES (1, 1), (2, 1)",
            "INSERT INTO working_hours (provider_id, office_id, weekday, starts, ends)"
            " VALUES (1, 1, 0, '08:00:00', '12:00:00'), (2, 1, 0, '08:00:00', '12:00:00')",
            "INSERT INTO staff_user (id, email, name, password_hash, role, active, session_version, created_at)"
            " VALUES (1, 'desk@example.org', 'Desk', 'x', 'staff', true, 1, '2026-12-01 00:00:00')",
            "INSERT INTO staff_office (user_id, office_id) VALUES (1, 1)",
            "INSERT INTO recovery_code (user_id, code_hash) VALUES (1, 'h')",
        ]
        with db.engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
        upgrade()
        with db.engine.connect() as connection:

            def count(table):
                return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()

            assert [count(t) for t in ("provider_office", "working_hours", "staff_office", "recovery_code")] == [
                2,
                2,
                1,
                1,
            ]
            offered = connection.exec_driver_sql(
                "SELECT provider_id, visit_type_id FROM provider_visit_type ORDER BY 1, 2"
            ).fetchall()
            assert [tuple(row) for row in offered] == [(1, 1), (1, 2), (2, 1)]
            patients = connection.exec_driver_sql("SELECT slug, patients FROM visit_type ORDER BY id").fetchall()
            assert [tuple(row) for row in patients] == [("new-patient", "new"), ("video-consultation", "any")]
        db.engine.dispose()


def test_data_survives_the_migrations_on_sqlite(tmp_path):
    check_rows_survive_and_clinicians_get_their_visit_types(f"sqlite:///{tmp_path / 'data.sqlite3'}")


@pytest.mark.postgres
def test_data_survives_the_migrations_on_postgresql(postgres_url):
    check_rows_survive_and_clinicians_get_their_visit_types(postgres_url)
